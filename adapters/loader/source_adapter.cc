#include "adapters/loader/source_adapter.h"

#include <algorithm>
#include <cstddef>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace alertgate {

// The plugin ABI's numbers are the API's (adapter_abi.h): the loader's
// casts rely on it. (The gRPC layer ties the API's numbers to the model's.)
static_assert(AG_ACTION_TRIGGER == v1::ACTION_TRIGGER);
static_assert(AG_ACTION_ACKNOWLEDGE == v1::ACTION_ACKNOWLEDGE);
static_assert(AG_ACTION_RESOLVE == v1::ACTION_RESOLVE);
static_assert(AG_SEVERITY_UNSPECIFIED == v1::SEVERITY_UNSPECIFIED);
static_assert(AG_SEVERITY_INFO == v1::SEVERITY_INFO);
static_assert(AG_SEVERITY_WARNING == v1::SEVERITY_WARNING);
static_assert(AG_SEVERITY_ERROR == v1::SEVERITY_ERROR);
static_assert(AG_SEVERITY_CRITICAL == v1::SEVERITY_CRITICAL);

namespace {

// The smallest struct a version-1 plugin may report: everything up to and
// including release().
constexpr size_t kMinimumDescriptionSize =
    offsetof(ag_adapter_v1, release) + sizeof(ag_adapter_v1::release);

std::string FromBytes(const ag_bytes& bytes) {
  return bytes.size ? std::string(bytes.data, bytes.size) : std::string();
}

std::vector<std::string> SplitHeaderList(const char* list) {
  std::vector<std::string> names;
  if (list == nullptr) return names;
  for (absl::string_view name : absl::StrSplit(list, ',', absl::SkipEmpty())) {
    name = absl::StripAsciiWhitespace(name);
    if (!name.empty()) names.emplace_back(name);
  }
  return names;
}

// The API's rule for source names (incident.proto, Alert.source): 1 to 63
// of [a-z0-9_-], starting with a letter or digit. The core checks the same
// rule on every alert; checking it here refuses the plugin at start-up.
absl::Status CheckSourceName(absl::string_view name) {
  if (name.size() > 63)
    return absl::InvalidArgumentError("source_name: longer than 63 characters");
  if (name[0] == '-' || name[0] == '_') {
    return absl::InvalidArgumentError(
        "source_name: must start with a letter or digit");
  }
  for (char c : name) {
    if (!absl::ascii_islower(c) && !absl::ascii_isdigit(c) && c != '-' &&
        c != '_') {
      return absl::InvalidArgumentError(
          "source_name: only lower-case letters, digits, '-' and '_' are "
          "allowed");
    }
  }
  return absl::OkStatus();
}

// A field added within version 1, or NULL when the plugin's struct is too
// short to have it.
template <typename Field>
Field FieldIfPresent(const ag_adapter_v1* d, size_t offset, Field value) {
  return d->struct_size >= offset + sizeof(Field) ? value : Field{};
}
#define AG_FIELD_IF_PRESENT(d, field) \
  FieldIfPresent(d, offsetof(ag_adapter_v1, field), (d)->field)

constexpr size_t kMaxSetupStepsBytes = 4096;
constexpr size_t kMaxDisplayNameBytes = 63;

absl::Status Refuse(const std::string& file, absl::string_view why) {
  return absl::FailedPreconditionError(
      absl::StrCat("plugin ", file, ": ", why));
}

}  // namespace

