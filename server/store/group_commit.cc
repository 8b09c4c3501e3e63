#include "server/store/group_commit.h"

#include <memory>
#include <utility>

#include "server/model/errors.h"

namespace alertgate {

GroupCommitQueue::GroupCommitQueue(int max_batch, Commit commit)
    : max_batch_(max_batch), commit_(std::move(commit)) {
  writer_ = std::thread([this] { WriterLoop(); });
}

GroupCommitQueue::~GroupCommitQueue() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  writer_.join();
}

absl::Status GroupCommitQueue::Write(IncidentStore::WriteWork work) {
  Pending pending;
  pending.work = std::move(work);
  absl::MutexLock lock(&mu_);
  if (stopping_) return errors::StoreUnavailable("closing");
  queue_.push_back(&pending);
  mu_.Await(absl::Condition(&pending.done));
  return pending.result;
}

void GroupCommitQueue::WriteAsync(IncidentStore::WriteWork work,
                                  IncidentStore::WriteDone done) {
  auto pending = std::make_unique<Pending>();
  pending->work = std::move(work);
  pending->on_done = std::move(done);
  {
    absl::MutexLock lock(&mu_);
    if (!stopping_) {
      queue_.push_back(pending.release());
      return;
    }
  }
  pending->on_done(errors::StoreUnavailable("closing"));
}

void GroupCommitQueue::WriterLoop() {
  std::vector<Pending*> batch;
  std::vector<const IncidentStore::WriteWork*> works;
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      auto has_work = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return !queue_.empty() || stopping_;
      };
      mu_.Await(absl::Condition(&has_work));
      if (queue_.empty()) return;  // Stopping, and every write answered.
      while (!queue_.empty() && static_cast<int>(batch.size()) < max_batch_) {
        batch.push_back(queue_.front());
        queue_.pop_front();
      }
    }
    for (Pending* pending : batch) works.push_back(&pending->work);
    std::vector<absl::Status> results = commit_(works);
    results.resize(batch.size(), errors::StoreUnavailable("not committed"));
    // Asynchronous writers are answered here, outside the lock; synchronous
    // ones wake up in Write().
    for (size_t i = 0; i < batch.size(); ++i) {
      if (batch[i]->on_done) {
        std::unique_ptr<Pending> owned(batch[i]);
        owned->on_done(results[i]);
        batch[i] = nullptr;
      }
    }
    {
      absl::MutexLock lock(&mu_);
      for (size_t i = 0; i < batch.size(); ++i) {
        if (batch[i] == nullptr) continue;
        batch[i]->result = results[i];
        batch[i]->done = true;
      }
    }
    batch.clear();
    works.clear();
  }
}

}  // namespace alertgate
