#include "adapters/loader/source_adapter.h"

#include <cstddef>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "server/core/validation.h"

namespace alertgate {

// The plugin ABI's numbers are the API's (adapter_abi.h), and so the
// domain's: the loader's casts rely on it.
static_assert(AG_ACTION_TRIGGER == static_cast<int>(Action::kTrigger));
static_assert(AG_ACTION_ACKNOWLEDGE == static_cast<int>(Action::kAcknowledge));
static_assert(AG_ACTION_RESOLVE == static_cast<int>(Action::kResolve));
static_assert(AG_SEVERITY_UNSPECIFIED == static_cast<int>(Severity::kUnspecified));
static_assert(AG_SEVERITY_INFO == static_cast<int>(Severity::kInfo));
static_assert(AG_SEVERITY_WARNING == static_cast<int>(Severity::kWarning));
static_assert(AG_SEVERITY_ERROR == static_cast<int>(Severity::kError));
static_assert(AG_SEVERITY_CRITICAL == static_cast<int>(Severity::kCritical));

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

absl::Status Refuse(const std::string& file, absl::string_view why) {
  return absl::FailedPreconditionError(
      absl::StrCat("plugin ", file, ": ", why));
}

}  // namespace

absl::Status CheckAdapterDescription(const ag_adapter_v1* d,
                                     const std::string& file) {
  if (d == nullptr) return Refuse(file, "entry function returned NULL");
  if (d->magic != AG_ADAPTER_MAGIC) {
    return Refuse(file, absl::StrCat("magic is 0x", absl::Hex(d->magic),
                                     ", expected 0x",
                                     absl::Hex(AG_ADAPTER_MAGIC),
                                     " (not an alertgate adapter)"));
  }
  if (d->abi_version != AG_ADAPTER_ABI_VERSION) {
    return Refuse(file, absl::StrCat("abi_version is ", d->abi_version,
                                     ", this alertgate speaks ",
                                     AG_ADAPTER_ABI_VERSION));
  }
  if (d->struct_size < kMinimumDescriptionSize) {
    return Refuse(file, absl::StrCat("struct_size is ", d->struct_size,
                                     ", at least ", kMinimumDescriptionSize,
                                     " expected (struct too short)"));
  }
  if (d->source_name == nullptr || d->source_name[0] == '\0') {
    return Refuse(file, "source_name is empty");
  }
  if (absl::Status s = ValidateName("source_name", d->source_name); !s.ok()) {
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
        return Refuse(file,
                      "signature_header is empty but a signature scheme is set");
      }
      break;
    default:
      return Refuse(file, absl::StrCat("signature_scheme ",
                                       d->signature_scheme, " is unknown"));
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
      signature_header_(description->signature_header
                            ? description->signature_header
                            : ""),
      delivery_id_headers_(SplitHeaderList(description->delivery_id_headers)),
      delivery_id_field_(description->delivery_id_field
                             ? description->delivery_id_field
                             : ""),
      event_headers_(SplitHeaderList(description->event_headers)),
      unsigned_events_(SplitHeaderList(description->unsigned_events)) {}

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
    c_headers.push_back({{name.data(), name.size()}, {value.data(), value.size()}});
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
    for (uint64_t i = 0; i < out.alert_count; ++i) {
      const ag_alert& a = out.alerts[i];
      if (a.action < AG_ACTION_TRIGGER || a.action > AG_ACTION_RESOLVE ||
          a.severity > AG_SEVERITY_CRITICAL) {
        result.code = ConvertedDelivery::Code::kInternal;
        result.message = absl::StrCat("plugin ", name_,
                                      " produced an alert with action ",
                                      a.action, " and severity ", a.severity);
        result.alerts.clear();
        break;
      }
      Alert alert;
      alert.action = static_cast<Action>(a.action);
      alert.severity = static_cast<Severity>(a.severity);
      alert.dedup_key = FromBytes(a.dedup_key);
      alert.summary = FromBytes(a.summary);
      alert.description = FromBytes(a.description);
      for (uint64_t t = 0; t < a.tag_count; ++t) {
        alert.tags[FromBytes(a.tags[t].key)] = FromBytes(a.tags[t].value);
      }
      for (uint64_t l = 0; l < a.link_count; ++l) {
        alert.links.push_back(
            {FromBytes(a.links[l].key), FromBytes(a.links[l].value)});
      }
      if (a.occurred_at_unix_micros != 0) {
        alert.occurred_at = absl::FromUnixMicros(a.occurred_at_unix_micros);
      }
      result.alerts.push_back(std::move(alert));
    }
  }
  description_->release(&out);
  return result;
}

}  // namespace alertgate
