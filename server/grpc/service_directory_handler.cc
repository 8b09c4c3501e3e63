#include "server/grpc/service_directory_handler.h"

#include "server/grpc/proto_conversion.h"
#include "server/grpc/status_conversion.h"
#include "server/model/errors.h"

namespace alertgate {
namespace {

// How long a credential watch waits before it checks for cancellation.
constexpr absl::Duration kWatchPollInterval = absl::Milliseconds(200);

}  // namespace

grpc::Status ServiceDirectoryHandler::CreateService(
    grpc::ServerContext*, const v1::CreateServiceRequest* request,
    v1::Service* response) {
  absl::StatusOr<alertgate::Service> service =
      catalog_->CreateService(request->name(), request->description());
  if (!service.ok()) return ToGrpcStatus(service.status());
  ServiceToProto(*service, response);
  return grpc::Status::OK;
}

grpc::Status ServiceDirectoryHandler::GetService(
    grpc::ServerContext*, const v1::GetServiceRequest* request,
    v1::Service* response) {
  absl::StatusOr<alertgate::Service> service;
  switch (request->selector_case()) {
    case v1::GetServiceRequest::kId:
      service = catalog_->GetService(request->id());
      break;
    case v1::GetServiceRequest::kName:
      service = catalog_->GetServiceByName(request->name());
      break;
    case v1::GetServiceRequest::SELECTOR_NOT_SET:
      service = errors::InvalidField("selector", "set id or name");
      break;
  }
  if (!service.ok()) return ToGrpcStatus(service.status());
  ServiceToProto(*service, response);
  return grpc::Status::OK;
}

grpc::Status ServiceDirectoryHandler::ListServices(
    grpc::ServerContext*, const v1::ListServicesRequest* request,
    v1::ListServicesResponse* response) {
  absl::StatusOr<ServicePage> page =
      catalog_->ListServices(request->page_size(), request->page_token());
  if (!page.ok()) return ToGrpcStatus(page.status());
  for (const alertgate::Service& service : page->services) {
    ServiceToProto(service, response->add_services());
  }
  response->set_next_page_token(page->next_page_token);
  return grpc::Status::OK;
}

grpc::Status ServiceDirectoryHandler::IssueWebhookKey(
    grpc::ServerContext*, const v1::IssueWebhookKeyRequest* request,
    v1::IssueWebhookKeyResponse* response) {
  absl::StatusOr<IssuedWebhookKey> issued =
      catalog_->IssueWebhookKey(request->service_id(), request->source());
  if (!issued.ok()) return ToGrpcStatus(issued.status());
  response->set_webhook_key(issued->webhook_key);
  SourceStatusToProto(issued->status, response->mutable_status());
  response->set_webhook_path(issued->webhook_path);
  response->set_webhook_url(issued->webhook_url);
  return grpc::Status::OK;
}

grpc::Status ServiceDirectoryHandler::SetWebhookSecret(
    grpc::ServerContext*, const v1::SetWebhookSecretRequest* request,
    v1::AlertSourceStatus* response) {
  absl::StatusOr<AlertSourceStatus> status = catalog_->SetWebhookSecret(
      request->service_id(), request->source(), request->secret());
  if (!status.ok()) return ToGrpcStatus(status.status());
  SourceStatusToProto(*status, response);
  return grpc::Status::OK;
}

grpc::Status ServiceDirectoryHandler::ResolveWebhookKey(
    grpc::ServerContext*, const v1::ResolveWebhookKeyRequest* request,
    v1::ResolveWebhookKeyResponse* response) {
  absl::StatusOr<ResolvedWebhookKey> resolved =
      catalog_->ResolveWebhookKey(request->source(), request->webhook_key());
  if (!resolved.ok()) return ToGrpcStatus(resolved.status());
  ServiceToProto(resolved->service, response->mutable_service());
  response->set_webhook_secret(resolved->webhook_secret);
  return grpc::Status::OK;
}

grpc::Status ServiceDirectoryHandler::ListAlertSources(
    grpc::ServerContext*, const v1::ListAlertSourcesRequest* request,
    v1::ListAlertSourcesResponse* response) {
  absl::StatusOr<std::vector<AlertSourceStatus>> sources =
      catalog_->ListAlertSources(request->service_id());
  if (!sources.ok()) return ToGrpcStatus(sources.status());
  for (const AlertSourceStatus& status : *sources) {
    SourceStatusToProto(status, response->add_sources());
  }
  return grpc::Status::OK;
}

grpc::Status ServiceDirectoryHandler::WatchWebhookCredentials(
    grpc::ServerContext* context, const v1::WatchWebhookCredentialsRequest*,
    grpc::ServerWriter<v1::WebhookCredentialChange>* writer) {
  int64_t seen = catalog_->CredentialGeneration();
  v1::WebhookCredentialChange change;
  change.set_subscribed(true);
  change.set_generation(seen);
  if (!writer->Write(change)) return grpc::Status::CANCELLED;
  while (true) {
    if (catalog_->CredentialWatchesStopped()) {
      return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                          "server is shutting down");
    }
    if (context->IsCancelled()) return grpc::Status::CANCELLED;
    if (!catalog_->WaitForCredentialChange(seen, kWatchPollInterval)) continue;
    seen = catalog_->CredentialGeneration();
    change.Clear();
    change.set_generation(seen);
    if (!writer->Write(change)) return grpc::Status::CANCELLED;
  }
}

}  // namespace alertgate
