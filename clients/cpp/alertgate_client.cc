#include "alertgate/alertgate_client.h"

#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/security/credentials.h>

#include <condition_variable>
#include <mutex>

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

void WatchCancellation::Cancel() {
  std::lock_guard<std::mutex> lock(mu_);
  cancelled_ = true;
  if (context_ != nullptr) context_->TryCancel();
}

bool WatchCancellation::cancelled() const {
  std::lock_guard<std::mutex> lock(mu_);
  return cancelled_;
}

bool WatchCancellation::Attach(grpc::ClientContext* context) {
  std::lock_guard<std::mutex> lock(mu_);
  if (cancelled_) return false;
  context_ = context;
  return true;
}

void WatchCancellation::Detach() {
  std::lock_guard<std::mutex> lock(mu_);
  context_ = nullptr;
}

namespace {

// "host:port" as is; "ip:port,ip:port" as gRPC's ipv4 (or ipv6) list.
std::string TargetOf(const std::string& address) {
  if (address.find(',') == std::string::npos) return address;
  return (address[0] == '[' ? "ipv6:" : "ipv4:") + address;
}

}  // namespace

absl::StatusOr<std::unique_ptr<AlertgateClient>> AlertgateClient::Connect(
    const ConnectOptions& options) {
  if (options.address.empty()) {
    return absl::InvalidArgumentError("address: required (host:port)");
  }
  if (options.channels < 1) {
    return absl::InvalidArgumentError("channels: at least 1");
  }
  auto client = std::unique_ptr<AlertgateClient>(new AlertgateClient(options));
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  if (options.use_tls) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = options.tls_root_certificates;
    ssl.pem_cert_chain = options.tls_client_certificate;
    ssl.pem_private_key = options.tls_client_key;
    credentials = grpc::SslCredentials(ssl);
  } else {
    credentials = grpc::InsecureChannelCredentials();
  }
  for (int i = 0; i < options.channels; ++i) {
    grpc::ChannelArguments args;
    // Each channel gets its own connection rather than sharing one.
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    // A restarted server is found again within a second, not after gRPC's
    // default back-off of up to two minutes.
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
    args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
    // Calls are spread over every address the target resolves to (several
    // cores behind one DNS name, or a list), skipping those that are down.
    args.SetServiceConfigJSON(
        R"({"loadBalancingConfig": [{"round_robin": {}}]})");
    client->AddChannel(grpc::CreateCustomChannel(TargetOf(options.address),
                                                 credentials, args));
  }
  return client;
}

std::unique_ptr<AlertgateClient> AlertgateClient::OverChannel(
    std::shared_ptr<grpc::Channel> channel, const ConnectOptions& options) {
  auto client = std::unique_ptr<AlertgateClient>(new AlertgateClient(options));
  client->AddChannel(std::move(channel));
  return client;
}

AlertgateClient::AlertgateClient(const ConnectOptions& options)
    : options_(options) {}

std::unique_ptr<AlertgateClient> AlertgateClient::WithToken(
    const std::string& token) const {
  ConnectOptions options = options_;
  options.token = token;
  auto client = std::unique_ptr<AlertgateClient>(new AlertgateClient(options));
  for (const auto& channel : channels_) client->AddChannel(channel);
  return client;
}

void AlertgateClient::AddChannel(std::shared_ptr<grpc::Channel> channel) {
  incidents_.push_back(v1::IncidentService::NewStub(channel));
  directory_.push_back(v1::ServiceDirectory::NewStub(channel));
  rules_.push_back(v1::RulesService::NewStub(channel));
  channels_.push_back(std::move(channel));
}

v1::IncidentService::Stub& AlertgateClient::Incidents() {
  return *incidents_[next_.fetch_add(1, std::memory_order_relaxed) %
                     incidents_.size()];
}

v1::ServiceDirectory::Stub& AlertgateClient::Directory() {
  return *directory_[next_.fetch_add(1, std::memory_order_relaxed) %
                     directory_.size()];
}

v1::RulesService::Stub& AlertgateClient::Rules() {
  return *rules_[next_.fetch_add(1, std::memory_order_relaxed) % rules_.size()];
}

template <typename Message>
absl::Status AlertgateClient::Watch(
    grpc::ClientContext& context, WatchCancellation* cancellation,
    const std::function<std::unique_ptr<grpc::ClientReader<Message>>()>& open,
    const std::function<bool(const Message&)>& on_message) {
  if (cancellation != nullptr && !cancellation->Attach(&context)) {
    return absl::CancelledError("watch cancelled");
  }
  std::unique_ptr<grpc::ClientReader<Message>> stream = open();
  Message message;
  absl::Status status;
  bool stopped = false;
  while (stream->Read(&message)) {
    if (!on_message(message)) {
      stopped = true;
      context.TryCancel();
      while (stream->Read(&message)) {
      }
      break;
    }
  }
  status = FromGrpc(stream->Finish());
  if (cancellation != nullptr) cancellation->Detach();
  return stopped ? absl::OkStatus() : status;
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
  return IngestAlert(request);
}

