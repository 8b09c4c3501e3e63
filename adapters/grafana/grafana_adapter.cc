// Grafana's unified alerting, the webhook contact point, registered as
// "grafana" (mapping: docs/grafana.md).
//
// One delivery is one notification of a group: every alert of the group,
// each firing or resolved, as Alertmanager's webhook payload with Grafana's
// fields ("version": "1"). Each alert becomes one alert of alertgate keyed by
// its fingerprint (a hash of its labels), so the incident its firing opens
// is the one its resolution closes. The summary is the summary annotation,
// else the alertname. The contact point's Test button sends an alert named
// TestAlert from instance Grafana: it is opened and resolved at once, like
// GitHub's ping. Grafana sends no delivery id and retries a failed
// notification with the same body: the delivery id is a digest of the body.
#include <string>
#include <vector>

#include "alertgate/adapter_sdk.h"
#include "alertgate/json_fields.h"

namespace alertgate::grafana {
namespace {

namespace sdk = ::alertgate::sdk;
using sdk::PayloadError;
using sdk::json::Json;
using sdk::json::RequireString;
using sdk::json::String;
using sdk::json::ValueOf;

// Grafana writes this for "not ended yet".
constexpr char kZeroTime[] = "0001-01-01T00:00:00Z";

std::vector<sdk::Alert> ParseAlert(const Json& item,
                                   const std::string& external_url) {
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
    alert.summary = name.empty() ? "Grafana alert " + alert.dedup_key : name;
  }
  alert.description = ValueOf(annotations, "description");
  const std::string values = String(item, {"valueString"});
  if (!values.empty()) {
    alert.description += (alert.description.empty() ? "" : "\n\n") +
                         std::string("Values: ") + values;
  }
  alert.severity = sdk::SeverityNamed(ValueOf(labels, "severity"));
  alert.tags = labels;
  alert.AddLink(String(item, {"generatorURL"}), "Alert rule");
  alert.AddLink(String(item, {"dashboardURL"}), "Dashboard");
  alert.AddLink(String(item, {"panelURL"}), "Panel");
  alert.AddLink(ValueOf(annotations, "runbook_url"), "Runbook");
  alert.AddLink(String(item, {"silenceURL"}), "Silence");
  alert.AddLink(String(item, {"imageURL"}), "Image");
  alert.AddLink(external_url, "Grafana");
  // When it began firing, or when it ended.
  const std::string ends = String(item, {"endsAt"});
  alert.occurred_at_unix_micros = sdk::json::TimeMicros(
      item, {alert.action == sdk::Action::kResolve && ends != kZeroTime
                 ? "endsAt"
                 : "startsAt"});
  if (name == "TestAlert" && ValueOf(labels, "instance") == "Grafana") {
    // The Test button: shows the contact point works, leaves nothing open.
    alert.dedup_key = "test:" + alert.dedup_key;
    alert.severity = sdk::Severity::kInfo;
    alert.summary = "Grafana contact point test: " + alert.summary;
    alert.action = sdk::Action::kTrigger;
    sdk::Alert resolve = alert;
    resolve.action = sdk::Action::kResolve;
    return {std::move(alert), std::move(resolve)};
  }
  return {std::move(alert)};
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
    if (sdk::json::Find(body, {"evalMatches"}) ||
        sdk::json::Find(body, {"ruleName"})) {
      return sdk::Conversion::BadPayload(
          event,
          "this is Grafana's legacy dashboard alerting payload (ruleName, "
          "evalMatches); alertgate reads unified alerting's webhook contact "
          "point (Alerting > Contact points > Webhook)");
    }
    const std::string version = RequireString(body, {"version"});
    if (version != "1") {
      return sdk::Conversion::BadPayload(
          event, "version: \"" + version +
                     "\" is not 1, the webhook format this plugin reads");
    }
    if (event == "invalid") {
      throw PayloadError("status: not firing or resolved");
    }
    const std::string external_url = String(body, {"externalURL"});
    std::vector<sdk::Alert> alerts;
    for (Json item : sdk::json::RequireArray(body, {"alerts"})) {
      if (!item.is_object()) throw PayloadError("alerts[]: not an object");
      for (sdk::Alert& alert : ParseAlert(item, external_url)) {
        alerts.push_back(std::move(alert));
      }
    }
    sdk::Conversion conversion =
        alerts.empty()
            ? sdk::Conversion::Ignored(event, "the notification has no alerts")
            : sdk::Conversion::Alerts(event, std::move(alerts));
    conversion.delivery_id = "gf-" + sdk::BodyDigest(delivery.body());
    return conversion;
  });
}

}  // namespace
}  // namespace alertgate::grafana

ALERTGATE_ADAPTER(alertgate::grafana::Convert, [] {
  alertgate::sdk::AdapterInfo info;
  info.source_name = "grafana";
  info.display_name = "Grafana";
  info.plugin_version = "1.0.0";
  // Grafana signs nothing by default: the key in the URL is the credential.
  info.signature_scheme = AG_SIGNATURE_NONE;
  info.delivery_id_field = "(a digest of the body: Grafana sends no id)";
  info.events = "firing,resolved";
  // Where Grafana keeps contact points: grafana.com/docs, "Configure contact
  // points" and "Configure webhook notifications".
  info.setup_steps =
      "In Grafana, open Alerting > Contact points > Add contact point.\n"
      "Integration: Webhook. URL: {webhook_url}. HTTP method: POST. Leave "
      "Disable resolved message unticked, so resolutions close incidents.\n"
      "Press Test: Grafana sends TestAlert, which alertgate opens and "
      "resolves at once; the source turns to Receiving alerts.\n"
      "Save, then route alerts to the contact point (Alerting > "
      "Notification policies, or the contact point of an alert rule).\n"
      "Each alert of a notification becomes its own incident, keyed by its "
      "fingerprint; its resolution resolves the same incident.";
  return info;
}())
