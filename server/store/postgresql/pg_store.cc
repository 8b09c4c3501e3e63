#include "server/store/postgresql/pg_store.h"

#include <algorithm>
#include <exception>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "server/model/errors.h"
#include "server/model/status_macros.h"
#include "server/store/postgresql/pg_schema.h"
#include "server/store/store_rows.h"

namespace alertgate {
namespace {

using Row = PgResult::Row;

// How often a core looks for other cores' commits.
constexpr absl::Duration kSequencePoll = absl::Milliseconds(100);

template <typename T, typename ReadRow>
absl::StatusOr<std::vector<T>> CollectRows(const PgResult& result,
                                           ReadRow read) {
  std::vector<T> rows;
  rows.reserve(result.rows());
  for (int i = 0; i < result.rows(); ++i) {
    AG_ASSIGN_OR_RETURN(T value, read(result.row(i)));
    rows.push_back(std::move(value));
  }
  return rows;
}

template <typename T, typename ReadRow>
absl::StatusOr<std::optional<T>> OptionalRow(const PgResult& result,
                                             ReadRow read) {
  if (result.rows() == 0) return std::optional<T>();
  AG_ASSIGN_OR_RETURN(T value, read(result.row(0)));
  return std::optional<T>(std::move(value));
}

// A PostgreSQL array literal of ids ({a,b,c}); ids are [0-9A-Z] or digits.
std::string ArrayOf(const std::vector<std::string>& values) {
  return absl::StrCat("{", absl::StrJoin(values, ","), "}");
}

// An incident's columns in AG_INCIDENT_COLUMNS order, as $1..$18.
std::vector<PgParam> IncidentValues(const Incident& i) {
  return {i.id,
          i.service_id,
          i.source,
          i.dedup_key,
          static_cast<int64_t>(i.state),
          i.summary,
          i.description,
          static_cast<int64_t>(i.severity),
          EncodeTags(i.tags),
          EncodeLinks(i.links),
          i.alert_count,
          ToMicros(i.opened_at),
          ToMicros(i.last_seen_at),
          ToMicros(i.acknowledged_at),
          i.acknowledged_by,
          ToMicros(i.resolved_at),
          i.resolved_by,
          i.event_count};
}

// StoreTransaction over the writer connection, inside the batch's
// transaction. Tracks the highest sequence it appended.
class PgTransaction final : public StoreTransaction {
 public:
  explicit PgTransaction(PgConnection& db) : db_(db) {}

  int64_t last_sequence() const { return last_sequence_; }
  void set_last_sequence(int64_t sequence) { last_sequence_ = sequence; }

  // A callback's source activity joins the group's when it succeeds.
  void KeepCallback() {
    for (const auto& [key, activity] : callback_activity_) {
      MergeActivity(group_activity_[key], activity.alert_at,
                    activity.incident_opened_at);
    }
    callback_activity_.clear();
  }
  void DropCallback() { callback_activity_.clear(); }
  // The group's source activity, one upsert per (service, source).
  void DeferActivity() {
    for (const auto& [key, activity] : group_activity_) {
      // GREATEST ignores NULLs: a NULL never erases a time already known.
      db_.Defer(
          "INSERT INTO source_activity (" AG_SOURCE_ACTIVITY_COLUMNS
          ") VALUES ($1, $2, $3, $4) ON CONFLICT (service_id, source) DO "
          "UPDATE SET last_alert_at = GREATEST(source_activity.last_alert_at, "
          "excluded.last_alert_at), last_incident_at = "
          "GREATEST(source_activity.last_incident_at, "
          "excluded.last_incident_at)",
          {key.first, key.second, ToMicros(activity.alert_at),
           ToMicros(activity.incident_opened_at)});
    }
  }

  absl::StatusOr<std::optional<Service>> FindService(
      const std::string& id) override {
    AG_ASSIGN_OR_RETURN(
        PgResult result,
        db_.Query("SELECT " AG_SERVICE_COLUMNS " FROM services WHERE id = $1",
                  {id}));
    return OptionalRow<Service>(result, ReadServiceRow<Row>);
  }

  absl::Status InsertService(const Service& service) override {
    absl::Status status =
        db_.Query(
               "INSERT INTO services (id, name, description, created_at) "
               "VALUES ($1, $2, $3, $4)",
               {service.id, service.name, service.description,
                ToMicros(service.created_at)})
            .status();
    if (absl::IsAlreadyExists(status)) {
      return errors::ServiceNameTaken(service.name);
    }
    return status;
  }

  absl::StatusOr<std::optional<Incident>> FindOpenIncident(
      const std::string& service_id, const std::string& dedup_key) override {
    // Matches the partial index incidents_open_by_dedup_key.
    AG_ASSIGN_OR_RETURN(
        PgResult result,
        db_.Query("SELECT " AG_INCIDENT_COLUMNS
                  " FROM incidents WHERE service_id = $1 AND dedup_key = $2 "
                  "AND state <> 3",
                  {service_id, dedup_key}));
    return OptionalRow<Incident>(result, ReadIncidentRow<Row>);
  }

  absl::StatusOr<std::optional<Incident>> FindIncident(
      const std::string& id) override {
    AG_ASSIGN_OR_RETURN(
        PgResult result,
        db_.Query("SELECT " AG_INCIDENT_COLUMNS " FROM incidents WHERE id = $1",
                  {id}));
    return OptionalRow<Incident>(result, ReadIncidentRow<Row>);
  }

  // Writes are deferred: they reach the server with the next read or at
  // the end of the write (CommitBatch flushes), one round trip for all.
  absl::Status InsertIncident(const Incident& i) override {
    db_.Defer("INSERT INTO incidents (" AG_INCIDENT_COLUMNS
              ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, "
              "$13, $14, $15, $16, $17, $18)",
              IncidentValues(i));
    return absl::OkStatus();
  }