absl::StatusOr<v1::IngestAlertResponse> AlertgateClient::IngestAlert(
    const v1::IngestAlertRequest& request) {
  return Unary<v1::IngestAlertResponse>([&](v1::IngestAlertResponse* r) {
    grpc::ClientContext context;
    Prepare(context);
    return Incidents().IngestAlert(&context, request, r);
  });
}

absl::StatusOr<v1::IngestAlertsResponse> AlertgateClient::IngestAlerts(
    const v1::IngestAlertsRequest& request) {
  return Unary<v1::IngestAlertsResponse>([&](v1::IngestAlertsResponse* r) {
    grpc::ClientContext context;
    Prepare(context);
    return Incidents().IngestAlerts(&context, request, r);
  });
}

absl::StatusOr<v1::ListDeliveriesResponse> AlertgateClient::ListDeliveries(
    const std::string& service_id, const std::string& source, int page_size,
    const std::string& page_token) {
  v1::ListDeliveriesRequest request;
  request.set_service_id(service_id);
  request.set_source(source);
  request.set_page_size(page_size);
  request.set_page_token(page_token);
  return Unary<v1::ListDeliveriesResponse>([&](v1::ListDeliveriesResponse* r) {
    grpc::ClientContext context;
    Prepare(context);
    return Directory().ListDeliveries(&context, request, r);
  });
}

absl::StatusOr<v1::ListSourcePluginsResponse>
AlertgateClient::ListSourcePlugins() {
  return Unary<v1::ListSourcePluginsResponse>(
      [&](v1::ListSourcePluginsResponse* r) {
        grpc::ClientContext context;
        Prepare(context);
        return Directory().ListSourcePlugins(&context,
                                             v1::ListSourcePluginsRequest(), r);
      });
}

absl::StatusOr<v1::Caller> AlertgateClient::GetCaller() {
  return Unary<v1::Caller>([&](v1::Caller* r) {
    grpc::ClientContext context;
    Prepare(context);
    return Directory().GetCaller(&context, v1::GetCallerRequest(), r);
  });
}

absl::StatusOr<v1::Delivery> AlertgateClient::GetDelivery(
    const std::string& id) {
  v1::GetDeliveryRequest request;
  request.set_id(id);
  return Unary<v1::Delivery>([&](v1::Delivery* r) {
    grpc::ClientContext context;
    Prepare(context);
    return Directory().GetDelivery(&context, request, r);
  });
}

absl::StatusOr<v1::ReplayDeliveryResponse> AlertgateClient::ReplayDelivery(
    const std::string& id) {
  v1::ReplayDeliveryRequest request;
  request.set_id(id);
  return Unary<v1::ReplayDeliveryResponse>([&](v1::ReplayDeliveryResponse* r) {
    grpc::ClientContext context;
    Prepare(context);
    return Directory().ReplayDelivery(&context, request, r);
  });
}

absl::StatusOr<v1::SendTestAlertResponse> AlertgateClient::SendTestAlert(
    const std::string& service_id, const std::string& source) {
  v1::SendTestAlertRequest request;
  request.set_service_id(service_id);
  request.set_source(source);
  return Unary<v1::SendTestAlertResponse>([&](v1::SendTestAlertResponse* r) {
    grpc::ClientContext context;
    Prepare(context);
    return Directory().SendTestAlert(&context, request, r);
  });
}

absl::StatusOr<v1::RecordDeliveriesResponse> AlertgateClient::RecordDeliveries(
    const v1::RecordDeliveriesRequest& request) {
  return Unary<v1::RecordDeliveriesResponse>(
      [&](v1::RecordDeliveriesResponse* r) {
        grpc::ClientContext context;
        Prepare(context);
        return Directory().RecordDeliveries(&context, request, r);
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
    return Incidents().GetIncident(&context, request, r);
  });
}

absl::StatusOr<v1::ListIncidentsResponse> AlertgateClient::ListIncidents(
    const v1::ListIncidentsRequest& request) {
  return Unary<v1::ListIncidentsResponse>([&](v1::ListIncidentsResponse* r) {
    grpc::ClientContext context;
    Prepare(context);
    return Incidents().ListIncidents(&context, request, r);
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
        return Incidents().AcknowledgeIncident(&context, request, r);
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
        return Incidents().ResolveIncident(&context, request, r);
      });
}

