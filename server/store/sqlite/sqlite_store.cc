#include "server/store/sqlite/sqlite_store.h"

#include <stdio.h>

#include <algorithm>
#include <cstring>
#include <exception>
#include <fstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "server/model/errors.h"
#include "server/model/status_macros.h"
#include "server/store/group_commit.h"
#include "server/store/sqlite/sqlite_schema.h"
#include "server/store/store_rows.h"

namespace alertgate {
namespace {

constexpr int kReaderCount = 4;

// RESOLVED as SQL text. A literal, not a bound parameter: SQLite uses the
// partial indexes (WHERE state <> 3, WHERE state = 3) only when the query
// repeats their condition literally. Tied to the enum here.
#define AG_SQL_RESOLVED "3"
static_assert(static_cast<int>(IncidentState::kResolved) == 3,
              "AG_SQL_RESOLVED must be IncidentState::kResolved");

// Binds every incident column in AG_INCIDENT_COLUMNS order, from parameter 1.
void BindIncident(SqliteStatement& stmt, const Incident& incident) {
  stmt.Bind(1, incident.id)
      .Bind(2, incident.service_id)
      .Bind(3, incident.source)
      .Bind(4, incident.dedup_key)
      .Bind(5, static_cast<int64_t>(incident.state))
      .Bind(6, incident.summary)
      .Bind(7, incident.description)
      .Bind(8, static_cast<int64_t>(incident.severity))
      .Bind(9, EncodeTags(incident.tags))
      .Bind(10, EncodeLinks(incident.links))
      .Bind(11, incident.alert_count)
      .Bind(12, ToMicros(incident.opened_at))
      .Bind(13, ToMicros(incident.last_seen_at))
      .Bind(14, ToMicros(incident.acknowledged_at))
      .Bind(15, incident.acknowledged_by)
      .Bind(16, ToMicros(incident.resolved_at))
      .Bind(17, incident.resolved_by)
      .Bind(18, incident.event_count);
}

// Runs `stmt` and collects every row through `read`.
template <typename T, typename ReadRow>
absl::StatusOr<std::vector<T>> CollectRows(SqliteStatement& stmt,
                                           ReadRow read) {
  std::vector<T> rows;
  while (true) {
    AG_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
    if (!has_row) return rows;
    AG_ASSIGN_OR_RETURN(T value, read(stmt));
    rows.push_back(std::move(value));
  }
}

// Runs `stmt` and reads at most one row through `read`.
template <typename T, typename ReadRow>
absl::StatusOr<std::optional<T>> OptionalRow(SqliteStatement& stmt,
                                             ReadRow read) {
  AG_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
  if (!has_row) return std::optional<T>();
  AG_ASSIGN_OR_RETURN(T value, read(stmt));
  return std::optional<T>(std::move(value));
}

// StoreTransaction over the writer connection, inside the batch's
// transaction. Tracks the highest sequence it appended.
class SqliteTransaction final : public StoreTransaction {
 public:
  explicit SqliteTransaction(SqliteConnection& db) : db_(db) {}

  int64_t last_sequence() const { return last_sequence_; }
  void set_last_sequence(int64_t sequence) { last_sequence_ = sequence; }

  absl::StatusOr<std::optional<Service>> FindService(
      const std::string& id) override {
    AG_ASSIGN_OR_RETURN(SqliteStatement stmt,
                        db_.PrepareStatic("SELECT " AG_SERVICE_COLUMNS
                                          " FROM services WHERE id = ?1"));
    stmt.Bind(1, id);
    return OptionalRow<Service>(stmt, ReadServiceRow<SqliteStatement>);
  }

  absl::Status InsertService(const Service& service) override {
    AG_ASSIGN_OR_RETURN(
        SqliteStatement stmt,
        db_.PrepareStatic(
            "INSERT INTO services (id, name, description, created_at) "
            "VALUES (?1, ?2, ?3, ?4)"));
    stmt.Bind(1, service.id)
        .Bind(2, service.name)
        .Bind(3, service.description)
        .Bind(4, ToMicros(service.created_at));
    absl::Status status = stmt.Run();
    if (absl::IsAlreadyExists(status)) {
      return errors::ServiceNameTaken(service.name);
    }
    return status;
  }

  absl::StatusOr<std::optional<Incident>> FindOpenIncident(
      const std::string& service_id, const std::string& dedup_key) override {
    // Matches the partial index incidents_open_by_dedup_key.
    AG_ASSIGN_OR_RETURN(
        SqliteStatement stmt,
        db_.PrepareStatic(
            "SELECT " AG_INCIDENT_COLUMNS
            " FROM incidents WHERE service_id = ?1 AND dedup_key = ?2 "
            "AND state <> " AG_SQL_RESOLVED));
    stmt.Bind(1, service_id).Bind(2, dedup_key);
    return OptionalRow<Incident>(stmt, ReadIncidentRow<SqliteStatement>);
  }

  absl::StatusOr<std::optional<Incident>> FindIncident(
      const std::string& id) override {
    AG_ASSIGN_OR_RETURN(SqliteStatement stmt,
                        db_.PrepareStatic("SELECT " AG_INCIDENT_COLUMNS
                                          " FROM incidents WHERE id = ?1"));
    stmt.Bind(1, id);
    return OptionalRow<Incident>(stmt, ReadIncidentRow<SqliteStatement>);
  }

  absl::Status InsertIncident(const Incident& incident) override {
    AG_ASSIGN_OR_RETURN(
        SqliteStatement stmt,
        db_.PrepareStatic(
            "INSERT INTO incidents (" AG_INCIDENT_COLUMNS
            ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, "
            "?13, ?14, ?15, ?16, ?17, ?18)"));
    BindIncident(stmt, incident);
    return stmt.Run();
  }

