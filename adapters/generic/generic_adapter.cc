// The generic JSON webhook source, registered as "generic": any tool that
// can POST JSON can raise and resolve incidents (format:
// docs/generic-source.md).
//
//   {"status": "trigger", "event_id": "disk-full:db1", "message": "Disk full",
//    "description": "...", "severity": "critical", "tags": {"host": "db1"},
//    "links": [{"href": "https://...", "text": "dashboard"}],
//    "occurred_at": "2026-01-02T03:04:05Z"}
//
// The body is one such object or an array of them.
#include <string>
#include <vector>

#include "alertgate/adapter_sdk.h"
#include "alertgate/json_fields.h"

namespace alertgate::generic {
namespace {

namespace sdk = ::alertgate::sdk;
using sdk::PayloadError;
using sdk::json::Json;
using sdk::json::RequireString;
using sdk::json::String;

sdk::Action ParseStatus(const std::string& status) {
  if (status == "trigger" || status == "triggered" || status == "firing") {
    return sdk::Action::kTrigger;
  }
  if (status == "acknowledge" || status == "acknowledged") {
    return sdk::Action::kAcknowledge;
  }
  if (status == "resolve" || status == "resolved" || status == "ok") {
    return sdk::Action::kResolve;
  }
  throw PayloadError("status: \"" + status +
                     "\" is not trigger, acknowledge or resolve");
}

sdk::Severity ParseSeverity(const std::string& severity) {
  if (severity.empty()) return sdk::Severity::kUnspecified;
  if (severity == "info") return sdk::Severity::kInfo;
  if (severity == "warning") return sdk::Severity::kWarning;
  if (severity == "error") return sdk::Severity::kError;
  if (severity == "critical") return sdk::Severity::kCritical;
  throw PayloadError("severity: \"" + severity +
                     "\" is not info, warning, error or critical");
}

sdk::Alert ParseAlert(const Json& object) {
  if (!object.is_object()) throw PayloadError("each alert must be an object");
  sdk::Alert alert;
  alert.action = ParseStatus(RequireString(object, {"status"}));
  alert.dedup_key = RequireString(object, {"event_id"});
  alert.summary = String(object, {"message"});
  if (alert.action == sdk::Action::kTrigger && alert.summary.empty()) {
    throw PayloadError("message: required when status is trigger");
  }
  alert.description = String(object, {"description"});
  alert.severity = ParseSeverity(String(object, {"severity"}));
  alert.tags = sdk::json::StringFields(object, {"tags"});
  if (sdk::json::Find(object, {"links"})) {
    for (Json link : sdk::json::RequireArray(object, {"links"})) {
      alert.links.emplace_back(RequireString(link, {"href"}),
                               String(link, {"text"}));
    }
  }
  alert.occurred_at_unix_micros =
      sdk::json::TimeMicros(object, {"occurred_at"});
  return alert;
}

sdk::Conversion Convert(const sdk::Delivery& delivery) {
  const std::string event = "alert";
  std::string error;
  const std::optional<Json> parsed = sdk::json::Parse(delivery.body(), &error);
  if (!parsed) {
    return sdk::Conversion::BadPayload(event,
                                       "body is not valid JSON: " + error);
  }
  const Json body = *parsed;
  return sdk::json::ConvertOrRefuse(event, [&] {
    std::vector<sdk::Alert> alerts;
    simdjson::dom::array items;
    if (body.get(items) == simdjson::SUCCESS) {
      for (Json item : items) alerts.push_back(ParseAlert(item));
    } else {
      alerts.push_back(ParseAlert(body));
    }
    if (alerts.empty()) return sdk::Conversion::Ignored(event, "empty array");
    return sdk::Conversion::Alerts(event, std::move(alerts));
  });
}

}  // namespace
}  // namespace alertgate::generic

ALERTGATE_ADAPTER(alertgate::generic::Convert, [] {
  alertgate::sdk::AdapterInfo info;
  info.source_name = "generic";
  info.display_name = "Generic JSON";
  info.setup_steps =
      "From any tool or script, POST a JSON alert (or an array of alerts) to "
      "{webhook_url} with Content-Type: application/json; the fields are in "
      "docs/generic-source.md.\n"
      "Send an Idempotency-Key header with a unique id per alert, so that a "
      "retried POST has one effect.\n"
      "Optional: set a secret in alertgate and sign each body with "
      "HMAC-SHA256 in X-Alertgate-Signature: sha256=<hex>.";
  info.plugin_version = "1.0.0";
  info.signature_scheme = AG_SIGNATURE_HMAC_SHA256_PREFIXED_HEX;
  info.signature_header = "X-Alertgate-Signature";
  info.delivery_id_headers = "Idempotency-Key,X-Delivery-Id";
  info.events = "alert";
  return info;
}())
