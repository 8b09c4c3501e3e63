// GroupCommitQueue: the write side every store shares. Write() and
// WriteAsync() queue their callbacks; one writer thread takes up to
// `max_batch` of them at a time and hands them to the store's `commit`,
// which runs them in one transaction (each isolated, e.g. by a savepoint)
// and returns one status per callback, OK only for what is durable. Only
// then is each caller answered: concurrent writers share one commit (one
// fsync) instead of paying one each, and nobody hears OK early.
//
// Thread safety: Write() and WriteAsync() from any thread. The destructor
// answers what is queued, then joins the writer.
#ifndef ALERTGATE_SERVER_STORE_GROUP_COMMIT_H_
#define ALERTGATE_SERVER_STORE_GROUP_COMMIT_H_

#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "server/store/incident_store.h"

namespace alertgate {

class GroupCommitQueue {
 public:
  // Runs the callbacks of one batch in one transaction; returns as many
  // statuses, in order.
  using Commit = std::function<std::vector<absl::Status>(
      const std::vector<const IncidentStore::WriteWork*>& batch)>;

  // Starts the writer thread. `closing` is what callers hear after the
  // queue began to stop.
  GroupCommitQueue(int max_batch, Commit commit);
  // Commits what is queued, answers it, and stops the writer.
  ~GroupCommitQueue();
  GroupCommitQueue(const GroupCommitQueue&) = delete;
  GroupCommitQueue& operator=(const GroupCommitQueue&) = delete;

  absl::Status Write(IncidentStore::WriteWork work);
  void WriteAsync(IncidentStore::WriteWork work, IncidentStore::WriteDone done);

 private:
  struct Pending {
    IncidentStore::WriteWork work;
    absl::Status result;
    bool done = false;
    // Set for WriteAsync(): the writer answers it and deletes the Pending.
    IncidentStore::WriteDone on_done;
  };
  void WriterLoop();

  const int max_batch_;
  const Commit commit_;
  absl::Mutex mu_;
  std::deque<Pending*> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread writer_;  // Last: starts after everything above exists.
};

}  // namespace alertgate

#endif  // ALERTGATE_SERVER_STORE_GROUP_COMMIT_H_