  absl::Status UpdateIncident(const Incident& incident) override {
    // Most updates (an alert folded in) leave every indexed column as it
    // was: then a statement that sets none of them spares SQLite the four
    // index entries a full update deletes and writes again (it rewrites an
    // index when its columns are assigned, equal or not). When the match
    // fails (the state or the resolution changed), the full update runs.
    AG_ASSIGN_OR_RETURN(
        SqliteStatement narrow,
        db_.PrepareStatic(
            "UPDATE incidents SET summary = ?6, description = ?7, "
            "severity = ?8, tags = ?9, links = ?10, alert_count = ?11, "
            "opened_at = ?12, last_seen_at = ?13, acknowledged_at = ?14, "
            "acknowledged_by = ?15, resolved_by = ?17, event_count = ?18 "
            "WHERE id = ?1 AND service_id = ?2 AND source = ?3 AND "
            "dedup_key = ?4 AND state = ?5 AND resolved_at IS ?16"));
    BindIncident(narrow, incident);
    AG_RETURN_IF_ERROR(narrow.Run());
    if (db_.Changes() == 1) return absl::OkStatus();
    AG_ASSIGN_OR_RETURN(
        SqliteStatement stmt,
        db_.PrepareStatic(
            "UPDATE incidents SET service_id = ?2, source = ?3, "
            "dedup_key = ?4, state = ?5, summary = ?6, "
            "description = ?7, severity = ?8, tags = ?9, links = ?10, "
            "alert_count = ?11, opened_at = ?12, last_seen_at = ?13, "
            "acknowledged_at = ?14, acknowledged_by = ?15, "
            "resolved_at = ?16, resolved_by = ?17, event_count = ?18 "
            "WHERE id = ?1"));
    BindIncident(stmt, incident);
    AG_RETURN_IF_ERROR(stmt.Run());
    if (db_.Changes() != 1) return errors::IncidentNotFound(incident.id);
    return absl::OkStatus();
  }

