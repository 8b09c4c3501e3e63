// ClientCoreApi: CoreApi over the installable C++ client library
// (clients/cpp), the same library any other tool uses. Webhook keys go
// through its WebhookKeyCache, so a delivery costs one ingest call per
// alert while the core's credential stream is live.
#ifndef ALERTGATE_SERVER_FRONTDOOR_CLIENT_CORE_API_H_
#define ALERTGATE_SERVER_FRONTDOOR_CLIENT_CORE_API_H_

#include <memory>
#include <string>

#include "alertgate/alertgate_client.h"
#include "alertgate/webhook_key_cache.h"
#include "server/frontdoor/core_api.h"

namespace alertgate {

class ClientCoreApi final : public CoreApi {
 public:
  ClientCoreApi(std::unique_ptr<client::AlertgateClient> client,
                client::WebhookKeyCache::Options key_cache);
  // Without a key cache (and its credential stream): for callers that
  // never resolve webhook keys, such as replays. ResolveWebhookKey is then
  // FAILED_PRECONDITION.
  explicit ClientCoreApi(std::unique_ptr<client::AlertgateClient> client);

  absl::StatusOr<WebhookTarget> ResolveWebhookKey(
      const std::string& source, const std::string& key) override;
  absl::StatusOr<v1::IngestAlertResponse> IngestAlert(
      const v1::IngestAlertRequest& request) override;
  absl::StatusOr<v1::IngestAlertsResponse> IngestAlerts(
      const v1::IngestAlertsRequest& request) override;
  absl::Status RecordDeliveries(
      const v1::RecordDeliveriesRequest& request) override;
  bool IsReachable(absl::Duration wait) override;

 private:
  std::unique_ptr<client::AlertgateClient> client_;
  // After client_: stopped before it goes. Null without a key cache.
  std::unique_ptr<client::WebhookKeyCache> keys_;
};

}  // namespace alertgate

#endif  // ALERTGATE_SERVER_FRONTDOOR_CLIENT_CORE_API_H_
