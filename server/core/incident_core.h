// IncidentCore: the incident state machine applied to stored incidents.
//
// Every state change goes through here: alerts (Ingest), people and tools
// acting by incident id (Acknowledge, Resolve). Each call is one store
// transaction, durable when it returns OK. Reads (Get, List) and the event
// log cursor (IncidentWatch) sit beside them.
//
// Thread safety: all methods are safe to call concurrently.
#ifndef ALERTGATE_SERVER_CORE_INCIDENT_CORE_H_
#define ALERTGATE_SERVER_CORE_INCIDENT_CORE_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "server/common/clock.h"
#include "server/core/id_generator.h"
#include "server/core/rule_book.h"
#include "server/model/delivery.h"
#include "server/model/incident_model.h"
#include "server/store/incident_store.h"

namespace alertgate {

// An incident and one page of its timeline.
struct IncidentWithTimeline {
  Incident incident;
  std::vector<IncidentEvent> timeline;   // Newest first.
  std::string next_timeline_page_token;  // Empty on the last page.
};

struct IncidentPage {
  std::vector<Incident> incidents;  // Newest first.
  std::string next_page_token;      // Empty on the last page.
};

struct ApiActionResult {
  Incident incident;
  bool changed = false;  // False when the incident was already there.
  int64_t sequence = 0;  // Of the event the change wrote; 0 if unchanged.
};

class IncidentCore {
 public:
  static constexpr int kDefaultPageSize = 50;
  static constexpr int kMaxPageSize = 1000;
  static constexpr int kDefaultTimelinePageSize = 100;
  // A page of ListIncidents stops before it passes this many bytes (gRPC's
  // default message limit is 4 MiB).
  static constexpr size_t kMaxPageBytes = 2 * 1024 * 1024;

  // REQUIRES: every argument outlives the core.
  IncidentCore(IncidentStore* store, const Clock* clock, IdGenerator* ids);

  // The services' rules, which Ingest applies (rule_book.h).
  RuleBook& rules() { return rules_; }

  // Applies one alert, after its service's rules (which may change its tags
  // and severity, route it to another service, suppress the incident it
  // opens, or close a stale one: rule_book.h, docs/rules.md).
  // INVALID_ARGUMENT for a malformed alert, NOT_FOUND for an unknown
  // service. With an idempotency key seen before for the service (the one
  // it was routed to, if any), returns the first call's outcome (replayed)
  // and changes nothing. With `delivery`, as IngestAsync() below.
  absl::StatusOr<IngestResult> Ingest(
      const Alert& alert, std::optional<Delivery> delivery = std::nullopt);

  using IngestDone = std::function<void(absl::StatusOr<IngestResult>)>;
  // Ingest() without waiting: `done` runs once the change is committed (or
  // failed), on the store's writer thread, so it must be quick.
  //
  // With `delivery` (the webhook delivery the alert came from), its
  // delivery-log entry is written in the same transaction: its id, incident
  // ids and outcome (ACCEPTED, or REPLAYED for a replay) set here. It is
  // checked as DeliveryLog::Check() does, errors naming "delivery.<field>";
  // a kept request is refused. Nothing is applied when it is refused.
  void IngestAsync(Alert alert, IngestDone done,
                   std::optional<Delivery> delivery = std::nullopt);

  // Most alerts one IngestBatchAsync() takes.
  static constexpr size_t kMaxBatchAlerts = 1000;
  using IngestBatchDone =
      std::function<void(absl::StatusOr<std::vector<IngestResult>>)>;
  // Several alerts in order, in one transaction: all are committed or none
  // is; later alerts see earlier ones. Errors name the alert ("alerts[2]:
  // ..."). `done` runs as for IngestAsync(), and `delivery` is recorded as
  // there (REPLAYED when every alert was a replay; the incident ids of the
  // first 100 alerts that have one).
  void IngestBatchAsync(std::vector<Alert> alerts, IngestBatchDone done,
                        std::optional<Delivery> delivery = std::nullopt);

  // A test alert for (service, source), as a sender's "test connection"
  // makes one: a test incident opened and resolved in one transaction,
  // which the source's activity counts (it shows as receiving alerts).
  // Returns the resolved incident. INVALID_ARGUMENT for a malformed source
  // name, NOT_FOUND for an unknown service.
  absl::StatusOr<Incident> SendTestAlert(const std::string& service_id,
                                         const std::string& source,
                                         const std::string& actor);