  absl::StatusOr<int64_t> AppendEvent(const IncidentEvent& event) override {
    AG_ASSIGN_OR_RETURN(
        SqliteStatement stmt,
        db_.PrepareStatic(
            "INSERT INTO events (at, kind, incident_id, service_id, "
            "source, dedup_key, state, actor, note, occurred_at) "
            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"));
    stmt.Bind(1, ToMicros(event.at))
        .Bind(2, static_cast<int64_t>(event.kind))
        .Bind(3, event.incident_id)
        .Bind(4, event.service_id)
        .Bind(5, event.source)
        .Bind(6, event.dedup_key)
        .Bind(7, static_cast<int64_t>(event.state))
        .Bind(8, event.actor)
        .Bind(9, event.note)
        .Bind(10, ToMicros(event.occurred_at));
    AG_RETURN_IF_ERROR(stmt.Run());
    last_sequence_ = db_.LastInsertRowId();
    return last_sequence_;
  }

  absl::StatusOr<int> PruneIdempotencyRecords(absl::Time before,
                                              int limit) override {
    AG_ASSIGN_OR_RETURN(
        SqliteStatement stmt,
        db_.PrepareStatic(
            "DELETE FROM idempotency_keys WHERE (service_id, key) IN "
            "(SELECT service_id, key FROM idempotency_keys "
            "WHERE created_at < ?1 ORDER BY created_at LIMIT ?2)"));
    stmt.Bind(1, ToMicros(before)).Bind(2, static_cast<int64_t>(limit));
    AG_RETURN_IF_ERROR(stmt.Run());
    return db_.Changes();
  }

  absl::StatusOr<int> PruneResolvedIncidents(absl::Time before,
                                             int limit) override {
    // The batch: the oldest resolved incidents, by the partial index.
    AG_RETURN_IF_ERROR(db_.Exec(
        "CREATE TEMP TABLE IF NOT EXISTS prune_batch (id TEXT PRIMARY KEY); "
        "DELETE FROM prune_batch;"));
    AG_ASSIGN_OR_RETURN(
        SqliteStatement pick,
        db_.PrepareStatic("INSERT INTO prune_batch SELECT id FROM incidents "
                          "WHERE state = " AG_SQL_RESOLVED
                          " AND resolved_at < ?1 "
                          "ORDER BY resolved_at LIMIT ?2"));
    pick.Bind(1, ToMicros(before)).Bind(2, static_cast<int64_t>(limit));
    AG_RETURN_IF_ERROR(pick.Run());
    const int count = db_.Changes();
    if (count == 0) return 0;
    AG_ASSIGN_OR_RETURN(
        SqliteStatement highest,
        db_.PrepareStatic("SELECT coalesce(max(sequence), 0) FROM events "
                          "WHERE incident_id IN (SELECT id FROM prune_batch)"));
    AG_ASSIGN_OR_RETURN(bool has_row, highest.Step());
    const int64_t pruned_through = has_row ? highest.Int(0) : 0;
    highest.Reset();
    AG_ASSIGN_OR_RETURN(
        SqliteStatement events,
        db_.PrepareStatic("DELETE FROM events WHERE incident_id IN "
                          "(SELECT id FROM prune_batch)"));
    AG_RETURN_IF_ERROR(events.Run());
    AG_ASSIGN_OR_RETURN(SqliteStatement incidents,
                        db_.PrepareStatic("DELETE FROM incidents WHERE id IN "
                                          "(SELECT id FROM prune_batch)"));
    AG_RETURN_IF_ERROR(incidents.Run());
    AG_ASSIGN_OR_RETURN(
        SqliteStatement mark,
        db_.PrepareStatic(
            "INSERT INTO store_marks (name, value) VALUES ('pruned_through', "
            "?1) "
            "ON CONFLICT (name) DO UPDATE SET value = max(value, ?1)"));
    mark.Bind(1, pruned_through);
    AG_RETURN_IF_ERROR(mark.Run());
    return count;
  }

  absl::StatusOr<int> PruneFoldEvents(absl::Time before, int limit) override {
    AG_RETURN_IF_ERROR(
        db_.Exec("CREATE TEMP TABLE IF NOT EXISTS prune_events "
                 "(sequence INTEGER PRIMARY KEY, incident_id TEXT NOT NULL); "
                 "DELETE FROM prune_events;"));
    // Oldest first: the log is in commit order, so the scan stops early.
    AG_ASSIGN_OR_RETURN(
        SqliteStatement pick,
        db_.PrepareStatic(
            "INSERT INTO prune_events SELECT sequence, incident_id "
            "FROM events WHERE kind = 2 AND at < ?1 "
            "ORDER BY sequence LIMIT ?2"));
    pick.Bind(1, ToMicros(before)).Bind(2, static_cast<int64_t>(limit));
    AG_RETURN_IF_ERROR(pick.Run());
    const int count = db_.Changes();
    if (count == 0) return 0;
    AG_RETURN_IF_ERROR(db_.Exec(
        "UPDATE incidents SET event_count = event_count - "
        "(SELECT count(*) FROM prune_events p WHERE p.incident_id = "
        "incidents.id) "
        "WHERE id IN (SELECT incident_id FROM prune_events); "
        "DELETE FROM events WHERE sequence IN (SELECT sequence FROM "
        "prune_events); "
        "INSERT INTO store_marks (name, value) "
        "SELECT 'pruned_through', max(sequence) FROM prune_events WHERE true "
        "ON CONFLICT (name) DO UPDATE SET value = max(value, "
        "excluded.value);"));
    return count;
  }

  absl::StatusOr<std::optional<IdempotencyRecord>> FindIdempotencyRecord(
      const std::string& service_id, const std::string& key) override {
    AG_ASSIGN_OR_RETURN(
        SqliteStatement stmt,
        db_.PrepareStatic(
            "SELECT " AG_IDEMPOTENCY_COLUMNS
            " FROM idempotency_keys WHERE service_id = ?1 AND key = ?2"));
    stmt.Bind(1, service_id).Bind(2, key);
    return OptionalRow<IdempotencyRecord>(stmt,
                                          ReadIdempotencyRow<SqliteStatement>);
  }

  absl::Status InsertIdempotencyRecord(const IdempotencyRecord& r) override {
    AG_ASSIGN_OR_RETURN(
        SqliteStatement stmt,
        db_.PrepareStatic(
            "INSERT INTO idempotency_keys (service_id, key, outcome, "
            "incident_id, sequence, created_at) "
            "VALUES (?1, ?2, ?3, ?4, ?5, ?6)"));
    stmt.Bind(1, r.service_id)
        .Bind(2, r.key)
        .Bind(3, static_cast<int64_t>(r.outcome))
        .Bind(4, r.incident_id)
        .Bind(5, r.sequence)
        .Bind(6, ToMicros(r.created_at));
    return stmt.Run();
  }

  absl::Status RecordSourceActivity(
      const std::string& service_id, const std::string& source,
      absl::Time alert_at,
      std::optional<absl::Time> incident_opened_at) override {
    AG_ASSIGN_OR_RETURN(
        SqliteStatement stmt,
        db_.PrepareStatic(
            "INSERT INTO source_activity (service_id, source, last_alert_at, "
            "last_incident_at) VALUES (?1, ?2, ?3, ?4) "
            "ON CONFLICT (service_id, source) DO UPDATE SET "
            "last_alert_at = max(coalesce(last_alert_at, 0), "
            "excluded.last_alert_at), "
            "last_incident_at = coalesce(max(last_incident_at, "
            "excluded.last_incident_at), last_incident_at, "
            "excluded.last_incident_at)"));
    stmt.Bind(1, service_id)
        .Bind(2, source)
        .Bind(3, ToMicros(alert_at))
        .Bind(4, ToMicros(incident_opened_at));
    return stmt.Run();
  }

  absl::StatusOr<std::optional<WebhookCredential>> FindWebhookCredential(
      const std::string& service_id, const std::string& source) override {
    AG_ASSIGN_OR_RETURN(
        SqliteStatement stmt,
        db_.PrepareStatic(
            "SELECT " AG_CREDENTIAL_COLUMNS
            " FROM webhook_credentials WHERE service_id = ?1 AND source = ?2"));
    stmt.Bind(1, service_id).Bind(2, source);
    return OptionalRow<WebhookCredential>(stmt,
                                          ReadCredentialRow<SqliteStatement>);
  }

  absl::StatusOr<std::optional<ServiceRules>> FindServiceRules(
      const std::string& service_id) override {
    AG_ASSIGN_OR_RETURN(
        SqliteStatement stmt,
        db_.PrepareStatic("SELECT " AG_RULES_COLUMNS
                          " FROM service_rules WHERE service_id = ?1"));
    stmt.Bind(1, service_id);
    return OptionalRow<ServiceRules>(stmt, ReadRulesRow<SqliteStatement>);
  }

  absl::Status PutServiceRules(const ServiceRules& rules) override {
    AG_ASSIGN_OR_RETURN(
        SqliteStatement stmt,
        db_.PrepareStatic(
            "INSERT OR REPLACE INTO service_rules (" AG_RULES_COLUMNS
            ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"));
    stmt.Bind(1, rules.service_id)
        .Bind(2, EncodeRules(rules.rules))
        .Bind(3, rules.revision)
        .Bind(4, ToMicros(rules.updated_at))
        .Bind(5, rules.updated_by)
        .Bind(6, EncodeMaintenance(rules.maintenance))
        .Bind(7, EncodeAutoResolve(rules.auto_resolve))
        .Bind(8, EncodeWebhooks(rules.webhooks));
    return stmt.Run();
  }

  absl::Status InsertOutboundMessage(const OutboundMessage& m) override {
    AG_ASSIGN_OR_RETURN(
        SqliteStatement stmt,
        db_.PrepareStatic("INSERT INTO outbound_messages (" AG_OUTBOUND_COLUMNS
                          ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
                          "?11, ?12, ?13, ?14, ?15)"));
    stmt.Bind(1, m.id)
        .Bind(2, m.service_id)
        .Bind(3, m.subscription)
        .Bind(4, static_cast<int64_t>(m.event))
        .Bind(5, m.incident_id)
        .Bind(6, m.sequence)
        .Bind(7, m.body)
        .Bind(8, ToMicros(m.created_at))
        .Bind(9, static_cast<int64_t>(m.state))
        .Bind(10, static_cast<int64_t>(m.attempts))
        .Bind(11, ToMicros(m.next_attempt_at))
        .Bind(12, ToMicros(m.leased_until))
        .Bind(13, static_cast<int64_t>(m.last_http_status))
        .Bind(14, m.last_error)
        .Bind(15, ToMicros(m.finished_at));
    return stmt.Run();
  }

  absl::StatusOr<std::optional<OutboundMessage>> FindOutboundMessage(
      const std::string& id) override {
    AG_ASSIGN_OR_RETURN(
        SqliteStatement stmt,
        db_.PrepareStatic("SELECT " AG_OUTBOUND_COLUMNS
                          " FROM outbound_messages WHERE id = ?1"));
    stmt.Bind(1, id);
    return OptionalRow<OutboundMessage>(stmt, ReadOutboundRow<SqliteStatement>);
  }

  absl::Status UpdateOutboundMessage(const OutboundMessage& m) override {
    AG_ASSIGN_OR_RETURN(
        SqliteStatement stmt,
        db_.PrepareStatic(
            "UPDATE outbound_messages SET state = ?2, attempts = ?3, "
            "next_attempt_at = ?4, leased_until = ?5, last_http_status = ?6, "
            "last_error = ?7, finished_at = ?8 WHERE id = ?1"));
    stmt.Bind(1, m.id)
        .Bind(2, static_cast<int64_t>(m.state))
        .Bind(3, static_cast<int64_t>(m.attempts))
        .Bind(4, ToMicros(m.next_attempt_at))
        .Bind(5, ToMicros(m.leased_until))
        .Bind(6, static_cast<int64_t>(m.last_http_status))
        .Bind(7, m.last_error)
        .Bind(8, ToMicros(m.finished_at));
    return stmt.Run();
  }

  absl::StatusOr<std::vector<OutboundMessage>> ClaimOutboundMessages(
      const OutboundQueue& queue, absl::Time now, absl::Time lease_until,
      int limit) override {
    AG_ASSIGN_OR_RETURN(
        SqliteStatement select,
        db_.PrepareStatic(
            "SELECT " AG_OUTBOUND_COLUMNS
            " FROM outbound_messages WHERE service_id = ?1 AND subscription "
            "= ?2 AND state = 1 AND next_attempt_at <= ?3 AND (leased_until "
            "IS NULL OR leased_until <= ?3) ORDER BY id LIMIT ?4"));
    select.Bind(1, queue.service_id)
        .Bind(2, queue.subscription)
        .Bind(3, ToMicros(now))
        .Bind(4, static_cast<int64_t>(limit));
    AG_ASSIGN_OR_RETURN(
        std::vector<OutboundMessage> claimed,
        CollectRows<OutboundMessage>(select, ReadOutboundRow<SqliteStatement>));
    for (OutboundMessage& message : claimed) {
      AG_ASSIGN_OR_RETURN(SqliteStatement lease,
                          db_.PrepareStatic("UPDATE outbound_messages SET "
                                            "leased_until = ?2 WHERE id = ?1"));
      lease.Bind(1, message.id).Bind(2, ToMicros(lease_until));
      AG_RETURN_IF_ERROR(lease.Run());
      message.leased_until = lease_until;
    }
    return claimed;
  }

  absl::Status PutWebhookCredential(const WebhookCredential& c) override {
    AG_ASSIGN_OR_RETURN(
        SqliteStatement stmt,
        db_.PrepareStatic(
            "INSERT OR REPLACE INTO webhook_credentials (service_id, "
            "source, key_hash, secret, issued_at) "
            "VALUES (?1, ?2, ?3, ?4, ?5)"));
    stmt.Bind(1, c.service_id).Bind(2, c.source);
    if (c.key_hash.empty()) {
      stmt.BindNull(3);
    } else {
      stmt.BindBlob(3, c.key_hash);
    }
    stmt.Bind(4, c.secret).Bind(5, ToMicros(c.issued_at));
    return stmt.Run();
  }

  absl::Status InsertApiToken(const ApiToken& token) override {
    AG_ASSIGN_OR_RETURN(
        SqliteStatement stmt,
        db_.PrepareStatic("INSERT INTO api_tokens (" AG_TOKEN_COLUMNS
                          ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"));
    stmt.Bind(1, token.id)
        .Bind(2, token.name)
        .Bind(3, static_cast<int64_t>(token.role))
        .BindBlob(4, token.token_hash)
        .Bind(5, ToMicros(token.created_at))
        .Bind(6, token.created_by)
        .Bind(7, ToMicros(token.last_used_at))
        .Bind(8, ToMicros(token.revoked_at));
    absl::Status status = stmt.Run();
    if (absl::IsAlreadyExists(status)) {
      return errors::TokenNameTaken(token.name);
    }
    return status;
  }

  absl::StatusOr<std::optional<ApiToken>> FindApiToken(
      const std::string& id_or_name) override {
    AG_ASSIGN_OR_RETURN(
        SqliteStatement stmt,
        db_.PrepareStatic("SELECT " AG_TOKEN_COLUMNS
                          " FROM api_tokens WHERE id = ?1 OR (name = ?1 AND "
                          "revoked_at IS NULL) ORDER BY revoked_at IS NULL "
                          "DESC LIMIT 1"));
    stmt.Bind(1, id_or_name);
    return OptionalRow<ApiToken>(stmt, ReadTokenRow<SqliteStatement>);
  }

  absl::Status RevokeApiToken(const std::string& id, absl::Time at) override {
    AG_ASSIGN_OR_RETURN(
        SqliteStatement stmt,
        db_.PrepareStatic(
            "UPDATE api_tokens SET revoked_at = ?2 WHERE id = ?1"));
    stmt.Bind(1, id).Bind(2, ToMicros(at));
    return stmt.Run();
  }

  absl::Status TouchApiToken(const std::string& id, absl::Time at) override {
    AG_ASSIGN_OR_RETURN(
        SqliteStatement stmt,
        db_.PrepareStatic(
            "UPDATE api_tokens SET last_used_at = ?2 WHERE id = ?1"));
    stmt.Bind(1, id).Bind(2, ToMicros(at));
    return stmt.Run();
  }

  absl::StatusOr<int64_t> AppendAudit(const AuditEntry& entry) override {
    AG_ASSIGN_OR_RETURN(
        SqliteStatement stmt,
        db_.PrepareStatic("INSERT INTO audit_log (at, actor, action, target, "
                          "detail) VALUES (?1, ?2, ?3, ?4, ?5)"));
    stmt.Bind(1, ToMicros(entry.at))
        .Bind(2, entry.actor)
        .Bind(3, entry.action)
        .Bind(4, entry.target)
        .Bind(5, entry.detail);
    AG_RETURN_IF_ERROR(stmt.Run());
    return db_.LastInsertRowId();
  }

  absl::Status InsertDelivery(const Delivery& d) override {
    AG_ASSIGN_OR_RETURN(
        SqliteStatement stmt,
        db_.PrepareStatic("INSERT INTO deliveries (" AG_DELIVERY_INSERT_COLUMNS
                          ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
                          "?10, ?11, ?12, ?13, ?14)"));
    stmt.Bind(1, d.id)
        .Bind(2, d.service_id)
        .Bind(3, d.source)
        .Bind(4, ToMicros(d.received_at))
        .Bind(5, d.event)
        .Bind(6, d.delivery_id)
        .Bind(7, static_cast<int64_t>(d.http_status))
        .Bind(8, static_cast<int64_t>(d.outcome))
        .Bind(9, d.reason)
        .Bind(10, EncodeStrings(d.incident_ids))
        .Bind(11, d.body_bytes)
        .Bind(12, d.replay_of)
        .Bind(13, d.kept_headers ? std::optional<std::string>(
                                       EncodeHeaders(*d.kept_headers))
                                 : std::nullopt);
    if (d.body) {
      stmt.BindBlob(14, *d.body);
    } else {
      stmt.BindNull(14);
    }
    return stmt.Run();
  }

  absl::StatusOr<int> TrimKeptBodies(const std::string& service_id,
                                     int64_t max_bytes) override {
    AG_ASSIGN_OR_RETURN(
        SqliteStatement stmt,
        db_.PrepareStatic(
            "UPDATE deliveries SET headers = NULL, body = NULL WHERE id IN "
            "(SELECT id FROM (SELECT id, SUM(length(body)) OVER (ORDER BY id "
            "DESC) AS newer FROM deliveries WHERE service_id = ?1 AND body "
            "IS NOT NULL) WHERE newer > ?2)"));
    stmt.Bind(1, service_id).Bind(2, max_bytes);
    AG_RETURN_IF_ERROR(stmt.Run());
    return db_.Changes();
  }

  absl::StatusOr<int> PruneOutboundMessages(absl::Time before,
                                            int limit) override {
    AG_ASSIGN_OR_RETURN(
        SqliteStatement stmt,
        db_.PrepareStatic("DELETE FROM outbound_messages WHERE id IN (SELECT "
                          "id FROM outbound_messages WHERE finished_at < ?1 "
                          "ORDER BY finished_at LIMIT ?2)"));
    stmt.Bind(1, ToMicros(before)).Bind(2, static_cast<int64_t>(limit));
    AG_RETURN_IF_ERROR(stmt.Run());
    return db_.Changes();
  }

  absl::StatusOr<int> PruneDeliveries(absl::Time before, int limit) override {
    AG_ASSIGN_OR_RETURN(
        SqliteStatement stmt,
        db_.PrepareStatic("DELETE FROM deliveries WHERE id IN (SELECT id "
                          "FROM deliveries WHERE received_at < ?1 ORDER BY "
                          "received_at LIMIT ?2)"));
    stmt.Bind(1, ToMicros(before)).Bind(2, static_cast<int64_t>(limit));
    AG_RETURN_IF_ERROR(stmt.Run());
    return db_.Changes();
  }

 private:
  SqliteConnection& db_;
  int64_t last_sequence_ = 0;
};

absl::Status ConfigureConnection(SqliteConnection& db) {
  // WAL lets readers run beside the writer; FULL makes every commit durable
  // (fsync of the WAL) before Write() answers. Each write runs in a
  // SAVEPOINT, whose sub-journal (original page images, only for rolling
  // back within the open transaction) would otherwise be a temporary file
  // written page by page: in memory it costs no syscalls and durability is
  // unchanged, since it never outlives the transaction.
  return db.Exec(
      "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; "
      "PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY;");
}

std::string StartFresh(const std::string& path) {
  return absl::StrCat("to start with an empty store, move ", path,
                      " (and any -wal and -shm files beside it) away, or give "
                      "alertgate another --data_dir");
}

// Before SQLite touches the file: an existing file must be a SQLite
// database. SQLite would silently turn an empty file into a new database,
// and a first start would then issue new webhook keys.
absl::Status CheckStoreFileHeader(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::OkStatus();  // Missing: a new store.
  char header[16] = {};
  in.read(header, sizeof(header));
  if (in.gcount() == 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "store ", path, " is an empty file (0 bytes), not an alertgate store; ",
        StartFresh(path)));
  }
  if (in.gcount() < 16 || std::memcmp(header, "SQLite format 3", 16) != 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "store ", path, " is not a SQLite database; ", StartFresh(path)));
  }
  return absl::OkStatus();
}

// The file opened: it must be alertgate's (or new), and pass `check`.
absl::Status CheckStoreContents(SqliteConnection& db, const std::string& path,
                                StoreCheck check) {
  AG_ASSIGN_OR_RETURN(SqliteStatement version,
                      db.Prepare("PRAGMA user_version"));
  AG_ASSIGN_OR_RETURN(bool has_version, version.Step());
  const int64_t schema_version = has_version ? version.Int(0) : 0;
  AG_ASSIGN_OR_RETURN(SqliteStatement tables,
                      db.Prepare("SELECT count(*) FROM sqlite_master"));
  AG_ASSIGN_OR_RETURN(bool has_count, tables.Step());
  if (schema_version == 0 && has_count && tables.Int(0) > 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("store ", path,
                     " is a SQLite database of another program (it has "
                     "tables but no alertgate schema version); ",
                     StartFresh(path)));
  }
  if (check == StoreCheck::kNone) return absl::OkStatus();
  AG_ASSIGN_OR_RETURN(
      SqliteStatement result,
      db.Prepare(check == StoreCheck::kQuick ? "PRAGMA quick_check(5)"
                                             : "PRAGMA integrity_check(5)"));
  std::vector<std::string> problems;
  while (true) {
    absl::StatusOr<bool> row = result.Step();
    if (!row.ok()) {
      return absl::DataLossError(
          absl::StrCat("store ", path, " is damaged (", row.status().message(),
                       "); restore it from a backup (docs/operations.md), or ",
                       StartFresh(path)));
    }
    if (!*row) break;
    std::string line = result.Text(0);
    if (line != "ok") problems.push_back(std::move(line));
  }
  if (!problems.empty()) {
    return absl::DataLossError(absl::StrCat(
        "store ", path, " is damaged: ", absl::StrJoin(problems, "; "),
        ". Restore it from a backup (docs/operations.md), or ",
        StartFresh(path)));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<SqliteStore>> SqliteStore::Open(
    const std::string& path, StoreCheck check) {
  AG_RETURN_IF_ERROR(CheckStoreFileHeader(path));
  AG_ASSIGN_OR_RETURN(std::unique_ptr<SqliteConnection> writer,
                      SqliteConnection::Open(path));
  AG_RETURN_IF_ERROR(ConfigureConnection(*writer));
  AG_RETURN_IF_ERROR(CheckStoreContents(*writer, path, check));
  AG_RETURN_IF_ERROR(MigrateSchema(*writer));
  std::vector<std::unique_ptr<SqliteConnection>> readers;
  for (int i = 0; i < kReaderCount; ++i) {
    AG_ASSIGN_OR_RETURN(std::unique_ptr<SqliteConnection> reader,
                        SqliteConnection::Open(path));
    AG_RETURN_IF_ERROR(ConfigureConnection(*reader));
    readers.push_back(std::move(reader));
  }
  AG_ASSIGN_OR_RETURN(SqliteStatement last,
                      writer->Prepare("SELECT coalesce(max(sequence), 0) "
                                      "FROM events"));
  AG_ASSIGN_OR_RETURN(bool has_row, last.Step());
  int64_t last_sequence = has_row ? last.Int(0) : 0;
  return std::unique_ptr<SqliteStore>(
      new SqliteStore(std::move(writer), std::move(readers), last_sequence));
}

SqliteStore::SqliteStore(std::unique_ptr<SqliteConnection> writer,
                         std::vector<std::unique_ptr<SqliteConnection>> readers,
                         int64_t last_sequence)
    : writer_(std::move(writer)),
      notifier_(last_sequence),
      readers_(std::move(readers)) {
  writes_ = std::make_unique<GroupCommitQueue>(
      kMaxBatch, [this](const std::vector<const WriteWork*>& batch) {
        return CommitBatch(batch);
      });
}

SqliteStore::~SqliteStore() {
  notifier_.Close();
  writes_.reset();  // Commits and answers what is queued.
  // A clean close folds the WAL back into the main file.
  writer_->Exec("PRAGMA wal_checkpoint(TRUNCATE)").IgnoreError();
}

absl::Status SqliteStore::Write(WriteWork work) {
  return writes_->Write(std::move(work));
}

void SqliteStore::WriteAsync(WriteWork work, WriteDone done) {
  writes_->WriteAsync(std::move(work), std::move(done));
}

std::vector<absl::Status> SqliteStore::CommitBatch(
    const std::vector<const WriteWork*>& batch) {
  SqliteTransaction tx(*writer_);
  tx.set_last_sequence(notifier_.Last());
  std::vector<absl::Status> results(batch.size());
  // A damaged file is never written again: a write could spread the damage
  // or answer from a broken index. Senders get 503 and retry elsewhere or
  // later; reads go on where SQLite can still serve them.
  absl::Status commit =
      damaged_ ? errors::StoreUnavailable(
                     "the store file is damaged; writes are stopped until it "
                     "is restored (see alertgate's log)")
               : RunStatic("BEGIN IMMEDIATE");
  if (commit.ok()) {
    for (size_t i = 0; i < batch.size(); ++i) {
      // Each callback gets a savepoint, so its failure undoes only its own
      // changes and the rest of the batch still commits.
      int64_t sequence_before = tx.last_sequence();
      absl::Status status = RunStatic("SAVEPOINT one_write");
      if (status.ok()) {
        try {
          status = (*batch[i])(tx);
        } catch (const std::exception& e) {
          status =
              absl::InternalError(absl::StrCat("write failed: ", e.what()));
        }
        if (status.ok()) {
          status = RunStatic("RELEASE one_write");
        } else {
          RunStatic("ROLLBACK TO one_write").IgnoreError();
          RunStatic("RELEASE one_write").IgnoreError();
          tx.set_last_sequence(sequence_before);
        }
      }
      results[i] = status;
    }
    commit = RunStatic("COMMIT");
    if (!commit.ok()) RunStatic("ROLLBACK").IgnoreError();
    absl::Status damage = commit;
    for (const absl::Status& result : results) {
      if (absl::IsDataLoss(result)) damage = result;
    }
    for (absl::Status& result : results) {
      if (absl::IsDataLoss(result)) {
        result = errors::StoreUnavailable(
            absl::StrCat("the store file is damaged: ", result.message()));
      }
    }
    if (absl::IsDataLoss(damage) && !damaged_.exchange(true)) {
      fprintf(stderr,
              "alertgate: FATAL for writes: the store reports corruption "
              "(%s). No write is attempted any more; every write answers "
              "UNAVAILABLE. Stop alertgate and restore the store from a "
              "backup (docs/operations.md).\n",
              std::string(damage.message()).c_str());
    }
  }
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

absl::Status SqliteStore::RunStatic(const char* sql) {
  // Prepared once: these run twice per write (BEGIN and COMMIT once per
  // batch), and sqlite3_exec would parse the text every time.
  AG_ASSIGN_OR_RETURN(SqliteStatement stmt, writer_->PrepareStatic(sql));
  return stmt.Run();
}

absl::StatusOr<std::optional<Incident>> SqliteStore::GetIncident(
    const std::string& id) {
  ReadLease lease(readers_);
  AG_ASSIGN_OR_RETURN(
      SqliteStatement stmt,
      lease.db().PrepareStatic("SELECT " AG_INCIDENT_COLUMNS
                               " FROM incidents WHERE id = ?1"));
  stmt.Bind(1, id);
  return OptionalRow<Incident>(stmt, ReadIncidentRow<SqliteStatement>);
}

absl::StatusOr<std::vector<Incident>> SqliteStore::ListIncidents(
    const IncidentFilter& filter, const std::string& before_id, int limit) {
  // One ordered index range per state — (service_id, state, id), or
  // (state, id) across services — merged (store_rows.h).
  const std::vector<IncidentState> states = StatesToList(filter.states);

  // Built from fixed fragments only; every value is a bound parameter.
  std::string sql = absl::StrCat("SELECT ", AG_INCIDENT_COLUMNS,
                                 " FROM incidents WHERE state = ?1");
  if (!filter.service_id.empty()) absl::StrAppend(&sql, " AND service_id = ?2");
  if (!filter.source.empty()) absl::StrAppend(&sql, " AND source = ?3");
  if (!before_id.empty()) absl::StrAppend(&sql, " AND id < ?4");
  absl::StrAppend(&sql, " ORDER BY id DESC LIMIT ?5");

  ReadLease lease(readers_);
  // One read transaction: every state's range comes from the same snapshot,
  // so an incident changing state meanwhile is listed exactly once.
  AG_RETURN_IF_ERROR(lease.db().Exec("BEGIN"));
  std::vector<Incident> merged;
  absl::Status status = [&]() -> absl::Status {
    AG_ASSIGN_OR_RETURN(SqliteStatement stmt, lease.db().Prepare(sql));
    for (IncidentState state : states) {
      stmt.Bind(1, static_cast<int64_t>(state));
      if (!filter.service_id.empty()) stmt.Bind(2, filter.service_id);
      if (!filter.source.empty()) stmt.Bind(3, filter.source);
      if (!before_id.empty()) stmt.Bind(4, before_id);
      stmt.Bind(5, static_cast<int64_t>(limit));
      AG_ASSIGN_OR_RETURN(
          std::vector<Incident> rows,
          CollectRows<Incident>(stmt, ReadIncidentRow<SqliteStatement>));
      stmt.Reset();
      for (Incident& incident : rows) merged.push_back(std::move(incident));
    }
    return absl::OkStatus();
  }();
  lease.db().Exec("COMMIT").IgnoreError();
  AG_RETURN_IF_ERROR(status);
  MergeNewestFirst(merged, limit);
  return merged;
}

absl::StatusOr<std::vector<IncidentEvent>> SqliteStore::ReadEvents(
    const EventQuery& query) {
  std::string sql = absl::StrCat("SELECT ", AG_EVENT_COLUMNS,
                                 " FROM events WHERE sequence > ?1 AND "
                                 "sequence <= ?2");
  if (!query.service_id.empty()) absl::StrAppend(&sql, " AND service_id = ?3");
  if (!query.incident_id.empty())
    absl::StrAppend(&sql, " AND incident_id = ?4");
  absl::StrAppend(&sql, query.newest_first ? " ORDER BY sequence DESC LIMIT ?5"
                                           : " ORDER BY sequence LIMIT ?5");
  ReadLease lease(readers_);
  AG_ASSIGN_OR_RETURN(SqliteStatement stmt, lease.db().Prepare(sql));
  stmt.Bind(1, query.after_sequence).Bind(2, query.up_to_sequence);
  if (!query.service_id.empty()) stmt.Bind(3, query.service_id);
  if (!query.incident_id.empty()) stmt.Bind(4, query.incident_id);
  stmt.Bind(5, static_cast<int64_t>(query.limit));
  return CollectRows<IncidentEvent>(stmt, ReadEventRow<SqliteStatement>);
}

int64_t SqliteStore::LastCommittedSequence() { return notifier_.Last(); }

absl::StatusOr<int64_t> SqliteStore::PrunedThroughSequence() {
  ReadLease lease(readers_);
  AG_ASSIGN_OR_RETURN(
      SqliteStatement stmt,
      lease.db().PrepareStatic(
          "SELECT value FROM store_marks WHERE name = 'pruned_through'"));
  AG_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
  const int64_t value = has_row ? stmt.Int(0) : 0;
  stmt.Reset();
  return value;
}

bool SqliteStore::WaitForEventsAfter(int64_t sequence, absl::Duration timeout) {
  return notifier_.WaitAfter(sequence, timeout);
}

absl::StatusOr<std::optional<Service>> SqliteStore::GetService(
    const std::string& id) {
  ReadLease lease(readers_);
  AG_ASSIGN_OR_RETURN(SqliteStatement stmt,
                      lease.db().PrepareStatic("SELECT " AG_SERVICE_COLUMNS
                                               " FROM services WHERE id = ?1"));
  stmt.Bind(1, id);
  return OptionalRow<Service>(stmt, ReadServiceRow<SqliteStatement>);
}

absl::StatusOr<std::optional<Service>> SqliteStore::GetServiceByName(
    const std::string& name) {
  ReadLease lease(readers_);
  AG_ASSIGN_OR_RETURN(
      SqliteStatement stmt,
      lease.db().PrepareStatic("SELECT " AG_SERVICE_COLUMNS
                               " FROM services WHERE name = ?1"));
  stmt.Bind(1, name);
  return OptionalRow<Service>(stmt, ReadServiceRow<SqliteStatement>);
}

absl::StatusOr<std::vector<Service>> SqliteStore::ListServices(
    const std::string& after_name, int limit) {
  ReadLease lease(readers_);
  AG_ASSIGN_OR_RETURN(
      SqliteStatement stmt,
      lease.db().PrepareStatic(
          "SELECT " AG_SERVICE_COLUMNS
          " FROM services WHERE name > ?1 ORDER BY name LIMIT ?2"));
  stmt.Bind(1, after_name).Bind(2, static_cast<int64_t>(limit));
  return CollectRows<Service>(stmt, ReadServiceRow<SqliteStatement>);
}

absl::StatusOr<std::optional<WebhookCredential>>
SqliteStore::FindWebhookCredentialByKeyHash(const std::string& source,
                                            const std::string& key_hash) {
  ReadLease lease(readers_);
  AG_ASSIGN_OR_RETURN(
      SqliteStatement stmt,
      lease.db().PrepareStatic(
          "SELECT " AG_CREDENTIAL_COLUMNS
          " FROM webhook_credentials WHERE source = ?1 AND key_hash = ?2"));
  stmt.Bind(1, source).BindBlob(2, key_hash);
  return OptionalRow<WebhookCredential>(stmt,
                                        ReadCredentialRow<SqliteStatement>);
}

absl::StatusOr<std::optional<ServiceRules>> SqliteStore::GetServiceRules(
    const std::string& service_id) {
  ReadLease lease(readers_);
  AG_ASSIGN_OR_RETURN(
      SqliteStatement stmt,
      lease.db().PrepareStatic("SELECT " AG_RULES_COLUMNS
                               " FROM service_rules WHERE service_id = ?1"));
  stmt.Bind(1, service_id);
  return OptionalRow<ServiceRules>(stmt, ReadRulesRow<SqliteStatement>);
}

absl::StatusOr<std::vector<ServiceRules>> SqliteStore::ListAutoResolveRules() {
  ReadLease lease(readers_);
  AG_ASSIGN_OR_RETURN(
      SqliteStatement stmt,
      lease.db().PrepareStatic("SELECT " AG_RULES_COLUMNS
                               " FROM service_rules WHERE auto_resolve <> "
                               "'[]' ORDER BY service_id"));
  return CollectRows<ServiceRules>(stmt, ReadRulesRow<SqliteStatement>);
}

absl::StatusOr<std::vector<Incident>> SqliteStore::ListQuietIncidents(
    const std::string& service_id, const std::string& source,
    const std::string& dedup_key_prefix, absl::Time before, int limit) {
  ReadLease lease(readers_);
  // The (service_id, state, id) index finds the open incidents; few are.
  // The prefix is compared as bytes (LIKE would read % and _ in it).
  AG_ASSIGN_OR_RETURN(
      SqliteStatement stmt,
      lease.db().PrepareStatic(
          "SELECT " AG_INCIDENT_COLUMNS
          " FROM incidents WHERE service_id = ?1 AND state IN (1, 2, 4) "
          "AND last_seen_at < ?2 AND (?3 = '' OR source = ?3) "
          "AND substr(dedup_key, 1, length(?4)) = ?4 "
          "ORDER BY last_seen_at LIMIT ?5"));
  stmt.Bind(1, service_id)
      .Bind(2, ToMicros(before))
      .Bind(3, source)
      .Bind(4, dedup_key_prefix)
      .Bind(5, static_cast<int64_t>(limit));
  return CollectRows<Incident>(stmt, ReadIncidentRow<SqliteStatement>);
}

absl::StatusOr<std::vector<OutboundQueue>> SqliteStore::ListDueOutboundQueues(
    absl::Time now, int limit) {
  ReadLease lease(readers_);
  AG_ASSIGN_OR_RETURN(
      SqliteStatement stmt,
      lease.db().PrepareStatic(
          "SELECT DISTINCT service_id, subscription FROM outbound_messages "
          "WHERE state = 1 AND next_attempt_at <= ?1 AND (leased_until IS "
          "NULL OR leased_until <= ?1) LIMIT ?2"));
  stmt.Bind(1, ToMicros(now)).Bind(2, static_cast<int64_t>(limit));
  return CollectRows<OutboundQueue>(stmt,
                                    ReadOutboundQueueRow<SqliteStatement>);
}

absl::StatusOr<std::vector<OutboundMessage>> SqliteStore::ListOutboundMessages(
    const std::string& service_id, std::optional<OutboundState> state,
    const std::string& before_id, int limit) {
  ReadLease lease(readers_);
  AG_ASSIGN_OR_RETURN(
      SqliteStatement stmt,
      lease.db().PrepareStatic(
          "SELECT " AG_OUTBOUND_COLUMNS
          " FROM outbound_messages WHERE service_id = ?1 AND (?2 = 0 OR "
          "state = ?2) AND (?3 = '' OR id < ?3) ORDER BY id DESC LIMIT ?4"));
  stmt.Bind(1, service_id)
      .Bind(2, state ? static_cast<int64_t>(*state) : int64_t{0})
      .Bind(3, before_id)
      .Bind(4, static_cast<int64_t>(limit));
  return CollectRows<OutboundMessage>(stmt, ReadOutboundRow<SqliteStatement>);
}

absl::StatusOr<std::vector<WebhookCredential>>
SqliteStore::ListWebhookCredentials(const std::string& service_id) {
  ReadLease lease(readers_);
  AG_ASSIGN_OR_RETURN(
      SqliteStatement stmt,
      lease.db().PrepareStatic("SELECT " AG_CREDENTIAL_COLUMNS
                               " FROM webhook_credentials WHERE "
                               "service_id = ?1 ORDER BY source"));
  stmt.Bind(1, service_id);
  return CollectRows<WebhookCredential>(stmt,
                                        ReadCredentialRow<SqliteStatement>);
}

absl::StatusOr<std::vector<SourceActivity>> SqliteStore::ListSourceActivity(
    const std::string& service_id) {
  ReadLease lease(readers_);
  AG_ASSIGN_OR_RETURN(
      SqliteStatement stmt,
      lease.db().PrepareStatic("SELECT " AG_SOURCE_ACTIVITY_COLUMNS
                               " FROM source_activity WHERE "
                               "service_id = ?1 ORDER BY source"));
  stmt.Bind(1, service_id);
  return CollectRows<SourceActivity>(stmt,
                                     ReadSourceActivityRow<SqliteStatement>);
}

absl::StatusOr<std::vector<OpenIncidentCount>>
SqliteStore::CountOpenIncidents() {
  ReadLease lease(readers_);
  AG_ASSIGN_OR_RETURN(
      SqliteStatement stmt,
      lease.db().PrepareStatic(
          "SELECT service_id, SUM(CASE WHEN state = 1 THEN 1 ELSE 0 END), "
          "SUM(CASE WHEN state = 2 THEN 1 ELSE 0 END) FROM incidents WHERE "
          "state IN (1, 2) GROUP BY service_id"));
  return CollectRows<OpenIncidentCount>(stmt,
                                        ReadOpenCountRow<SqliteStatement>);
}

absl::StatusOr<std::optional<ApiToken>> SqliteStore::FindApiTokenByHash(
    const std::string& token_hash) {
  ReadLease lease(readers_);
  AG_ASSIGN_OR_RETURN(SqliteStatement stmt,
                      lease.db().PrepareStatic("SELECT " AG_TOKEN_COLUMNS
                                               " FROM api_tokens WHERE "
                                               "token_hash = ?1"));
  stmt.BindBlob(1, token_hash);
  return OptionalRow<ApiToken>(stmt, ReadTokenRow<SqliteStatement>);
}

absl::StatusOr<std::vector<ApiToken>> SqliteStore::ListApiTokens() {
  ReadLease lease(readers_);
  AG_ASSIGN_OR_RETURN(SqliteStatement stmt,
                      lease.db().PrepareStatic("SELECT " AG_TOKEN_COLUMNS
                                               " FROM api_tokens ORDER BY id"));
  return CollectRows<ApiToken>(stmt, ReadTokenRow<SqliteStatement>);
}

absl::StatusOr<std::vector<AuditEntry>> SqliteStore::ListAuditEntries(
    int64_t before_id, int limit) {
  ReadLease lease(readers_);
  AG_ASSIGN_OR_RETURN(
      SqliteStatement stmt,
      lease.db().PrepareStatic("SELECT " AG_AUDIT_COLUMNS
                               " FROM audit_log WHERE ?1 = 0 OR id < ?1 "
                               "ORDER BY id DESC LIMIT ?2"));
  stmt.Bind(1, before_id).Bind(2, static_cast<int64_t>(limit));
  return CollectRows<AuditEntry>(stmt, ReadAuditRow<SqliteStatement>);
}

absl::StatusOr<std::vector<Delivery>> SqliteStore::ListDeliveries(
    const std::string& service_id, const std::string& source,
    const std::string& before_id, int limit) {
  ReadLease lease(readers_);
  AG_ASSIGN_OR_RETURN(
      SqliteStatement stmt,
      lease.db().PrepareStatic(
          "SELECT " AG_DELIVERY_COLUMNS
          " FROM deliveries WHERE service_id = ?1 AND (?2 = '' OR source = "
          "?2) AND (?3 = '' OR id < ?3) ORDER BY id DESC LIMIT ?4"));
  stmt.Bind(1, service_id)
      .Bind(2, source)
      .Bind(3, before_id)
      .Bind(4, static_cast<int64_t>(limit));
  return CollectRows<Delivery>(stmt, [](const SqliteStatement& row) {
    return ReadDeliveryRow(row, /*with_body=*/false);
  });
}

absl::StatusOr<std::optional<Delivery>> SqliteStore::GetDelivery(
    const std::string& id) {
  ReadLease lease(readers_);
  AG_ASSIGN_OR_RETURN(SqliteStatement stmt,
                      lease.db().PrepareStatic(
                          "SELECT " AG_DELIVERY_COLUMNS
                          ", headers, body FROM deliveries WHERE id = ?1"));
  stmt.Bind(1, id);
  return OptionalRow<Delivery>(stmt, [](const SqliteStatement& row) {
    return ReadDeliveryRow(row, /*with_body=*/true);
  });
}

}  // namespace alertgate
