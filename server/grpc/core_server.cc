#include "server/grpc/core_server.h"

#include <arpa/inet.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "server/grpc/api_auth.h"
#include "server/model/status_macros.h"

namespace alertgate {
namespace {

constexpr const char* kHealthServiceNames[] = {"alertgate.v1.IncidentService",
                                               "alertgate.v1.ServiceDirectory",
                                               "alertgate.v1.RulesService"};

// The listener's credentials, each with the token check in front of every
// service (reflection included) where gRPC allows one.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ListenerCredentials(
    const CoreServerOptions& options, AccessControl* access,
    bool* checks_tokens) {
  *checks_tokens = true;
  std::shared_ptr<grpc::ServerCredentials> credentials;
  if (!options.tls_certificate.empty() || !options.tls_private_key.empty()) {
    if (options.tls_certificate.empty() || options.tls_private_key.empty()) {
      return absl::InvalidArgumentError(
          "TLS needs both a certificate and its private key "
          "(--grpc_tls_cert and --grpc_tls_key)");
    }
    grpc::SslServerCredentialsOptions ssl(
        options.tls_client_ca.empty()
            ? GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE
            : GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
    ssl.pem_key_cert_pairs.push_back(
        {options.tls_private_key, options.tls_certificate});
    ssl.pem_root_certs = options.tls_client_ca;
    credentials = grpc::SslServerCredentials(ssl);
  } else if (!options.tls_client_ca.empty()) {
    return absl::InvalidArgumentError(
        "--grpc_tls_client_ca needs TLS (--grpc_tls_cert and --grpc_tls_key)");
  } else if (IsLoopbackAddress(options.listen_address)) {
    // Plaintext, and only from this machine: gRPC's local credentials
    // refuse other peers and, unlike insecure ones, run the token check.
    credentials = grpc::experimental::LocalServerCredentials(LOCAL_TCP);
  } else if (options.allow_insecure) {
    *checks_tokens = false;  // Handlers check tokens; no reflection.
    return grpc::InsecureServerCredentials();
  } else {
    return absl::FailedPreconditionError(absl::StrCat(
        "refusing to serve the gRPC API in plaintext on ",
        options.listen_address,
        ", which is not a loopback address: API tokens would cross the "
        "network readable by anyone on the path. Give it a certificate "
        "(--grpc_tls_cert, --grpc_tls_key, and --grpc_tls_client_ca to "
        "require client certificates), listen on 127.0.0.1, or pass "
        "--insecure to accept plaintext"));
  }
  credentials->SetAuthMetadataProcessor(
      std::make_shared<TokenAuthProcessor>(access));
  return credentials;
}

}  // namespace

bool IsLoopbackAddress(const std::string& listen_address) {
  absl::string_view host = listen_address;
  if (const size_t colon = host.rfind(':'); colon != absl::string_view::npos) {
    host = host.substr(0, colon);
  }
  if (absl::ConsumePrefix(&host, "[")) absl::ConsumeSuffix(&host, "]");
  if (host == "localhost") return true;
  const std::string text(host);
  unsigned char address[16];
  if (inet_pton(AF_INET, text.c_str(), address) == 1) return address[0] == 127;
  if (inet_pton(AF_INET6, text.c_str(), address) == 1) {
    static const unsigned char kLoopback6[16] = {0, 0, 0, 0, 0, 0, 0, 0,
                                                 0, 0, 0, 0, 0, 0, 0, 1};
    return std::equal(address, address + 16, kLoopback6);
  }
  return false;
}

absl::StatusOr<std::unique_ptr<CoreServer>> CoreServer::Start(
    const CoreServerOptions& options, std::unique_ptr<IncidentStore> store) {
  std::unique_ptr<CoreServer> server(new CoreServer());
  const Clock* clock = options.clock ? options.clock : &server->system_clock_;
  server->store_ = std::move(store);
  server->ids_ = std::make_unique<IdGenerator>(clock);
  server->core_ = std::make_unique<IncidentCore>(server->store_.get(), clock,
                                                 server->ids_.get());
  server->catalog_ = std::make_unique<ServiceCatalog>(
      server->store_.get(), clock, server->ids_.get());
  server->access_ = std::make_unique<AccessControl>(server->store_.get(), clock,
                                                    server->ids_.get());
  server->process_token_ =
      server->access_->AddProcessToken("frontdoor (in-process)", Role::kIngest);
  server->incident_handler_ = std::make_unique<IncidentServiceHandler>(
      server->core_.get(), server->store_.get(), server->access_.get(),
      options.max_watchers);
  server->deliveries_ = std::make_unique<DeliveryLog>(
      server->store_.get(), server->ids_.get(), options.deliveries);
  server->directory_handler_ = std::make_unique<ServiceDirectoryHandler>(
      server->catalog_.get(), server->access_.get(), server->deliveries_.get(),
      server->core_.get());
  server->outbox_ = std::make_unique<Outbox>(server->store_.get(), clock);
  server->rules_handler_ = std::make_unique<RulesHandler>(
      &server->core_->rules(), server->outbox_.get(), server->access_.get());

  bool checks_tokens = true;
  AG_ASSIGN_OR_RETURN(
      std::shared_ptr<grpc::ServerCredentials> credentials,
      ListenerCredentials(options, server->access_.get(), &checks_tokens));
  server->retention_ = std::make_unique<RetentionPruner>(
      server->store_.get(), clock, options.retention);
  server->auto_resolver_ =
      std::make_unique<AutoResolver>(server->core_.get(), server->store_.get(),
                                     clock, options.auto_resolve_every);
  server->outbound_ = std::make_unique<OutboundDispatcher>(
      server->store_.get(), clock, options.outbound);

  grpc::EnableDefaultHealthCheckService(true);
  // Reflection only where the token check runs before it (it needs read).
  if (checks_tokens) grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  // gRPC sets SO_REUSEPORT by default: a second server on the same port would
  // start "fine" and silently take half of the connections.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.AddListeningPort(options.listen_address, credentials, &server->port_);
  builder.RegisterService(server->incident_handler_.get());
  builder.RegisterService(server->directory_handler_.get());
  builder.RegisterService(server->rules_handler_.get());
  server->server_ = builder.BuildAndStart();
  if (!server->server_ || server->port_ == 0) {
    return absl::UnavailableError(
        absl::StrCat("gRPC: cannot listen on ", options.listen_address));
  }
  // Health answers for the server as a whole ("") and for each service by
  // its full name, as load balancers and grpc_health_probe ask.
  server->server_->GetHealthCheckService()->SetServingStatus(true);
  for (const char* name : kHealthServiceNames) {
    server->server_->GetHealthCheckService()->SetServingStatus(name, true);
  }
  server->outbound_->Start();
  return server;
}

std::shared_ptr<grpc::Channel> CoreServer::InProcessChannel() {
  return server_->InProcessChannel(grpc::ChannelArguments());
}

void CoreServer::Shutdown(absl::Duration grace) {
  if (shut_down_) return;
  shut_down_ = true;
  server_->GetHealthCheckService()->SetServingStatus(false);
  for (const char* name : kHealthServiceNames) {
    server_->GetHealthCheckService()->SetServingStatus(name, false);
  }
  // Watches poll every 200 ms; give them a little longer to end cleanly.
  catalog_->StopCredentialWatches();
  incident_handler_->StopWatches(std::min(grace, absl::Seconds(1)));
  server_->Shutdown(absl::ToChronoTime(absl::Now() + grace));
  server_->Wait();
  incident_handler_->JoinWatches();
  retention_.reset();
  auto_resolver_.reset();
  outbound_.reset();
  // Every call has returned; closing the store commits anything queued.
  store_.reset();
}

CoreServer::~CoreServer() {
  if (server_) Shutdown(absl::Seconds(1));
}

}  // namespace alertgate
