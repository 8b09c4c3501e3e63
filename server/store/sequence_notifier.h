// SequenceNotifier: tells waiting watchers that something grew — the event
// log, or the count of webhook-credential changes.
//
// The store publishes the highest committed sequence after each commit (the
// catalog advances its count after each credential change); watchers wait
// for it to pass the last value they saw. Publishing never
// blocks on watchers, so a slow watcher cannot hold up ingestion.
//
// Thread safety: all methods are safe to call concurrently.
#ifndef ALERTGATE_SERVER_STORE_SEQUENCE_NOTIFIER_H_
#define ALERTGATE_SERVER_STORE_SEQUENCE_NOTIFIER_H_

#include <cstdint>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace alertgate {

class SequenceNotifier {
 public:
  explicit SequenceNotifier(int64_t initial) : last_(initial) {}

  // Records that every sequence up to `sequence` is committed.
  void Publish(int64_t sequence) {
    absl::MutexLock lock(&mu_);
    if (sequence > last_) last_ = sequence;
  }

  // Adds one and returns the new value: for counts that several writers
  // advance, where Publish(Last() + 1) could lose a step.
  int64_t Advance() {
    absl::MutexLock lock(&mu_);
    return ++last_;
  }

  // Wakes every waiter for good (the store is closing).
  void Close() {
    absl::MutexLock lock(&mu_);
    closed_ = true;
  }

  bool IsClosed() {
    absl::MutexLock lock(&mu_);
    return closed_;
  }

  int64_t Last() {
    absl::MutexLock lock(&mu_);
    return last_;
  }

  // Waits until Last() > `sequence`, Close(), or the timeout.
  bool WaitAfter(int64_t sequence, absl::Duration timeout) {
    absl::MutexLock lock(&mu_);
    auto ready = [this, sequence]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return last_ > sequence || closed_;
    };
    mu_.AwaitWithTimeout(absl::Condition(&ready), timeout);
    return last_ > sequence;
  }

 private:
  absl::Mutex mu_;
  int64_t last_ ABSL_GUARDED_BY(mu_);
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace alertgate

#endif  // ALERTGATE_SERVER_STORE_SEQUENCE_NOTIFIER_H_