absl::Status CheckAdapterDescription(const ag_adapter_v1* d,
                                     const std::string& file) {
  if (d == nullptr) return Refuse(file, "entry function returned NULL");
  if (d->magic != AG_ADAPTER_MAGIC) {
    return Refuse(
        file, absl::StrCat("magic is 0x", absl::Hex(d->magic), ", expected 0x",
                           absl::Hex(AG_ADAPTER_MAGIC),
                           " (not an alertgate adapter)"));
  }
  if (d->abi_version != AG_ADAPTER_ABI_VERSION) {
    return Refuse(
        file, absl::StrCat("abi_version is ", d->abi_version,
                           ", this alertgate speaks ", AG_ADAPTER_ABI_VERSION));
  }
  if (d->struct_size < kMinimumDescriptionSize) {
    return Refuse(file, absl::StrCat("struct_size is ", d->struct_size,
                                     ", at least ", kMinimumDescriptionSize,
                                     " expected (struct too short)"));
  }
  if (d->source_name == nullptr || d->source_name[0] == '\0') {
    return Refuse(file, "source_name is empty");
  }
  if (absl::Status s = CheckSourceName(d->source_name); !s.ok()) {
    return Refuse(file, s.message());
  }
  if (d->plugin_version == nullptr || d->plugin_version[0] == '\0') {
    return Refuse(file, "plugin_version is empty");
  }
  if (d->convert == nullptr) return Refuse(file, "function convert is missing");
  if (d->release == nullptr) return Refuse(file, "function release is missing");
  switch (d->signature_scheme) {
    case AG_SIGNATURE_NONE:
      break;
    case AG_SIGNATURE_HMAC_SHA256_PREFIXED_HEX:
    case AG_SIGNATURE_SHARED_TOKEN:
    case AG_SIGNATURE_HMAC_SHA256_TIMESTAMPED:
      if (d->signature_header == nullptr || d->signature_header[0] == '\0') {
        return Refuse(
            file, "signature_header is empty but a signature scheme is set");
      }
      break;
    default:
      return Refuse(file, absl::StrCat("signature_scheme ", d->signature_scheme,
                                       " is unknown"));
  }
  if (const char* steps = AG_FIELD_IF_PRESENT(d, setup_steps);
      steps != nullptr && strlen(steps) > kMaxSetupStepsBytes) {
    return Refuse(file, "setup_steps is longer than 4096 bytes");
  }
  if (const char* shown = AG_FIELD_IF_PRESENT(d, display_name);
      shown != nullptr && strlen(shown) > kMaxDisplayNameBytes) {
    return Refuse(file, "display_name is longer than 63 bytes");
  }
  if (d->struct_size >= sizeof(ag_adapter_v1)) {
    for (void* slot : d->reserved) {
      if (slot != nullptr) return Refuse(file, "reserved slots must be NULL");
    }
  }
  return absl::OkStatus();
}

SourceAdapter::SourceAdapter(const ag_adapter_v1* description, std::string file)
    : description_(description),
      file_(std::move(file)),
      name_(description->source_name),
      version_(description->plugin_version),
      signature_header_(
          description->signature_header ? description->signature_header : ""),
      delivery_id_headers_(SplitHeaderList(description->delivery_id_headers)),
      event_headers_(SplitHeaderList(description->event_headers)),
      unsigned_events_(SplitHeaderList(description->unsigned_events)),
      events_(SplitHeaderList(AG_FIELD_IF_PRESENT(description, events))) {
  if (const char* field = AG_FIELD_IF_PRESENT(description, delivery_id_field)) {
    delivery_id_field_ = field;
  }
  const char* shown = AG_FIELD_IF_PRESENT(description, display_name);
  display_name_ = shown != nullptr && shown[0] != '\0' ? shown : name_;
  if (const char* steps = AG_FIELD_IF_PRESENT(description, setup_steps)) {
    for (absl::string_view line : absl::StrSplit(steps, '\n')) {
      line = absl::StripAsciiWhitespace(line);
      if (!line.empty()) setup_steps_.emplace_back(line);
    }
  }
}

const std::string& SourceAdapter::MetricEvent(const std::string& event) const {
  static const std::string* const kOther = new std::string("other");
  for (const std::string& name : events_) {
    if (name == event) return name;
  }
  return *kOther;
}

