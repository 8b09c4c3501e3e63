// An example alert source, built out of tree against the installed SDK (see
// docs/adding-a-source.md): an uptime checker posts
//
//   {"check": "api-health", "up": false, "detail": "HTTP 503",
//    "url": "https://status.example.com/api-health"}
//
// and alertgate opens an incident while the check is down and resolves it
// when the check is up again.
#include <string>

#include "alertgate/adapter_sdk.h"
#include "nlohmann/json.hpp"

namespace {

namespace sdk = alertgate::sdk;

sdk::Conversion Convert(const sdk::Delivery& delivery) {
  const std::string event = "check";
  nlohmann::json body = nlohmann::json::parse(delivery.body(), nullptr,
                                              /*allow_exceptions=*/false);
  if (!body.is_object()) {
    return sdk::Conversion::BadPayload(event, "body must be a JSON object");
  }
  auto check = body.find("check");
  auto up = body.find("up");
  if (check == body.end() || !check->is_string() || check->get<std::string>().empty()) {
    return sdk::Conversion::BadPayload(event, "check: required string");
  }
  if (up == body.end() || !up->is_boolean()) {
    return sdk::Conversion::BadPayload(event, "up: required boolean");
  }
  const std::string name = check->get<std::string>();
  sdk::Alert alert;
  alert.dedup_key = "uptime:" + name;
  if (up->get<bool>()) {
    alert.action = sdk::Action::kResolve;
    alert.summary = name + " is up again";
  } else {
    alert.action = sdk::Action::kTrigger;
    alert.severity = sdk::Severity::kCritical;
    alert.summary = name + " is down";
  }
  alert.description = body.value("detail", "");
  alert.tags.emplace_back("check", name);
  const std::string url = body.value("url", "");
  if (!url.empty()) alert.links.emplace_back(url, "status page");
  return sdk::Conversion::Alerts(event, {alert});
}

}  // namespace

ALERTGATE_ADAPTER(Convert, [] {
  alertgate::sdk::AdapterInfo info;
  info.source_name = "uptime";
  info.plugin_version = "0.1.0";
  info.delivery_id_headers = "X-Check-Run-Id";
  return info;
}())
