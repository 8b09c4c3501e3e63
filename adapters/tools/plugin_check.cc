// alertgate-plugin-check: loads a source-adapter plugin exactly as alertgate
// does, prints what it says about itself, and converts one delivery, so a
// plugin author can try a plugin without running the service.
//
//   alertgate-plugin-check PLUGIN.so [BODY_FILE|-] ["Header: value"]...
//
// Prints one JSON object. Exit codes: 0 converted (or loaded, without a
// body), 1 the plugin was refused, 2 usage or unreadable body, 3 the plugin
// answered with an error (bad payload, unknown event, internal).
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/time/time.h"
#include "adapters/loader/adapter_registry.h"
#include "server/core/state_machine.h"
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

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]) == "--help") {
    std::cerr << "usage: alertgate-plugin-check PLUGIN.so [BODY_FILE|-] "
                 "[\"Header: value\"]...\n";
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
  out["plugin"] = {{"source", adapter->name()},
                   {"version", adapter->version()},
                   {"file", adapter->file()},
                   {"signature_header", adapter->signature_header()},
                   {"delivery_id_headers", adapter->delivery_id_headers()}};
  if (argc < 3) {
    std::cout << out.dump(2) << "\n";
    return 0;
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
    headers.emplace_back(header.substr(0, colon),
                         value == std::string::npos ? "" : header.substr(value));
  }
  alertgate::ConvertedDelivery result = adapter->Convert(headers, body);
  out["code"] = CodeName(result.code);
  out["event"] = result.event;
  out["message"] = result.message;
  out["alerts"] = nlohmann::json::array();
  for (const alertgate::Alert& alert : result.alerts) {
    nlohmann::json a = {{"action", absl::AsciiStrToLower(alertgate::ActionName(alert.action))},
                        {"dedup_key", alert.dedup_key},
                        {"summary", alert.summary},
                        {"description", alert.description},
                        {"severity", static_cast<int>(alert.severity)},
                        {"tags", alert.tags}};
    if (alert.occurred_at) {
      a["occurred_at"] = absl::FormatTime(absl::RFC3339_full, *alert.occurred_at,
                                          absl::UTCTimeZone());
    }
    for (const alertgate::Link& link : alert.links) {
      a["links"].push_back({{"href", link.href}, {"text", link.text}});
    }
    out["alerts"].push_back(a);
  }
  std::cout << out.dump(2) << "\n";
  return result.code == alertgate::ConvertedDelivery::Code::kOk ? 0 : 3;
}
