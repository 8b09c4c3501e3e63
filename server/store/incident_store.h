// IncidentStore: where alertgate keeps incidents, their event log, services,
// webhook credentials, idempotency keys, source activity, API tokens and the
// audit log.
//
// Writes happen in Write(): the callback runs inside one transaction and
// reads and writes through the StoreTransaction it is handed; Write() returns
// OK only once that transaction is durably committed. An implementation may
// run the callbacks of concurrent Write() calls in one shared transaction
// (group commit), each isolated so that a failing callback rolls back only its
// own changes. Callbacks of one store run one at a time, so a callback sees
// every earlier committed or batched change: serializable isolation.
//
// Reads outside Write() see only committed data.
//
// Thread safety: every method may be called from any thread concurrently.
// SQLite implements this now (sqlite_store.h); a PostgreSQL implementation
// will map Write() to one SERIALIZABLE transaction (or READ COMMITTED with
// row locks on the incident found by dedup key).
#ifndef ALERTGATE_SERVER_STORE_INCIDENT_STORE_H_
#define ALERTGATE_SERVER_STORE_INCIDENT_STORE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/model/api_token.h"
#include "server/model/delivery.h"
#include "server/model/incident_model.h"
#include "server/model/outbound_webhook.h"
#include "server/model/rule.h"
#include "server/model/status_macros.h"

namespace alertgate {

// What an idempotency key remembers of the first call that used it.
struct IdempotencyRecord {
  std::string service_id;
  std::string key;
  IngestOutcome outcome = IngestOutcome::kNothingOpen;
  std::string incident_id;  // Empty for kNothingOpen.
  int64_t sequence = 0;
  absl::Time created_at;
};

// Which incidents ListIncidents returns. Empty fields do not filter.
struct IncidentFilter {
  std::string service_id;
  std::vector<IncidentState> states;
  std::string source;
};

// Which events ReadEvents returns: sequence in (after, up_to], oldest first.
struct EventQuery {
  int64_t after_sequence = 0;
  int64_t up_to_sequence = INT64_MAX;
  std::string service_id;   // Empty: every service.
  std::string incident_id;  // Empty: every incident.
  int limit = 500;
  bool newest_first = false;  // The last `limit` of the range, newest first.
};

// A subscription's queue in the outbox: its pending messages.
struct OutboundQueue {
  std::string service_id;
  std::string subscription;
};

// The operations available inside one write transaction.
class StoreTransaction {
 public:
  virtual ~StoreTransaction() = default;

  virtual absl::StatusOr<std::optional<Service>> FindService(
      const std::string& id) = 0;
  // REQUIRES: no service with the same name (else ALREADY_EXISTS).
  virtual absl::Status InsertService(const Service& service) = 0;

  // The open incident (see IsOpen) of `service_id` with `dedup_key`. At most
  // one exists; the store enforces it.
  virtual absl::StatusOr<std::optional<Incident>> FindOpenIncident(
      const std::string& service_id, const std::string& dedup_key) = 0;
  virtual absl::StatusOr<std::optional<Incident>> FindIncident(
      const std::string& id) = 0;
  virtual absl::Status InsertIncident(const Incident& incident) = 0;
  // REQUIRES: the incident exists.
  virtual absl::Status UpdateIncident(const Incident& incident) = 0;

  // Appends to the global event log; returns the assigned sequence number,
  // greater than every sequence committed or appended before.
  virtual absl::StatusOr<int64_t> AppendEvent(const IncidentEvent& event) = 0;

  virtual absl::StatusOr<std::optional<IdempotencyRecord>>
  FindIdempotencyRecord(const std::string& service_id,
                        const std::string& key) = 0;
  virtual absl::Status InsertIdempotencyRecord(
      const IdempotencyRecord& record) = 0;
  // What every ingest reads first: the record of `idempotency_key` (none
  // looked for when it is empty) and the open incident of `dedup_key`, in
  // the service. The default asks for each in turn; a store over a network
  // answers both in one round trip.
  struct IngestLookup {
    std::optional<IdempotencyRecord> seen;
    std::optional<Incident> open;
  };
  virtual absl::StatusOr<IngestLookup> LookupForIngest(
      const std::string& service_id, const std::string& dedup_key,
      const std::string& idempotency_key) {
    IngestLookup found;
    if (!idempotency_key.empty()) {
      AG_ASSIGN_OR_RETURN(found.seen,
                          FindIdempotencyRecord(service_id, idempotency_key));
      if (found.seen) return found;
    }
    AG_ASSIGN_OR_RETURN(found.open, FindOpenIncident(service_id, dedup_key));
    return found;
  }

  // Notes that `source` sent `service_id` an alert at `alert_at`, and, when
  // `incident_opened_at` is set, that the alert opened an incident then.
  virtual absl::Status RecordSourceActivity(
      const std::string& service_id, const std::string& source,
      absl::Time alert_at, std::optional<absl::Time> incident_opened_at) = 0;

