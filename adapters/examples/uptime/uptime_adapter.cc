// An example alert source, built out of tree against the installed SDK (see
// docs/adding-a-source.md): an uptime checker posts
//
//   {"check": "api-health", "up": false, "detail": "HTTP 503",
//    "url": "https://status.example.com/api-health", "run": "run-17"}
//
// and alertgate opens an incident while the check is down and resolves it
// when the check is up again.
#include <string>

#include "alertgate/adapter_sdk.h"
#include "alertgate/json_fields.h"

namespace {

namespace sdk = alertgate::sdk;
namespace json = alertgate::sdk::json;

sdk::Conversion Convert(const sdk::Delivery& delivery) {
  const std::string event = "check";
  std::string error;
  std::optional<json::Value> body = json::Parse(delivery.body(), &error);
  if (!body || !body->is_object()) {
    return sdk::Conversion::BadPayload(event, "body must be a JSON object");
  }
  // Both throw sdk::PayloadError naming the field; the SDK answers 400.
  const std::string check = json::RequireString(*body, {"check"});
  const bool up = json::RequireBool(*body, {"up"});

  sdk::Alert alert;
  alert.dedup_key = "uptime:" + check;  // same check = same incident
  if (up) {
    alert.action = sdk::Action::kResolve;
    alert.summary = check + " is up again";
  } else {
    alert.action = sdk::Action::kTrigger;
    alert.severity = sdk::Severity::kCritical;
    alert.summary = check + " is down";
  }
  alert.description = json::String(*body, {"detail"});
  alert.tags.emplace_back("check", check);
  const std::string url = json::String(*body, {"url"});
  if (!url.empty()) alert.links.emplace_back(url, "status page");

  sdk::Conversion conversion = sdk::Conversion::Alerts(event, {alert});
  // The checker's run id: a redelivery of the same run has one effect.
  conversion.delivery_id = json::String(*body, {"run"});
  return conversion;
}

}  // namespace

ALERTGATE_ADAPTER(Convert, [] {
  alertgate::sdk::AdapterInfo info;
  info.source_name = "uptime";  // the <source> of webhook URLs
  info.plugin_version = "0.2.0";
  info.delivery_id_field = "run";  // see Conversion::delivery_id above
  // With a webhook secret set, alertgate requires it in this header.
  info.signature_scheme = AG_SIGNATURE_SHARED_TOKEN;
  info.signature_header = "X-Uptime-Token";
  return info;
}())
