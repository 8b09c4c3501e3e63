// FrontDoorServer: the HTTP front door, routing requests of an HttpListener
// (which bounds and frames them) to the webhook handler and the operator
// endpoints.
//
//   POST /v1/webhooks/<source>/<webhook key>   a delivery (WebhookHandler)
//   GET  /healthz                              the process is up
// and the operator endpoints:
//   GET  /v1/sources                           the loaded alert sources
//   GET  /readyz                               the core is reachable
//   GET  /metrics                              Prometheus text format
// With an admin listener (FrontDoorOptions::admin) the operator endpoints
// are served there only, so the port senders reach carries webhooks and
// /healthz and nothing else; without one, on the same port.
//
// Every answer is JSON (metrics excepted), errors included. One log line per
// delivery goes to stdout as JSON, without keys, secrets or bodies.
//
// Thread safety: Stop() may be called from any thread, once.
#ifndef ALERTGATE_SERVER_FRONTDOOR_FRONTDOOR_SERVER_H_
#define ALERTGATE_SERVER_FRONTDOOR_FRONTDOOR_SERVER_H_

#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "adapters/loader/adapter_registry.h"
#include "server/common/clock.h"
#include "server/frontdoor/core_api.h"
#include "server/frontdoor/delivery_recorder.h"
#include "server/frontdoor/frontdoor_metrics.h"
#include "server/frontdoor/http_listener.h"
#include "server/frontdoor/webhook_handler.h"

namespace alertgate {

struct FrontDoorOptions {
  // Address, limits and threads of the HTTP listener (see http_listener.h).
  HttpListenerOptions http;
  // The operator endpoints' own listener; unset: they share `http`.
  std::optional<HttpListenerOptions> admin;
  bool log_deliveries = true;
  WebhookHandler::Options handler;
};

class FrontDoorServer {
 public:
  // REQUIRES: the pointers outlive the server.
  static absl::StatusOr<std::unique_ptr<FrontDoorServer>> Start(
      const FrontDoorOptions& options, const AdapterRegistry* registry,
      CoreApi* core, const Clock* clock);
  ~FrontDoorServer();
  FrontDoorServer(const FrontDoorServer&) = delete;
  FrontDoorServer& operator=(const FrontDoorServer&) = delete;

  int port() const;
  // The admin listener's port; 0 without one.
  int admin_port() const;

  // Stops accepting connections and waits for requests in progress.
  void Stop();

 private:
  FrontDoorServer() = default;
  HttpResponse Route(const HttpRequest& request);
  // /readyz, /metrics, /v1/sources; nullopt for any other request.
  std::optional<HttpResponse> RouteOperator(const HttpRequest& request);
  HttpResponse Deliver(const std::string& source, const std::string& key,
                       const HttpRequest& request);
  HttpResponse Sources();

  FrontDoorOptions options_;
  const AdapterRegistry* registry_ = nullptr;
  CoreApi* core_ = nullptr;
  const Clock* clock_ = nullptr;
  std::unique_ptr<WebhookHandler> handler_;
  std::unique_ptr<DeliveryRecorder> recorder_;
  FrontDoorMetrics metrics_;
  std::unique_ptr<HttpListener> http_;
  std::unique_ptr<HttpListener> admin_;
  bool stopped_ = false;
};

}  // namespace alertgate

#endif  // ALERTGATE_SERVER_FRONTDOOR_FRONTDOOR_SERVER_H_