  virtual absl::StatusOr<std::optional<WebhookCredential>>
  FindWebhookCredential(const std::string& service_id,
                        const std::string& source) = 0;
  // Inserts or replaces the credential of (service_id, source).
  virtual absl::Status PutWebhookCredential(
      const WebhookCredential& credential) = 0;

  // A service's rules; nullopt when they were never set.
  virtual absl::StatusOr<std::optional<ServiceRules>> FindServiceRules(
      const std::string& service_id) = 0;
  // Inserts or replaces the rules of `rules.service_id`.
  virtual absl::Status PutServiceRules(const ServiceRules& rules) = 0;

  // The outbox of outbound webhooks (outbound_webhook.h).
  virtual absl::Status InsertOutboundMessage(
      const OutboundMessage& message) = 0;
  virtual absl::StatusOr<std::optional<OutboundMessage>> FindOutboundMessage(
      const std::string& id) = 0;
  // Replaces what changes as a message is sent: state, attempts, times and
  // errors. REQUIRES: the message exists.
  virtual absl::Status UpdateOutboundMessage(
      const OutboundMessage& message) = 0;
  // The queue's pending messages due at `now` and leased by no one, oldest
  // first, at most `limit`, each now leased until `lease_until`.
  virtual absl::StatusOr<std::vector<OutboundMessage>> ClaimOutboundMessages(
      const OutboundQueue& queue, absl::Time now, absl::Time lease_until,
      int limit) = 0;

  // API tokens. InsertApiToken: ALREADY_EXISTS when a token not revoked has
  // the name.
  virtual absl::Status InsertApiToken(const ApiToken& token) = 0;
  // By id, or by the name of a token not revoked.
  virtual absl::StatusOr<std::optional<ApiToken>> FindApiToken(
      const std::string& id_or_name) = 0;
  virtual absl::Status RevokeApiToken(const std::string& id, absl::Time at) = 0;
  virtual absl::Status TouchApiToken(const std::string& id, absl::Time at) = 0;
  // Appends to the audit log; returns the entry's id (increasing).
  virtual absl::StatusOr<int64_t> AppendAudit(const AuditEntry& entry) = 0;
  virtual absl::Status InsertDelivery(const Delivery& delivery) = 0;
  // Drops the kept headers and bodies of the service's oldest deliveries
  // until those left add up to at most `max_bytes` (the entries stay);
  // returns how many it dropped.
  virtual absl::StatusOr<int> TrimKeptBodies(const std::string& service_id,
                                             int64_t max_bytes) = 0;
  // Deletes the oldest deliveries received before `before`, at most
  // `limit`; returns how many.
  virtual absl::StatusOr<int> PruneDeliveries(absl::Time before, int limit) = 0;

  // Retention. Each deletes at most `limit` of the oldest rows older than
  // `before` and returns how many it deleted.
  virtual absl::StatusOr<int> PruneIdempotencyRecords(absl::Time before,
                                                      int limit) = 0;
  // Incidents resolved before `before`, with their events. Raises the
  // pruned-through mark to the highest sequence deleted.
  virtual absl::StatusOr<int> PruneResolvedIncidents(absl::Time before,
                                                     int limit) = 0;
  // ALERT_FOLDED events recorded before `before`, of any incident; each
  // incident's event_count drops by what it lost (its alert_count stays).
  // Raises the pruned-through mark likewise.
  virtual absl::StatusOr<int> PruneFoldEvents(absl::Time before, int limit) = 0;
  // Outbound messages delivered or dead-lettered before `before`.
  virtual absl::StatusOr<int> PruneOutboundMessages(absl::Time before,
                                                    int limit) = 0;
};

class IncidentStore {
 public:
  virtual ~IncidentStore() = default;
  IncidentStore(const IncidentStore&) = delete;
  IncidentStore& operator=(const IncidentStore&) = delete;

  using WriteWork = std::function<absl::Status(StoreTransaction&)>;

  // Runs `work` in a write transaction. Returns `work`'s error (its changes
  // rolled back), UNAVAILABLE if the commit failed (nothing committed), or OK
  // once the changes are durable. `work` must not block or call the store.
  // A store may run `work` more than once (it rolls back and runs a group
  // again when one work's late-reported failure spoiled the first try):
  // `work` sets its outputs rather than adding to them, and only the run
  // whose transaction commits counts. A write's failure may be reported by
  // a later call of the same transaction rather than by the write itself.
  virtual absl::Status Write(WriteWork work) = 0;

  using WriteDone = std::function<void(absl::Status)>;
  // Like Write(), but returns at once; `done` runs on a store thread with
  // what Write() would have returned, after the commit. `done` must be quick
  // and must not call the store.
  virtual void WriteAsync(WriteWork work, WriteDone done) = 0;

