#include "server/core/retention.h"

#include <stdio.h>

#include <string>

#include "server/model/status_macros.h"

namespace alertgate {

RetentionPruner::RetentionPruner(IncidentStore* store, const Clock* clock,
                                 const RetentionOptions& options)
    : store_(store),
      clock_(clock),
      options_(options),
      background_(options.interval, [this] {
        absl::StatusOr<PruneCounts> pruned = RunOnce();
        if (!pruned.ok()) {
          fprintf(stderr, "alertgate: retention: %s\n",
                  std::string(pruned.status().message()).c_str());
        }
      }) {}

absl::StatusOr<PruneCounts> RetentionPruner::RunOnce() {
  PruneCounts counts;
  AG_ASSIGN_OR_RETURN(const bool ran, store_->RunExclusive("retention", [&] {
    return Prune(counts);
  }));
  counts.pruned_elsewhere = !ran;
  return counts;
}

absl::Status RetentionPruner::Prune(PruneCounts& counts) {
  const absl::Time now = clock_->Now();
  // One batch per write: ingest's writes queue behind at most one batch.
  auto drain = [&](auto prune, int64_t& total) -> absl::Status {
    while (true) {
      int deleted = 0;
      AG_RETURN_IF_ERROR(
          store_->Write([&](StoreTransaction& tx) -> absl::Status {
            AG_ASSIGN_OR_RETURN(deleted, prune(tx));
            return absl::OkStatus();
          }));
      total += deleted;
      if (deleted < options_.batch) return absl::OkStatus();
    }
  };
  if (options_.idempotency_keys > absl::ZeroDuration()) {
    const absl::Time before = now - options_.idempotency_keys;
    AG_RETURN_IF_ERROR(drain(
        [&](StoreTransaction& tx) {
          return tx.PruneIdempotencyRecords(before, options_.batch);
        },
        counts.idempotency_keys));
  }
  if (options_.resolved_incidents > absl::ZeroDuration()) {
    const absl::Time before = now - options_.resolved_incidents;
    AG_RETURN_IF_ERROR(drain(
        [&](StoreTransaction& tx) {
          return tx.PruneResolvedIncidents(before, options_.batch);
        },
        counts.resolved_incidents));
  }
  if (options_.folded_alerts > absl::ZeroDuration()) {
    const absl::Time before = now - options_.folded_alerts;
    AG_RETURN_IF_ERROR(drain(
        [&](StoreTransaction& tx) {
          return tx.PruneFoldEvents(before, options_.batch);
        },
        counts.fold_events));
  }
  if (options_.deliveries > absl::ZeroDuration()) {
    const absl::Time before = now - options_.deliveries;
    AG_RETURN_IF_ERROR(drain(
        [&](StoreTransaction& tx) {
          return tx.PruneDeliveries(before, options_.batch);
        },
        counts.deliveries));
  }
  if (options_.outbound_messages > absl::ZeroDuration()) {
    const absl::Time before = now - options_.outbound_messages;
    AG_RETURN_IF_ERROR(drain(
        [&](StoreTransaction& tx) {
          return tx.PruneOutboundMessages(before, options_.batch);
        },
        counts.outbound_messages));
  }
  return absl::OkStatus();
}

}  // namespace alertgate
