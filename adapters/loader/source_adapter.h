// SourceAdapter: one loaded, checked source-adapter plugin as the host uses
// it. Converts a raw delivery through the plugin's C ABI straight into the
// public API's alerts (v1::Alert), host-owned, ready for IngestAlert: the
// loader knows the plugin ABI and the API, nothing of the server's core.
//
// Thread safety: Convert() may be called concurrently (plugins must allow
// it; see adapter_abi.h).
#ifndef ALERTGATE_ADAPTERS_LOADER_SOURCE_ADAPTER_H_
#define ALERTGATE_ADAPTERS_LOADER_SOURCE_ADAPTER_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "alertgate/adapter_abi.h"
#include "alertgate/v1/incident.pb.h"

namespace alertgate {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

// The result of converting one delivery, owned by the host.
struct ConvertedDelivery {
  enum class Code { kOk, kBadPayload, kUnknownEvent, kInternal };
  Code code = Code::kInternal;
  std::string event;
  // The error, or why an accepted event produced no alert.
  std::string message;
  // The delivery id the plugin read from the body; empty if none.
  std::string delivery_id;
  // Filled: action, dedup key, summary, description, severity, tags, links,
  // occurred_at. The caller sets service_id, source and idempotency_key.
  std::vector<v1::Alert> alerts;
};

class SourceAdapter {
 public:
  // REQUIRES: `description` passed CheckAdapterDescription() and stays
  // valid for the life of the process (plugins are never unloaded).
  SourceAdapter(const ag_adapter_v1* description, std::string file);

  const std::string& name() const { return name_; }
  const std::string& version() const { return version_; }
  // For people, e.g. "Bitbucket"; the name when the plugin gives none.
  const std::string& display_name() const { return display_name_; }
  // How to connect the sender, one step each; "{webhook_url}" stands for
  // the webhook URL. Possibly empty.
  const std::vector<std::string>& setup_steps() const { return setup_steps_; }
  const std::string& file() const { return file_; }
  uint32_t signature_scheme() const { return description_->signature_scheme; }
  // Empty when the source signs nothing.
  const std::string& signature_header() const { return signature_header_; }
  // In order of preference; possibly empty.
  const std::vector<std::string>& delivery_id_headers() const {
    return delivery_id_headers_;
  }
  // Where in the body the delivery id is (for people); empty if not there.
  const std::string& delivery_id_field() const { return delivery_id_field_; }
  // True when deliveries of this source carry an id somewhere.
  bool HasDeliveryIds() const {
    return !delivery_id_headers_.empty() || !delivery_id_field_.empty();
  }
  const std::vector<std::string>& event_headers() const {
    return event_headers_;
  }
  // True when deliveries whose first event header has this value may come
  // unsigned (see ag_adapter_v1::unsigned_events).
  bool AcceptsUnsigned(absl::string_view event) const;

  // `event` when the plugin declares it (ag_adapter_v1::events), else
  // "other": the bounded event label of the metrics.
  const std::string& MetricEvent(const std::string& event) const;
  // The events the plugin declares, in its order.
  const std::vector<std::string>& events() const { return events_; }

  ConvertedDelivery Convert(const HttpHeaders& headers,
                            absl::string_view body) const;

 private:
  const ag_adapter_v1* description_;
  std::string file_;
  std::string name_;
  std::string version_;
  std::string signature_header_;
  std::vector<std::string> delivery_id_headers_;
  std::string delivery_id_field_;
  std::vector<std::string> event_headers_;
  std::vector<std::string> unsigned_events_;
  std::vector<std::string> events_;
  std::string display_name_;
  std::vector<std::string> setup_steps_;
};

// Checks a plugin's description before anything of it is used. The error
// names `file` and the offending field.
absl::Status CheckAdapterDescription(const ag_adapter_v1* description,
                                     const std::string& file);

}  // namespace alertgate

#endif  // ALERTGATE_ADAPTERS_LOADER_SOURCE_ADAPTER_H_