  absl::Status UpdateIncident(const Incident& i) override {
    db_.Defer(
        "UPDATE incidents SET service_id = $2, source = $3, "
        "dedup_key = $4, state = $5, summary = $6, "
        "description = $7, severity = $8, tags = $9, links = $10, "
        "alert_count = $11, opened_at = $12, last_seen_at = $13, "
        "acknowledged_at = $14, acknowledged_by = $15, "
        "resolved_at = $16, resolved_by = $17, event_count = $18 "
        "WHERE id = $1",
        IncidentValues(i), errors::IncidentNotFound(i.id));
    return absl::OkStatus();
  }

  absl::StatusOr<int64_t> AppendEvent(const IncidentEvent& event) override {
    const int64_t sequence = last_sequence_ + 1;
    db_.Defer(
        "INSERT INTO events (sequence, at, kind, incident_id, "
        "service_id, source, dedup_key, state, actor, note, "
        "occurred_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, "
        "$10, $11)",
        {sequence, ToMicros(event.at), static_cast<int64_t>(event.kind),
         event.incident_id, event.service_id, event.source, event.dedup_key,
         static_cast<int64_t>(event.state), event.actor, event.note,
         ToMicros(event.occurred_at)});
    last_sequence_ = sequence;
    return sequence;
  }

  absl::StatusOr<std::optional<IdempotencyRecord>> FindIdempotencyRecord(
      const std::string& service_id, const std::string& key) override {
    AG_ASSIGN_OR_RETURN(
        PgResult result,
        db_.Query("SELECT " AG_IDEMPOTENCY_COLUMNS
                  " FROM idempotency_keys WHERE service_id = $1 AND key = $2",
                  {service_id, key}));
    return OptionalRow<IdempotencyRecord>(result, ReadIdempotencyRow<Row>);
  }

  // Both of an ingest's first reads in one round trip.
  absl::StatusOr<IngestLookup> LookupForIngest(
      const std::string& service_id, const std::string& dedup_key,
      const std::string& idempotency_key) override {
    AG_ASSIGN_OR_RETURN(
        PgResult result,
        db_.Query("SELECT i.*, k.* FROM (SELECT 1) AS one "
                  "LEFT JOIN LATERAL (SELECT " AG_INCIDENT_COLUMNS
                  " FROM incidents WHERE service_id = $1 AND dedup_key = $2 "
                  "AND state <> 3) AS i ON true "
                  "LEFT JOIN LATERAL (SELECT " AG_IDEMPOTENCY_COLUMNS
                  " FROM idempotency_keys WHERE service_id = $1 AND "
                  "key = $3 AND $3 <> '') AS k ON true",
                  {service_id, dedup_key, idempotency_key}));
    IngestLookup found;
    if (result.rows() != 1) return found;
    const Row row = result.row(0);
    constexpr int kIncidentColumns = 18;
    if (!row.IsNull(0)) {
      AG_ASSIGN_OR_RETURN(found.open, ReadIncidentRow(row));
    }
    const ColumnsFrom<Row> key(row, kIncidentColumns);
    if (!key.IsNull(0)) {
      AG_ASSIGN_OR_RETURN(found.seen, ReadIdempotencyRow(key));
    }
    return found;
  }

  absl::Status InsertIdempotencyRecord(const IdempotencyRecord& r) override {
    db_.Defer(
        "INSERT INTO idempotency_keys (service_id, key, outcome, "
        "incident_id, sequence, created_at) "
        "VALUES ($1, $2, $3, $4, $5, $6)",
        {r.service_id, r.key, static_cast<int64_t>(r.outcome), r.incident_id,
         r.sequence, ToMicros(r.created_at)});
    return absl::OkStatus();
  }

  // Source activity only moves forward (the latest times win), so a group
  // writes it once per (service, source), at its end, for the callbacks
  // that succeeded: not once per alert on the same hot row.
  absl::Status RecordSourceActivity(
      const std::string& service_id, const std::string& source,
      absl::Time alert_at,
      std::optional<absl::Time> incident_opened_at) override {
    MergeActivity(callback_activity_[{service_id, source}], alert_at,
                  incident_opened_at);
    return absl::OkStatus();
  }

  absl::StatusOr<std::optional<WebhookCredential>> FindWebhookCredential(
      const std::string& service_id, const std::string& source) override {
    AG_ASSIGN_OR_RETURN(
        PgResult result,
        db_.Query("SELECT " AG_CREDENTIAL_COLUMNS
                  " FROM webhook_credentials WHERE service_id = $1 AND "
                  "source = $2",
                  {service_id, source}));
    return OptionalRow<WebhookCredential>(result, ReadCredentialRow<Row>);
  }

  absl::StatusOr<std::optional<ServiceRules>> FindServiceRules(
      const std::string& service_id) override {
    AG_ASSIGN_OR_RETURN(PgResult result,
                        db_.Query("SELECT " AG_RULES_COLUMNS
                                  " FROM service_rules WHERE service_id = $1",
                                  {service_id}));
    return OptionalRow<ServiceRules>(result, ReadRulesRow<Row>);
  }

  absl::Status PutServiceRules(const ServiceRules& rules) override {
    return db_
        .Query("INSERT INTO service_rules (" AG_RULES_COLUMNS
               ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
               "ON CONFLICT (service_id) DO UPDATE SET "
               "rules = excluded.rules, revision = excluded.revision, "
               "updated_at = excluded.updated_at, "
               "updated_by = excluded.updated_by, "
               "maintenance = excluded.maintenance, "
               "auto_resolve = excluded.auto_resolve, "
               "webhooks = excluded.webhooks",
               {rules.service_id, EncodeRules(rules.rules), rules.revision,
                ToMicros(rules.updated_at), rules.updated_by,
                EncodeMaintenance(rules.maintenance),
                EncodeAutoResolve(rules.auto_resolve),
                EncodeWebhooks(rules.webhooks)})
        .status();
  }

  absl::Status InsertOutboundMessage(const OutboundMessage& m) override {
    db_.Defer(
        "INSERT INTO outbound_messages (" AG_OUTBOUND_COLUMNS
        ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, "
        "$13, $14, $15)",
        {m.id, m.service_id, m.subscription, static_cast<int64_t>(m.event),
         m.incident_id, m.sequence, m.body, ToMicros(m.created_at),
         static_cast<int64_t>(m.state), static_cast<int64_t>(m.attempts),
         ToMicros(m.next_attempt_at), ToMicros(m.leased_until),
         static_cast<int64_t>(m.last_http_status), m.last_error,
         ToMicros(m.finished_at)});
    return absl::OkStatus();
  }

