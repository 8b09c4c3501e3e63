// CoreServer: the alertgate core as a running gRPC server — the store, the
// incident core, the service catalog, access control, their gRPC handlers,
// gRPC health checking (grpc.health.v1) and server reflection.
//
// Every call but health checking needs an API token (api_auth.h). The
// listener is TLS when a certificate is given (with client certificates
// required when a client CA is), else plaintext, which is accepted on a
// loopback address and elsewhere only with allow_insecure.
//
// Thread safety: Shutdown() may be called from any thread, once.
#ifndef ALERTGATE_SERVER_GRPC_CORE_SERVER_H_
#define ALERTGATE_SERVER_GRPC_CORE_SERVER_H_

#include <grpcpp/server.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/common/clock.h"
#include "server/core/access_control.h"
#include "server/core/auto_resolver.h"
#include "server/core/delivery_log.h"
#include "server/core/id_generator.h"
#include "server/core/incident_core.h"
#include "server/core/outbox.h"
#include "server/core/retention.h"
#include "server/core/service_catalog.h"
#include "server/grpc/incident_service_handler.h"
#include "server/grpc/rules_handler.h"
#include "server/grpc/service_directory_handler.h"
#include "server/outbound/outbound_dispatcher.h"
#include "server/store/incident_store.h"

namespace alertgate {

struct CoreServerOptions {
  // host:port; port 0 picks a free port (see CoreServer::port()).
  std::string listen_address = "127.0.0.1:50051";
  // Null: the system clock.
  const Clock* clock = nullptr;
  // Most WatchIncidents streams at once; more get RESOURCE_EXHAUSTED.
  int max_watchers = 1000;
  // What the store keeps, and for how long.
  RetentionOptions retention;
  // How often quiet incidents are looked for (auto_resolver.h); zero: never.
  absl::Duration auto_resolve_every = absl::Seconds(30);
  DeliveryLog::Options deliveries;
  // Outbound webhooks (outbound_dispatcher.h); senders 0: this core sends
  // none (another core sharing the store does).
  OutboundOptions outbound;
  // TLS, as PEM text (not file names). Without a certificate: plaintext.
  std::string tls_certificate;
  std::string tls_private_key;
  // With it, clients must present a certificate this CA signed (mTLS).
  std::string tls_client_ca;
  // Plaintext on an address other than loopback is refused unless set.
  bool allow_insecure = false;
};

// True for 127.0.0.0/8, ::1 and "localhost" (host of "host:port").
bool IsLoopbackAddress(const std::string& listen_address);

class CoreServer {
 public:
  // Starts serving over `store`, which the caller chose and opened (main
  // picks it from --store); the server owns it from now on. UNAVAILABLE if
  // the address cannot be bound.
  static absl::StatusOr<std::unique_ptr<CoreServer>> Start(
      const CoreServerOptions& options, std::unique_ptr<IncidentStore> store);
  // Shuts down with a short grace period if Shutdown() was not called.
  ~CoreServer();
  CoreServer(const CoreServer&) = delete;
  CoreServer& operator=(const CoreServer&) = delete;

  // The bound port.
  int port() const { return port_; }

  // Reports NOT_SERVING to health checks, ends watch streams, stops accepting
  // calls, lets calls in flight finish for up to `grace` (then cancels them),
  // and closes the store after every queued write is committed.
  void Shutdown(absl::Duration grace);

  // A channel to this server inside the process: the same gRPC API, without
  // sockets. The all-in-one front door uses it, with InProcessIngestToken().
  std::shared_ptr<grpc::Channel> InProcessChannel();
  // A token with role ingest valid only in this process, never stored.
  const std::string& InProcessIngestToken() const { return process_token_; }

  ServiceCatalog& catalog() { return *catalog_; }
  AccessControl& access() { return *access_; }
  RetentionPruner& retention() { return *retention_; }
  AutoResolver& auto_resolver() { return *auto_resolver_; }
  OutboundDispatcher& outbound() { return *outbound_; }
  IncidentCore& core() { return *core_; }
  // Lets ReplayDelivery run kept requests through the process's plugins.
  // REQUIRES: `replayer` outlives Shutdown().
  void SetDeliveryReplayer(DeliveryReplayer* replayer) {
    directory_handler_->SetDeliveryReplayer(replayer);
  }
  // The plugins the process loaded, for ListSourcePlugins. Call once,
  // right after Start().
  void SetSourcePlugins(v1::ListSourcePluginsResponse plugins) {
    directory_handler_->SetSourcePlugins(std::move(plugins));
  }

 private:
  CoreServer() = default;

  SystemClock system_clock_;
  std::unique_ptr<IdGenerator> ids_;
  std::unique_ptr<IncidentStore> store_;
  std::unique_ptr<IncidentCore> core_;
  std::unique_ptr<ServiceCatalog> catalog_;
  std::unique_ptr<DeliveryLog> deliveries_;
  std::unique_ptr<AccessControl> access_;
  std::string process_token_;
  std::unique_ptr<RetentionPruner> retention_;
  std::unique_ptr<AutoResolver> auto_resolver_;
  std::unique_ptr<Outbox> outbox_;
  std::unique_ptr<OutboundDispatcher> outbound_;
  std::unique_ptr<IncidentServiceHandler> incident_handler_;
  std::unique_ptr<ServiceDirectoryHandler> directory_handler_;
  std::unique_ptr<RulesHandler> rules_handler_;
  std::unique_ptr<grpc::Server> server_;  // Destroyed before the handlers.
  int port_ = 0;
  bool shut_down_ = false;
};

}  // namespace alertgate

#endif  // ALERTGATE_SERVER_GRPC_CORE_SERVER_H_
