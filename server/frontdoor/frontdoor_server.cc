#include "server/frontdoor/frontdoor_server.h"

#include <httplib.h>
#include <stdio.h>
#include <sys/socket.h>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"

namespace alertgate {
namespace {

// cpp-httplib compiles in a listen backlog of 5; past a few dozen concurrent
// connections the accept queue overflows (shared/notes/performance-facts.md).
constexpr int kListenBacklog = 1024;

void SendJson(httplib::Response& res, int status, const nlohmann::json& body) {
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

HttpHeaders HeadersOf(const httplib::Request& req) {
  HttpHeaders headers;
  headers.reserve(req.headers.size());
  for (const auto& [name, value] : req.headers) headers.emplace_back(name, value);
  return headers;
}

void LogDelivery(const std::string& source, const WebhookResponse& response,
                 absl::Duration latency) {
  static absl::Mutex* mu = new absl::Mutex();
  nlohmann::json line = {
      {"ts", absl::FormatTime(absl::RFC3339_full, absl::Now(), absl::UTCTimeZone())},
      {"msg", "webhook delivery"},
      {"source", source},
      {"event", response.event},
      {"delivery_id", response.delivery_id},
      {"service", response.service},
      {"outcome", response.outcome},
      {"status", response.status},
      {"latency_ms", absl::ToDoubleMilliseconds(latency)}};
  const std::string text = line.dump();
  absl::MutexLock lock(mu);
  fprintf(stdout, "%s\n", text.c_str());
  fflush(stdout);
}

}  // namespace

absl::StatusOr<std::unique_ptr<FrontDoorServer>> FrontDoorServer::Start(
    const FrontDoorOptions& options, const AdapterRegistry* registry,
    CoreClient* core, const Clock* clock) {
  std::unique_ptr<FrontDoorServer> server(new FrontDoorServer());
  server->options_ = options;
  server->registry_ = registry;
  server->core_ = core;
  server->handler_ =
      std::make_unique<WebhookHandler>(registry, core, clock, options.handler);
  server->http_ = std::make_unique<httplib::Server>();
  httplib::Server& http = *server->http_;

  // Without this every answer waits ~40 ms for the client's delayed ACK.
  http.set_tcp_nodelay(true);
  const int threads = std::max(2, options.threads);
  http.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  http.set_keep_alive_max_count(1000);
  http.set_payload_max_length(options.max_body_bytes);
  // Replaces the library's default socket options, which include
  // SO_REUSEPORT: with it a stale server on the same port silently takes
  // half of the connections.
  FrontDoorServer* self = server.get();
  http.set_socket_options([self](socket_t socket) {
    int yes = 1;
    setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    self->listen_socket_ = socket;
  });
  server->InstallRoutes();

  if (options.port == 0) {
    server->port_ = http.bind_to_any_port(options.host);
  } else if (http.bind_to_port(options.host, options.port)) {
    server->port_ = options.port;
  }
  if (server->port_ <= 0) {
    return absl::UnavailableError(absl::StrCat(
        "HTTP: cannot listen on ", options.host, ":", options.port));
  }
  if (server->listen_socket_ >= 0) ::listen(server->listen_socket_, kListenBacklog);
  server->listener_ = std::thread([self] { self->http_->listen_after_bind(); });
  return server;
}

void FrontDoorServer::InstallRoutes() {
  httplib::Server& http = *http_;
  http.Post(R"(/v1/webhooks/([^/]+)/([^/]+))",
            [this](const httplib::Request& req, httplib::Response& res) {
              const absl::Time start = absl::Now();
              WebhookRequest request{req.matches[1], req.matches[2],
                                     HeadersOf(req), req.body};
              WebhookResponse response = handler_->Handle(request);
              for (const auto& [name, value] : response.headers) {
                res.set_header(name, value);
              }
              SendJson(res, response.status, response.body);
              const absl::Duration latency = absl::Now() - start;
              // Label values only from loaded plugins and fixed names: the
              // handler already said whether the source is loaded.
              const std::string source = response.outcome == "unknown_source"
                                             ? "unknown"
                                             : request.source;
              metrics_.RecordDelivery(source, response.event, response.outcome,
                                      latency);
              if (response.outcome == "core_unavailable" ||
                  response.outcome == "core_error") {
                metrics_.RecordCoreError(response.outcome);
              }
              if (options_.log_deliveries) LogDelivery(source, response, latency);
            });
  http.Get("/v1/sources", [this](const httplib::Request&, httplib::Response& res) {
    nlohmann::json sources = nlohmann::json::array();
    for (const SourceAdapter* adapter : registry_->All()) {
      sources.push_back({{"name", adapter->name()},
                         {"version", adapter->version()},
                         {"file", adapter->file()},
                         {"signature_header", adapter->signature_header()},
                         {"delivery_id_headers", adapter->delivery_id_headers()},
                         {"delivery_id_field", adapter->delivery_id_field()}});
    }
    SendJson(res, 200, {{"sources", sources}});
  });
  http.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    SendJson(res, 200, {{"status", "ok"}});
  });
  http.Get("/readyz", [this](const httplib::Request&, httplib::Response& res) {
    const bool connected = core_->IsReachable(absl::Milliseconds(500));
    SendJson(res, connected ? 200 : 503,
             {{"status", connected ? "ready" : "core unreachable"}});
  });
  http.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(metrics_.Render(), "text/plain; version=0.0.4");
  });
  // Answers the library makes itself (no route, body too large, malformed
  // request) get a JSON body too.
  http.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return;
    std::string code = "http_error";
    std::string message = "the request could not be handled";
    if (res.status == 404) {
      code = "not_found";
      message = "no such endpoint; webhooks go to POST /v1/webhooks/<source>/<key>";
    } else if (res.status == 413) {
      code = "body_too_large";
      message = "the body is larger than this front door accepts";
    }
    res.set_content(
        nlohmann::json({{"error", {{"code", code}, {"message", message}}}}).dump(),
        "application/json");
  });
}

void FrontDoorServer::Stop() {
  if (stopped_) return;
  stopped_ = true;
  http_->stop();
  if (listener_.joinable()) listener_.join();
}

FrontDoorServer::~FrontDoorServer() { Stop(); }

}  // namespace alertgate
