#include "server/core/periodic_task.h"

#include <utility>

namespace alertgate {

PeriodicTask::PeriodicTask(absl::Duration interval, std::function<void()> run) {
  if (interval <= absl::ZeroDuration()) return;
  thread_ = std::thread([this, interval, run = std::move(run)] {
    absl::MutexLock lock(&mu_);
    while (true) {
      auto stopping = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stopping_;
      };
      if (mu_.AwaitWithTimeout(absl::Condition(&stopping), interval)) return;
      mu_.Unlock();
      run();
      mu_.Lock();
    }
  });
}

PeriodicTask::~PeriodicTask() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

}  // namespace alertgate
