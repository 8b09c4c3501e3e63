// The C++ layer of the alertgate adapter SDK: write one conversion function,
// register it with one macro, and this header turns it into the C ABI of
// adapter_abi.h (memory ownership, exception safety, the description struct).
//
//   #include "alertgate/adapter_sdk.h"
//
//   namespace sdk = alertgate::sdk;
//
//   sdk::Conversion Convert(const sdk::Delivery& delivery) {
//     sdk::Alert alert;
//     alert.action = sdk::Action::kTrigger;
//     alert.dedup_key = "...";
//     alert.summary = "...";
//     return sdk::Conversion::Alerts("my-event", {alert});
//   }
//
//   ALERTGATE_ADAPTER(Convert, [] {
//     sdk::AdapterInfo info;
//     info.source_name = "my-source";
//     info.plugin_version = "1.0.0";
//     return info;
//   }())
//
// Header-only and standard C++17: a plugin links nothing of alertgate's.
// Thread safety: the conversion function is called from many threads.
#ifndef ALERTGATE_ADAPTER_SDK_H_
#define ALERTGATE_ADAPTER_SDK_H_

#include <cstddef>
#include <cstdint>
#include <exception>
#include <initializer_list>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "alertgate/adapter_abi.h"

namespace alertgate::sdk {

enum class Action : uint32_t {
  kTrigger = AG_ACTION_TRIGGER,
  kAcknowledge = AG_ACTION_ACKNOWLEDGE,
  kResolve = AG_ACTION_RESOLVE,
};

enum class Severity : uint32_t {
  kUnspecified = AG_SEVERITY_UNSPECIFIED,
  kInfo = AG_SEVERITY_INFO,
  kWarning = AG_SEVERITY_WARNING,
  kError = AG_SEVERITY_ERROR,
  kCritical = AG_SEVERITY_CRITICAL,
};

// One normalized alert, as the plugin builds it.
struct Alert {
  Action action = Action::kTrigger;
  Severity severity = Severity::kUnspecified;
  std::string dedup_key;    // Required: identity of the problem.
  std::string summary;      // Required for kTrigger.
  std::string description;  // Optional, may span lines.
  std::vector<std::pair<std::string, std::string>> tags;
  std::vector<std::pair<std::string, std::string>> links;  // (URL, label)
  int64_t occurred_at_unix_micros = 0;                     // 0: unknown.

  // Adds a link when `href` is an http:// or https:// URL; payloads often
  // carry empty, relative or placeholder values where a URL may be.
  void AddLink(const std::string& href, std::string label) {
    if (href.rfind("https://", 0) == 0 || href.rfind("http://", 0) == 0) {
      links.emplace_back(href, std::move(label));
    }
  }
};

// Read-only view of the delivery. Valid during the conversion call only.
class Delivery {
 public:
  explicit Delivery(const ag_delivery* delivery) : delivery_(delivery) {}

  // The body's exact bytes.
  std::string_view body() const { return View(delivery_->body); }

  // The value of header `name` (case-insensitive); empty if absent.
  std::string_view Header(std::string_view name) const {
    const ag_header* header = Find(name);
    return header ? View(header->value) : std::string_view();
  }

  bool HasHeader(std::string_view name) const { return Find(name) != nullptr; }

 private:
  static std::string_view View(const ag_bytes& bytes) {
    return bytes.size ? std::string_view(bytes.data, bytes.size)
                      : std::string_view();
  }
  static bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      char x = a[i], y = b[i];
      if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
      if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
      if (x != y) return false;
    }
    return true;
  }
  const ag_header* Find(std::string_view name) const {
    for (uint64_t i = 0; i < delivery_->header_count; ++i) {
      if (EqualsIgnoringCase(View(delivery_->headers[i].name), name)) {
        return &delivery_->headers[i];
      }
    }
    return nullptr;
  }

  const ag_delivery* delivery_;
};

// The body lacks a required field or has it with the wrong type. Thrown by
// the JSON helpers (json_fields.h) or by the plugin; uncaught, the SDK turns
// it into Conversion::BadPayload with what() as the message (HTTP 400).
class PayloadError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// What a conversion function returns. Build it with the named constructors.
struct Conversion {
  int32_t code = AG_CONVERT_OK;
  std::string event;
  std::string message;
  std::vector<Alert> alerts;
  // The delivery id from the body, for plugins that declare
  // AdapterInfo::delivery_id_field; set it after construction.
  std::string delivery_id;

