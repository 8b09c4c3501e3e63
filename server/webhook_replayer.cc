#include "server/webhook_replayer.h"

#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "server/frontdoor/delivery_log_entry.h"
#include "server/grpc/proto_conversion.h"

namespace alertgate {

WebhookReplayer::WebhookReplayer(const AdapterRegistry* registry, CoreApi* core,
                                 const Clock* clock)
    : registry_(registry),
      clock_(clock),
      handler_(registry, core, clock, WebhookHandler::Options()) {}

absl::StatusOr<Delivery> WebhookReplayer::Replay(
    const Delivery& kept, const std::string& service_name,
    const std::string& webhook_secret) {
  if (registry_->Find(kept.source) == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("no plugin for source ", kept.source,
                     " is loaded in this process; it cannot replay"));
  }
  WebhookRequest request;
  request.source = kept.source;
  if (kept.kept_headers) request.headers = *kept.kept_headers;
  const std::string body = kept.body.value_or("");
  request.body = body;
  const WebhookTarget target{kept.service_id, service_name, webhook_secret};
  const WebhookResponse response =
      handler_.Replay(request, target, kept.received_at);
  if (IsCoreFailure(response.outcome)) {
    // Nothing changed; the admin may try again.
    return absl::UnavailableError(
        absl::StrCat("the replay could not reach the store: ",
                     response.body["error"].value("message", "unknown error")));
  }
  std::optional<v1::Delivery> entry =
      DeliveryLogEntry(request, response, clock_->Now());
  if (!entry) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the replay was answered ", response.status(), " (",
        OutcomeName(response.outcome), "), which the log does not record"));
  }
  entry->clear_kept_request();  // The replayed entry keeps it.
  return DeliveryFromProto(*entry);
}

}  // namespace alertgate