absl::Status AlertgateClient::WatchIncidents(
    const v1::WatchIncidentsRequest& request,
    const std::function<bool(const v1::WatchIncidentsResponse&)>& on_message,
    WatchCancellation* cancellation) {
  grpc::ClientContext context;
  Prepare(context, /*with_deadline=*/false);
  v1::IncidentService::Stub& stub = Incidents();
  return Watch<v1::WatchIncidentsResponse>(
      context, cancellation,
      [&] { return stub.WatchIncidents(&context, request); }, on_message);
}

absl::Status AlertgateClient::WatchWebhookCredentials(
    const std::function<bool(const v1::WebhookCredentialChange&)>& on_change,
    WatchCancellation* cancellation, bool wait_for_ready) {
  grpc::ClientContext context;
  Prepare(context, /*with_deadline=*/false);
  context.set_wait_for_ready(wait_for_ready);
  v1::ServiceDirectory::Stub& stub = Directory();
  const v1::WatchWebhookCredentialsRequest request;
  return Watch<v1::WebhookCredentialChange>(
      context, cancellation,
      [&] { return stub.WatchWebhookCredentials(&context, request); },
      on_change);
}

absl::StatusOr<v1::CreateApiTokenResponse> AlertgateClient::CreateApiToken(
    const std::string& name, v1::Role role) {
  v1::CreateApiTokenRequest request;
  request.set_name(name);
  request.set_role(role);
  return Unary<v1::CreateApiTokenResponse>([&](v1::CreateApiTokenResponse* r) {
    grpc::ClientContext context;
    Prepare(context);
    return Directory().CreateApiToken(&context, request, r);
  });
}

absl::StatusOr<v1::ListApiTokensResponse> AlertgateClient::ListApiTokens() {
  const v1::ListApiTokensRequest request;
  return Unary<v1::ListApiTokensResponse>([&](v1::ListApiTokensResponse* r) {
    grpc::ClientContext context;
    Prepare(context);
    return Directory().ListApiTokens(&context, request, r);
  });
}

absl::StatusOr<v1::ApiToken> AlertgateClient::RevokeApiToken(
    const std::string& id_or_name) {
  v1::RevokeApiTokenRequest request;
  request.set_id(id_or_name);
  return Unary<v1::ApiToken>([&](v1::ApiToken* r) {
    grpc::ClientContext context;
    Prepare(context);
    return Directory().RevokeApiToken(&context, request, r);
  });
}

absl::StatusOr<v1::ListAuditEntriesResponse> AlertgateClient::ListAuditEntries(
    int page_size, const std::string& page_token) {
  v1::ListAuditEntriesRequest request;
  request.set_page_size(page_size);
  request.set_page_token(page_token);
  return Unary<v1::ListAuditEntriesResponse>(
      [&](v1::ListAuditEntriesResponse* r) {
        grpc::ClientContext context;
        Prepare(context);
        return Directory().ListAuditEntries(&context, request, r);
      });
}

absl::StatusOr<v1::ResolveWebhookKeyResponse>
AlertgateClient::ResolveWebhookKey(const std::string& source,
                                   const std::string& webhook_key) {
  v1::ResolveWebhookKeyRequest request;
  request.set_source(source);
  request.set_webhook_key(webhook_key);
  return Unary<v1::ResolveWebhookKeyResponse>(
      [&](v1::ResolveWebhookKeyResponse* r) {
        grpc::ClientContext context;
        Prepare(context);
        return Directory().ResolveWebhookKey(&context, request, r);
      });
}

bool AlertgateClient::IsReachable(absl::Duration wait) {
  // grpc.health.v1.Health/Check with an empty request (the server as a
  // whole). The answer SERVING is field 1 = 1: the two bytes 08 01.
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + wait));
  grpc::GenericStub stub(channels_[0]);
  grpc::Slice empty("");
  grpc::ByteBuffer request(&empty, 1);
  grpc::ByteBuffer response;
  std::mutex mu;
  std::condition_variable answered;
  bool done = false;
  grpc::Status status;
  stub.UnaryCall(&context, "/grpc.health.v1.Health/Check", grpc::StubOptions(),
                 &request, &response, [&](grpc::Status s) {
                   std::lock_guard<std::mutex> lock(mu);
                   status = std::move(s);
                   done = true;
                   answered.notify_one();
                 });
  std::unique_lock<std::mutex> lock(mu);
  answered.wait(lock, [&] { return done; });
  if (!status.ok()) return false;
  grpc::Slice slice;
  return response.DumpToSingleSlice(&slice).ok() &&
         std::string(reinterpret_cast<const char*>(slice.begin()),
                     slice.size()) == std::string("\x08\x01", 2);
}

