#include "alertgate/alertgate_client.h"

#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

namespace alertgate::client {
namespace {

absl::Status FromGrpc(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      status.error_message());
}

// Runs one unary call and returns its answer or its status.
template <typename Response, typename Call>
absl::StatusOr<Response> Unary(Call call) {
  Response response;
  absl::Status status = FromGrpc(call(&response));
  if (!status.ok()) return status;
  return response;
}

}  // namespace

absl::StatusOr<std::unique_ptr<AlertgateClient>> AlertgateClient::Connect(
    const ConnectOptions& options) {
  if (options.address.empty()) {
    return absl::InvalidArgumentError("address: required (host:port)");
  }
  return std::unique_ptr<AlertgateClient>(new AlertgateClient(options));
}

AlertgateClient::AlertgateClient(const ConnectOptions& options)
    : options_(options) {
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  if (options.use_tls) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = options.tls_root_certificates;
    credentials = grpc::SslCredentials(ssl);
  } else {
    credentials = grpc::InsecureChannelCredentials();
  }
  channel_ = grpc::CreateChannel(options.address, credentials);
  incidents_ = v1::IncidentService::NewStub(channel_);
  directory_ = v1::ServiceDirectory::NewStub(channel_);
}

void AlertgateClient::Prepare(grpc::ClientContext& context,
                              bool with_deadline) const {
  if (with_deadline) {
    context.set_deadline(absl::ToChronoTime(absl::Now() + options_.timeout));
  }
  if (!options_.token.empty()) {
    context.AddMetadata("authorization", "Bearer " + options_.token);
  }
}

absl::StatusOr<v1::IngestAlertResponse> AlertgateClient::IngestAlert(
    const v1::Alert& alert) {
  v1::IngestAlertRequest request;
  *request.mutable_alert() = alert;
  return Unary<v1::IngestAlertResponse>([&](v1::IngestAlertResponse* r) {
    grpc::ClientContext context;
    Prepare(context);
    return incidents_->IngestAlert(&context, request, r);
  });
}

absl::StatusOr<v1::IngestAlertsResponse> AlertgateClient::IngestAlerts(
    const v1::IngestAlertsRequest& request) {
  return Unary<v1::IngestAlertsResponse>([&](v1::IngestAlertsResponse* r) {
    grpc::ClientContext context;
    Prepare(context);
    return incidents_->IngestAlerts(&context, request, r);
  });
}

absl::StatusOr<v1::GetIncidentResponse> AlertgateClient::GetIncident(
    const std::string& id, int timeline_page_size,
    const std::string& timeline_page_token) {
  v1::GetIncidentRequest request;
  request.set_id(id);
  request.set_timeline_page_size(timeline_page_size);
  request.set_timeline_page_token(timeline_page_token);
  return Unary<v1::GetIncidentResponse>([&](v1::GetIncidentResponse* r) {
    grpc::ClientContext context;
    Prepare(context);
    return incidents_->GetIncident(&context, request, r);
  });
}

absl::StatusOr<v1::ListIncidentsResponse> AlertgateClient::ListIncidents(
    const v1::ListIncidentsRequest& request) {
  return Unary<v1::ListIncidentsResponse>([&](v1::ListIncidentsResponse* r) {
    grpc::ClientContext context;
    Prepare(context);
    return incidents_->ListIncidents(&context, request, r);
  });
}

absl::StatusOr<v1::AcknowledgeIncidentResponse>
AlertgateClient::AcknowledgeIncident(const std::string& id,
                                     const std::string& actor,
                                     const std::string& note) {
  v1::AcknowledgeIncidentRequest request;
  request.set_id(id);
  request.set_actor(actor);
  request.set_note(note);
  return Unary<v1::AcknowledgeIncidentResponse>(
      [&](v1::AcknowledgeIncidentResponse* r) {
        grpc::ClientContext context;
        Prepare(context);
        return incidents_->AcknowledgeIncident(&context, request, r);
      });
}

