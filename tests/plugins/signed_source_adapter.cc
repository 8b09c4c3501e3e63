// Test plugins for the host's declared-scheme paths: the delivery id read
// from the body, and the two signature schemes no shipped plugin uses yet.
// Built twice: SIGNED_SOURCE_TOKEN ("tokened", a shared token in X-Token)
// and SIGNED_SOURCE_STAMPED ("stamped", t=...,v1=... in X-Signature).
// Body: {"id": "<delivery id>", "key": "<dedup key>", "summary": "..."}.
#include <string>

#include "alertgate/adapter_sdk.h"
#include "alertgate/json_fields.h"

namespace {

namespace sdk = alertgate::sdk;
namespace json = alertgate::sdk::json;

sdk::Conversion Convert(const sdk::Delivery& delivery) {
  std::string error;
  std::optional<json::Value> body = json::Parse(delivery.body(), &error);
  if (!body) return sdk::Conversion::BadPayload("alert", error);
  sdk::Alert alert;
  alert.dedup_key = json::RequireString(*body, {"key"});
  alert.summary = json::String(*body, {"summary"}, "test alert");
  sdk::Conversion conversion = sdk::Conversion::Alerts("alert", {alert});
  conversion.delivery_id = json::String(*body, {"id"});
  return conversion;
}

}  // namespace

ALERTGATE_ADAPTER(Convert, [] {
  alertgate::sdk::AdapterInfo info;
#if defined(SIGNED_SOURCE_TOKEN)
  info.source_name = "tokened";
  info.signature_scheme = AG_SIGNATURE_SHARED_TOKEN;
  info.signature_header = "X-Token";
#else
  info.source_name = "stamped";
  info.signature_scheme = AG_SIGNATURE_HMAC_SHA256_TIMESTAMPED;
  info.signature_header = "X-Signature";
#endif
  info.plugin_version = "0.0.1";
  info.delivery_id_field = "id";
  return info;
}())