  absl::StatusOr<std::optional<OutboundMessage>> FindOutboundMessage(
      const std::string& id) override {
    AG_ASSIGN_OR_RETURN(PgResult result,
                        db_.Query("SELECT " AG_OUTBOUND_COLUMNS
                                  " FROM outbound_messages WHERE id = $1",
                                  {id}));
    return OptionalRow<OutboundMessage>(result, ReadOutboundRow<Row>);
  }

  absl::Status UpdateOutboundMessage(const OutboundMessage& m) override {
    return db_
        .Query(
            "UPDATE outbound_messages SET state = $2, attempts = $3, "
            "next_attempt_at = $4, leased_until = $5, last_http_status = $6, "
            "last_error = $7, finished_at = $8 WHERE id = $1",
            {m.id, static_cast<int64_t>(m.state),
             static_cast<int64_t>(m.attempts), ToMicros(m.next_attempt_at),
             ToMicros(m.leased_until), static_cast<int64_t>(m.last_http_status),
             m.last_error, ToMicros(m.finished_at)})
        .status();
  }

  absl::StatusOr<std::vector<OutboundMessage>> ClaimOutboundMessages(
      const OutboundQueue& queue, absl::Time now, absl::Time lease_until,
      int limit) override {
    // SKIP LOCKED: a core claiming the same queue at the same moment takes
    // other messages, or none, rather than waiting and taking these again.
    AG_ASSIGN_OR_RETURN(
        PgResult result,
        db_.Query("UPDATE outbound_messages SET leased_until = $4 WHERE id IN "
                  "(SELECT id FROM outbound_messages WHERE service_id = $1 AND "
                  "subscription = $2 AND state = 1 AND next_attempt_at <= $3 "
                  "AND (leased_until IS NULL OR leased_until <= $3) ORDER BY "
                  "id LIMIT $5 FOR UPDATE SKIP LOCKED) "
                  "RETURNING " AG_OUTBOUND_COLUMNS,
                  {queue.service_id, queue.subscription, ToMicros(now),
                   ToMicros(lease_until), static_cast<int64_t>(limit)}));
    AG_ASSIGN_OR_RETURN(
        std::vector<OutboundMessage> claimed,
        CollectRows<OutboundMessage>(result, ReadOutboundRow<Row>));
    std::sort(claimed.begin(), claimed.end(),
              [](const OutboundMessage& a, const OutboundMessage& b) {
                return a.id < b.id;
              });
    return claimed;
  }

  absl::StatusOr<int> PruneOutboundMessages(absl::Time before,
                                            int limit) override {
    AG_ASSIGN_OR_RETURN(
        PgResult result,
        db_.Query("DELETE FROM outbound_messages WHERE id IN (SELECT id FROM "
                  "outbound_messages WHERE finished_at < $1 ORDER BY "
                  "finished_at LIMIT $2)",
                  {ToMicros(before), static_cast<int64_t>(limit)}));
    return static_cast<int>(result.affected());
  }

  absl::Status PutWebhookCredential(const WebhookCredential& c) override {
    return db_
        .Query(
            "INSERT INTO webhook_credentials (service_id, source, "
            "key_hash, secret, issued_at) VALUES ($1, $2, $3, $4, $5) "
            "ON CONFLICT (service_id, source) DO UPDATE SET "
            "key_hash = excluded.key_hash, secret = excluded.secret, "
            "issued_at = excluded.issued_at",
            {c.service_id, c.source,
             c.key_hash.empty() ? PgParam::Null() : PgParam::Bytes(c.key_hash),
             c.secret, ToMicros(c.issued_at)})
        .status();
  }

  absl::Status InsertApiToken(const ApiToken& t) override {
    absl::Status status =
        db_.Query(
               "INSERT INTO api_tokens (" AG_TOKEN_COLUMNS
               ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
               {t.id, t.name, static_cast<int64_t>(t.role),
                PgParam::Bytes(t.token_hash), ToMicros(t.created_at),
                t.created_by, ToMicros(t.last_used_at), ToMicros(t.revoked_at)})
            .status();
    if (absl::IsAlreadyExists(status)) {
      return errors::TokenNameTaken(t.name);
    }
    return status;
  }

  absl::StatusOr<std::optional<ApiToken>> FindApiToken(
      const std::string& id_or_name) override {
    AG_ASSIGN_OR_RETURN(
        PgResult result,
        db_.Query("SELECT " AG_TOKEN_COLUMNS
                  " FROM api_tokens WHERE id = $1 OR (name = $1 AND "
                  "revoked_at IS NULL) ORDER BY revoked_at IS NULL DESC "
                  "LIMIT 1",
                  {id_or_name}));
    return OptionalRow<ApiToken>(result, ReadTokenRow<Row>);
  }

  absl::Status RevokeApiToken(const std::string& id, absl::Time at) override {
    return db_
        .Query("UPDATE api_tokens SET revoked_at = $2 WHERE id = $1",
               {id, ToMicros(at)})
        .status();
  }

  absl::Status TouchApiToken(const std::string& id, absl::Time at) override {
    return db_
        .Query("UPDATE api_tokens SET last_used_at = $2 WHERE id = $1",
               {id, ToMicros(at)})
        .status();
  }

  absl::StatusOr<int64_t> AppendAudit(const AuditEntry& entry) override {
    AG_ASSIGN_OR_RETURN(
        PgResult result,
        db_.Query("INSERT INTO audit_log (at, actor, action, target, detail) "
                  "VALUES ($1, $2, $3, $4, $5) RETURNING id",
                  {ToMicros(entry.at), entry.actor, entry.action, entry.target,
                   entry.detail}));
    return result.row(0).Int(0);
  }

