#include "server/core/outbound_payload.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"
#include "server/core/rule_set.h"
#include "server/model/state_machine.h"

namespace alertgate {
namespace {

using Json = nlohmann::json;

Json TimeOrNull(const std::optional<absl::Time>& at) {
  if (!at) return nullptr;
  return absl::FormatTime(absl::RFC3339_full, *at, absl::UTCTimeZone());
}

std::string Lower(absl::string_view text) {
  return absl::AsciiStrToLower(text);
}

Json IncidentJson(const Incident& incident) {
  Json links = Json::array();
  for (const Link& link : incident.links) {
    links.push_back({{"href", link.href}, {"text", link.text}});
  }
  return {{"id", incident.id},
          {"state", Lower(StateName(incident.state))},
          {"source", incident.source},
          {"dedup_key", incident.dedup_key},
          {"summary", incident.summary},
          {"description", incident.description},
          {"severity", std::string(SeverityWord(incident.severity))},
          {"tags", incident.tags},
          {"links", std::move(links)},
          {"alert_count", incident.alert_count},
          {"opened_at", TimeOrNull(incident.opened_at)},
          {"last_seen_at", TimeOrNull(incident.last_seen_at)},
          {"acknowledged_at", TimeOrNull(incident.acknowledged_at)},
          {"acknowledged_by", incident.acknowledged_by},
          {"resolved_at", TimeOrNull(incident.resolved_at)},
          {"resolved_by", incident.resolved_by}};
}

// Slack reads &, < and > as markup
// (https://api.slack.com/reference/surfaces/formatting#escaping).
std::string SlackEscape(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string SlackText(const OutboundMessage& message, const Service& service,
                      const Incident& incident, const IncidentEvent& change) {
  std::string headline;
  switch (message.event) {
    case NotifyEvent::kTriggered:
      headline = ":rotating_light: *Triggered*";
      break;
    case NotifyEvent::kAcknowledged:
      headline = ":eyes: *Acknowledged*";
      break;
    case NotifyEvent::kResolved:
      headline = ":white_check_mark: *Resolved*";
      break;
    case NotifyEvent::kSuppressed:
      headline = ":zzz: *Suppressed*";
      break;
  }
  std::string text = absl::StrCat(headline, " [", SlackEscape(service.name),
                                  "] ", SlackEscape(incident.summary));
  const absl::string_view severity = SeverityWord(incident.severity);
  absl::StrAppend(&text, "\n", "incident ", incident.id, " · source ",
                  SlackEscape(incident.source));
  if (!severity.empty()) absl::StrAppend(&text, " · ", severity);
  if (message.event != NotifyEvent::kTriggered) {
    absl::StrAppend(&text, " · by ", SlackEscape(change.actor));
  }
  for (const Link& link : incident.links) {
    // <url|text> is Slack's link; the URL keeps its own characters but |
    // and > would end it.
    if (link.href.find_first_of("|>") != std::string::npos) continue;
    absl::StrAppend(&text, "\n<", link.href, "|",
                    SlackEscape(link.text.empty() ? link.href : link.text),
                    ">");
  }
  return text;
}

}  // namespace

std::optional<NotifyEvent> NotifyEventOf(const IncidentEvent& event) {
  switch (event.kind) {
    case ChangeKind::kOpened:
      return event.state == IncidentState::kSuppressed
                 ? NotifyEvent::kSuppressed
                 : NotifyEvent::kTriggered;
    case ChangeKind::kAcknowledged:
      return NotifyEvent::kAcknowledged;
    case ChangeKind::kResolved:
      return NotifyEvent::kResolved;
    case ChangeKind::kAlertFolded:
      break;
  }
  return std::nullopt;
}

std::string OutboundBody(WebhookFormat format, const OutboundMessage& message,
                         const Service& service, const Incident& incident,
                         const IncidentEvent& change) {
  if (format == WebhookFormat::kSlack) {
    return Json{{"text", SlackText(message, service, incident, change)}}.dump(
        -1, ' ', false, Json::error_handler_t::replace);
  }
  Json body = {
      {"id", message.id},
      {"event", absl::StrCat("incident.", NotifyEventName(message.event))},
      {"sequence", message.sequence},
      {"at", TimeOrNull(change.at)},
      {"service", {{"id", service.id}, {"name", service.name}}},
      {"incident", IncidentJson(incident)},
      {"actor", change.actor},
      {"note", change.note}};
  // Alerts are checked UTF-8 at ingest; replace guards the rest.
  return body.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace alertgate