absl::StatusOr<v1::ResolveIncidentResponse> AlertgateClient::ResolveIncident(
    const std::string& id, const std::string& actor, const std::string& note) {
  v1::ResolveIncidentRequest request;
  request.set_id(id);
  request.set_actor(actor);
  request.set_note(note);
  return Unary<v1::ResolveIncidentResponse>(
      [&](v1::ResolveIncidentResponse* r) {
        grpc::ClientContext context;
        Prepare(context);
        return incidents_->ResolveIncident(&context, request, r);
      });
}

absl::Status AlertgateClient::WatchIncidents(
    const v1::WatchIncidentsRequest& request,
    const std::function<bool(const v1::WatchIncidentsResponse&)>& on_message) {
  grpc::ClientContext context;
  Prepare(context, /*with_deadline=*/false);
  auto stream = incidents_->WatchIncidents(&context, request);
  v1::WatchIncidentsResponse event;
  while (stream->Read(&event)) {
    if (!on_message(event)) {
      context.TryCancel();
      while (stream->Read(&event)) {
      }
      stream->Finish().IgnoreError();
      return absl::OkStatus();
    }
  }
  return FromGrpc(stream->Finish());
}

absl::StatusOr<v1::Service> AlertgateClient::CreateService(
    const std::string& name, const std::string& description) {
  v1::CreateServiceRequest request;
  request.set_name(name);
  request.set_description(description);
  return Unary<v1::Service>([&](v1::Service* r) {
    grpc::ClientContext context;
    Prepare(context);
    return directory_->CreateService(&context, request, r);
  });
}

absl::StatusOr<v1::Service> AlertgateClient::FindService(
    const std::string& id_or_name) {
  for (bool by_id : {true, false}) {
    v1::GetServiceRequest request;
    if (by_id) {
      request.set_id(id_or_name);
    } else {
      request.set_name(id_or_name);
    }
    absl::StatusOr<v1::Service> service =
        Unary<v1::Service>([&](v1::Service* r) {
          grpc::ClientContext context;
          Prepare(context);
          return directory_->GetService(&context, request, r);
        });
    if (!absl::IsNotFound(service.status()) || !by_id) return service;
  }
  return absl::NotFoundError("unreachable");
}

absl::StatusOr<v1::ListServicesResponse> AlertgateClient::ListServices(
    int page_size, const std::string& page_token) {
  v1::ListServicesRequest request;
  request.set_page_size(page_size);
  request.set_page_token(page_token);
  return Unary<v1::ListServicesResponse>([&](v1::ListServicesResponse* r) {
    grpc::ClientContext context;
    Prepare(context);
    return directory_->ListServices(&context, request, r);
  });
}

absl::StatusOr<v1::IssueWebhookKeyResponse> AlertgateClient::IssueWebhookKey(
    const std::string& service_id, const std::string& source) {
  v1::IssueWebhookKeyRequest request;
  request.set_service_id(service_id);
  request.set_source(source);
  return Unary<v1::IssueWebhookKeyResponse>(
      [&](v1::IssueWebhookKeyResponse* r) {
        grpc::ClientContext context;
        Prepare(context);
        return directory_->IssueWebhookKey(&context, request, r);
      });
}

absl::StatusOr<v1::AlertSourceStatus> AlertgateClient::SetWebhookSecret(
    const std::string& service_id, const std::string& source,
    const std::string& secret) {
  v1::SetWebhookSecretRequest request;
  request.set_service_id(service_id);
  request.set_source(source);
  request.set_secret(secret);
  return Unary<v1::AlertSourceStatus>([&](v1::AlertSourceStatus* r) {
    grpc::ClientContext context;
    Prepare(context);
    return directory_->SetWebhookSecret(&context, request, r);
  });
}

absl::StatusOr<v1::ListAlertSourcesResponse> AlertgateClient::ListAlertSources(
    const std::string& service_id) {
  v1::ListAlertSourcesRequest request;
  request.set_service_id(service_id);
  return Unary<v1::ListAlertSourcesResponse>(
      [&](v1::ListAlertSourcesResponse* r) {
        grpc::ClientContext context;
        Prepare(context);
        return directory_->ListAlertSources(&context, request, r);
      });
}

}  // namespace alertgate::client