  absl::Status InsertDelivery(const Delivery& d) override {
    db_.Defer("INSERT INTO deliveries (" AG_DELIVERY_INSERT_COLUMNS
              ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, "
              "$13, $14)",
              {d.id, d.service_id, d.source, ToMicros(d.received_at), d.event,
               d.delivery_id, static_cast<int64_t>(d.http_status),
               static_cast<int64_t>(d.outcome), d.reason,
               EncodeStrings(d.incident_ids), d.body_bytes, d.replay_of,
               d.kept_headers ? PgParam(EncodeHeaders(*d.kept_headers))
                              : PgParam::Null(),
               d.body ? PgParam::Bytes(*d.body) : PgParam::Null()});
    return absl::OkStatus();
  }

  absl::StatusOr<int> TrimKeptBodies(const std::string& service_id,
                                     int64_t max_bytes) override {
    AG_ASSIGN_OR_RETURN(
        PgResult result,
        db_.Query("UPDATE deliveries SET headers = NULL, body = NULL WHERE "
                  "id IN (SELECT id FROM (SELECT id, SUM(octet_length(body)) "
                  "OVER (ORDER BY id DESC) AS newer FROM deliveries WHERE "
                  "service_id = $1 AND body IS NOT NULL) AS kept WHERE "
                  "newer > $2)",
                  {service_id, max_bytes}));
    return static_cast<int>(result.affected());
  }

  absl::StatusOr<int> PruneDeliveries(absl::Time before, int limit) override {
    AG_ASSIGN_OR_RETURN(
        PgResult result,
        db_.Query("DELETE FROM deliveries WHERE id IN (SELECT id FROM "
                  "deliveries WHERE received_at < $1 ORDER BY received_at "
                  "LIMIT $2)",
                  {ToMicros(before), static_cast<int64_t>(limit)}));
    return static_cast<int>(result.affected());
  }

  absl::StatusOr<int> PruneIdempotencyRecords(absl::Time before,
                                              int limit) override {
    AG_ASSIGN_OR_RETURN(
        PgResult result,
        db_.Query("DELETE FROM idempotency_keys WHERE (service_id, key) IN "
                  "(SELECT service_id, key FROM idempotency_keys "
                  "WHERE created_at < $1 ORDER BY created_at LIMIT $2)",
                  {ToMicros(before), static_cast<int64_t>(limit)}));
    return static_cast<int>(result.affected());
  }

  absl::StatusOr<int> PruneResolvedIncidents(absl::Time before,
                                             int limit) override {
    // The batch: the oldest resolved incidents, by the partial index.
    AG_ASSIGN_OR_RETURN(
        PgResult picked,
        db_.Query("SELECT id FROM incidents WHERE state = 3 AND "
                  "resolved_at < $1 ORDER BY resolved_at LIMIT $2",
                  {ToMicros(before), static_cast<int64_t>(limit)}));
    if (picked.rows() == 0) return 0;
    std::vector<std::string> ids;
    for (int i = 0; i < picked.rows(); ++i)
      ids.push_back(picked.row(i).Text(0));
    const std::string batch = ArrayOf(ids);
    AG_ASSIGN_OR_RETURN(
        PgResult highest,
        db_.Query("SELECT coalesce(max(sequence), 0) FROM events "
                  "WHERE incident_id = ANY($1::text[])",
                  {batch}));
    AG_RETURN_IF_ERROR(
        db_.Query("DELETE FROM events WHERE incident_id = ANY($1::text[])",
                  {batch})
            .status());
    AG_RETURN_IF_ERROR(
        db_.Query("DELETE FROM incidents WHERE id = ANY($1::text[])", {batch})
            .status());
    AG_RETURN_IF_ERROR(RaisePrunedMark(highest.row(0).Int(0)));
    return static_cast<int>(ids.size());
  }

  absl::StatusOr<int> PruneFoldEvents(absl::Time before, int limit) override {
    // Oldest first: the log is in commit order, so the scan stops early.
    AG_ASSIGN_OR_RETURN(
        PgResult picked,
        db_.Query("SELECT sequence FROM events WHERE kind = 2 AND at < $1 "
                  "ORDER BY sequence LIMIT $2",
                  {ToMicros(before), static_cast<int64_t>(limit)}));
    if (picked.rows() == 0) return 0;
    std::vector<std::string> sequences;
    int64_t highest = 0;
    for (int i = 0; i < picked.rows(); ++i) {
      sequences.push_back(picked.row(i).Text(0));
      highest = std::max(highest, picked.row(i).Int(0));
    }
    const std::string batch = ArrayOf(sequences);
    AG_RETURN_IF_ERROR(
        db_.Query("UPDATE incidents SET event_count = event_count - c.n "
                  "FROM (SELECT incident_id, count(*) AS n FROM events "
                  "WHERE sequence = ANY($1::bigint[]) GROUP BY incident_id) c "
                  "WHERE incidents.id = c.incident_id",
                  {batch})
            .status());
    AG_RETURN_IF_ERROR(
        db_.Query("DELETE FROM events WHERE sequence = ANY($1::bigint[])",
                  {batch})
            .status());
    AG_RETURN_IF_ERROR(RaisePrunedMark(highest));
    return static_cast<int>(sequences.size());
  }

 private:
  absl::Status RaisePrunedMark(int64_t sequence) {
    return db_
        .Query(
            "INSERT INTO store_marks (name, value) VALUES "
            "('pruned_through', $1) ON CONFLICT (name) DO UPDATE SET "
            "value = GREATEST(store_marks.value, excluded.value)",
            {sequence})
        .status();
  }

  struct Activity {
    absl::Time alert_at = absl::InfinitePast();
    std::optional<absl::Time> incident_opened_at;
  };
  using ActivityMap =
      absl::flat_hash_map<std::pair<std::string, std::string>, Activity>;
  static void MergeActivity(Activity& into, absl::Time alert_at,
                            std::optional<absl::Time> incident_opened_at) {
    into.alert_at = std::max(into.alert_at, alert_at);
    if (incident_opened_at &&
        (!into.incident_opened_at ||
         *into.incident_opened_at < *incident_opened_at)) {
      into.incident_opened_at = incident_opened_at;
    }
  }

