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
#include "alertgate/alert_group.h"

namespace alertgate::grafana {
namespace {

namespace sdk = ::alertgate::sdk;
using sdk::alert_group::GroupAlert;
using sdk::json::String;
using sdk::json::ValueOf;

std::string LegacyAlerting(const sdk::json::Json& body) {
  if (!sdk::json::Find(body, {"evalMatches"}) &&
      !sdk::json::Find(body, {"ruleName"})) {
    return "";
  }
  return "this is Grafana's legacy dashboard alerting payload (ruleName, "
         "evalMatches); alertgate reads unified alerting's webhook contact "
         "point (Alerting > Contact points > Webhook)";
}

void Finish(const sdk::json::Json& item, GroupAlert& read,
            std::vector<sdk::Alert>& out) {
  sdk::Alert& alert = read.alert;
  const std::string name = ValueOf(read.labels, "alertname");
  if (alert.summary.empty()) {
    alert.summary = name.empty() ? "Grafana alert " + alert.dedup_key : name;
  }
  const std::string values = String(item, {"valueString"});
  if (!values.empty()) {
    alert.description += (alert.description.empty() ? "" : "\n\n") +
                         std::string("Values: ") + values;
  }
  alert.AddLink(String(item, {"generatorURL"}), "Alert rule");
  alert.AddLink(String(item, {"dashboardURL"}), "Dashboard");
  alert.AddLink(String(item, {"panelURL"}), "Panel");
  alert.AddLink(ValueOf(read.annotations, "runbook_url"), "Runbook");
  alert.AddLink(String(item, {"silenceURL"}), "Silence");
  alert.AddLink(String(item, {"imageURL"}), "Image");
  alert.AddLink(read.external_url, "Grafana");
  if (name == "TestAlert" && ValueOf(read.labels, "instance") == "Grafana") {
    // The Test button: shows the contact point works, leaves nothing open.
    alert.dedup_key = "test:" + alert.dedup_key;
    alert.severity = sdk::Severity::kInfo;
    alert.summary = "Grafana contact point test: " + alert.summary;
    alert.action = sdk::Action::kTrigger;
    out.push_back(alert);
    alert.action = sdk::Action::kResolve;
  }
  out.push_back(std::move(alert));
}

sdk::Conversion Convert(const sdk::Delivery& delivery) {
  return sdk::alert_group::ConvertGroup(delivery, {"1", "gf-", LegacyAlerting},
                                        Finish);
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
