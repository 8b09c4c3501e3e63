#include "server/grpc/core_server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "server/model/status_macros.h"

namespace alertgate {
namespace {

constexpr const char* kHealthServiceNames[] = {"alertgate.v1.IncidentService",
                                               "alertgate.v1.ServiceDirectory"};

}  // namespace

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
  server->retention_ = std::make_unique<RetentionPruner>(
      server->store_.get(), clock, options.retention);
  server->incident_handler_ = std::make_unique<IncidentServiceHandler>(
      server->core_.get(), server->store_.get(), options.max_watchers);
  server->directory_handler_ =
      std::make_unique<ServiceDirectoryHandler>(server->catalog_.get());

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  // gRPC sets SO_REUSEPORT by default: a second server on the same port would
  // start "fine" and silently take half of the connections.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  // Authentication and TLS come later; until then the default listens on
  // loopback only (see docs/core.md).
  builder.AddListeningPort(options.listen_address,
                           grpc::InsecureServerCredentials(), &server->port_);
  builder.RegisterService(server->incident_handler_.get());
  builder.RegisterService(server->directory_handler_.get());
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
  // Every call has returned; closing the store commits anything queued.
  store_.reset();
}

CoreServer::~CoreServer() {
  if (server_) Shutdown(absl::Seconds(1));
}

}  // namespace alertgate
