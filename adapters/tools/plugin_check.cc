// alertgate-plugin-check: loads a source-adapter plugin exactly as alertgate
// does, prints what it says about itself, and converts one delivery, so a
// plugin author can try a plugin without running the service.
//
//   alertgate-plugin-check PLUGIN.so [BODY_FILE|-] ["Header: value"]...
//
// Prints one JSON object. Exit codes: 0 converted (or loaded, without a
// body), 1 the plugin was refused, 2 usage or unreadable body, 3 the plugin
// answered with an error (bad payload, unknown event, internal), 4 the
// plugin exports symbols besides alertgate_adapter_v1 (built without the
// SDK's version script; the conversion is still shown).
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/time/time.h"
#include "adapters/loader/adapter_registry.h"
#include "adapters/loader/plugin_exports.h"
#include "alertgate/v1/incident.pb.h"
#include "nlohmann/json.hpp"

namespace {

const char* CodeName(alertgate::ConvertedDelivery::Code code) {
  using Code = alertgate::ConvertedDelivery::Code;
  switch (code) {
    case Code::kOk:
      return "ok";
    case Code::kBadPayload:
      return "bad_payload";
    case Code::kUnknownEvent:
      return "unknown_event";
    case Code::kInternal:
      return "internal";
  }
  return "internal";
}

// "trigger", "critical": the API's enum value name without its prefix.
std::string EnumWord(const std::string& name) {
  return absl::AsciiStrToLower(name.substr(name.find('_') + 1));
}

const char* SignatureSchemeName(uint32_t scheme) {
  switch (scheme) {
    case AG_SIGNATURE_NONE:
      return "none";
    case AG_SIGNATURE_HMAC_SHA256_PREFIXED_HEX:
      return "hmac-sha256-prefixed-hex";
    case AG_SIGNATURE_SHARED_TOKEN:
      return "shared-token";
    case AG_SIGNATURE_HMAC_SHA256_TIMESTAMPED:
      return "hmac-sha256-timestamped";
  }
  return "unknown";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]) == "--help") {
    std::cerr << "usage: alertgate-plugin-check PLUGIN.so [BODY_FILE|-] "
                 "[\"Header: value\"]...\n"
                 "exit codes: 0 converted (or loaded, without a body), 1 "
                 "refused, 2 usage, 3 the plugin answered with an error, 4 "
                 "exports more than alertgate_adapter_v1\n";
    return 2;
  }
  std::vector<std::string> errors;
  auto registry = alertgate::AdapterRegistry::LoadFiles({argv[1]}, &errors);
  nlohmann::json out;
  if (!errors.empty()) {
    out["refused"] = errors[0];
    std::cout << out.dump(2) << "\n";
    return 1;
  }
  const alertgate::SourceAdapter* adapter = registry->All().front();
  out["plugin"] = {
      {"source", adapter->name()},
      {"version", adapter->version()},
      {"file", adapter->file()},
      {"signature_scheme", SignatureSchemeName(adapter->signature_scheme())},
      {"signature_header", adapter->signature_header()},
      {"delivery_id_headers", adapter->delivery_id_headers()},
      {"delivery_id_field", adapter->delivery_id_field()}};
  // Exit 4 wins over a successful conversion, never over a refusal.
  int exports_exit = 0;
  absl::StatusOr<std::vector<std::string>> exports =
      alertgate::ReadExportedSymbols(adapter->file());
  if (exports.ok()) {
    out["plugin"]["exports"] = *exports;
    std::vector<std::string> unexpected;
    for (const std::string& name : *exports) {
      if (name != AG_ADAPTER_ENTRY_SYMBOL) unexpected.push_back(name);
    }
    if (!unexpected.empty()) {
      out["unexpected_exports"] = unexpected;
      out["unexpected_exports_hint"] =
          "only alertgate_adapter_v1 should be exported: build with the "
          "SDK's alertgate_add_plugin (CMake) or alertgate_adapter_plugin "
          "(Bazel), which pass its version script to the linker";
      exports_exit = 4;
    }
  } else {
    out["plugin"]["exports_error"] = std::string(exports.status().message());
  }
  if (argc < 3) {
    std::cout << out.dump(2) << "\n";
    return exports_exit;
  }
  std::string body;
  if (std::string(argv[2]) == "-") {
    body.assign(std::istreambuf_iterator<char>(std::cin), {});
  } else {
    std::ifstream in(argv[2], std::ios::binary);
    if (!in) {
      std::cerr << "cannot read " << argv[2] << "\n";
      return 2;
    }
    body.assign(std::istreambuf_iterator<char>(in), {});
  }
  alertgate::HttpHeaders headers;
  for (int i = 3; i < argc; ++i) {
    std::string header = argv[i];
    size_t colon = header.find(':');
    if (colon == std::string::npos) {
      std::cerr << "header without ':': " << header << "\n";
      return 2;
    }
    size_t value = header.find_first_not_of(' ', colon + 1);
    headers.emplace_back(header.substr(0, colon), value == std::string::npos
                                                      ? ""
                                                      : header.substr(value));
  }
  alertgate::ConvertedDelivery result = adapter->Convert(headers, body);
  out["code"] = CodeName(result.code);
  out["event"] = result.event;
  out["message"] = result.message;
  out["delivery_id"] = result.delivery_id;
  out["alerts"] = nlohmann::json::array();
  for (const alertgate::v1::Alert& alert : result.alerts) {
    nlohmann::json a = {
        {"action", EnumWord(alertgate::v1::Action_Name(alert.action()))},
        {"dedup_key", alert.dedup_key()},
        {"summary", alert.summary()},
        {"description", alert.description()},
        {"severity", EnumWord(alertgate::v1::Severity_Name(alert.severity()))},
        {"tags", nlohmann::json::object()}};
    for (const auto& [key, value] : alert.tags()) a["tags"][key] = value;
    if (alert.has_occurred_at()) {
      const absl::Time at =
          absl::FromUnixSeconds(alert.occurred_at().seconds()) +
          absl::Nanoseconds(alert.occurred_at().nanos());
      a["occurred_at"] =
          absl::FormatTime(absl::RFC3339_full, at, absl::UTCTimeZone());
    }
    for (const alertgate::v1::Link& link : alert.links()) {
      a["links"].push_back({{"href", link.href()}, {"text", link.text()}});
    }
    out["alerts"].push_back(a);
  }
  std::cout << out.dump(2) << "\n";
  if (result.code != alertgate::ConvertedDelivery::Code::kOk) return 3;
  return exports_exit;
}
