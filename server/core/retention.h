// RetentionPruner: keeps the store from growing forever. In the background
// it deletes idempotency keys older than their window and resolved
// incidents (with their timelines) older than theirs, in small batches,
// each its own write, so ingest is never stalled by more than one batch.
//
// The windows are the operator's (docs/operations.md); an idempotency key
// must be kept longer than any sender's retry horizon, since a delivery
// retried after its key is pruned has a second effect.
//
// Thread safety: RunOnce() may be called from any thread; the background
// thread runs it every `interval`.
#ifndef ALERTGATE_SERVER_CORE_RETENTION_H_
#define ALERTGATE_SERVER_CORE_RETENTION_H_

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/common/clock.h"
#include "server/core/periodic_task.h"
#include "server/store/incident_store.h"

namespace alertgate {

struct RetentionOptions {
  // Zero keeps them forever.
  absl::Duration idempotency_keys = absl::Hours(24 * 7);
  absl::Duration resolved_incidents = absl::Hours(24 * 90);
  // Timeline entries of folded alerts, of open incidents too (an incident
  // that never resolves would otherwise grow by one entry per alert).
  absl::Duration folded_alerts = absl::Hours(24 * 30);
  // The delivery log (with the bodies of refused deliveries).
  absl::Duration deliveries = absl::Hours(24 * 7);
  // Outbound webhook messages after they were delivered or dead-lettered.
  absl::Duration outbound_messages = absl::Hours(24 * 7);
  // How often the background thread prunes; zero: no background thread.
  absl::Duration interval = absl::Minutes(1);
  // Rows per write.
  int batch = 500;
};

struct PruneCounts {
  int64_t idempotency_keys = 0;
  int64_t resolved_incidents = 0;
  int64_t fold_events = 0;
  int64_t deliveries = 0;
  int64_t outbound_messages = 0;
  // True when another core sharing the store was pruning, so this one
  // left it alone.
  bool pruned_elsewhere = false;
};

class RetentionPruner {
 public:
  // REQUIRES: `store` and `clock` outlive the pruner.
  RetentionPruner(IncidentStore* store, const Clock* clock,
                  const RetentionOptions& options);
  // Stops the background thread, waiting for a batch in progress.
  ~RetentionPruner() = default;
  RetentionPruner(const RetentionPruner&) = delete;
  RetentionPruner& operator=(const RetentionPruner&) = delete;

  // Prunes everything past its window now, batch by batch; or nothing, when
  // another core sharing the store is pruning (one at a time).
  absl::StatusOr<PruneCounts> RunOnce();

 private:
  absl::Status Prune(PruneCounts& counts);

  IncidentStore* store_;
  const Clock* clock_;
  RetentionOptions options_;
  PeriodicTask background_;  // Last: stopped before the rest goes.
};

}  // namespace alertgate

#endif  // ALERTGATE_SERVER_CORE_RETENTION_H_
