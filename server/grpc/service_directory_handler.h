// ServiceDirectoryHandler: alertgate.v1.ServiceDirectory over the service
// catalog. Each method converts, calls the catalog, converts back.
//
// Thread safety: as for IncidentServiceHandler.
#ifndef ALERTGATE_SERVER_GRPC_SERVICE_DIRECTORY_HANDLER_H_
#define ALERTGATE_SERVER_GRPC_SERVICE_DIRECTORY_HANDLER_H_

#include <atomic>

#include "alertgate/v1/service_directory.grpc.pb.h"
#include "server/core/access_control.h"
#include "server/core/delivery_log.h"
#include "server/core/delivery_replayer.h"
#include "server/core/incident_core.h"
#include "server/core/service_catalog.h"

namespace alertgate {

class ServiceDirectoryHandler final : public v1::ServiceDirectory::Service {
 public:
  // REQUIRES: the pointers outlive the handler.
  ServiceDirectoryHandler(ServiceCatalog* catalog, AccessControl* access,
                          DeliveryLog* deliveries, IncidentCore* core)
      : catalog_(catalog),
        access_(access),
        deliveries_(deliveries),
        core_(core) {}

  // Makes ReplayDelivery work; without one it is FAILED_PRECONDITION.
  // REQUIRES: `replayer` outlives the server's calls (set before serving
  // or never changed while calls run).
  void SetDeliveryReplayer(DeliveryReplayer* replayer) {
    replayer_.store(replayer);
  }
  // What ListSourcePlugins answers. REQUIRES: called before serving.
  void SetSourcePlugins(v1::ListSourcePluginsResponse plugins) {
    plugins_ = std::move(plugins);
  }

  grpc::Status CreateService(grpc::ServerContext* context,
                             const v1::CreateServiceRequest* request,
                             v1::Service* response) override;
  grpc::Status GetService(grpc::ServerContext* context,
                          const v1::GetServiceRequest* request,
                          v1::Service* response) override;
  grpc::Status ListServices(grpc::ServerContext* context,
                            const v1::ListServicesRequest* request,
                            v1::ListServicesResponse* response) override;
  grpc::Status IssueWebhookKey(grpc::ServerContext* context,
                               const v1::IssueWebhookKeyRequest* request,
                               v1::IssueWebhookKeyResponse* response) override;
  grpc::Status SetWebhookSecret(grpc::ServerContext* context,
                                const v1::SetWebhookSecretRequest* request,
                                v1::AlertSourceStatus* response) override;
  grpc::Status ResolveWebhookKey(
      grpc::ServerContext* context, const v1::ResolveWebhookKeyRequest* request,
      v1::ResolveWebhookKeyResponse* response) override;
  grpc::Status ListAlertSources(
      grpc::ServerContext* context, const v1::ListAlertSourcesRequest* request,
      v1::ListAlertSourcesResponse* response) override;
  // Runs until the client cancels or catalog->StopCredentialWatches().
  grpc::Status WatchWebhookCredentials(
      grpc::ServerContext* context,
      const v1::WatchWebhookCredentialsRequest* request,
      grpc::ServerWriter<v1::WebhookCredentialChange>* writer) override;

  grpc::Status CreateApiToken(grpc::ServerContext* context,
                              const v1::CreateApiTokenRequest* request,
                              v1::CreateApiTokenResponse* response) override;
  grpc::Status ListApiTokens(grpc::ServerContext* context,
                             const v1::ListApiTokensRequest* request,
                             v1::ListApiTokensResponse* response) override;
  grpc::Status RevokeApiToken(grpc::ServerContext* context,
                              const v1::RevokeApiTokenRequest* request,
                              v1::ApiToken* response) override;
  grpc::Status ListAuditEntries(
      grpc::ServerContext* context, const v1::ListAuditEntriesRequest* request,
      v1::ListAuditEntriesResponse* response) override;
  grpc::Status RecordDeliveries(
      grpc::ServerContext* context, const v1::RecordDeliveriesRequest* request,
      v1::RecordDeliveriesResponse* response) override;
  grpc::Status ListDeliveries(grpc::ServerContext* context,
                              const v1::ListDeliveriesRequest* request,
                              v1::ListDeliveriesResponse* response) override;
  grpc::Status GetDelivery(grpc::ServerContext* context,
                           const v1::GetDeliveryRequest* request,
                           v1::Delivery* response) override;
  grpc::Status ReplayDelivery(grpc::ServerContext* context,
                              const v1::ReplayDeliveryRequest* request,
                              v1::ReplayDeliveryResponse* response) override;
  grpc::Status ListSourcePlugins(
      grpc::ServerContext* context, const v1::ListSourcePluginsRequest* request,
      v1::ListSourcePluginsResponse* response) override;
  grpc::Status GetCaller(grpc::ServerContext* context,
                         const v1::GetCallerRequest* request,
                         v1::Caller* response) override;
  grpc::Status SendTestAlert(grpc::ServerContext* context,
                             const v1::SendTestAlertRequest* request,
                             v1::SendTestAlertResponse* response) override;

 private:
  ServiceCatalog* catalog_;
  AccessControl* access_;
  // Fills the open incident counts of `services`.
  absl::Status AddOpenCounts(const std::vector<v1::Service*>& services);

  DeliveryLog* deliveries_;
  IncidentCore* core_;
  std::atomic<DeliveryReplayer*> replayer_{nullptr};
  v1::ListSourcePluginsResponse plugins_;
};

}  // namespace alertgate

#endif  // ALERTGATE_SERVER_GRPC_SERVICE_DIRECTORY_HANDLER_H_