  // The event produced these alerts.
  static Conversion Alerts(std::string event, std::vector<Alert> alerts) {
    return {
        AG_CONVERT_OK, std::move(event), std::string(), std::move(alerts), {}};
  }
  // The event is accepted but produces no alert, for `reason`.
  static Conversion Ignored(std::string event, std::string reason) {
    return {AG_CONVERT_OK, std::move(event), std::move(reason), {}, {}};
  }
  // The body is not what this source sends.
  static Conversion BadPayload(std::string event, std::string message) {
    return {
        AG_CONVERT_BAD_PAYLOAD, std::move(event), std::move(message), {}, {}};
  }
  // The event header is missing or names no event of this source.
  static Conversion UnknownEvent(std::string event, std::string message) {
    return {
        AG_CONVERT_UNKNOWN_EVENT, std::move(event), std::move(message), {}, {}};
  }
};

// What the plugin says about itself; see ag_adapter_v1 for each field.
struct AdapterInfo {
  const char* source_name = nullptr;
  const char* plugin_version = nullptr;
  uint32_t signature_scheme = AG_SIGNATURE_NONE;
  const char* signature_header = nullptr;
  const char* delivery_id_headers = nullptr;
  const char* delivery_id_field = nullptr;
  const char* event_headers = nullptr;
  const char* unsigned_events = nullptr;
  const char* events = nullptr;
  const char* display_name = nullptr;
  const char* setup_steps = nullptr;  // One step per line.
};

