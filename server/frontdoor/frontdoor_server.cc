#include "server/frontdoor/frontdoor_server.h"

#include <stdio.h>

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "server/frontdoor/delivery_log_entry.h"

namespace alertgate {
namespace {

HttpResponse JsonAnswer(int status, const nlohmann::json& body) {
  HttpResponse response;
  response.status = status;
  response.body = body.dump();
  return response;
}

HttpResponse ErrorAnswer(int status, const std::string& code,
                         const std::string& message) {
  return JsonAnswer(status,
                    {{"error", {{"code", code}, {"message", message}}}});
}

void LogDelivery(const std::string& source, const WebhookResponse& response,
                 absl::Duration latency) {
  static absl::Mutex* mu = new absl::Mutex();
  nlohmann::json line = {
      {"ts",
       absl::FormatTime(absl::RFC3339_full, absl::Now(), absl::UTCTimeZone())},
      {"msg", "webhook delivery"},
      {"source", source},
      {"event", response.event},
      {"delivery_id", response.delivery_id},
      {"service", response.service},
      {"outcome", OutcomeName(response.outcome)},
      {"status", response.status()},
      {"latency_ms", absl::ToDoubleMilliseconds(latency)}};
  const std::string text = line.dump();
  absl::MutexLock lock(mu);
  fprintf(stdout, "%s\n", text.c_str());
  fflush(stdout);
}

}  // namespace

absl::StatusOr<std::unique_ptr<FrontDoorServer>> FrontDoorServer::Start(
    const FrontDoorOptions& options, const AdapterRegistry* registry,
    CoreApi* core, const Clock* clock) {
  std::unique_ptr<FrontDoorServer> server(new FrontDoorServer());
  server->options_ = options;
  server->registry_ = registry;
  server->core_ = core;
  server->clock_ = clock;
  server->recorder_ =
      std::make_unique<DeliveryRecorder>(core, DeliveryRecorder::Options());
  server->handler_ =
      std::make_unique<WebhookHandler>(registry, core, clock, options.handler);
  FrontDoorServer* self = server.get();
  auto listener = HttpListener::Start(
      options.http,
      [self](const HttpRequest& request) { return self->Route(request); });
  if (!listener.ok()) return listener.status();
  server->http_ = std::move(*listener);
  if (options.admin) {
    auto admin =
        HttpListener::Start(*options.admin, [self](const HttpRequest& request) {
          if (request.method == "GET" && request.path == "/healthz") {
            return JsonAnswer(200, {{"status", "ok"}});
          }
          std::optional<HttpResponse> answer = self->RouteOperator(request);
          return answer ? *std::move(answer)
                        : ErrorAnswer(404, "not_found",
                                      "the admin listener serves /healthz, "
                                      "/readyz, /metrics and /v1/sources");
        });
    if (!admin.ok()) return admin.status();
    server->admin_ = std::move(*admin);
  }
  return server;
}

int FrontDoorServer::port() const { return http_->port(); }

int FrontDoorServer::admin_port() const { return admin_ ? admin_->port() : 0; }

std::optional<HttpResponse> FrontDoorServer::RouteOperator(
    const HttpRequest& request) {
  if (request.method != "GET") return std::nullopt;
  if (request.path == "/v1/sources") return Sources();
  if (request.path == "/readyz") {
    const bool connected = core_->IsReachable(absl::Milliseconds(500));
    return JsonAnswer(connected ? 200 : 503,
                      {{"status", connected ? "ready" : "core unreachable"}});
  }
  if (request.path == "/metrics") {
    HttpResponse response;
    response.content_type = "text/plain; version=0.0.4";
    response.body = metrics_.Render();
    absl::StrAppend(&response.body,
                    "# HELP alertgate_delivery_log_dropped_total Delivery log "
                    "entries dropped: the core was away with 10,000 waiting, "
                    "or refused them.\n"
                    "# TYPE alertgate_delivery_log_dropped_total counter\n"
                    "alertgate_delivery_log_dropped_total ",
                    recorder_->dropped(), "\n");
    return response;
  }
  return std::nullopt;
}

HttpResponse FrontDoorServer::Route(const HttpRequest& request) {
  static constexpr absl::string_view kWebhooks = "/v1/webhooks/";
  absl::string_view path = request.path;
  if (absl::ConsumePrefix(&path, kWebhooks)) {
    const std::vector<std::string> parts = absl::StrSplit(path, '/');
    if (parts.size() == 2 && !parts[0].empty() && !parts[1].empty()) {
      if (request.method != "POST") {
        return ErrorAnswer(405, "method_not_allowed", "webhooks are POSTed");
      }
      return Deliver(parts[0], parts[1], request);
    }
  }
  if (request.method == "GET" && request.path == "/healthz") {
    return JsonAnswer(200, {{"status", "ok"}});
  }
  if (!admin_) {
    if (std::optional<HttpResponse> answer = RouteOperator(request)) {
      return *std::move(answer);
    }
  }
  return ErrorAnswer(404, "not_found",
                     "no such endpoint; webhooks go to POST "
                     "/v1/webhooks/<source>/<key>");
}

HttpResponse FrontDoorServer::Deliver(const std::string& source,
                                      const std::string& key,
                                      const HttpRequest& http) {
  const absl::Time start = absl::Now();
  WebhookRequest request{source, key, http.headers, http.body};
  WebhookResponse response = handler_->Handle(request);
  // An ingested delivery's entry was written with its alerts.
  if (!response.logged_by_core) {
    if (std::optional<v1::Delivery> entry =
            DeliveryLogEntry(request, response, clock_->Now())) {
      recorder_->Record(*std::move(entry));
    }
  }
  HttpResponse answer = JsonAnswer(response.status(), response.body);
  answer.headers = response.headers;
  const absl::Duration latency = absl::Now() - start;
  // Label values only from loaded plugins and fixed names: the handler
  // already said whether the source is loaded, and which events it declares.
  const std::string label = response.outcome == DeliveryOutcome::kUnknownSource
                                ? "unknown"
                                : request.source;
  metrics_.RecordDelivery(label, response.metric_event,
                          OutcomeName(response.outcome), latency);
  if (IsCoreFailure(response.outcome)) {
    metrics_.RecordCoreError(OutcomeName(response.outcome));
  }
  if (options_.log_deliveries) LogDelivery(label, response, latency);
  return answer;
}

HttpResponse FrontDoorServer::Sources() {
  nlohmann::json sources = nlohmann::json::array();
  for (const SourceAdapter* adapter : registry_->All()) {
    sources.push_back({{"name", adapter->name()},
                       {"version", adapter->version()},
                       {"file", adapter->file()},
                       {"signature_header", adapter->signature_header()},
                       {"delivery_id_headers", adapter->delivery_id_headers()},
                       {"delivery_id_field", adapter->delivery_id_field()},
                       {"events", adapter->events()}});
  }
  return JsonAnswer(200, {{"sources", sources}});
}

void FrontDoorServer::Stop() {
  if (stopped_) return;
  stopped_ = true;
  http_->Stop();
  if (admin_) admin_->Stop();
}

FrontDoorServer::~FrontDoorServer() { Stop(); }

}  // namespace alertgate
