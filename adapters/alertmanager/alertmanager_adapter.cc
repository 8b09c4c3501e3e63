// Prometheus Alertmanager's webhook receiver payload (version 4), registered
// as "alertmanager": alertgate becomes a durable receiver behind
// Alertmanager (mapping: docs/alertmanager.md).
//
// One delivery is one notification of a group: every alert of the group,
// each firing or resolved. Each alert becomes one alert of alertgate, keyed
// by its fingerprint (a hash of its label set), so the incident it opens is
// the one its resolution closes. Alertmanager sends no delivery id and
// retries a failed notification with the same body: the delivery id is a
// digest of the body, so a retry has one effect.
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "alertgate/adapter_sdk.h"
#include "alertgate/json_fields.h"

namespace alertgate::alertmanager {
namespace {

namespace sdk = ::alertgate::sdk;
using sdk::PayloadError;
using sdk::json::Json;
using sdk::json::RequireString;
using sdk::json::String;

// Alertmanager writes this for "not ended yet".
constexpr char kZeroTime[] = "0001-01-01T00:00:00Z";

// 128 bits of two FNV-1a passes (different offsets), as 32 hex digits: a
// stable name for a body, not a security check (the webhook key is one).
std::string BodyDigest(std::string_view body) {
  uint64_t a = 14695981039346656037ull;
  uint64_t b = 0x6c62272e07bb0142ull;
  for (unsigned char c : body) {
    a = (a ^ c) * 1099511628211ull;
    b = (b ^ c) * 1099511628211ull;
    b ^= b >> 29;
  }
  char text[33];
  std::snprintf(text, sizeof(text), "%016llx%016llx",
                static_cast<unsigned long long>(a),
                static_cast<unsigned long long>(b));
  return text;
}

sdk::Severity SeverityOf(const std::string& label) {
  if (label == "critical" || label == "page" || label == "fatal") {
    return sdk::Severity::kCritical;
  }
  if (label == "error" || label == "high" || label == "major") {
    return sdk::Severity::kError;
  }
  if (label == "warning" || label == "warn" || label == "medium" ||
      label == "minor") {
    return sdk::Severity::kWarning;
  }
  if (label == "info" || label == "low" || label == "none") {
    return sdk::Severity::kInfo;
  }
  return sdk::Severity::kUnspecified;
}

bool IsHttpUrl(const std::string& url) {
  return url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0;
}

std::string Member(
    const std::vector<std::pair<std::string, std::string>>& members,
    const std::string& name) {
  for (const auto& [key, value] : members) {
    if (key == name) return value;
  }
  return "";
}

sdk::Alert ParseAlert(const Json& item, const std::string& external_url) {
  sdk::Alert alert;
  const std::string status = RequireString(item, {"status"});
  if (status == "firing") {
    alert.action = sdk::Action::kTrigger;
  } else if (status == "resolved") {
    alert.action = sdk::Action::kResolve;
  } else {
    throw PayloadError("alerts[].status: \"" + status +
                       "\" is not firing or resolved");
  }
  alert.dedup_key = RequireString(item, {"fingerprint"});
  const auto labels = sdk::json::StringFields(item, {"labels"});
  const auto annotations = sdk::json::StringFields(item, {"annotations"});
  const std::string name = Member(labels, "alertname");
  alert.summary = Member(annotations, "summary");
  if (alert.summary.empty()) {
    const std::string instance = Member(labels, "instance");
    alert.summary = name.empty() ? "alert " + alert.dedup_key : name;
    if (!instance.empty()) alert.summary += " on " + instance;
  }
  alert.description = Member(annotations, "description");
  alert.severity = SeverityOf(Member(labels, "severity"));
  alert.tags = labels;
  const std::string generator = String(item, {"generatorURL"});
  if (IsHttpUrl(generator)) alert.links.emplace_back(generator, "Source");
  const std::string runbook = Member(annotations, "runbook_url");
  if (IsHttpUrl(runbook)) alert.links.emplace_back(runbook, "Runbook");
  if (IsHttpUrl(external_url)) {
    alert.links.emplace_back(external_url, "Alertmanager");
  }
  // When it began firing, or when it ended.
  const std::string ends = String(item, {"endsAt"});
  alert.occurred_at_unix_micros = sdk::json::TimeMicros(
      item, {alert.action == sdk::Action::kResolve && ends != kZeroTime
                 ? "endsAt"
                 : "startsAt"});
  return alert;
}

sdk::Conversion Convert(const sdk::Delivery& delivery) {
  std::string error;
  const std::optional<Json> parsed = sdk::json::Parse(delivery.body(), &error);
  if (!parsed) {
    return sdk::Conversion::BadPayload("invalid",
                                       "body is not valid JSON: " + error);
  }
  const Json body = *parsed;
  // The notification's status names the event: firing or resolved.
  std::string event = String(body, {"status"});
  if (event != "firing" && event != "resolved") event = "invalid";
  try {
    const std::string version = RequireString(body, {"version"});
    if (version != "4") {
      return sdk::Conversion::BadPayload(
          event, "version: \"" + version +
                     "\" is not 4, the webhook format this plugin reads");
    }
    if (event == "invalid") {
      throw PayloadError("status: not firing or resolved");
    }
    const std::string external_url = String(body, {"externalURL"});
    std::vector<sdk::Alert> alerts;
    for (Json item : sdk::json::RequireArray(body, {"alerts"})) {
      if (!item.is_object()) throw PayloadError("alerts[]: not an object");
      alerts.push_back(ParseAlert(item, external_url));
    }
    sdk::Conversion conversion =
        alerts.empty()
            ? sdk::Conversion::Ignored(event, "the notification has no alerts")
            : sdk::Conversion::Alerts(event, std::move(alerts));
    conversion.delivery_id = "am-" + BodyDigest(delivery.body());
    return conversion;
  } catch (const PayloadError& e) {
    return sdk::Conversion::BadPayload(event, e.what());
  } catch (const simdjson::simdjson_error& e) {
    return sdk::Conversion::BadPayload(event, e.what());
  }
}

}  // namespace
}  // namespace alertgate::alertmanager

ALERTGATE_ADAPTER(alertgate::alertmanager::Convert, [] {
  alertgate::sdk::AdapterInfo info;
  info.source_name = "alertmanager";
  info.display_name = "Prometheus Alertmanager";
  info.plugin_version = "1.0.0";
  // Alertmanager signs nothing: the key in the URL is the credential.
  info.signature_scheme = AG_SIGNATURE_NONE;
  info.delivery_id_field = "(a digest of the body: Alertmanager sends no id)";
  info.events = "firing,resolved";
  info.setup_steps =
      "In alertmanager.yml, add a receiver with a webhook: receivers: - "
      "name: alertgate, webhook_configs: - url: {webhook_url}, "
      "send_resolved: true.\n"
      "Route the alerts you want to it (route: receiver: alertgate, or a "
      "child route with matchers), then reload Alertmanager (SIGHUP or POST "
      "/-/reload).\n"
      "Each alert of a notification becomes its own incident, keyed by its "
      "fingerprint; its resolution resolves the same incident.\n"
      "Check with: amtool alert add alertname=AlertgateTest severity=info "
      "--alertmanager.url=http://<alertmanager>:9093; the source turns to "
      "Receiving alerts after the group_wait.";
  return info;
}())
