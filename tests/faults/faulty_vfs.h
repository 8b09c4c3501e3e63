// FaultyVfs: an SQLite VFS that forwards every call to the default one and
// fails, on demand, the calls a disk can fail: fsync (SQLITE_IOERR_FSYNC)
// and writes (SQLITE_FULL). Installed as the default VFS of the test
// process, so the real SqliteStore, unchanged, runs on it.
//
// A real disk cannot be made to fail one particular commit; this is the
// fake that reaches that path (the rest of the stack is real).
//
// Thread safety: the switches may be flipped from any thread.
#ifndef ALERTGATE_TESTS_FAULTS_FAULTY_VFS_H_
#define ALERTGATE_TESTS_FAULTS_FAULTY_VFS_H_

namespace alertgate::testing {

class FaultyVfs {
 public:
  // Registers the VFS as the process's default (once).
  static void Install();

  // While set, every xSync answers SQLITE_IOERR_FSYNC.
  static void FailSyncs(bool fail);
  // While set, every xWrite answers SQLITE_FULL.
  static void FailWrites(bool fail);
  // Syncs failed so far.
  static int FailedSyncs();
};

}  // namespace alertgate::testing

#endif  // ALERTGATE_TESTS_FAULTS_FAULTY_VFS_H_
