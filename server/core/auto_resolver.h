// AutoResolver: resolves open incidents that went quiet. For each service
// with auto-resolve settings (RuleBook::SetAutoResolve), an open incident
// (triggered, acknowledged or suppressed) of the setting's source whose
// last alert is older than the setting's quiet time is resolved, actor
// "timer:auto-resolve", with the reason in its timeline.
//
// The timers are the incidents' stored last_seen_at, so they survive
// restarts; each sweep runs on one process at a time among those sharing the
// store (IncidentStore::RunExclusive), and each resolution re-reads the
// incident in its own transaction, so an alert that came meanwhile keeps it
// open and no incident is resolved twice. Time is the injected clock's.
//
// Thread safety: RunOnce() may be called from any thread; the background
// thread runs it every `interval`.
#ifndef ALERTGATE_SERVER_CORE_AUTO_RESOLVER_H_
#define ALERTGATE_SERVER_CORE_AUTO_RESOLVER_H_

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/common/clock.h"
#include "server/core/incident_core.h"
#include "server/core/periodic_task.h"
#include "server/store/incident_store.h"

namespace alertgate {

class AutoResolver {
 public:
  static constexpr int kBatch = 200;

  // `interval` zero: no background thread (tests call RunOnce()).
  // `core` resolves (and tells the service's webhooks); `store` is the one
  // it writes to. REQUIRES: all outlive the resolver.
  AutoResolver(IncidentCore* core, IncidentStore* store, const Clock* clock,
               absl::Duration interval);
  ~AutoResolver() = default;
  AutoResolver(const AutoResolver&) = delete;
  AutoResolver& operator=(const AutoResolver&) = delete;

  // Resolves what is quiet now; returns how many incidents it resolved (0
  // when another process sharing the store is sweeping).
  absl::StatusOr<int> RunOnce();

 private:
  absl::Status Sweep(int& resolved);

  IncidentCore* core_;
  IncidentStore* store_;
  const Clock* clock_;
  PeriodicTask background_;  // Last: stopped before the rest goes.
};

}  // namespace alertgate

#endif  // ALERTGATE_SERVER_CORE_AUTO_RESOLVER_H_