bool SourceAdapter::AcceptsUnsigned(absl::string_view event) const {
  for (const std::string& name : unsigned_events_) {
    if (name == event) return true;
  }
  return false;
}

ConvertedDelivery SourceAdapter::Convert(const HttpHeaders& headers,
                                         absl::string_view body) const {
  std::vector<ag_header> c_headers;
  c_headers.reserve(headers.size());
  for (const auto& [name, value] : headers) {
    c_headers.push_back(
        {{name.data(), name.size()}, {value.data(), value.size()}});
  }
  ag_delivery delivery{};
  delivery.struct_size = sizeof(ag_delivery);
  delivery.headers = c_headers.data();
  delivery.header_count = c_headers.size();
  delivery.body = {body.data(), body.size()};

  ag_conversion out{};
  out.struct_size = sizeof(ag_conversion);
  const int32_t code = description_->convert(&delivery, &out);

  ConvertedDelivery result;
  result.event = FromBytes(out.event);
  result.message = FromBytes(out.message);
  result.delivery_id = FromBytes(out.delivery_id);
  switch (code) {
    case AG_CONVERT_OK:
      result.code = ConvertedDelivery::Code::kOk;
      break;
    case AG_CONVERT_BAD_PAYLOAD:
      result.code = ConvertedDelivery::Code::kBadPayload;
      break;
    case AG_CONVERT_UNKNOWN_EVENT:
      result.code = ConvertedDelivery::Code::kUnknownEvent;
      break;
    default:
      result.code = ConvertedDelivery::Code::kInternal;
      break;
  }
  if (result.code == ConvertedDelivery::Code::kOk) {
    // The event name rides along for rules when it is printable ASCII of at
    // most 255 bytes, as every sender's is; anything else is left out.
    const bool rule_event =
        result.event.size() <= 255 &&
        std::all_of(result.event.begin(), result.event.end(),
                    [](char c) { return c >= 0x20 && c <= 0x7e; });
    for (uint64_t i = 0; i < out.alert_count; ++i) {
      const ag_alert& a = out.alerts[i];
      if (a.action < AG_ACTION_TRIGGER || a.action > AG_ACTION_RESOLVE ||
          a.severity > AG_SEVERITY_CRITICAL) {
        result.code = ConvertedDelivery::Code::kInternal;
        result.message =
            absl::StrCat("plugin ", name_, " produced an alert with action ",
                         a.action, " and severity ", a.severity);
        result.alerts.clear();
        break;
      }
      v1::Alert& alert = result.alerts.emplace_back();
      alert.set_action(static_cast<v1::Action>(a.action));
      alert.set_severity(static_cast<v1::Severity>(a.severity));
      alert.set_dedup_key(FromBytes(a.dedup_key));
      alert.set_summary(FromBytes(a.summary));
      alert.set_description(FromBytes(a.description));
      if (rule_event) alert.set_event(result.event);
      auto& tags = *alert.mutable_tags();
      for (uint64_t t = 0; t < a.tag_count; ++t) {
        // A repeated key: the last value wins.
        tags[FromBytes(a.tags[t].key)] = FromBytes(a.tags[t].value);
      }
      for (uint64_t l = 0; l < a.link_count; ++l) {
        v1::Link* link = alert.add_links();
        link->set_href(FromBytes(a.links[l].key));
        link->set_text(FromBytes(a.links[l].value));
      }
      if (a.occurred_at_unix_micros != 0) {
        google::protobuf::Timestamp* at = alert.mutable_occurred_at();
        // Floor division, so times before 1970 keep nanos in [0, 1e9).
        int64_t seconds = a.occurred_at_unix_micros / 1000000;
        int64_t micros = a.occurred_at_unix_micros % 1000000;
        if (micros < 0) {
          micros += 1000000;
          --seconds;
        }
        at->set_seconds(seconds);
        at->set_nanos(static_cast<int32_t>(micros * 1000));
      }
    }
  }
  description_->release(&out);
  return result;
}

}  // namespace alertgate