  virtual absl::StatusOr<std::optional<Incident>> GetIncident(
      const std::string& id) = 0;
  // Incidents matching `filter` with id < `before_id` (all if empty), by id
  // descending (newest first), at most `limit`.
  virtual absl::StatusOr<std::vector<Incident>> ListIncidents(
      const IncidentFilter& filter, const std::string& before_id,
      int limit) = 0;
  virtual absl::StatusOr<std::vector<IncidentEvent>> ReadEvents(
      const EventQuery& query) = 0;

  // The highest committed event sequence (0 for an empty log). Events become
  // visible in sequence order: once this returns N, every event up to N is
  // readable and no event at or below N will appear later. IncidentWatch
  // relies on it for gap-free watching.
  virtual int64_t LastCommittedSequence() = 0;
  // Events up to this sequence may have been pruned: a watch that starts
  // at or before it could miss some. 0 while nothing was pruned.
  virtual absl::StatusOr<int64_t> PrunedThroughSequence() = 0;
  // Blocks until an event after `sequence` is committed, the timeout passes,
  // or the store begins to close. Returns LastCommittedSequence() > sequence.
  virtual bool WaitForEventsAfter(int64_t sequence, absl::Duration timeout) = 0;

  virtual absl::StatusOr<std::optional<Service>> GetService(
      const std::string& id) = 0;
  virtual absl::StatusOr<std::optional<Service>> GetServiceByName(
      const std::string& name) = 0;
  // Services with name > `after_name`, by name, at most `limit`.
  virtual absl::StatusOr<std::vector<Service>> ListServices(
      const std::string& after_name, int limit) = 0;

  // The credential whose key hashes to `key_hash`, for `source`.
  virtual absl::StatusOr<std::optional<WebhookCredential>>
  FindWebhookCredentialByKeyHash(const std::string& source,
                                 const std::string& key_hash) = 0;
  virtual absl::StatusOr<std::vector<WebhookCredential>> ListWebhookCredentials(
      const std::string& service_id) = 0;
  virtual absl::StatusOr<std::vector<SourceActivity>> ListSourceActivity(
      const std::string& service_id) = 0;
  // A service's rules as committed; nullopt when they were never set.
  virtual absl::StatusOr<std::optional<ServiceRules>> GetServiceRules(
      const std::string& service_id) = 0;
  // The rules documents that have auto-resolve settings.
  virtual absl::StatusOr<std::vector<ServiceRules>> ListAutoResolveRules() = 0;
  // Open incidents of `service_id` (of `source`, and with dedup keys
  // starting with `dedup_key_prefix`, unless these are empty) whose last
  // alert came before `before`, oldest first, at most `limit`.
  virtual absl::StatusOr<std::vector<Incident>> ListQuietIncidents(
      const std::string& service_id, const std::string& source,
      const std::string& dedup_key_prefix, absl::Time before, int limit) = 0;
  // The queues with a pending message due at `now` and leased by no one,
  // at most `limit`.
  virtual absl::StatusOr<std::vector<OutboundQueue>> ListDueOutboundQueues(
      absl::Time now, int limit) = 0;
  // A service's outbound messages (in `state`, unless it is nullopt) with
  // id < `before_id` (all if empty), newest first, at most `limit`.
  virtual absl::StatusOr<std::vector<OutboundMessage>> ListOutboundMessages(
      const std::string& service_id, std::optional<OutboundState> state,
      const std::string& before_id, int limit) = 0;
  // Every service with an open incident, with its counts by state.
  virtual absl::StatusOr<std::vector<OpenIncidentCount>>
  CountOpenIncidents() = 0;

  // The token whose hash is `token_hash`, revoked or not.
  virtual absl::StatusOr<std::optional<ApiToken>> FindApiTokenByHash(
      const std::string& token_hash) = 0;
  // Every token, oldest first.
  virtual absl::StatusOr<std::vector<ApiToken>> ListApiTokens() = 0;
  // Audit entries with id < `before_id` (all if 0), newest first.
  virtual absl::StatusOr<std::vector<AuditEntry>> ListAuditEntries(
      int64_t before_id, int limit) = 0;
  // A service's deliveries (of one source, unless `source` is empty) with
  // id < `before_id` (all if empty), newest first; bodies left out.
  virtual absl::StatusOr<std::vector<Delivery>> ListDeliveries(
      const std::string& service_id, const std::string& source,
      const std::string& before_id, int limit) = 0;
  // One delivery, with its body and headers if they were kept.
  virtual absl::StatusOr<std::optional<Delivery>> GetDelivery(
      const std::string& id) = 0;

  // Background jobs (retention, timers) run on one process at a time among
  // those sharing the store. Runs `job` and returns true, or returns false
  // at once when another process runs the job named `name` now. The
  // default suits stores that one process owns.
  virtual absl::StatusOr<bool> RunExclusive(
      const std::string& name, const std::function<absl::Status()>& job) {
    (void)name;
    AG_RETURN_IF_ERROR(job());
    return true;
  }

 protected:
  IncidentStore() = default;
};

}  // namespace alertgate

#endif  // ALERTGATE_SERVER_STORE_INCIDENT_STORE_H_