absl::StatusOr<v1::Service> AlertgateClient::CreateService(
    const std::string& name, const std::string& description) {
  v1::CreateServiceRequest request;
  request.set_name(name);
  request.set_description(description);
  return Unary<v1::Service>([&](v1::Service* r) {
    grpc::ClientContext context;
    Prepare(context);
    return Directory().CreateService(&context, request, r);
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
          return Directory().GetService(&context, request, r);
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
    return Directory().ListServices(&context, request, r);
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
        return Directory().IssueWebhookKey(&context, request, r);
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
    return Directory().SetWebhookSecret(&context, request, r);
  });
}

absl::StatusOr<v1::ServiceRules> AlertgateClient::GetRules(
    const std::string& service_id) {
  v1::GetRulesRequest request;
  request.set_service_id(service_id);
  return Unary<v1::ServiceRules>([&](v1::ServiceRules* r) {
    grpc::ClientContext context;
    Prepare(context);
    return Rules().GetRules(&context, request, r);
  });
}

absl::StatusOr<v1::ServiceRules> AlertgateClient::SetRules(
    const std::string& service_id,
    const google::protobuf::RepeatedPtrField<v1::Rule>& rules,
    int64_t expected_revision) {
  v1::SetRulesRequest request;
  request.set_service_id(service_id);
  *request.mutable_rules() = rules;
  if (expected_revision >= 0) request.set_expected_revision(expected_revision);
  return Unary<v1::ServiceRules>([&](v1::ServiceRules* r) {
    grpc::ClientContext context;
    Prepare(context);
    return Rules().SetRules(&context, request, r);
  });
}

absl::StatusOr<v1::TestRulesResponse> AlertgateClient::TestRules(
    const v1::TestRulesRequest& request) {
  return Unary<v1::TestRulesResponse>([&](v1::TestRulesResponse* r) {
    grpc::ClientContext context;
    Prepare(context);
    return Rules().TestRules(&context, request, r);
  });
}

absl::StatusOr<v1::ServiceRules> AlertgateClient::SetMaintenanceWindows(
    const v1::SetMaintenanceWindowsRequest& request) {
  return Unary<v1::ServiceRules>([&](v1::ServiceRules* r) {
    grpc::ClientContext context;
    Prepare(context);
    return Rules().SetMaintenanceWindows(&context, request, r);
  });
}

absl::StatusOr<v1::ServiceRules> AlertgateClient::SetAutoResolve(
    const v1::SetAutoResolveRequest& request) {
  return Unary<v1::ServiceRules>([&](v1::ServiceRules* r) {
    grpc::ClientContext context;
    Prepare(context);
    return Rules().SetAutoResolve(&context, request, r);
  });
}

absl::StatusOr<v1::ServiceRules> AlertgateClient::PutWebhook(
    const v1::PutWebhookRequest& request) {
  return Unary<v1::ServiceRules>([&](v1::ServiceRules* r) {
    grpc::ClientContext context;
    Prepare(context);
    return Rules().PutWebhook(&context, request, r);
  });
}

absl::StatusOr<v1::ServiceRules> AlertgateClient::RemoveWebhook(
    const v1::RemoveWebhookRequest& request) {
  return Unary<v1::ServiceRules>([&](v1::ServiceRules* r) {
    grpc::ClientContext context;
    Prepare(context);
    return Rules().RemoveWebhook(&context, request, r);
  });
}

absl::StatusOr<v1::ListWebhookMessagesResponse>
AlertgateClient::ListWebhookMessages(
    const v1::ListWebhookMessagesRequest& request) {
  return Unary<v1::ListWebhookMessagesResponse>(
      [&](v1::ListWebhookMessagesResponse* r) {
        grpc::ClientContext context;
        Prepare(context);
        return Rules().ListWebhookMessages(&context, request, r);
      });
}

absl::StatusOr<v1::WebhookMessage> AlertgateClient::RedeliverWebhookMessage(
    const std::string& id) {
  v1::RedeliverWebhookMessageRequest request;
  request.set_id(id);
  return Unary<v1::WebhookMessage>([&](v1::WebhookMessage* r) {
    grpc::ClientContext context;
    Prepare(context);
    return Rules().RedeliverWebhookMessage(&context, request, r);
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
        return Directory().ListAlertSources(&context, request, r);
      });
}

}  // namespace alertgate::client
