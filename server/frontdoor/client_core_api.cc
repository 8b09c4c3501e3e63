#include "server/frontdoor/client_core_api.h"

#include <memory>
#include <utility>

namespace alertgate {

ClientCoreApi::ClientCoreApi(std::unique_ptr<client::AlertgateClient> client,
                             client::WebhookKeyCache::Options key_cache)
    : client_(std::move(client)),
      keys_(std::make_unique<client::WebhookKeyCache>(client_.get(),
                                                      std::move(key_cache))) {}

ClientCoreApi::ClientCoreApi(std::unique_ptr<client::AlertgateClient> client)
    : client_(std::move(client)) {}

absl::StatusOr<WebhookTarget> ClientCoreApi::ResolveWebhookKey(
    const std::string& source, const std::string& key) {
  if (!keys_) {
    return absl::FailedPreconditionError("this caller resolves no keys");
  }
  absl::StatusOr<v1::ResolveWebhookKeyResponse> answer =
      keys_->Resolve(source, key);
  if (!answer.ok()) return answer.status();
  return WebhookTarget{answer->service().id(), answer->service().name(),
                       answer->webhook_secret()};
}

absl::StatusOr<v1::IngestAlertResponse> ClientCoreApi::IngestAlert(
    const v1::IngestAlertRequest& request) {
  return client_->IngestAlert(request);
}

absl::StatusOr<v1::IngestAlertsResponse> ClientCoreApi::IngestAlerts(
    const v1::IngestAlertsRequest& request) {
  return client_->IngestAlerts(request);
}

absl::Status ClientCoreApi::RecordDeliveries(
    const v1::RecordDeliveriesRequest& request) {
  return client_->RecordDeliveries(request).status();
}

bool ClientCoreApi::IsReachable(absl::Duration wait) {
  return client_->IsReachable(wait);
}

}  // namespace alertgate