  // By incident id, on behalf of `actor`. NOT_FOUND for an unknown id;
  // acknowledging a RESOLVED incident is FAILED_PRECONDITION; acknowledging
  // an acknowledged one or resolving a resolved one changes nothing.
  absl::StatusOr<ApiActionResult> Acknowledge(const std::string& id,
                                              const std::string& actor,
                                              const std::string& note);
  absl::StatusOr<ApiActionResult> Resolve(const std::string& id,
                                          const std::string& actor,
                                          const std::string& note);

  // Resolves incident `id` on behalf of `actor` (a timer) with `note`, if it
  // is open and its last alert came before `quiet_since`, checked in the
  // transaction that resolves it. Returns whether it resolved it.
  absl::StatusOr<bool> ResolveIfQuiet(const std::string& id,
                                      absl::Time quiet_since,
                                      const std::string& actor,
                                      const std::string& note);

  // The incident and the newest `timeline_page_size` entries of its
  // timeline (0: kDefaultTimelinePageSize) before the page token's.
  absl::StatusOr<IncidentWithTimeline> GetIncident(
      const std::string& id, int timeline_page_size = 0,
      const std::string& timeline_page_token = "");

  // `page_size` 0 means kDefaultPageSize; larger than kMaxPageSize is
  // lowered to it; negative is INVALID_ARGUMENT, as is a malformed token.
  absl::StatusOr<IncidentPage> ListIncidents(const IncidentFilter& filter,
                                             int page_size,
                                             const std::string& page_token);

 private:
  // Acknowledges or resolves incident `id`. With `still_wanted`, checked on
  // the incident in the transaction that would change it: when it does not
  // hold, nothing changes (changed = false).
  absl::StatusOr<ApiActionResult> ActById(
      const std::string& id, Action action, const std::string& actor,
      const std::string& note,
      const std::function<bool(const Incident&)>& still_wanted = nullptr);

  // The transaction of one ingest: what Ingest() commits.
  absl::Status ApplyIngest(StoreTransaction& tx, const Alert& alert,
                           absl::Time now, IngestResult& result);

  // Appends `change` (of `incident`, as it is after it) to the log and, in
  // the same transaction, a message to the outbox for each of `notify`'s
  // webhook subscriptions that asks for it. Returns the change's sequence.
  absl::StatusOr<int64_t> RecordChange(StoreTransaction& tx,
                                       const Incident& incident,
                                       const IncidentEvent& change,
                                       const RuleSet* notify);

  // True when `service_id` names a service (checked in `tx` the first time).
  absl::StatusOr<bool> ServiceExists(StoreTransaction& tx,
                                     const std::string& service_id);

  IncidentStore* store_;
  const Clock* clock_;
  IdGenerator* ids_;
  RuleBook rules_;
  // Services are never deleted, so one that existed once exists for good;
  // remembering them saves a lookup in every ingest transaction.
  absl::Mutex known_services_mu_;
  absl::flat_hash_set<std::string> known_services_
      ABSL_GUARDED_BY(known_services_mu_);
};

// IncidentWatch: reads the global event log from a sequence number on, first
// what is stored, then what is committed later, with no gap and no duplicate.
//
// Thread safety: one thread uses a watch at a time.
class IncidentWatch {
 public:
  static constexpr int kBatchSize = 500;

  // Events with sequence > `after_sequence`, of `service_id` (all if empty).
  IncidentWatch(IncidentStore* store, int64_t after_sequence,
                std::string service_id);

  // The next events, oldest first. Waits up to `wait` when there are none
  // yet, and returns an empty list if none came.
  absl::StatusOr<std::vector<IncidentEvent>> Next(absl::Duration wait);

  // Every event up to this sequence has been returned or was not asked for.
  int64_t cursor() const { return cursor_; }

 private:
  IncidentStore* store_;
  int64_t cursor_;  // Every event up to here has been returned or skipped.
  std::string service_id_;
};

}  // namespace alertgate

#endif  // ALERTGATE_SERVER_CORE_INCIDENT_CORE_H_
