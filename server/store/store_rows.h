// How the SQL stores lay the model out in rows: the column lists, times as
// microseconds since the Unix epoch, tags and links as JSON text, and one
// reader per table. Shared by every SQL store (SQLite, PostgreSQL), so the
// schemas stay the same concepts and a row means the same everywhere.
//
// A reader takes any Row with Text(i) (bytes, blobs included), Int(i) and
// OptionalInt(i) for column i of the list named beside it.
#ifndef ALERTGATE_SERVER_STORE_STORE_ROWS_H_
#define ALERTGATE_SERVER_STORE_STORE_ROWS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "server/model/api_token.h"
#include "server/model/incident_model.h"
#include "server/model/rule.h"
#include "server/model/status_macros.h"
#include "server/store/incident_store.h"

namespace alertgate {

// Column lists as macros, so each statement's SQL can be one literal.
#define AG_INCIDENT_COLUMNS                                          \
  "id, service_id, source, dedup_key, state, summary, description, " \
  "severity, tags, links, alert_count, opened_at, last_seen_at, "    \
  "acknowledged_at, acknowledged_by, resolved_at, resolved_by, event_count"
#define AG_SERVICE_COLUMNS "id, name, description, created_at"
#define AG_CREDENTIAL_COLUMNS "service_id, source, key_hash, secret, issued_at"
#define AG_TOKEN_COLUMNS                                               \
  "id, name, role, token_hash, created_at, created_by, last_used_at, " \
  "revoked_at"
#define AG_AUDIT_COLUMNS "id, at, actor, action, target, detail"
#define AG_IDEMPOTENCY_COLUMNS \
  "service_id, key, outcome, incident_id, sequence, created_at"
#define AG_SOURCE_ACTIVITY_COLUMNS \
  "service_id, source, last_alert_at, last_incident_at"
// The last is 1 when the body was kept (for a replay), else 0.
#define AG_DELIVERY_COLUMNS                                                \
  "id, service_id, source, received_at, event, delivery_id, http_status, " \
  "outcome, reason, incident_ids, body_bytes, replay_of, "                 \
  "CASE WHEN body IS NULL THEN 0 ELSE 1 END"
// What InsertDelivery writes: the columns above but the last, and
// the kept request.
#define AG_DELIVERY_INSERT_COLUMNS                                         \
  "id, service_id, source, received_at, event, delivery_id, http_status, " \
  "outcome, reason, incident_ids, body_bytes, replay_of, headers, body"
#define AG_RULES_COLUMNS                                               \
  "service_id, rules, revision, updated_at, updated_by, maintenance, " \
  "auto_resolve, webhooks"
#define AG_OUTBOUND_COLUMNS                                            \
  "id, service_id, subscription, event, incident_id, sequence, body, " \
  "created_at, state, attempts, next_attempt_at, leased_until, "       \
  "last_http_status, last_error, finished_at"
#define AG_EVENT_COLUMNS                                                    \
  "sequence, at, kind, incident_id, service_id, source, dedup_key, state, " \
  "actor, note, occurred_at"

inline int64_t ToMicros(absl::Time t) { return absl::ToUnixMicros(t); }
inline absl::Time FromMicros(int64_t us) { return absl::FromUnixMicros(us); }
inline std::optional<int64_t> ToMicros(std::optional<absl::Time> t) {
  if (!t) return std::nullopt;
  return ToMicros(*t);
}
inline std::optional<absl::Time> FromMicros(std::optional<int64_t> us) {
  if (!us) return std::nullopt;
  return FromMicros(*us);
}

std::string EncodeTags(const Tags& tags);
std::string EncodeLinks(const std::vector<Link>& links);
// DATA_LOSS naming the incident when the stored JSON is not ours.
// A list of strings as one JSON array column, and back (DATA_LOSS naming
// `what` when the stored JSON is not ours).
std::string EncodeStrings(const std::vector<std::string>& values);
absl::StatusOr<std::vector<std::string>> DecodeStrings(const std::string& json,
                                                       absl::string_view what);
// A kept request's headers as a JSON array of [name, value], and back.
std::string EncodeHeaders(
    const std::vector<std::pair<std::string, std::string>>& headers);
absl::StatusOr<std::vector<std::pair<std::string, std::string>>> DecodeHeaders(
    const std::string& json, absl::string_view what);
// A service's rules as one JSON document, and back (DATA_LOSS naming the
// service when the stored JSON is not ours).
std::string EncodeRules(const std::vector<Rule>& rules);
absl::StatusOr<std::vector<Rule>> DecodeRules(const std::string& json,
                                              absl::string_view service_id);
std::string EncodeMaintenance(const std::vector<MaintenanceWindow>& windows);
absl::StatusOr<std::vector<MaintenanceWindow>> DecodeMaintenance(
    const std::string& json, absl::string_view service_id);
std::string EncodeAutoResolve(const std::vector<AutoResolve>& settings);
absl::StatusOr<std::vector<AutoResolve>> DecodeAutoResolve(
    const std::string& json, absl::string_view service_id);
std::string EncodeWebhooks(const std::vector<WebhookSubscription>& webhooks);
absl::StatusOr<std::vector<WebhookSubscription>> DecodeWebhooks(
    const std::string& json, absl::string_view service_id);
absl::Status DecodeTagsAndLinks(const std::string& tags_json,
                                const std::string& links_json,
                                Incident& incident);

// ListIncidents reads one ordered index range per state, newest first and
// stopped after `limit` rows, then merges them: a page reads at most
// states × limit rows whatever the store holds, where one query with
// "state IN (...)" would read and sort every matching row.
// The states to read: the filter's, or all of them; sorted, each once.
std::vector<IncidentState> StatesToList(
    const std::vector<IncidentState>& filter);
// The ranges' rows merged: newest first, at most `limit`.
void MergeNewestFirst(std::vector<Incident>& rows, int limit);

// AG_INCIDENT_COLUMNS.
template <typename Row>
absl::StatusOr<Incident> ReadIncidentRow(const Row& row) {
  Incident incident;
  incident.id = row.Text(0);
  incident.service_id = row.Text(1);
  incident.source = row.Text(2);
  incident.dedup_key = row.Text(3);
  incident.state = static_cast<IncidentState>(row.Int(4));
  incident.summary = row.Text(5);
  incident.description = row.Text(6);
  incident.severity = static_cast<Severity>(row.Int(7));
  AG_RETURN_IF_ERROR(DecodeTagsAndLinks(row.Text(8), row.Text(9), incident));
  incident.alert_count = row.Int(10);
  incident.opened_at = FromMicros(row.Int(11));
  incident.last_seen_at = FromMicros(row.Int(12));
  incident.acknowledged_at = FromMicros(row.OptionalInt(13));
  incident.acknowledged_by = row.Text(14);
  incident.resolved_at = FromMicros(row.OptionalInt(15));
  incident.resolved_by = row.Text(16);
  incident.event_count = row.Int(17);
  return incident;
}

// AG_SERVICE_COLUMNS.
template <typename Row>
absl::StatusOr<Service> ReadServiceRow(const Row& row) {
  return Service{row.Text(0), row.Text(1), row.Text(2), FromMicros(row.Int(3))};
}

// AG_CREDENTIAL_COLUMNS.
template <typename Row>
absl::StatusOr<WebhookCredential> ReadCredentialRow(const Row& row) {
  return WebhookCredential{row.Text(0), row.Text(1), row.Text(2), row.Text(3),
                           FromMicros(row.Int(4))};
}

// AG_RULES_COLUMNS.
template <typename Row>
absl::StatusOr<ServiceRules> ReadRulesRow(const Row& row) {
  ServiceRules rules;
  rules.service_id = row.Text(0);
  AG_ASSIGN_OR_RETURN(rules.rules, DecodeRules(row.Text(1), rules.service_id));
  rules.revision = row.Int(2);
  rules.updated_at = FromMicros(row.Int(3));
  rules.updated_by = row.Text(4);
  AG_ASSIGN_OR_RETURN(rules.maintenance,
                      DecodeMaintenance(row.Text(5), rules.service_id));
  AG_ASSIGN_OR_RETURN(rules.auto_resolve,
                      DecodeAutoResolve(row.Text(6), rules.service_id));
  AG_ASSIGN_OR_RETURN(rules.webhooks,
                      DecodeWebhooks(row.Text(7), rules.service_id));
  return rules;
}

// service_id, subscription.
template <typename Row>
absl::StatusOr<OutboundQueue> ReadOutboundQueueRow(const Row& row) {
  return OutboundQueue{row.Text(0), row.Text(1)};
}

// AG_OUTBOUND_COLUMNS.
template <typename Row>
absl::StatusOr<OutboundMessage> ReadOutboundRow(const Row& row) {
  OutboundMessage message;
  message.id = row.Text(0);
  message.service_id = row.Text(1);
  message.subscription = row.Text(2);
  message.event = static_cast<NotifyEvent>(row.Int(3));
  message.incident_id = row.Text(4);
  message.sequence = row.Int(5);
  message.body = row.Text(6);
  message.created_at = FromMicros(row.Int(7));
  message.state = static_cast<OutboundState>(row.Int(8));
  message.attempts = static_cast<int>(row.Int(9));
  message.next_attempt_at = FromMicros(row.Int(10));
  message.leased_until = FromMicros(row.OptionalInt(11));
  message.last_http_status = static_cast<int>(row.Int(12));
  message.last_error = row.Text(13);
  message.finished_at = FromMicros(row.OptionalInt(14));
  return message;
}

// AG_TOKEN_COLUMNS.
template <typename Row>
absl::StatusOr<ApiToken> ReadTokenRow(const Row& row) {
  ApiToken token;
  token.id = row.Text(0);
  token.name = row.Text(1);
  token.role = static_cast<Role>(row.Int(2));
  token.token_hash = row.Text(3);
  token.created_at = FromMicros(row.Int(4));
  token.created_by = row.Text(5);
  token.last_used_at = FromMicros(row.OptionalInt(6));
  token.revoked_at = FromMicros(row.OptionalInt(7));
  return token;
}

// AG_AUDIT_COLUMNS.
template <typename Row>
absl::StatusOr<AuditEntry> ReadAuditRow(const Row& row) {
  return AuditEntry{row.Int(0),  FromMicros(row.Int(1)),
                    row.Text(2), row.Text(3),
                    row.Text(4), row.Text(5)};
}

// AG_EVENT_COLUMNS.
template <typename Row>
absl::StatusOr<IncidentEvent> ReadEventRow(const Row& row) {
  IncidentEvent event;
  event.sequence = row.Int(0);
  event.at = FromMicros(row.Int(1));
  event.kind = static_cast<ChangeKind>(row.Int(2));
  event.incident_id = row.Text(3);
  event.service_id = row.Text(4);
  event.source = row.Text(5);
  event.dedup_key = row.Text(6);
  event.state = static_cast<IncidentState>(row.Int(7));
  event.actor = row.Text(8);
  event.note = row.Text(9);
  event.occurred_at = FromMicros(row.OptionalInt(10));
  return event;
}

template <typename Row>
absl::StatusOr<IdempotencyRecord> ReadIdempotencyRow(const Row& row) {
  return IdempotencyRecord{
      row.Text(0), row.Text(1), static_cast<IngestOutcome>(row.Int(2)),
      row.Text(3), row.Int(4),  FromMicros(row.Int(5))};
}

template <typename Row>
absl::StatusOr<SourceActivity> ReadSourceActivityRow(const Row& row) {
  return SourceActivity{row.Text(0), row.Text(1),
                        FromMicros(row.OptionalInt(2)),
                        FromMicros(row.OptionalInt(3))};
}

// service_id, triggered, acknowledged.
template <typename Row>
absl::StatusOr<OpenIncidentCount> ReadOpenCountRow(const Row& row) {
  return OpenIncidentCount{row.Text(0), row.Int(1), row.Int(2)};
}

// AG_DELIVERY_COLUMNS, then (when `with_body`) headers and body.
template <typename Row>
absl::StatusOr<Delivery> ReadDeliveryRow(const Row& row, bool with_body) {
  Delivery delivery;
  delivery.id = row.Text(0);
  delivery.service_id = row.Text(1);
  delivery.source = row.Text(2);
  delivery.received_at = FromMicros(row.Int(3));
  delivery.event = row.Text(4);
  delivery.delivery_id = row.Text(5);
  delivery.http_status = static_cast<int>(row.Int(6));
  delivery.outcome = static_cast<DeliveryResult>(row.Int(7));
  delivery.reason = row.Text(8);
  AG_ASSIGN_OR_RETURN(
      delivery.incident_ids,
      DecodeStrings(row.Text(9), "delivery " + delivery.id + " incidents"));
  delivery.body_bytes = row.Int(10);
  delivery.replay_of = row.Text(11);
  delivery.body_kept = row.Int(12) != 0;
  if (with_body && !row.IsNull(13)) {
    AG_ASSIGN_OR_RETURN(delivery.kept_headers,
                        DecodeHeaders(row.Text(13), "delivery " + delivery.id));
  }
  if (with_body && !row.IsNull(14)) delivery.body = row.Text(14);
  return delivery;
}

// The columns of a row from `offset` on, read as a row of their own: for
// one statement that returns two tables' columns side by side.
template <typename Row>
class ColumnsFrom {
 public:
  ColumnsFrom(const Row& row, int offset) : row_(row), offset_(offset) {}
  bool IsNull(int column) const { return row_.IsNull(offset_ + column); }
  std::string Text(int column) const { return row_.Text(offset_ + column); }
  int64_t Int(int column) const { return row_.Int(offset_ + column); }
  std::optional<int64_t> OptionalInt(int column) const {
    return row_.OptionalInt(offset_ + column);
  }

 private:
  const Row& row_;
  const int offset_;
};

}  // namespace alertgate

#endif  // ALERTGATE_SERVER_STORE_STORE_ROWS_H_
