// PeriodicTask: runs a function on a thread of its own every `interval`
// until destroyed. The background half of the core's jobs (retention,
// auto-resolve); each job's RunOnce() stays callable directly, as tests do.
//
// Thread safety: construct and destroy on one thread; `run` runs on the
// task's thread, never twice at once.
#ifndef ALERTGATE_SERVER_CORE_PERIODIC_TASK_H_
#define ALERTGATE_SERVER_CORE_PERIODIC_TASK_H_

#include <functional>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace alertgate {

class PeriodicTask {
 public:
  // `interval` zero or less: no thread, `run` never runs.
  PeriodicTask(absl::Duration interval, std::function<void()> run);
  // Stops the thread, waiting for a run in progress.
  ~PeriodicTask();
  PeriodicTask(const PeriodicTask&) = delete;
  PeriodicTask& operator=(const PeriodicTask&) = delete;

 private:
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace alertgate

#endif  // ALERTGATE_SERVER_CORE_PERIODIC_TASK_H_
