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
#include "alertgate/alert_group.h"

namespace alertgate::alertmanager {
namespace {

namespace sdk = ::alertgate::sdk;
using sdk::alert_group::GroupAlert;
using sdk::json::ValueOf;

// The summary when there is no summary annotation: the alertname and its
// instance.
void Finish(const sdk::json::Json& item, GroupAlert& read,
            std::vector<sdk::Alert>& out) {
  sdk::Alert& alert = read.alert;
  if (alert.summary.empty()) {
    const std::string name = ValueOf(read.labels, "alertname");
    const std::string instance = ValueOf(read.labels, "instance");
    alert.summary = name.empty() ? "alert " + alert.dedup_key : name;
    if (!instance.empty()) alert.summary += " on " + instance;
  }
  alert.AddLink(sdk::json::String(item, {"generatorURL"}), "Source");
  alert.AddLink(ValueOf(read.annotations, "runbook_url"), "Runbook");
  alert.AddLink(read.external_url, "Alertmanager");
  out.push_back(std::move(alert));
}

sdk::Conversion Convert(const sdk::Delivery& delivery) {
  return sdk::alert_group::ConvertGroup(delivery, {"4", "am-"}, Finish);
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
