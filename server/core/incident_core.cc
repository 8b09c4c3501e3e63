#include "server/core/incident_core.h"

#include <algorithm>
#include <memory>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "server/core/delivery_log.h"
#include "server/core/outbound_payload.h"
#include "server/model/errors.h"
#include "server/model/state_machine.h"
#include "server/model/status_macros.h"
#include "server/model/validation.h"

namespace alertgate {
namespace {

// The actor recorded when an alert (not a person) changes an incident.
std::string SourceActor(const std::string& source) {
  return absl::StrCat("source:", source);
}

IncidentEvent EventFor(const Incident& incident, ChangeKind kind, absl::Time at,
                       std::string actor, std::string note) {
  IncidentEvent event;
  event.at = at;
  event.kind = kind;
  event.incident_id = incident.id;
  event.service_id = incident.service_id;
  event.source = incident.source;
  event.dedup_key = incident.dedup_key;
  event.state = incident.state;
  event.actor = std::move(actor);
  event.note = std::move(note);
  return event;
}

// Copies what a triggering alert says about the problem onto the incident.
void TakeAlertContent(const Alert& alert, Incident& incident) {
  incident.summary = alert.summary;
  incident.description = alert.description;
  incident.severity = alert.severity;
  incident.tags = alert.tags;
  incident.links = alert.links;
}

// Applies a transition to an incident: its state becomes the table's `next`
// (state_machine.h decides, nothing here); acknowledging and resolving also
// record who and when.
void Apply(const Transition& transition, Incident& incident, absl::Time at,
           const std::string& actor) {
  incident.state = *transition.next;
  if (transition.effect == Effect::kAcknowledge) {
    incident.acknowledged_at = at;
    incident.acknowledged_by = actor;
  } else if (transition.effect == Effect::kResolve) {
    incident.resolved_at = at;
    incident.resolved_by = actor;
  }
}

// Bytes an incident adds to an answer, give or take field tags.
size_t ApproximateSize(const Incident& incident) {
  size_t size = 200 + incident.id.size() + incident.service_id.size() +
                incident.source.size() + incident.dedup_key.size() +
                incident.summary.size() + incident.description.size() +
                incident.acknowledged_by.size() + incident.resolved_by.size();
  for (const auto& [key, value] : incident.tags)
    size += key.size() + value.size() + 8;
  for (const Link& link : incident.links)
    size += link.href.size() + link.text.size() + 8;
  return size;
}

// A delivery recorded with its alerts (if any): checked and given its id
// before anything is written. Its outcome and incident ids are the core's
// to set (RecordWithAlerts).
absl::Status PrepareDeliveryWithAlerts(std::optional<Delivery>& sent,
                                       IdGenerator& ids) {
  if (!sent) return absl::OkStatus();
  Delivery& delivery = *sent;
  if (delivery.body || delivery.kept_headers) {
    return errors::InvalidField("delivery.kept_request",
                                "only refused deliveries keep their request, "
                                "and they carry no alerts");
  }
  delivery.outcome = DeliveryResult::kAccepted;
  delivery.incident_ids.clear();
  delivery.replay_of.clear();
  if (absl::Status bad = DeliveryLog::Check(delivery); !bad.ok()) {
    return absl::Status(bad.code(), absl::StrCat("delivery.", bad.message()));
  }
  delivery.id = ids.NewId();
  return absl::OkStatus();
}

// Writes the delivery's log entry in the transaction that applied its
// alerts: REPLAYED when every alert was a replay, else ACCEPTED, with the
// incident ids of the first alerts that have one, as many as the log's
// bound.
absl::Status RecordWithAlerts(StoreTransaction& tx, Delivery& delivery,
                              const IngestResult* results, size_t count) {
  bool all_replayed = count > 0;
  delivery.incident_ids.clear();
  for (size_t i = 0; i < count; ++i) {
    all_replayed = all_replayed && results[i].replayed;
    if (results[i].incident &&
        delivery.incident_ids.size() < DeliveryLog::kMaxIncidentIds) {
      delivery.incident_ids.push_back(results[i].incident->id);
    }
  }
  delivery.outcome =
      all_replayed ? DeliveryResult::kReplayed : DeliveryResult::kAccepted;
  return tx.InsertDelivery(delivery);
}

}  // namespace

IncidentCore::IncidentCore(IncidentStore* store, const Clock* clock,
                           IdGenerator* ids)
    : store_(store), clock_(clock), ids_(ids), rules_(store, clock) {}

void IncidentCore::IngestAsync(Alert alert, IngestDone done,
                               std::optional<Delivery> delivery) {
  BoundAlert(alert);
  if (absl::Status invalid = ValidateAlert(alert); !invalid.ok()) {
    done(invalid);
    return;
  }
  if (absl::Status bad = PrepareDeliveryWithAlerts(delivery, *ids_);
      !bad.ok()) {
    done(bad);
    return;
  }
  // Shared by the transaction (on the store's writer) and the answer.
  struct Ingestion {
    Alert alert;
    absl::Time now;
    IngestResult result;
    std::optional<Delivery> delivery;
  };
  auto ingestion = std::make_shared<Ingestion>();
  ingestion->alert = std::move(alert);
  ingestion->now = clock_->Now();
  ingestion->delivery = std::move(delivery);
  store_->WriteAsync(
      [this, ingestion](StoreTransaction& tx) -> absl::Status {
        AG_RETURN_IF_ERROR(ApplyIngest(tx, ingestion->alert, ingestion->now,
                                       ingestion->result));
        if (!ingestion->delivery) return absl::OkStatus();
        return RecordWithAlerts(tx, *ingestion->delivery, &ingestion->result,
                                1);
      },
      [ingestion, done = std::move(done)](absl::Status status) {
        if (status.ok()) {
          done(std::move(ingestion->result));
        } else {
          done(status);
        }
      });
}

void IncidentCore::IngestBatchAsync(std::vector<Alert> alerts,
                                    IngestBatchDone done,
                                    std::optional<Delivery> delivery) {
  if (alerts.empty() || alerts.size() > kMaxBatchAlerts) {
    done(errors::InvalidField("alerts", "1 to 1000 alerts"));
    return;
  }
  for (size_t i = 0; i < alerts.size(); ++i) {
    BoundAlert(alerts[i]);
    if (absl::Status invalid = ValidateAlert(alerts[i]); !invalid.ok()) {
      done(absl::Status(invalid.code(),
                        absl::StrCat("alerts[", i, "]: ", invalid.message())));
      return;
    }
  }
  if (absl::Status bad = PrepareDeliveryWithAlerts(delivery, *ids_);
      !bad.ok()) {
    done(bad);
    return;
  }
  struct Batch {
    std::vector<Alert> alerts;
    absl::Time now;
    std::vector<IngestResult> results;
    std::optional<Delivery> delivery;
  };
  auto batch = std::make_shared<Batch>();
  batch->alerts = std::move(alerts);
  batch->now = clock_->Now();
  batch->delivery = std::move(delivery);
  store_->WriteAsync(
      [this, batch](StoreTransaction& tx) -> absl::Status {
        batch->results.assign(batch->alerts.size(), IngestResult());
        for (size_t i = 0; i < batch->alerts.size(); ++i) {
          absl::Status applied =
              ApplyIngest(tx, batch->alerts[i], batch->now, batch->results[i]);
          if (!applied.ok()) {
            return absl::Status(
                applied.code(),
                absl::StrCat("alerts[", i, "]: ", applied.message()));
          }
        }
        if (!batch->delivery) return absl::OkStatus();
        return RecordWithAlerts(tx, *batch->delivery, batch->results.data(),
                                batch->results.size());
      },
      [batch, done = std::move(done)](absl::Status status) {
        if (status.ok()) {
          done(std::move(batch->results));
        } else {
          done(status);
        }
      });
}

absl::StatusOr<IngestResult> IncidentCore::Ingest(
    const Alert& alert, std::optional<Delivery> delivery) {
  absl::Notification finished;
  absl::StatusOr<IngestResult> answer;
  IngestAsync(
      alert,
      [&](absl::StatusOr<IngestResult> result) {
        answer = std::move(result);
        finished.Notify();
      },
      std::move(delivery));
  finished.WaitForNotification();
  return answer;
}

absl::StatusOr<Incident> IncidentCore::SendTestAlert(
    const std::string& service_id, const std::string& source,
    const std::string& actor) {
  Alert trigger;
  trigger.service_id = service_id;
  trigger.source = source;
  trigger.action = Action::kTrigger;
  // Its own key each time: a test never folds into an earlier one.
  trigger.dedup_key = absl::StrCat("alertgate-test:", ids_->NewId());
  trigger.summary = absl::StrCat("Test alert for ", source);
  trigger.description = absl::StrCat(
      "Sent by ", actor,
      " (SendTestAlert) to check that this source reaches the service. "
      "Resolved at once.");
  trigger.severity = Severity::kInfo;
  trigger.tags = {{"test", "true"}};
  Alert resolve = trigger;
  resolve.action = Action::kResolve;
  absl::Notification finished;
  absl::StatusOr<std::vector<IngestResult>> answer;
  IngestBatchAsync({std::move(trigger), std::move(resolve)},
                   [&](absl::StatusOr<std::vector<IngestResult>> result) {
                     answer = std::move(result);
                     finished.Notify();
                   });
  finished.WaitForNotification();
  if (!answer.ok()) return answer.status();
  if (answer->size() != 2 || !answer->back().incident) {
    return absl::InternalError("the test alert left no incident");
  }
  return *answer->back().incident;
}

absl::Status IncidentCore::ApplyIngest(StoreTransaction& tx,
                                       const Alert& received, absl::Time now,
                                       IngestResult& result) {
  result = IngestResult();
  AG_ASSIGN_OR_RETURN(bool service_exists,
                      ServiceExists(tx, received.service_id));
  if (!service_exists) return errors::ServiceNotFound(received.service_id);

  // The service's rules see the alert first; it is copied only when there
  // are some.
  AG_ASSIGN_OR_RETURN(std::shared_ptr<const RuleSet> rules,
                      rules_.ForIngest(tx, received.service_id));
  std::optional<Alert> ruled;
  RuleVerdict verdict;
  if (rules != nullptr) {
    ruled = received;
    verdict = rules->Apply(*ruled, received.event);
    if (received.action == Action::kTrigger) {
      verdict.maintenance_window = rules->MaintenanceAt(now);
    }
    if (!verdict.route_to_service_id.empty()) {
      AG_ASSIGN_OR_RETURN(bool target,
                          ServiceExists(tx, verdict.route_to_service_id));
      if (!target) return errors::ServiceNotFound(verdict.route_to_service_id);
      ruled->service_id = verdict.route_to_service_id;
    }
  }
  const Alert& alert = ruled ? *ruled : received;
  // Who is told of the change: the subscriptions of the incident's service,
  // the one routed to when the alert was.
  std::shared_ptr<const RuleSet> notify = rules;
  if (alert.service_id != received.service_id) {
    AG_ASSIGN_OR_RETURN(notify, rules_.ForIngest(tx, alert.service_id));
  }

  AG_ASSIGN_OR_RETURN(StoreTransaction::IngestLookup looked_up,
                      tx.LookupForIngest(alert.service_id, alert.dedup_key,
                                         alert.idempotency_key));
  if (std::optional<IdempotencyRecord>& seen = looked_up.seen) {
    {
      result.outcome = seen->outcome;
      result.sequence = seen->sequence;
      result.replayed = true;
      if (!seen->incident_id.empty()) {
        AG_ASSIGN_OR_RETURN(result.incident,
                            tx.FindIncident(seen->incident_id));
      }
      return absl::OkStatus();
    }
  }

  std::optional<Incident>& open = looked_up.open;
  // A rule's dedup window: an incident quiet for longer is resolved, and
  // the alert opens a new one.
  if (open && alert.action == Action::kTrigger &&
      verdict.dedup_window_minutes > 0 &&
      now - open->last_seen_at > absl::Minutes(verdict.dedup_window_minutes)) {
    const std::string rule_actor = absl::StrCat("rule:", verdict.window_rule);
    Apply(NextTransition(open->state, Action::kResolve), *open, now,
          rule_actor);
    open->event_count += 1;
    AG_RETURN_IF_ERROR(tx.UpdateIncident(*open));
    AG_RETURN_IF_ERROR(
        RecordChange(
            tx, *open,
            EventFor(*open, ChangeKind::kResolved, now, rule_actor,
                     absl::StrCat("no alert for more than ",
                                  verdict.dedup_window_minutes,
                                  " minutes (the dedup window of rule \"",
                                  verdict.window_rule,
                                  "\"); a new incident takes this alert")),
            notify.get())
            .status());
    open.reset();
  }
  const Transition transition = NextTransition(
      open ? std::optional<IncidentState>(open->state) : std::nullopt,
      alert.action);
  const std::string actor = SourceActor(alert.source);
  std::optional<IncidentEvent> event;
  std::optional<absl::Time> incident_opened_at;

  switch (transition.effect) {
    case Effect::kOpen: {
      Incident incident;
      incident.id = ids_->NewId();
      incident.service_id = alert.service_id;
      incident.source = alert.source;
      incident.dedup_key = alert.dedup_key;
      Apply(transition, incident, now, actor);
      std::string note = alert.summary;
      if (!verdict.suppressed_by.empty()) {
        incident.state = IncidentState::kSuppressed;
        note = absl::StrCat("suppressed by rule \"", verdict.suppressed_by,
                            "\": ", alert.summary);
      } else if (!verdict.maintenance_window.empty()) {
        incident.state = IncidentState::kSuppressed;
        note = absl::StrCat("suppressed: maintenance window \"",
                            verdict.maintenance_window, "\": ", alert.summary);
      }
      TakeAlertContent(alert, incident);
      incident.alert_count = 1;
      incident.opened_at = now;
      incident.last_seen_at = now;
      incident.event_count = 1;
      AG_RETURN_IF_ERROR(tx.InsertIncident(incident));
      event =
          EventFor(incident, ChangeKind::kOpened, now, actor, std::move(note));
      result.outcome = IngestOutcome::kOpened;
      result.incident = std::move(incident);
      incident_opened_at = now;
      break;
    }
    case Effect::kFold:
    case Effect::kAcknowledge:
    case Effect::kResolve: {
      ChangeKind kind = ChangeKind::kAlertFolded;
      Apply(transition, *open, now, actor);
      if (transition.effect == Effect::kFold) {
        TakeAlertContent(alert, *open);
        open->alert_count += 1;
        result.outcome = IngestOutcome::kFolded;
      } else if (transition.effect == Effect::kAcknowledge) {
        kind = ChangeKind::kAcknowledged;
        result.outcome = IngestOutcome::kAcknowledged;
      } else {
        kind = ChangeKind::kResolved;
        result.outcome = IngestOutcome::kResolved;
      }
      open->last_seen_at = std::max(open->last_seen_at, now);
      open->event_count += 1;
      AG_RETURN_IF_ERROR(tx.UpdateIncident(*open));
      event = EventFor(*open, kind, now, actor, alert.summary);
      result.incident = std::move(open);
      break;
    }
    case Effect::kNone:
      result.outcome = open ? IngestOutcome::kAlreadyAcknowledged
                            : IngestOutcome::kNothingOpen;
      result.incident = std::move(open);
      break;
    case Effect::kRejected:
      return errors::IllegalTransition(transition.reason);
  }

  if (event) {
    event->occurred_at = alert.occurred_at;
    AG_ASSIGN_OR_RETURN(result.sequence, RecordChange(tx, *result.incident,
                                                      *event, notify.get()));
  }
  // The source sent to the service whose webhook it used, routed or not.
  AG_RETURN_IF_ERROR(tx.RecordSourceActivity(received.service_id, alert.source,
                                             now, incident_opened_at));
  if (!alert.idempotency_key.empty()) {
    AG_RETURN_IF_ERROR(tx.InsertIdempotencyRecord(IdempotencyRecord{
        alert.service_id, alert.idempotency_key, result.outcome,
        result.incident ? result.incident->id : std::string(), result.sequence,
        now}));
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> IncidentCore::ServiceExists(
    StoreTransaction& tx, const std::string& service_id) {
  {
    absl::MutexLock lock(&known_services_mu_);
    if (known_services_.contains(service_id)) return true;
  }
  AG_ASSIGN_OR_RETURN(std::optional<Service> service,
                      tx.FindService(service_id));
  if (!service) return false;
  absl::MutexLock lock(&known_services_mu_);
  known_services_.insert(service_id);
  return true;
}

absl::StatusOr<ApiActionResult> IncidentCore::Acknowledge(
    const std::string& id, const std::string& actor, const std::string& note) {
  return ActById(id, Action::kAcknowledge, actor, note);
}

absl::StatusOr<ApiActionResult> IncidentCore::Resolve(const std::string& id,
                                                      const std::string& actor,
                                                      const std::string& note) {
  return ActById(id, Action::kResolve, actor, note);
}

absl::StatusOr<ApiActionResult> IncidentCore::ActById(
    const std::string& id, Action action, const std::string& actor,
    const std::string& note,
    const std::function<bool(const Incident&)>& still_wanted) {
  if (id.empty()) return errors::InvalidField("id", "required");
  AG_RETURN_IF_ERROR(ValidateActor(actor));
  const absl::Time now = clock_->Now();
  ApiActionResult result;
  AG_RETURN_IF_ERROR(store_->Write([&](StoreTransaction& tx) -> absl::Status {
    AG_ASSIGN_OR_RETURN(std::optional<Incident> incident, tx.FindIncident(id));
    if (!incident) return errors::IncidentNotFound(id);
    if (still_wanted && !still_wanted(*incident)) {
      result = {std::move(*incident), false, 0};
      return absl::OkStatus();
    }
    const Transition transition = NextTransition(incident->state, action);
    ChangeKind kind = ChangeKind::kAcknowledged;
    switch (transition.effect) {
      case Effect::kAcknowledge:
        Apply(transition, *incident, now, actor);
        kind = ChangeKind::kAcknowledged;
        break;
      case Effect::kResolve:
        Apply(transition, *incident, now, actor);
        kind = ChangeKind::kResolved;
        break;
      case Effect::kNone:
        result = {std::move(*incident), false, 0};
        return absl::OkStatus();
      case Effect::kRejected:
        return errors::IllegalTransition(transition.reason);
      case Effect::kOpen:
      case Effect::kFold:
        return absl::InternalError(
            absl::StrCat("state machine opened or folded on ",
                         ActionName(action), " of incident ", id));
    }
    incident->event_count += 1;
    AG_RETURN_IF_ERROR(tx.UpdateIncident(*incident));
    AG_ASSIGN_OR_RETURN(std::shared_ptr<const RuleSet> notify,
                        rules_.ForIngest(tx, incident->service_id));
    AG_ASSIGN_OR_RETURN(
        int64_t sequence,
        RecordChange(tx, *incident, EventFor(*incident, kind, now, actor, note),
                     notify.get()));
    result = {std::move(*incident), true, sequence};
    return absl::OkStatus();
  }));
  return result;
}

absl::StatusOr<bool> IncidentCore::ResolveIfQuiet(const std::string& id,
                                                  absl::Time quiet_since,
                                                  const std::string& actor,
                                                  const std::string& note) {
  // Checked again where it is changed: an alert may have come.
  absl::StatusOr<ApiActionResult> acted =
      ActById(id, Action::kResolve, actor, note, [&](const Incident& incident) {
        return IsOpen(incident.state) && incident.last_seen_at < quiet_since;
      });
  // Pruned meanwhile: nothing to resolve.
  if (absl::IsNotFound(acted.status())) return false;
  if (!acted.ok()) return acted.status();
  return acted->changed;
}

absl::StatusOr<int64_t> IncidentCore::RecordChange(StoreTransaction& tx,
                                                   const Incident& incident,
                                                   const IncidentEvent& change,
                                                   const RuleSet* notify) {
  AG_ASSIGN_OR_RETURN(const int64_t sequence, tx.AppendEvent(change));
  if (notify == nullptr || notify->webhooks().empty()) return sequence;
  const std::optional<NotifyEvent> told = NotifyEventOf(change);
  if (!told) return sequence;
  std::optional<Service> service;
  for (const WebhookSubscription& webhook : notify->webhooks()) {
    if (std::find(webhook.events.begin(), webhook.events.end(), *told) ==
        webhook.events.end()) {
      continue;
    }
    if (!service) {
      AG_ASSIGN_OR_RETURN(service, tx.FindService(incident.service_id));
      if (!service) return errors::ServiceNotFound(incident.service_id);
    }
    OutboundMessage message;
    message.id = ids_->NewId();
    message.service_id = incident.service_id;
    message.subscription = webhook.name;
    message.event = *told;
    message.incident_id = incident.id;
    message.sequence = sequence;
    message.created_at = change.at;
    message.next_attempt_at = change.at;
    message.body =
        OutboundBody(webhook.format, message, *service, incident, change);
    AG_RETURN_IF_ERROR(tx.InsertOutboundMessage(message));
  }
  return sequence;
}

absl::StatusOr<IncidentWithTimeline> IncidentCore::GetIncident(
    const std::string& id, int timeline_page_size,
    const std::string& timeline_page_token) {
  if (id.empty()) return errors::InvalidField("id", "required");
  if (timeline_page_size < 0) {
    return errors::InvalidField("timeline_page_size", "must not be negative");
  }
  if (timeline_page_size == 0) timeline_page_size = kDefaultTimelinePageSize;
  timeline_page_size = std::min(timeline_page_size, kMaxPageSize);
  int64_t before = INT64_MAX;
  if (!timeline_page_token.empty() &&
      (!absl::SimpleAtoi(timeline_page_token, &before) || before <= 0)) {
    return errors::InvalidField("timeline_page_token",
                                "not a token this API issued");
  }
  AG_ASSIGN_OR_RETURN(std::optional<Incident> incident,
                      store_->GetIncident(id));
  if (!incident) return errors::IncidentNotFound(id);
  // One page, newest first, read by index: an incident that folded a
  // million alerts costs what a fresh one does.
  EventQuery query;
  query.incident_id = id;
  query.up_to_sequence = before - 1;
  query.limit = timeline_page_size + 1;
  query.newest_first = true;
  AG_ASSIGN_OR_RETURN(std::vector<IncidentEvent> events,
                      store_->ReadEvents(query));
  IncidentWithTimeline result{std::move(*incident), {}, ""};
  if (static_cast<int>(events.size()) > timeline_page_size) {
    events.resize(timeline_page_size);
    result.next_timeline_page_token = absl::StrCat(events.back().sequence);
  }
  result.timeline = std::move(events);
  return result;
}

absl::StatusOr<IncidentPage> IncidentCore::ListIncidents(
    const IncidentFilter& filter, int page_size,
    const std::string& page_token) {
  if (page_size < 0) {
    return errors::InvalidField("page_size", "must not be negative");
  }
  // Filters are checked like every other argument: a typo in a filter must
  // not look like "no incidents".
  if (!filter.source.empty()) {
    AG_RETURN_IF_ERROR(ValidateName("source", filter.source));
  }
  if (!filter.service_id.empty() && !IsWellFormedId(filter.service_id)) {
    return errors::InvalidField("service_id", "not a service id");
  }
  if (page_size == 0) page_size = kDefaultPageSize;
  page_size = std::min(page_size, kMaxPageSize);
  if (!page_token.empty() && !IsWellFormedId(page_token)) {
    return errors::InvalidField("page_token", "not a token this API issued");
  }
  // One more than asked tells whether another page follows.
  AG_ASSIGN_OR_RETURN(std::vector<Incident> incidents,
                      store_->ListIncidents(filter, page_token, page_size + 1));
  IncidentPage page;
  if (static_cast<int>(incidents.size()) > page_size) {
    incidents.resize(page_size);
    page.next_page_token = incidents.back().id;
  }
  // Pages are bounded in bytes too, so an answer always fits a gRPC message
  // whatever the incidents carry; the token continues after the last one.
  size_t bytes = 0;
  for (size_t i = 0; i < incidents.size(); ++i) {
    bytes += ApproximateSize(incidents[i]);
    if (bytes > kMaxPageBytes && i > 0) {
      incidents.resize(i);
      page.next_page_token = incidents.back().id;
      break;
    }
  }
  page.incidents = std::move(incidents);
  return page;
}

IncidentWatch::IncidentWatch(IncidentStore* store, int64_t after_sequence,
                             std::string service_id)
    : store_(store),
      cursor_(after_sequence),
      service_id_(std::move(service_id)) {}

absl::StatusOr<std::vector<IncidentEvent>> IncidentWatch::Next(
    absl::Duration wait) {
  int64_t committed = store_->LastCommittedSequence();
  if (committed <= cursor_) {
    store_->WaitForEventsAfter(cursor_, wait);
    committed = store_->LastCommittedSequence();
    if (committed <= cursor_) return std::vector<IncidentEvent>();
  }
  // Everything up to `committed` is durable and visible, and sequences are
  // assigned in commit order, so reading up to it can never skip an event
  // that commits later.
  EventQuery query;
  query.after_sequence = cursor_;
  query.up_to_sequence = committed;
  query.service_id = service_id_;
  query.limit = kBatchSize;
  AG_ASSIGN_OR_RETURN(std::vector<IncidentEvent> events,
                      store_->ReadEvents(query));
  cursor_ = static_cast<int>(events.size()) < kBatchSize
                ? committed
                : events.back().sequence;
  return events;
}

}  // namespace alertgate