  PgConnection& db_;
  int64_t last_sequence_ = 0;
  ActivityMap callback_activity_;  // Of the callback running.
  ActivityMap group_activity_;     // Of the callbacks that succeeded.
};

}  // namespace

// A reader of the pool, connected again first if its connection broke.
class PostgresStore::ReadLease {
 public:
  explicit ReadLease(PostgresStore& store) : lease_(store.readers_) {}
  absl::StatusOr<PgConnection*> db() {
    if (!lease_.db().healthy()) AG_RETURN_IF_ERROR(lease_.db().Reconnect());
    return &lease_.db();
  }

 private:
  ConnectionPool<PgConnection>::Lease lease_;
};

absl::StatusOr<std::unique_ptr<PostgresStore>> PostgresStore::Open(
    const std::string& conninfo) {
  AG_ASSIGN_OR_RETURN(std::unique_ptr<PgConnection> writer,
                      PgConnection::Open(conninfo));
  AG_RETURN_IF_ERROR(MigratePgSchema(*writer));
  // The writer runs the same few statements all day.
  writer->PrepareStatements();
  std::vector<std::unique_ptr<PgConnection>> readers;
  for (int i = 0; i < kReaderCount; ++i) {
    AG_ASSIGN_OR_RETURN(std::unique_ptr<PgConnection> reader,
                        PgConnection::Open(conninfo));
    readers.push_back(std::move(reader));
  }
  AG_ASSIGN_OR_RETURN(std::unique_ptr<PgConnection> poller,
                      PgConnection::Open(conninfo));
  AG_ASSIGN_OR_RETURN(PgResult last,
                      writer->Query("SELECT value FROM log_sequence"));
  return std::unique_ptr<PostgresStore>(
      new PostgresStore(conninfo, std::move(writer), std::move(readers),
                        std::move(poller), last.row(0).Int(0)));
}

PostgresStore::PostgresStore(std::string conninfo,
                             std::unique_ptr<PgConnection> writer,
                             std::vector<std::unique_ptr<PgConnection>> readers,
                             std::unique_ptr<PgConnection> poller,
                             int64_t last_sequence)
    : conninfo_(std::move(conninfo)),
      writer_(std::move(writer)),
      notifier_(last_sequence),
      poller_connection_(std::move(poller)),
      readers_(std::move(readers)) {
  poller_ = std::thread([this] { PollSequence(); });
  writes_ = std::make_unique<GroupCommitQueue>(
      kMaxBatch, [this](const std::vector<const WriteWork*>& batch) {
        return CommitBatch(batch);
      });
}

PostgresStore::~PostgresStore() {
  writes_.reset();  // Commits and answers what is queued.
  notifier_.Close();
  poller_.join();
}

absl::Status PostgresStore::Write(WriteWork work) {
  return writes_->Write(std::move(work));
}

void PostgresStore::WriteAsync(WriteWork work, WriteDone done) {
  writes_->WriteAsync(std::move(work), std::move(done));
}

std::vector<absl::Status> PostgresStore::CommitBatch(
    const std::vector<const WriteWork*>& batch) {
  // First optimistically: no savepoints, and each callback's writes ride
  // with the next callback's first read. Round trips: one to begin and
  // lock, about one per callback, one to commit. When a statement fails on
  // the server, or a callback fails after its writes were sent, nothing of
  // the attempt can be kept apart: it is rolled back and the group runs
  // again carefully, each callback in a savepoint with its writes flushed
  // before the next starts, so that a failure undoes only its own work.
  // Callbacks may therefore run twice; only the committed run counts
  // (incident_store.h).
  bool retry = false;
  std::vector<absl::Status> results = TryBatch(batch, /*careful=*/false, retry);
  if (retry) results = TryBatch(batch, /*careful=*/true, retry);
  return results;
}

std::vector<absl::Status> PostgresStore::TryBatch(
    const std::vector<const WriteWork*>& batch, bool careful, bool& retry) {
  retry = false;
  std::vector<absl::Status> results(batch.size());
  PgTransaction tx(*writer_);
  absl::Status commit = absl::OkStatus();
  if (!writer_->healthy()) commit = writer_->Reconnect();
  writer_->set_owner(PgConnection::kNoOwner);
  writer_->ResetFailure();
  if (commit.ok()) {
    // The cluster-wide writer lock, and the log's last sequence under it.
    writer_->Defer("BEGIN");
    absl::StatusOr<PgResult> locked =
        writer_->Query("SELECT value FROM log_sequence FOR UPDATE");
    commit = locked.status();
    if (locked.ok()) tx.set_last_sequence(locked->row(0).Int(0));
  }
  // Never run again after the connection broke: what the server did is
  // then unknown, and a second run could apply a write twice.
  auto give_up = [&] {
    if (!writer_->healthy()) return false;
    retry = true;
    commit = absl::AbortedError("run again carefully");
    return true;
  };
  const int64_t first_sequence = tx.last_sequence();
  for (size_t i = 0; commit.ok() && i < batch.size(); ++i) {
    const int owner = static_cast<int>(i);
    const int64_t sequence_before = tx.last_sequence();
    writer_->set_owner(owner);
    if (careful) writer_->Defer("SAVEPOINT one_write");
    absl::Status status;
    try {
      status = (*batch[i])(tx);
    } catch (const std::exception& e) {
      status = absl::InternalError(absl::StrCat("write failed: ", e.what()));
    }
    if (careful && status.ok()) {
      writer_->Defer("RELEASE SAVEPOINT one_write");
      status = writer_->Flush();
    }
    if (!careful && (writer_->failed_owner() != PgConnection::kNoOwner ||
                     (!status.ok() && writer_->SentDeferredOf(owner)))) {
      if (give_up()) break;
    }
    if (status.ok()) {
      tx.KeepCallback();
    } else {
      writer_->DiscardDeferredOf(owner);
      if (careful && writer_->SentDeferredOf(owner)) {
        writer_->Defer("ROLLBACK TO SAVEPOINT one_write");
        writer_->Defer("RELEASE SAVEPOINT one_write");
        if (absl::Status undone = writer_->Flush(); !undone.ok()) {
          commit = undone;
        }
      }
      tx.DropCallback();
      tx.set_last_sequence(sequence_before);
    }
    results[i] = status;
    writer_->ResetFailure();
    if (!writer_->healthy()) {
      commit = errors::StoreUnavailable("the connection to PostgreSQL broke");
    }
  }
  writer_->set_owner(PgConnection::kNoOwner);
  if (commit.ok()) {
    tx.DeferActivity();
    if (tx.last_sequence() != first_sequence) {
      writer_->Defer("UPDATE log_sequence SET value = $1",
                     {tx.last_sequence()});
      // A hint to the other cores' watchers, delivered at COMMIT (and not
      // at all on rollback); the log stays the truth.
      writer_->Defer("NOTIFY alertgate_log");
    }
    writer_->Defer("COMMIT");
    commit = writer_->Flush();
    // The last callback's writes travel with the commit.
    if (!commit.ok() && !careful &&
        writer_->failed_owner() != PgConnection::kNoOwner) {
      give_up();
    }
  }
  if (!commit.ok()) {
    writer_->DiscardDeferred();
    writer_->Exec("ROLLBACK").IgnoreError();
  }
  if (retry) return results;
  if (commit.ok()) {
    notifier_.Publish(tx.last_sequence());
  } else {
    // Nothing of the batch is durable: no callback may report success.
    for (absl::Status& result : results) {
      if (result.ok()) result = errors::StoreUnavailable(commit.message());
    }
  }
  return results;
}

void PostgresStore::PollSequence() {
  bool listening = false;
  while (!notifier_.IsClosed()) {
    if (!poller_connection_->healthy()) {
      listening = false;
      if (!poller_connection_->Reconnect().ok()) {
        notifier_.WaitAfter(INT64_MAX, kSequencePoll);
        continue;
      }
    }
    if (!listening)
      listening = poller_connection_->Exec("LISTEN alertgate_log").ok();
    absl::StatusOr<PgResult> last =
        poller_connection_->Query("SELECT value FROM log_sequence");
    if (last.ok()) notifier_.Publish(last->row(0).Int(0));
    // Until a commit's NOTIFY arrives, the next poll, or the store closes.
    poller_connection_->WaitForNotification(kSequencePoll);
  }
}

absl::StatusOr<std::optional<Incident>> PostgresStore::GetIncident(
    const std::string& id) {
  ReadLease lease(*this);
  AG_ASSIGN_OR_RETURN(PgConnection * db, lease.db());
  AG_ASSIGN_OR_RETURN(
      PgResult result,
      db->Query("SELECT " AG_INCIDENT_COLUMNS " FROM incidents WHERE id = $1",
                {id}));
  return OptionalRow<Incident>(result, ReadIncidentRow<Row>);
}

absl::StatusOr<std::vector<Incident>> PostgresStore::ListIncidents(
    const IncidentFilter& filter, const std::string& before_id, int limit) {
  // One ordered index range per state, merged (store_rows.h).
  const std::vector<IncidentState> states = StatesToList(filter.states);
  // Built from fixed fragments only; every value is a bound parameter. An
  // empty filter value matches everything.
  const std::string sql = absl::StrCat(
      "SELECT ", AG_INCIDENT_COLUMNS,
      " FROM incidents WHERE state = $1 AND ($2 = '' OR service_id = $2) "
      "AND ($3 = '' OR source = $3) AND ($4 = '' OR id < $4) "
      "ORDER BY id DESC LIMIT $5");
  ReadLease lease(*this);
  AG_ASSIGN_OR_RETURN(PgConnection * db, lease.db());
  // One snapshot for every state's range: an incident changing state
  // meanwhile is listed exactly once.
  db->Defer("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  std::vector<Incident> merged;
  absl::Status status = [&]() -> absl::Status {
    for (IncidentState state : states) {
      AG_ASSIGN_OR_RETURN(
          PgResult result,
          db->Query(sql,
                    {static_cast<int64_t>(state), filter.service_id,
                     filter.source, before_id, static_cast<int64_t>(limit)}));
      AG_ASSIGN_OR_RETURN(std::vector<Incident> rows,
                          CollectRows<Incident>(result, ReadIncidentRow<Row>));
      for (Incident& incident : rows) merged.push_back(std::move(incident));
    }
    return absl::OkStatus();
  }();
  db->Exec("COMMIT").IgnoreError();
  AG_RETURN_IF_ERROR(status);
  MergeNewestFirst(merged, limit);
  return merged;
}

absl::StatusOr<std::vector<IncidentEvent>> PostgresStore::ReadEvents(
    const EventQuery& query) {
  const std::string sql = absl::StrCat(
      "SELECT ", AG_EVENT_COLUMNS,
      " FROM events WHERE sequence > $1 AND sequence <= $2 "
      "AND ($3 = '' OR service_id = $3) AND ($4 = '' OR incident_id = $4) ",
      query.newest_first ? "ORDER BY sequence DESC LIMIT $5"
                         : "ORDER BY sequence LIMIT $5");
  ReadLease lease(*this);
  AG_ASSIGN_OR_RETURN(PgConnection * db, lease.db());
  AG_ASSIGN_OR_RETURN(
      PgResult result,
      db->Query(sql,
                {query.after_sequence, query.up_to_sequence, query.service_id,
                 query.incident_id, static_cast<int64_t>(query.limit)}));
  return CollectRows<IncidentEvent>(result, ReadEventRow<Row>);
}

absl::StatusOr<bool> PostgresStore::RunExclusive(
    const std::string& name, const std::function<absl::Status()>& job) {
  ReadLease lease(*this);
  AG_ASSIGN_OR_RETURN(PgConnection * db, lease.db());
  // Advisory locks are per database: the schema is part of the key, so
  // that deployments in other schemas do not wait for each other.
  const std::string key = absl::StrCat("alertgate job ", name, " in ");
  AG_ASSIGN_OR_RETURN(
      PgResult locked,
      db->Query("SELECT pg_try_advisory_lock(hashtext($1 || current_schema()))",
                {key}));
  if (locked.row(0).Text(0) != "t") return false;
  absl::Status ran = job();
  // Unlocked also if the connection broke meanwhile: the server drops a
  // session's advisory locks with the session.
  db->Query("SELECT pg_advisory_unlock(hashtext($1 || current_schema()))",
            {key})
      .IgnoreError();
  AG_RETURN_IF_ERROR(ran);
  return true;
}

int64_t PostgresStore::LastCommittedSequence() { return notifier_.Last(); }

absl::StatusOr<int64_t> PostgresStore::PrunedThroughSequence() {
  ReadLease lease(*this);
  AG_ASSIGN_OR_RETURN(PgConnection * db, lease.db());
  AG_ASSIGN_OR_RETURN(
      PgResult result,
      db->Query("SELECT value FROM store_marks WHERE name = 'pruned_through'"));
  return result.rows() == 0 ? 0 : result.row(0).Int(0);
}

bool PostgresStore::WaitForEventsAfter(int64_t sequence,
                                       absl::Duration timeout) {
  return notifier_.WaitAfter(sequence, timeout);
}

absl::StatusOr<std::optional<Service>> PostgresStore::GetService(
    const std::string& id) {
  ReadLease lease(*this);
  AG_ASSIGN_OR_RETURN(PgConnection * db, lease.db());
  AG_ASSIGN_OR_RETURN(PgResult result, db->Query("SELECT " AG_SERVICE_COLUMNS
                                                 " FROM services WHERE id = $1",
                                                 {id}));
  return OptionalRow<Service>(result, ReadServiceRow<Row>);
}

absl::StatusOr<std::optional<Service>> PostgresStore::GetServiceByName(
    const std::string& name) {
  ReadLease lease(*this);
  AG_ASSIGN_OR_RETURN(PgConnection * db, lease.db());
  AG_ASSIGN_OR_RETURN(
      PgResult result,
      db->Query("SELECT " AG_SERVICE_COLUMNS " FROM services WHERE name = $1",
                {name}));
  return OptionalRow<Service>(result, ReadServiceRow<Row>);
}

absl::StatusOr<std::optional<ServiceRules>> PostgresStore::GetServiceRules(
    const std::string& service_id) {
  ReadLease lease(*this);
  AG_ASSIGN_OR_RETURN(PgConnection * db, lease.db());
  AG_ASSIGN_OR_RETURN(PgResult result,
                      db->Query("SELECT " AG_RULES_COLUMNS
                                " FROM service_rules WHERE service_id = $1",
                                {service_id}));
  return OptionalRow<ServiceRules>(result, ReadRulesRow<Row>);
}

absl::StatusOr<std::vector<ServiceRules>>
PostgresStore::ListAutoResolveRules() {
  ReadLease lease(*this);
  AG_ASSIGN_OR_RETURN(PgConnection * db, lease.db());
  AG_ASSIGN_OR_RETURN(PgResult result,
                      db->Query("SELECT " AG_RULES_COLUMNS
                                " FROM service_rules WHERE auto_resolve <> "
                                "'[]' ORDER BY service_id",
                                {}));
  return CollectRows<ServiceRules>(result, ReadRulesRow<Row>);
}

absl::StatusOr<std::vector<OutboundQueue>> PostgresStore::ListDueOutboundQueues(
    absl::Time now, int limit) {
  ReadLease lease(*this);
  AG_ASSIGN_OR_RETURN(PgConnection * db, lease.db());
  AG_ASSIGN_OR_RETURN(
      PgResult result,
      db->Query("SELECT DISTINCT service_id, subscription FROM "
                "outbound_messages WHERE state = 1 AND next_attempt_at <= $1 "
                "AND (leased_until IS NULL OR leased_until <= $1) LIMIT $2",
                {ToMicros(now), static_cast<int64_t>(limit)}));
  return CollectRows<OutboundQueue>(result, ReadOutboundQueueRow<Row>);
}

absl::StatusOr<std::vector<OutboundMessage>>
PostgresStore::ListOutboundMessages(const std::string& service_id,
                                    std::optional<OutboundState> state,
                                    const std::string& before_id, int limit) {
  ReadLease lease(*this);
  AG_ASSIGN_OR_RETURN(PgConnection * db, lease.db());
  AG_ASSIGN_OR_RETURN(
      PgResult result,
      db->Query("SELECT " AG_OUTBOUND_COLUMNS
                " FROM outbound_messages WHERE service_id = $1 AND ($2 = 0 OR "
                "state = $2) AND ($3 = '' OR id < $3) ORDER BY id DESC "
                "LIMIT $4",
                {service_id, state ? static_cast<int64_t>(*state) : int64_t{0},
                 before_id, static_cast<int64_t>(limit)}));
  return CollectRows<OutboundMessage>(result, ReadOutboundRow<Row>);
}

absl::StatusOr<std::vector<Incident>> PostgresStore::ListQuietIncidents(
    const std::string& service_id, const std::string& source,
    const std::string& dedup_key_prefix, absl::Time before, int limit) {
  ReadLease lease(*this);
  AG_ASSIGN_OR_RETURN(PgConnection * db, lease.db());
  AG_ASSIGN_OR_RETURN(
      PgResult result,
      db->Query("SELECT " AG_INCIDENT_COLUMNS
                " FROM incidents WHERE service_id = $1 AND state IN (1, 2, 4) "
                "AND last_seen_at < $2 AND ($3 = '' OR source = $3) "
                "AND left(dedup_key, length($4)) = $4 "
                "ORDER BY last_seen_at LIMIT $5",
                {service_id, ToMicros(before), source, dedup_key_prefix,
                 static_cast<int64_t>(limit)}));
  return CollectRows<Incident>(result, ReadIncidentRow<Row>);
}

absl::StatusOr<std::vector<Service>> PostgresStore::ListServices(
    const std::string& after_name, int limit) {
  ReadLease lease(*this);
  AG_ASSIGN_OR_RETURN(PgConnection * db, lease.db());
  AG_ASSIGN_OR_RETURN(
      PgResult result,
      db->Query("SELECT " AG_SERVICE_COLUMNS
                " FROM services WHERE name > $1 ORDER BY name LIMIT $2",
                {after_name, static_cast<int64_t>(limit)}));
  return CollectRows<Service>(result, ReadServiceRow<Row>);
}

absl::StatusOr<std::optional<WebhookCredential>>
PostgresStore::FindWebhookCredentialByKeyHash(const std::string& source,
                                              const std::string& key_hash) {
  ReadLease lease(*this);
  AG_ASSIGN_OR_RETURN(PgConnection * db, lease.db());
  AG_ASSIGN_OR_RETURN(
      PgResult result,
      db->Query("SELECT " AG_CREDENTIAL_COLUMNS
                " FROM webhook_credentials WHERE source = $1 AND "
                "key_hash = $2",
                {source, PgParam::Bytes(key_hash)}));
  return OptionalRow<WebhookCredential>(result, ReadCredentialRow<Row>);
}

absl::StatusOr<std::vector<WebhookCredential>>
PostgresStore::ListWebhookCredentials(const std::string& service_id) {
  ReadLease lease(*this);
  AG_ASSIGN_OR_RETURN(PgConnection * db, lease.db());
  AG_ASSIGN_OR_RETURN(PgResult result,
                      db->Query("SELECT " AG_CREDENTIAL_COLUMNS
                                " FROM webhook_credentials WHERE "
                                "service_id = $1 ORDER BY source",
                                {service_id}));
  return CollectRows<WebhookCredential>(result, ReadCredentialRow<Row>);
}

absl::StatusOr<std::vector<SourceActivity>> PostgresStore::ListSourceActivity(
    const std::string& service_id) {
  ReadLease lease(*this);
  AG_ASSIGN_OR_RETURN(PgConnection * db, lease.db());
  AG_ASSIGN_OR_RETURN(
      PgResult result,
      db->Query("SELECT " AG_SOURCE_ACTIVITY_COLUMNS
                " FROM source_activity WHERE service_id = $1 ORDER BY source",
                {service_id}));
  return CollectRows<SourceActivity>(result, ReadSourceActivityRow<Row>);
}

absl::StatusOr<std::vector<OpenIncidentCount>>
PostgresStore::CountOpenIncidents() {
  ReadLease lease(*this);
  AG_ASSIGN_OR_RETURN(PgConnection * db, lease.db());
  AG_ASSIGN_OR_RETURN(
      PgResult result,
      db->Query(
          "SELECT service_id, SUM(CASE WHEN state = 1 THEN 1 ELSE 0 END), "
          "SUM(CASE WHEN state = 2 THEN 1 ELSE 0 END) FROM incidents WHERE "
          "state IN (1, 2) GROUP BY service_id",
          {}));
  return CollectRows<OpenIncidentCount>(result, ReadOpenCountRow<Row>);
}

absl::StatusOr<std::optional<ApiToken>> PostgresStore::FindApiTokenByHash(
    const std::string& token_hash) {
  ReadLease lease(*this);
  AG_ASSIGN_OR_RETURN(PgConnection * db, lease.db());
  AG_ASSIGN_OR_RETURN(PgResult result,
                      db->Query("SELECT " AG_TOKEN_COLUMNS
                                " FROM api_tokens WHERE token_hash = $1",
                                {PgParam::Bytes(token_hash)}));
  return OptionalRow<ApiToken>(result, ReadTokenRow<Row>);
}

absl::StatusOr<std::vector<ApiToken>> PostgresStore::ListApiTokens() {
  ReadLease lease(*this);
  AG_ASSIGN_OR_RETURN(PgConnection * db, lease.db());
  AG_ASSIGN_OR_RETURN(
      PgResult result,
      db->Query("SELECT " AG_TOKEN_COLUMNS " FROM api_tokens ORDER BY id"));
  return CollectRows<ApiToken>(result, ReadTokenRow<Row>);
}

absl::StatusOr<std::vector<Delivery>> PostgresStore::ListDeliveries(
    const std::string& service_id, const std::string& source,
    const std::string& before_id, int limit) {
  ReadLease lease(*this);
  AG_ASSIGN_OR_RETURN(PgConnection * db, lease.db());
  AG_ASSIGN_OR_RETURN(
      PgResult result,
      db->Query("SELECT " AG_DELIVERY_COLUMNS
                " FROM deliveries WHERE service_id = $1 AND ($2 = '' OR "
                "source = $2) AND ($3 = '' OR id < $3) ORDER BY id DESC "
                "LIMIT $4",
                {service_id, source, before_id, static_cast<int64_t>(limit)}));
  return CollectRows<Delivery>(result, [](const Row& row) {
    return ReadDeliveryRow(row, /*with_body=*/false);
  });
}

absl::StatusOr<std::optional<Delivery>> PostgresStore::GetDelivery(
    const std::string& id) {
  ReadLease lease(*this);
  AG_ASSIGN_OR_RETURN(PgConnection * db, lease.db());
  AG_ASSIGN_OR_RETURN(PgResult result,
                      db->Query("SELECT " AG_DELIVERY_COLUMNS
                                ", headers, body FROM deliveries WHERE id = $1",
                                {id}));
  return OptionalRow<Delivery>(result, [](const Row& row) {
    return ReadDeliveryRow(row, /*with_body=*/true);
  });
}

absl::StatusOr<std::vector<AuditEntry>> PostgresStore::ListAuditEntries(
    int64_t before_id, int limit) {
  ReadLease lease(*this);
  AG_ASSIGN_OR_RETURN(PgConnection * db, lease.db());
  AG_ASSIGN_OR_RETURN(PgResult result,
                      db->Query("SELECT " AG_AUDIT_COLUMNS
                                " FROM audit_log WHERE $1 = 0 OR id < $1 "
                                "ORDER BY id DESC LIMIT $2",
                                {before_id, static_cast<int64_t>(limit)}));
  return CollectRows<AuditEntry>(result, ReadAuditRow<Row>);
}

}  // namespace alertgate
