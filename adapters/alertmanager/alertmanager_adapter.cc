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
using sdk::json::ValueOf;

// Alertmanager writes this for "not ended yet".
constexpr char kZeroTime[] = "0001-01-01T00:00:00Z";

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
  const std::string name = ValueOf(labels, "alertname");
  alert.summary = ValueOf(annotations, "summary");
  if (alert.summary.empty()) {
    const std::string instance = ValueOf(labels, "instance");
    alert.summary = name.empty() ? "alert " + alert.dedup_key : name;
    if (!instance.empty()) alert.summary += " on " + instance;
  }
  alert.description = ValueOf(annotations, "description");
  alert.severity = sdk::SeverityNamed(ValueOf(labels, "severity"));
  alert.tags = labels;
  alert.AddLink(String(item, {"generatorURL"}), "Source");
  alert.AddLink(ValueOf(annotations, "runbook_url"), "Runbook");
  alert.AddLink(external_url, "Alertmanager");
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
  return sdk::json::ConvertOrRefuse(event, [&] {
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
    conversion.delivery_id = "am-" + sdk::BodyDigest(delivery.body());
    return conversion;
  });
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
