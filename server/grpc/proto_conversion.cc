#include "server/grpc/proto_conversion.h"

#include "absl/strings/str_cat.h"
#include "server/model/errors.h"

namespace alertgate {

// The domain enums use the API's numbers (incident_model.h), so conversion
// is a cast: the compiler holds them together.
static_assert(static_cast<int>(Action::kTrigger) == v1::ACTION_TRIGGER);
static_assert(static_cast<int>(Action::kAcknowledge) == v1::ACTION_ACKNOWLEDGE);
static_assert(static_cast<int>(Action::kResolve) == v1::ACTION_RESOLVE);
static_assert(static_cast<int>(IncidentState::kTriggered) ==
              v1::INCIDENT_STATE_TRIGGERED);
static_assert(static_cast<int>(IncidentState::kAcknowledged) ==
              v1::INCIDENT_STATE_ACKNOWLEDGED);
static_assert(static_cast<int>(IncidentState::kResolved) ==
              v1::INCIDENT_STATE_RESOLVED);
static_assert(static_cast<int>(IncidentState::kSuppressed) ==
              v1::INCIDENT_STATE_SUPPRESSED);
static_assert(static_cast<int>(Severity::kUnspecified) ==
              v1::SEVERITY_UNSPECIFIED);
static_assert(static_cast<int>(Severity::kInfo) == v1::SEVERITY_INFO);
static_assert(static_cast<int>(Severity::kWarning) == v1::SEVERITY_WARNING);
static_assert(static_cast<int>(Severity::kError) == v1::SEVERITY_ERROR);
static_assert(static_cast<int>(Severity::kCritical) == v1::SEVERITY_CRITICAL);
static_assert(static_cast<int>(ChangeKind::kOpened) == v1::CHANGE_KIND_OPENED);
static_assert(static_cast<int>(ChangeKind::kAlertFolded) ==
              v1::CHANGE_KIND_ALERT_FOLDED);
static_assert(static_cast<int>(ChangeKind::kAcknowledged) ==
              v1::CHANGE_KIND_ACKNOWLEDGED);
static_assert(static_cast<int>(ChangeKind::kResolved) ==
              v1::CHANGE_KIND_RESOLVED);
static_assert(static_cast<int>(IngestOutcome::kOpened) ==
              v1::INGEST_OUTCOME_OPENED);
static_assert(static_cast<int>(IngestOutcome::kFolded) ==
              v1::INGEST_OUTCOME_FOLDED);
static_assert(static_cast<int>(IngestOutcome::kAcknowledged) ==
              v1::INGEST_OUTCOME_ACKNOWLEDGED);
static_assert(static_cast<int>(IngestOutcome::kResolved) ==
              v1::INGEST_OUTCOME_RESOLVED);
static_assert(static_cast<int>(IngestOutcome::kAlreadyAcknowledged) ==
              v1::INGEST_OUTCOME_ALREADY_ACKNOWLEDGED);
static_assert(static_cast<int>(IngestOutcome::kNothingOpen) ==
              v1::INGEST_OUTCOME_NOTHING_OPEN);
namespace {

using google::protobuf::Timestamp;

void SetTime(absl::Time t, Timestamp* proto) {
  // ToUnixSeconds rounds toward the infinite past, so nanos are never negative.
  const int64_t seconds = absl::ToUnixSeconds(t);
  proto->set_seconds(seconds);
  proto->set_nanos(static_cast<int32_t>((t - absl::FromUnixSeconds(seconds)) /
                                        absl::Nanoseconds(1)));
}

absl::Time TimeFromProto(const Timestamp& proto) {
  return absl::FromUnixSeconds(proto.seconds()) +
         absl::Nanoseconds(proto.nanos());
}

}  // namespace

absl::StatusOr<Action> ActionFromProto(int action) {
  switch (action) {
    case v1::ACTION_TRIGGER:
      return Action::kTrigger;
    case v1::ACTION_ACKNOWLEDGE:
      return Action::kAcknowledge;
    case v1::ACTION_RESOLVE:
      return Action::kResolve;
    default:
      return errors::InvalidField(
          "alert.action",
          "must be ACTION_TRIGGER, ACTION_ACKNOWLEDGE or "
          "ACTION_RESOLVE");
  }
}

absl::StatusOr<IncidentState> StateFromProto(int state) {
  switch (state) {
    case v1::INCIDENT_STATE_TRIGGERED:
    case v1::INCIDENT_STATE_ACKNOWLEDGED:
    case v1::INCIDENT_STATE_RESOLVED:
    case v1::INCIDENT_STATE_SUPPRESSED:
      return static_cast<IncidentState>(state);
    default:
      return errors::InvalidField("states",
                                  absl::StrCat("unknown state ", state));
  }
}

v1::IncidentState StateToProto(IncidentState state) {
  return static_cast<v1::IncidentState>(state);
}

absl::StatusOr<Alert> AlertFromProto(const v1::Alert& proto) {
  Alert alert;
  alert.service_id = proto.service_id();
  alert.source = proto.source();
  absl::StatusOr<Action> action = ActionFromProto(proto.action());
  if (!action.ok()) return action.status();
  alert.action = *action;
  alert.dedup_key = proto.dedup_key();
  alert.summary = proto.summary();
  alert.description = proto.description();
  if (!v1::Severity_IsValid(proto.severity())) {
    return errors::InvalidField("alert.severity", "unknown value");
  }
  alert.severity = static_cast<Severity>(proto.severity());
  alert.tags = Tags(proto.tags().begin(), proto.tags().end());
  for (const v1::Link& link : proto.links()) {
    alert.links.push_back({link.href(), link.text()});
  }
  if (proto.has_occurred_at()) {
    // The range protobuf's Timestamp documents: years 0001 to 9999.
    const Timestamp& t = proto.occurred_at();
    if (t.seconds() < -62135596800 || t.seconds() > 253402300799 ||
        t.nanos() < 0 || t.nanos() > 999999999) {
      return errors::InvalidField("alert.occurred_at", "out of range");
    }
    alert.occurred_at = TimeFromProto(proto.occurred_at());
  }
  alert.idempotency_key = proto.idempotency_key();
  alert.event = proto.event();
  return alert;
}

void AlertToProto(const Alert& alert, v1::Alert* proto) {
  proto->set_service_id(alert.service_id);
  proto->set_source(alert.source);
  proto->set_action(static_cast<v1::Action>(alert.action));
  proto->set_dedup_key(alert.dedup_key);
  proto->set_summary(alert.summary);
  proto->set_description(alert.description);
  proto->set_severity(static_cast<v1::Severity>(alert.severity));
  proto->mutable_tags()->insert(alert.tags.begin(), alert.tags.end());
  for (const Link& link : alert.links) {
    v1::Link* added = proto->add_links();
    added->set_href(link.href);
    added->set_text(link.text);
  }
  if (alert.occurred_at)
    SetTime(*alert.occurred_at, proto->mutable_occurred_at());
  proto->set_idempotency_key(alert.idempotency_key);
  proto->set_event(alert.event);
}

void TimeToProto(absl::Time time, google::protobuf::Timestamp* proto) {
  SetTime(time, proto);
}

absl::StatusOr<IncidentFilter> FilterFromProto(
    const v1::ListIncidentsRequest& request) {
  IncidentFilter filter;
  filter.service_id = request.service_id();
  filter.source = request.source();
  for (int state : request.states()) {
    absl::StatusOr<IncidentState> s = StateFromProto(state);
    if (!s.ok()) return s.status();
    filter.states.push_back(*s);
  }
  return filter;
}

void IncidentBasicsToProto(const Incident& incident, v1::Incident* proto) {
  proto->set_id(incident.id);
  proto->set_service_id(incident.service_id);
  proto->set_source(incident.source);
  proto->set_dedup_key(incident.dedup_key);
  proto->set_state(StateToProto(incident.state));
  proto->set_alert_count(incident.alert_count);
  SetTime(incident.opened_at, proto->mutable_opened_at());
  SetTime(incident.last_seen_at, proto->mutable_last_seen_at());
  if (incident.acknowledged_at) {
    SetTime(*incident.acknowledged_at, proto->mutable_acknowledged_at());
  }
  proto->set_acknowledged_by(incident.acknowledged_by);
  if (incident.resolved_at) {
    SetTime(*incident.resolved_at, proto->mutable_resolved_at());
  }
  proto->set_resolved_by(incident.resolved_by);
  proto->set_timeline_size(incident.event_count);
}

void IncidentToProto(const Incident& incident, v1::Incident* proto) {
  IncidentBasicsToProto(incident, proto);
  proto->set_summary(incident.summary);
  proto->set_description(incident.description);
  proto->set_severity(static_cast<v1::Severity>(incident.severity));
  for (const auto& [key, value] : incident.tags) {
    (*proto->mutable_tags())[key] = value;
  }
  for (const Link& link : incident.links) {
    v1::Link* l = proto->add_links();
    l->set_href(link.href);
    l->set_text(link.text);
  }
}

void EventToProto(const IncidentEvent& event, v1::IncidentEvent* proto) {
  proto->set_sequence(event.sequence);
  SetTime(event.at, proto->mutable_at());
  proto->set_kind(static_cast<v1::ChangeKind>(event.kind));
  proto->set_incident_id(event.incident_id);
  proto->set_service_id(event.service_id);
  proto->set_source(event.source);
  proto->set_dedup_key(event.dedup_key);
  proto->set_state(StateToProto(event.state));
  proto->set_actor(event.actor);
  proto->set_note(event.note);
  if (event.occurred_at) {
    SetTime(*event.occurred_at, proto->mutable_occurred_at());
  }
}

void IngestResultToProto(const IngestResult& result, v1::IngestView view,
                         v1::IngestAlertResponse* proto) {
  proto->set_outcome(static_cast<v1::IngestOutcome>(result.outcome));
  if (result.incident) {
    if (view == v1::INGEST_VIEW_BASIC) {
      IncidentBasicsToProto(*result.incident, proto->mutable_incident());
    } else {
      IncidentToProto(*result.incident, proto->mutable_incident());
    }
  }
  proto->set_replayed(result.replayed);
  proto->set_sequence(result.sequence);
}

void ServiceToProto(const Service& service, v1::Service* proto) {
  proto->set_id(service.id);
  proto->set_name(service.name);
  proto->set_description(service.description);
  SetTime(service.created_at, proto->mutable_created_at());
}

void ApiTokenToProto(const ApiToken& token, v1::ApiToken* proto) {
  proto->set_id(token.id);
  proto->set_name(token.name);
  proto->set_role(static_cast<v1::Role>(token.role));
  SetTime(token.created_at, proto->mutable_created_at());
  proto->set_created_by(token.created_by);
  if (token.last_used_at) {
    SetTime(*token.last_used_at, proto->mutable_last_used_at());
  }
  if (token.revoked_at) SetTime(*token.revoked_at, proto->mutable_revoked_at());
}

void AuditEntryToProto(const AuditEntry& entry, v1::AuditEntry* proto) {
  proto->set_id(entry.id);
  SetTime(entry.at, proto->mutable_at());
  proto->set_actor(entry.actor);
  proto->set_action(entry.action);
  proto->set_target(entry.target);
  proto->set_detail(entry.detail);
}

void DeliveryToProto(const Delivery& delivery, v1::Delivery* proto) {
  proto->set_id(delivery.id);
  proto->set_service_id(delivery.service_id);
  proto->set_source(delivery.source);
  SetTime(delivery.received_at, proto->mutable_received_at());
  proto->set_event(delivery.event);
  proto->set_delivery_id(delivery.delivery_id);
  proto->set_http_status(delivery.http_status);
  proto->set_outcome(static_cast<v1::DeliveryOutcome>(delivery.outcome));
  proto->set_reason(delivery.reason);
  for (const std::string& id : delivery.incident_ids) {
    proto->add_incident_ids(id);
  }
  proto->set_body_bytes(delivery.body_bytes);
  proto->set_replay_of(delivery.replay_of);
  proto->set_body_kept(delivery.body_kept);
}

void KeptRequestToProto(const Delivery& delivery, v1::Delivery* proto) {
  if (!delivery.body || !delivery.kept_headers) return;
  v1::KeptRequest* kept = proto->mutable_kept_request();
  for (const auto& [name, value] : *delivery.kept_headers) {
    v1::HttpHeader* header = kept->add_headers();
    header->set_name(name);
    header->set_value(value);
  }
  kept->set_body(*delivery.body);
}

Delivery DeliveryFromProto(const v1::Delivery& proto) {
  Delivery delivery;
  delivery.service_id = proto.service_id();
  delivery.source = proto.source();
  delivery.received_at = TimeFromProto(proto.received_at());
  delivery.event = proto.event();
  delivery.delivery_id = proto.delivery_id();
  delivery.http_status = proto.http_status();
  // Numbers outside the enum are refused by DeliveryLog::Record.
  delivery.outcome = static_cast<DeliveryResult>(proto.outcome());
  delivery.reason = proto.reason();
  delivery.incident_ids.assign(proto.incident_ids().begin(),
                               proto.incident_ids().end());
  delivery.body_bytes = proto.body_bytes();
  delivery.replay_of = proto.replay_of();
  if (proto.has_kept_request()) {
    delivery.kept_headers.emplace();
    for (const v1::HttpHeader& header : proto.kept_request().headers()) {
      delivery.kept_headers->emplace_back(header.name(), header.value());
    }
    delivery.body = proto.kept_request().body();
  }
  return delivery;
}

void SourceStatusToProto(const AlertSourceStatus& status,
                         v1::AlertSourceStatus* proto) {
  proto->set_source(status.source);
  proto->set_service_id(status.service_id);
  proto->set_has_webhook_key(status.has_webhook_key);
  proto->set_has_webhook_secret(status.has_webhook_secret);
  if (status.webhook_key_issued_at) {
    SetTime(*status.webhook_key_issued_at,
            proto->mutable_webhook_key_issued_at());
  }
  if (status.last_alert_at) {
    SetTime(*status.last_alert_at, proto->mutable_last_alert_at());
  }
  if (status.last_incident_at) {
    SetTime(*status.last_incident_at, proto->mutable_last_incident_at());
  }
  proto->set_receiving_alerts(status.receiving_alerts);
}

}  // namespace alertgate
