#include "server/grpc/service_directory_handler.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "server/grpc/api_auth.h"
#include "server/grpc/proto_conversion.h"
#include "server/grpc/status_conversion.h"
#include "server/model/errors.h"
#include "server/model/status_macros.h"

namespace alertgate {
namespace {

// How long a credential watch waits before it checks for cancellation.
constexpr absl::Duration kWatchPollInterval = absl::Milliseconds(200);

}  // namespace

grpc::Status ServiceDirectoryHandler::CreateService(
    grpc::ServerContext* context, const v1::CreateServiceRequest* request,
    v1::Service* response) {
  absl::StatusOr<Principal> caller =
      CallerOf(*context, *access_, Permission::kAdmin);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  absl::StatusOr<alertgate::Service> service = catalog_->CreateService(
      request->name(), request->description(), caller->name);
  if (!service.ok()) return ToGrpcStatus(service.status());
  ServiceToProto(*service, response);
  if (absl::Status counted = AddOpenCounts({response}); !counted.ok()) {
    return ToGrpcStatus(counted);
  }
  return grpc::Status::OK;
}

grpc::Status ServiceDirectoryHandler::GetService(
    grpc::ServerContext* context, const v1::GetServiceRequest* request,
    v1::Service* response) {
  if (auto caller = CallerOf(*context, *access_, Permission::kRead);
      !caller.ok()) {
    return ToGrpcStatus(caller.status());
  }
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
    grpc::ServerContext* context, const v1::ListServicesRequest* request,
    v1::ListServicesResponse* response) {
  if (auto caller = CallerOf(*context, *access_, Permission::kRead);
      !caller.ok()) {
    return ToGrpcStatus(caller.status());
  }
  absl::StatusOr<ServicePage> page =
      catalog_->ListServices(request->page_size(), request->page_token());
  if (!page.ok()) return ToGrpcStatus(page.status());
  std::vector<v1::Service*> listed;
  for (const alertgate::Service& service : page->services) {
    listed.push_back(response->add_services());
    ServiceToProto(service, listed.back());
  }
  if (absl::Status counted = AddOpenCounts(listed); !counted.ok()) {
    return ToGrpcStatus(counted);
  }
  response->set_next_page_token(page->next_page_token);
  return grpc::Status::OK;
}

grpc::Status ServiceDirectoryHandler::IssueWebhookKey(
    grpc::ServerContext* context, const v1::IssueWebhookKeyRequest* request,
    v1::IssueWebhookKeyResponse* response) {
  absl::StatusOr<Principal> caller =
      CallerOf(*context, *access_, Permission::kAdmin);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  absl::StatusOr<IssuedWebhookKey> issued = catalog_->IssueWebhookKey(
      request->service_id(), request->source(), caller->name);
  if (!issued.ok()) return ToGrpcStatus(issued.status());
  response->set_webhook_key(issued->webhook_key);
  SourceStatusToProto(issued->status, response->mutable_status());
  response->set_webhook_path(issued->webhook_path);
  response->set_webhook_url(issued->webhook_url);
  return grpc::Status::OK;
}

grpc::Status ServiceDirectoryHandler::SetWebhookSecret(
    grpc::ServerContext* context, const v1::SetWebhookSecretRequest* request,
    v1::AlertSourceStatus* response) {
  absl::StatusOr<Principal> caller =
      CallerOf(*context, *access_, Permission::kAdmin);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  absl::StatusOr<AlertSourceStatus> status =
      catalog_->SetWebhookSecret(request->service_id(), request->source(),
                                 request->secret(), caller->name);
  if (!status.ok()) return ToGrpcStatus(status.status());
  SourceStatusToProto(*status, response);
  return grpc::Status::OK;
}

grpc::Status ServiceDirectoryHandler::ResolveWebhookKey(
    grpc::ServerContext* context, const v1::ResolveWebhookKeyRequest* request,
    v1::ResolveWebhookKeyResponse* response) {
  if (auto caller = CallerOf(*context, *access_, Permission::kIngest);
      !caller.ok()) {
    return ToGrpcStatus(caller.status());
  }
  absl::StatusOr<ResolvedWebhookKey> resolved =
      catalog_->ResolveWebhookKey(request->source(), request->webhook_key());
  if (!resolved.ok()) return ToGrpcStatus(resolved.status());
  ServiceToProto(resolved->service, response->mutable_service());
  response->set_webhook_secret(resolved->webhook_secret);
  return grpc::Status::OK;
}

grpc::Status ServiceDirectoryHandler::ListAlertSources(
    grpc::ServerContext* context, const v1::ListAlertSourcesRequest* request,
    v1::ListAlertSourcesResponse* response) {
  if (auto caller = CallerOf(*context, *access_, Permission::kRead);
      !caller.ok()) {
    return ToGrpcStatus(caller.status());
  }
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
  if (auto caller = CallerOf(*context, *access_, Permission::kIngest);
      !caller.ok()) {
    return ToGrpcStatus(caller.status());
  }
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

grpc::Status ServiceDirectoryHandler::CreateApiToken(
    grpc::ServerContext* context, const v1::CreateApiTokenRequest* request,
    v1::CreateApiTokenResponse* response) {
  absl::StatusOr<Principal> caller =
      CallerOf(*context, *access_, Permission::kAdmin);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  if (request->role() == v1::ROLE_UNSPECIFIED ||
      !v1::Role_IsValid(request->role())) {
    return ToGrpcStatus(errors::InvalidField(
        "role", "must be ROLE_INGEST, ROLE_READ, ROLE_OPERATE or ROLE_ADMIN"));
  }
  absl::StatusOr<AccessControl::CreatedToken> created = access_->CreateToken(
      request->name(), static_cast<Role>(request->role()), caller->name);
  if (!created.ok()) return ToGrpcStatus(created.status());
  ApiTokenToProto(created->token, response->mutable_api_token());
  response->set_token(created->secret);
  return grpc::Status::OK;
}

grpc::Status ServiceDirectoryHandler::ListApiTokens(
    grpc::ServerContext* context, const v1::ListApiTokensRequest*,
    v1::ListApiTokensResponse* response) {
  if (auto caller = CallerOf(*context, *access_, Permission::kAdmin);
      !caller.ok()) {
    return ToGrpcStatus(caller.status());
  }
  absl::StatusOr<std::vector<ApiToken>> tokens = access_->ListTokens();
  if (!tokens.ok()) return ToGrpcStatus(tokens.status());
  for (const ApiToken& token : *tokens) {
    ApiTokenToProto(token, response->add_api_tokens());
  }
  return grpc::Status::OK;
}

grpc::Status ServiceDirectoryHandler::RevokeApiToken(
    grpc::ServerContext* context, const v1::RevokeApiTokenRequest* request,
    v1::ApiToken* response) {
  absl::StatusOr<Principal> caller =
      CallerOf(*context, *access_, Permission::kAdmin);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  absl::StatusOr<ApiToken> revoked =
      access_->RevokeToken(request->id(), caller->name);
  if (!revoked.ok()) return ToGrpcStatus(revoked.status());
  ApiTokenToProto(*revoked, response);
  return grpc::Status::OK;
}

grpc::Status ServiceDirectoryHandler::ListAuditEntries(
    grpc::ServerContext* context, const v1::ListAuditEntriesRequest* request,
    v1::ListAuditEntriesResponse* response) {
  if (auto caller = CallerOf(*context, *access_, Permission::kAdmin);
      !caller.ok()) {
    return ToGrpcStatus(caller.status());
  }
  int page_size = request->page_size();
  if (page_size < 0 || page_size > 1000) {
    return ToGrpcStatus(errors::InvalidField("page_size", "must be 0 to 1000"));
  }
  if (page_size == 0) page_size = 100;
  int64_t before_id = 0;
  if (!request->page_token().empty() &&
      (!absl::SimpleAtoi(request->page_token(), &before_id) ||
       before_id <= 0)) {
    return ToGrpcStatus(errors::InvalidField("page_token", "not one of ours"));
  }
  absl::StatusOr<std::vector<AuditEntry>> entries =
      access_->ListAudit(before_id, page_size + 1);
  if (!entries.ok()) return ToGrpcStatus(entries.status());
  const bool more = static_cast<int>(entries->size()) > page_size;
  if (more) entries->resize(page_size);
  for (const AuditEntry& entry : *entries) {
    AuditEntryToProto(entry, response->add_entries());
  }
  if (more) response->set_next_page_token(absl::StrCat(entries->back().id));
  return grpc::Status::OK;
}

grpc::Status ServiceDirectoryHandler::RecordDeliveries(
    grpc::ServerContext* context, const v1::RecordDeliveriesRequest* request,
    v1::RecordDeliveriesResponse* response) {
  if (auto caller = CallerOf(*context, *access_, Permission::kIngest);
      !caller.ok()) {
    return ToGrpcStatus(caller.status());
  }
  std::vector<Delivery> deliveries;
  deliveries.reserve(request->deliveries_size());
  for (const v1::Delivery& delivery : request->deliveries()) {
    deliveries.push_back(DeliveryFromProto(delivery));
  }
  absl::StatusOr<std::vector<std::string>> ids =
      deliveries_->Record(std::move(deliveries));
  if (!ids.ok()) return ToGrpcStatus(ids.status());
  for (const std::string& id : *ids) response->add_ids(id);
  return grpc::Status::OK;
}

grpc::Status ServiceDirectoryHandler::ListDeliveries(
    grpc::ServerContext* context, const v1::ListDeliveriesRequest* request,
    v1::ListDeliveriesResponse* response) {
  if (auto caller = CallerOf(*context, *access_, Permission::kRead);
      !caller.ok()) {
    return ToGrpcStatus(caller.status());
  }
  absl::StatusOr<DeliveryPage> page =
      deliveries_->List(request->service_id(), request->source(),
                        request->page_token(), request->page_size());
  if (!page.ok()) return ToGrpcStatus(page.status());
  for (const Delivery& delivery : page->deliveries) {
    DeliveryToProto(delivery, response->add_deliveries());
  }
  response->set_next_page_token(page->next_page_token);
  return grpc::Status::OK;
}

grpc::Status ServiceDirectoryHandler::GetDelivery(
    grpc::ServerContext* context, const v1::GetDeliveryRequest* request,
    v1::Delivery* response) {
  if (auto caller = CallerOf(*context, *access_, Permission::kAdmin);
      !caller.ok()) {
    return ToGrpcStatus(caller.status());
  }
  absl::StatusOr<Delivery> delivery = deliveries_->Get(request->id());
  if (!delivery.ok()) return ToGrpcStatus(delivery.status());
  DeliveryToProto(*delivery, response);
  KeptRequestToProto(*delivery, response);
  return grpc::Status::OK;
}

grpc::Status ServiceDirectoryHandler::ReplayDelivery(
    grpc::ServerContext* context, const v1::ReplayDeliveryRequest* request,
    v1::ReplayDeliveryResponse* response) {
  auto caller = CallerOf(*context, *access_, Permission::kAdmin);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  absl::StatusOr<Delivery> kept = deliveries_->Get(request->id());
  if (!kept.ok()) return ToGrpcStatus(kept.status());
  if (!kept->body || !kept->kept_headers) {
    return ToGrpcStatus(absl::FailedPreconditionError(absl::StrCat(
        "delivery ", kept->id,
        " has no kept request to replay: only refused deliveries (bad "
        "signature or payload) are kept, for as long as the log keeps them "
        "and within the service's size limit")));
  }
  DeliveryReplayer* replayer = replayer_.load();
  if (replayer == nullptr) {
    return ToGrpcStatus(absl::FailedPreconditionError(
        "this core loads no source plugins, so it cannot replay deliveries; "
        "run it with --plugin_dir"));
  }
  absl::StatusOr<alertgate::Service> service =
      catalog_->GetService(kept->service_id);
  if (!service.ok()) return ToGrpcStatus(service.status());
  absl::StatusOr<std::string> secret =
      catalog_->WebhookSecretOf(kept->service_id, kept->source);
  if (!secret.ok()) return ToGrpcStatus(secret.status());
  absl::StatusOr<Delivery> again =
      replayer->Replay(*kept, service->name, *secret);
  if (!again.ok()) return ToGrpcStatus(again.status());
  again->replay_of = kept->id;
  // The old entry still holds the request: the new one keeps none.
  again->body.reset();
  again->kept_headers.reset();
  absl::StatusOr<std::vector<std::string>> ids = deliveries_->Record({*again});
  if (!ids.ok()) return ToGrpcStatus(ids.status());
  again->id = ids->front();
  DeliveryToProto(*again, response->mutable_delivery());
  return grpc::Status::OK;
}

absl::Status ServiceDirectoryHandler::AddOpenCounts(
    const std::vector<v1::Service*>& services) {
  AG_ASSIGN_OR_RETURN(auto counts, catalog_->OpenIncidentCounts());
  for (v1::Service* service : services) {
    auto it = counts.find(service->id());
    if (it == counts.end()) continue;
    service->set_triggered_count(it->second.triggered);
    service->set_acknowledged_count(it->second.acknowledged);
  }
  return absl::OkStatus();
}

grpc::Status ServiceDirectoryHandler::ListSourcePlugins(
    grpc::ServerContext* context, const v1::ListSourcePluginsRequest*,
    v1::ListSourcePluginsResponse* response) {
  auto caller = CallerOf(*context, *access_, Permission::kRead);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  *response = plugins_;
  return grpc::Status::OK;
}

grpc::Status ServiceDirectoryHandler::GetCaller(
    grpc::ServerContext* context, const v1::GetCallerRequest* /*request*/,
    v1::Caller* response) {
  auto caller = CallerOf(*context, *access_, Permission::kRead);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  response->set_name(caller->name);
  response->set_role(static_cast<v1::Role>(caller->role));
  return grpc::Status::OK;
}

grpc::Status ServiceDirectoryHandler::SendTestAlert(
    grpc::ServerContext* context, const v1::SendTestAlertRequest* request,
    v1::SendTestAlertResponse* response) {
  auto caller = CallerOf(*context, *access_, Permission::kOperate);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  absl::StatusOr<Incident> incident = core_->SendTestAlert(
      request->service_id(), request->source(), ActorOf(*caller, ""));
  if (!incident.ok()) return ToGrpcStatus(incident.status());
  response->set_incident_id(incident->id);
  return grpc::Status::OK;
}

}  // namespace alertgate
