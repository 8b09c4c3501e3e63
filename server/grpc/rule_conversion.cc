#include "server/grpc/rule_conversion.h"

#include "absl/strings/str_cat.h"
#include "server/grpc/proto_conversion.h"
#include "server/model/errors.h"

namespace alertgate {

// The model's enums use the API's numbers, so conversion is a cast.
static_assert(static_cast<int>(RuleField::kSource) == v1::RULE_FIELD_SOURCE);
static_assert(static_cast<int>(RuleField::kEvent) == v1::RULE_FIELD_EVENT);
static_assert(static_cast<int>(RuleField::kDedupKey) ==
              v1::RULE_FIELD_DEDUP_KEY);
static_assert(static_cast<int>(RuleField::kSummary) == v1::RULE_FIELD_SUMMARY);
static_assert(static_cast<int>(RuleField::kSeverity) ==
              v1::RULE_FIELD_SEVERITY);
static_assert(static_cast<int>(RuleField::kTag) == v1::RULE_FIELD_TAG);
static_assert(static_cast<int>(MatchOperator::kEquals) ==
              v1::MATCH_OPERATOR_EQUALS);
static_assert(static_cast<int>(MatchOperator::kPrefix) ==
              v1::MATCH_OPERATOR_PREFIX);
static_assert(static_cast<int>(MatchOperator::kRegex) ==
              v1::MATCH_OPERATOR_REGEX);

absl::StatusOr<std::vector<Rule>> RulesFromProto(
    const google::protobuf::RepeatedPtrField<v1::Rule>& protos) {
  std::vector<Rule> rules;
  rules.reserve(protos.size());
  for (int i = 0; i < protos.size(); ++i) {
    const v1::Rule& proto = protos[i];
    const std::string at = absl::StrCat("rules[", i, "]");
    Rule rule;
    rule.name = proto.name();
    for (int j = 0; j < proto.when_size(); ++j) {
      const v1::RuleCondition& c = proto.when(j);
      const std::string where = absl::StrCat(at, ".when[", j, "]");
      if (c.field() == v1::RULE_FIELD_UNSPECIFIED ||
          !v1::RuleField_IsValid(c.field())) {
        return errors::InvalidField(
            where + ".field",
            "SOURCE, EVENT, DEDUP_KEY, SUMMARY, SEVERITY or TAG");
      }
      if (c.op() == v1::MATCH_OPERATOR_UNSPECIFIED ||
          !v1::MatchOperator_IsValid(c.op())) {
        return errors::InvalidField(where + ".op", "EQUALS, PREFIX or REGEX");
      }
      rule.when.push_back({static_cast<RuleField>(c.field()), c.tag(),
                           static_cast<MatchOperator>(c.op()), c.value(),
                           c.negate()});
    }
    const v1::RuleActions& then = proto.then();
    rule.then.set_tags = Tags(then.set_tags().begin(), then.set_tags().end());
    rule.then.add_tags = Tags(then.add_tags().begin(), then.add_tags().end());
    if (!v1::Severity_IsValid(then.set_severity())) {
      return errors::InvalidField(at + ".then.set_severity", "unknown value");
    }
    if (then.set_severity() != v1::SEVERITY_UNSPECIFIED) {
      rule.then.set_severity = static_cast<Severity>(then.set_severity());
    }
    rule.then.route_to_service_id = then.route_to_service_id();
    rule.then.suppress = then.suppress();
    rule.then.dedup_window_minutes = then.dedup_window_minutes();
    rule.stop = proto.stop();
    rules.push_back(std::move(rule));
  }
  return rules;
}

absl::StatusOr<std::vector<MaintenanceWindow>> MaintenanceFromProto(
    const google::protobuf::RepeatedPtrField<v1::MaintenanceWindow>& protos) {
  std::vector<MaintenanceWindow> windows;
  for (int i = 0; i < protos.size(); ++i) {
    const v1::MaintenanceWindow& proto = protos[i];
    const std::string at = absl::StrCat("windows[", i, "]");
    MaintenanceWindow w;
    w.name = proto.name();
    if (!absl::ParseCivilTime(proto.starts(), &w.starts)) {
      return errors::InvalidField(at + ".starts",
                                  "a local time such as \"2026-12-08T02:00\"");
    }
    w.time_zone = proto.time_zone().empty() ? "UTC" : proto.time_zone();
    w.duration = absl::Minutes(proto.duration_minutes());
    switch (proto.repeat()) {
      case v1::REPEAT_UNSPECIFIED:
        w.repeat = Repeat::kNone;
        break;
      case v1::REPEAT_DAILY:
        w.repeat = Repeat::kDaily;
        break;
      case v1::REPEAT_WEEKLY:
        w.repeat = Repeat::kWeekly;
        break;
      default:
        return errors::InvalidField(at + ".repeat", "unknown value");
    }
    if (!proto.repeat_until().empty()) {
      absl::CivilMinute until;
      if (!absl::ParseCivilTime(proto.repeat_until(), &until)) {
        return errors::InvalidField(
            at + ".repeat_until", "a local time such as \"2027-06-01T00:00\"");
      }
      w.repeat_until = until;
    }
    windows.push_back(std::move(w));
  }
  return windows;
}

std::vector<AutoResolve> AutoResolveFromProto(
    const google::protobuf::RepeatedPtrField<v1::AutoResolve>& protos) {
  std::vector<AutoResolve> settings;
  for (const v1::AutoResolve& proto : protos) {
    settings.push_back({proto.source(), absl::Minutes(proto.quiet_minutes()),
                        proto.dedup_key_prefix()});
  }
  return settings;
}

absl::StatusOr<WebhookSubscription> WebhookFromProto(
    const v1::WebhookSubscription& proto) {
  WebhookSubscription webhook;
  webhook.name = proto.name();
  webhook.url = proto.url();
  for (int i = 0; i < proto.events_size(); ++i) {
    const int event = proto.events(i);
    if (event < v1::WEBHOOK_EVENT_TRIGGERED ||
        event > v1::WEBHOOK_EVENT_SUPPRESSED) {
      return errors::InvalidField(
          absl::StrCat("webhook.events[", i, "]"),
          "triggered, acknowledged, resolved or suppressed");
    }
    webhook.events.push_back(static_cast<NotifyEvent>(event));
  }
  switch (proto.format()) {
    case v1::WEBHOOK_FORMAT_JSON:
      webhook.format = WebhookFormat::kJson;
      break;
    case v1::WEBHOOK_FORMAT_SLACK:
      webhook.format = WebhookFormat::kSlack;
      break;
    default:
      return errors::InvalidField("webhook.format", "json or slack");
  }
  webhook.secret = proto.secret();
  return webhook;
}

void WebhookMessageToProto(const OutboundMessage& message,
                           v1::WebhookMessage* proto) {
  proto->set_id(message.id);
  proto->set_service_id(message.service_id);
  proto->set_webhook(message.subscription);
  proto->set_event(static_cast<v1::WebhookEvent>(message.event));
  proto->set_incident_id(message.incident_id);
  proto->set_sequence(message.sequence);
  proto->set_body(message.body);
  TimeToProto(message.created_at, proto->mutable_created_at());
  proto->set_state(static_cast<v1::WebhookMessageState>(message.state));
  proto->set_attempts(message.attempts);
  if (message.state == OutboundState::kPending) {
    TimeToProto(message.next_attempt_at, proto->mutable_next_attempt_at());
  }
  proto->set_last_http_status(message.last_http_status);
  proto->set_last_error(message.last_error);
  if (message.finished_at) {
    TimeToProto(*message.finished_at, proto->mutable_finished_at());
  }
}

void ServiceRulesToProto(const ServiceRules& rules, v1::ServiceRules* proto,
                         bool with_secrets) {
  proto->set_service_id(rules.service_id);
  for (const Rule& rule : rules.rules) {
    v1::Rule* out = proto->add_rules();
    out->set_name(rule.name);
    for (const RuleCondition& c : rule.when) {
      v1::RuleCondition* condition = out->add_when();
      condition->set_field(static_cast<v1::RuleField>(c.field));
      condition->set_tag(c.tag);
      condition->set_op(static_cast<v1::MatchOperator>(c.op));
      condition->set_value(c.value);
      condition->set_negate(c.negate);
    }
    v1::RuleActions* then = out->mutable_then();
    then->mutable_set_tags()->insert(rule.then.set_tags.begin(),
                                     rule.then.set_tags.end());
    then->mutable_add_tags()->insert(rule.then.add_tags.begin(),
                                     rule.then.add_tags.end());
    if (rule.then.set_severity) {
      then->set_set_severity(
          static_cast<v1::Severity>(*rule.then.set_severity));
    }
    then->set_route_to_service_id(rule.then.route_to_service_id);
    then->set_suppress(rule.then.suppress);
    then->set_dedup_window_minutes(rule.then.dedup_window_minutes);
    out->set_stop(rule.stop);
  }
  for (const MaintenanceWindow& w : rules.maintenance) {
    v1::MaintenanceWindow* out = proto->add_maintenance_windows();
    out->set_name(w.name);
    out->set_starts(absl::FormatCivilTime(w.starts));
    out->set_time_zone(w.time_zone);
    out->set_duration_minutes(
        static_cast<int32_t>(absl::ToInt64Minutes(w.duration)));
    out->set_repeat(w.repeat == Repeat::kDaily    ? v1::REPEAT_DAILY
                    : w.repeat == Repeat::kWeekly ? v1::REPEAT_WEEKLY
                                                  : v1::REPEAT_UNSPECIFIED);
    if (w.repeat_until) {
      out->set_repeat_until(absl::FormatCivilTime(*w.repeat_until));
    }
  }
  for (const AutoResolve& a : rules.auto_resolve) {
    v1::AutoResolve* out = proto->add_auto_resolve();
    out->set_source(a.source);
    out->set_quiet_minutes(static_cast<int32_t>(absl::ToInt64Minutes(a.quiet)));
    out->set_dedup_key_prefix(a.dedup_key_prefix);
  }
  for (const WebhookSubscription& w : rules.webhooks) {
    v1::WebhookSubscription* out = proto->add_webhooks();
    out->set_name(w.name);
    out->set_url(w.url);
    for (NotifyEvent event : w.events) {
      out->add_events(static_cast<v1::WebhookEvent>(event));
    }
    out->set_format(w.format == WebhookFormat::kSlack
                        ? v1::WEBHOOK_FORMAT_SLACK
                        : v1::WEBHOOK_FORMAT_JSON);
    out->set_has_secret(!w.secret.empty());
    if (with_secrets) out->set_secret(w.secret);
  }
  proto->set_revision(rules.revision);
  if (rules.revision > 0)
    TimeToProto(rules.updated_at, proto->mutable_updated_at());
  proto->set_updated_by(rules.updated_by);
}

void RuleTrialToProto(const RuleTrial& trial, v1::TestRulesResponse* proto) {
  for (const std::string& name : trial.verdict.matched) {
    proto->add_matched(name);
  }
  AlertToProto(trial.alert, proto->mutable_alert());
  proto->set_suppressed_by(trial.verdict.suppressed_by);
  proto->set_routed_by(trial.verdict.routed_by);
  proto->set_dedup_window_minutes(trial.verdict.dedup_window_minutes);
  proto->set_window_rule(trial.verdict.window_rule);
  proto->set_maintenance_window(trial.verdict.maintenance_window);
}

}  // namespace alertgate