// A stable name for a body, as 32 hex digits (128 bits of two FNV-1a
// passes): the delivery id of senders that give none but retry with the same
// body (Alertmanager, Grafana), so a retry has one effect. Not a security
// check; the webhook key or signature is one.
inline std::string BodyDigest(std::string_view body) {
  uint64_t a = 14695981039346656037ull;
  uint64_t b = 0x6c62272e07bb0142ull;
  for (unsigned char c : body) {
    a = (a ^ c) * 1099511628211ull;
    b = (b ^ c) * 1099511628211ull;
    b ^= b >> 29;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string text(32, '0');
  for (int i = 0; i < 16; ++i) {
    text[15 - i] = kHex[(a >> (4 * i)) & 0xf];
    text[31 - i] = kHex[(b >> (4 * i)) & 0xf];
  }
  return text;
}

// The severity a monitoring tool's `severity` label usually means:
// critical/page/fatal, error/high/major, warning/warn/medium/minor,
// info/low/none; anything else kUnspecified.
inline Severity SeverityNamed(std::string_view name) {
  for (std::string_view word : {"critical", "page", "fatal"}) {
    if (name == word) return Severity::kCritical;
  }
  for (std::string_view word : {"error", "high", "major"}) {
    if (name == word) return Severity::kError;
  }
  for (std::string_view word : {"warning", "warn", "medium", "minor"}) {
    if (name == word) return Severity::kWarning;
  }
  for (std::string_view word : {"info", "low", "none"}) {
    if (name == word) return Severity::kInfo;
  }
  return Severity::kUnspecified;
}

namespace internal {

inline ag_bytes Bytes(const std::string& s) { return {s.data(), s.size()}; }

// Owns everything an ag_conversion points into, until release().
struct ConversionStorage {
  Conversion conversion;
  std::vector<ag_alert> alerts;
  std::vector<std::vector<ag_pair>> pairs;  // Tags and links of each alert.
};

inline std::vector<ag_pair> Pairs(
    const std::vector<std::pair<std::string, std::string>>& from) {
  std::vector<ag_pair> pairs;
  pairs.reserve(from.size());
  for (const auto& [key, value] : from)
    pairs.push_back({Bytes(key), Bytes(value)});
  return pairs;
}

inline void Fail(ag_conversion* out, const char* message) {
  // A string literal: nothing to free.
  out->message = {message, std::char_traits<char>::length(message)};
  out->plugin_state = nullptr;
}

inline int32_t Export(Conversion&& conversion, ag_conversion* out) {
  // Filled completely before `out` owns it, so a throw leaks nothing.
  std::unique_ptr<ConversionStorage> storage(
      new ConversionStorage{std::move(conversion), {}, {}});
  const Conversion& c = storage->conversion;
  storage->alerts.reserve(c.alerts.size());
  storage->pairs.reserve(2 * c.alerts.size());
  for (const Alert& alert : c.alerts) {
    storage->pairs.push_back(Pairs(alert.tags));
    const std::vector<ag_pair>& tags = storage->pairs.back();
    storage->pairs.push_back(Pairs(alert.links));
    const std::vector<ag_pair>& links = storage->pairs.back();
    ag_alert a{};
    a.action = static_cast<uint32_t>(alert.action);
    a.severity = static_cast<uint32_t>(alert.severity);
    a.dedup_key = Bytes(alert.dedup_key);
    a.summary = Bytes(alert.summary);
    a.description = Bytes(alert.description);
    a.tags = tags.data();
    a.tag_count = tags.size();
    a.links = links.data();
    a.link_count = links.size();
    a.occurred_at_unix_micros = alert.occurred_at_unix_micros;
    storage->alerts.push_back(a);
  }
  out->event = Bytes(c.event);
  out->message = Bytes(c.message);
  out->alerts = storage->alerts.data();
  out->alert_count = storage->alerts.size();
  // Only into a struct the host made large enough (an older host's is not).
  if (out->struct_size >= offsetof(ag_conversion, delivery_id) +
                              sizeof(ag_conversion::delivery_id)) {
    out->delivery_id = Bytes(c.delivery_id);
  }
  out->plugin_state = storage.release();
  return c.code;
}

// The ABI's convert(): runs the plugin's function, never lets an exception
// out.
template <Conversion (*ConvertFn)(const Delivery&)>
int32_t Convert(const ag_delivery* delivery, ag_conversion* out) {
  try {
    try {
      return Export(ConvertFn(Delivery(delivery)), out);
    } catch (const PayloadError& e) {
      return Export(Conversion::BadPayload("", e.what()), out);
    }
  } catch (const std::bad_alloc&) {
    Fail(out, "adapter: out of memory");
  } catch (const std::exception&) {
    Fail(out, "adapter: conversion failed with an exception");
  } catch (...) {
    Fail(out, "adapter: conversion failed with an unknown exception");
  }
  return AG_CONVERT_INTERNAL;
}

inline void Release(ag_conversion* out) {
  delete static_cast<ConversionStorage*>(out->plugin_state);
  out->plugin_state = nullptr;
}

inline ag_adapter_v1 Describe(const AdapterInfo& info,
                              int32_t (*convert)(const ag_delivery*,
                                                 ag_conversion*)) {
  ag_adapter_v1 d{};
  d.magic = AG_ADAPTER_MAGIC;
  d.abi_version = AG_ADAPTER_ABI_VERSION;
  d.struct_size = sizeof(ag_adapter_v1);
  d.signature_scheme = info.signature_scheme;
  d.source_name = info.source_name;
  d.plugin_version = info.plugin_version;
  d.signature_header = info.signature_header;
  d.delivery_id_headers = info.delivery_id_headers;
  d.delivery_id_field = info.delivery_id_field;
  d.event_headers = info.event_headers;
  d.unsigned_events = info.unsigned_events;
  d.events = info.events;
  d.display_name = info.display_name;
  d.setup_steps = info.setup_steps;
  d.convert = convert;
  d.release = &Release;
  return d;
}

}  // namespace internal
}  // namespace alertgate::sdk

// Exports the plugin's entry function. `convert_fn` is a function
// `alertgate::sdk::Conversion (const alertgate::sdk::Delivery&)`; `info` an
// expression of type alertgate::sdk::AdapterInfo. Use once per plugin.
#define ALERTGATE_ADAPTER(convert_fn, info)                              \
  extern "C" __attribute__((visibility("default"))) const ag_adapter_v1* \
  alertgate_adapter_v1(void) {                                           \
    static const ag_adapter_v1 description =                             \
        ::alertgate::sdk::internal::Describe(                            \
            (info), &::alertgate::sdk::internal::Convert<convert_fn>);   \
    return &description;                                                 \
  }

#endif  // ALERTGATE_ADAPTER_SDK_H_
