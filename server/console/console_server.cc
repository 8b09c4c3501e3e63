#include "server/console/console_server.h"

#include <httplib.h>
#include <openssl/crypto.h>

#include <set>
#include <thread>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "nlohmann/json.hpp"
#include "server/console/api_bridge.h"
#include "server/console/console_assets.h"
#include "server/console/console_sessions.h"
#include "server/console/incident_event_stream.h"

namespace alertgate::console {
namespace {

constexpr char kCookie[] = "ag_session";
constexpr size_t kMaxRequestBytes = 64 * 1024;

const char* ContentTypeOf(absl::string_view name) {
  if (absl::EndsWith(name, ".html")) return "text/html; charset=utf-8";
  if (absl::EndsWith(name, ".js")) return "text/javascript; charset=utf-8";
  if (absl::EndsWith(name, ".css")) return "text/css; charset=utf-8";
  if (absl::EndsWith(name, ".svg")) return "image/svg+xml";
  if (absl::EndsWith(name, ".png")) return "image/png";
  return "application/octet-stream";
}

const Asset* FindAsset(absl::string_view name) {
  for (const Asset& asset : Assets()) {
    if (name == asset.name) return &asset;
  }
  return nullptr;
}

std::string CookieValue(const httplib::Request& request,
                        absl::string_view name) {
  for (absl::string_view part :
       absl::StrSplit(request.get_header_value("Cookie"), ';')) {
    part = absl::StripAsciiWhitespace(part);
    if (absl::ConsumePrefix(&part, name) && absl::ConsumePrefix(&part, "=")) {
      return std::string(part);
    }
  }
  return "";
}

bool SameText(const std::string& a, const std::string& b) {
  return a.size() == b.size() &&
         CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

void Answer(httplib::Response& response, const JsonAnswer& answer) {
  response.status = answer.http_status;
  response.set_header("Cache-Control", "no-store");
  response.set_content(answer.body, "application/json");
}

void Refuse(httplib::Response& response, const absl::Status& status) {
  Answer(response, ErrorAnswer(status));
}

}  // namespace

struct ConsoleServer::State {
  State(const ConsoleOptions& options_in,
        const client::AlertgateClient* core_in, const Clock* clock_in)
      : options(options_in),
        core(core_in),
        sessions(clock_in, {options_in.session_idle_timeout, 10000}) {}

  // A request of a request that names an Origin must name ours: browsers
  // send it with every cross-site request that could change something.
  bool FromOurOrigin(const httplib::Request& request) const {
    if (!request.has_header("Origin")) return true;
    const std::string origin = request.get_header_value("Origin");
    const std::string host = request.get_header_value("Host");
    return origin == "http://" + host || origin == "https://" + host;
  }

  // The caller's session, or an answer refusing the request.
  std::optional<ConsoleSession> SessionOf(const httplib::Request& request,
                                          httplib::Response& response,
                                          bool changes_state) {
    std::optional<ConsoleSession> session =
        sessions.Find(CookieValue(request, kCookie));
    if (!session) {
      Refuse(response, absl::UnauthenticatedError(
                           "not signed in, or the session ended: sign in "
                           "with an API token"));
      return std::nullopt;
    }
    if (changes_state && (!FromOurOrigin(request) ||
                          !SameText(request.get_header_value("X-CSRF-Token"),
                                    session->csrf_token))) {
      Refuse(response, absl::PermissionDeniedError(
                           "missing or wrong X-CSRF-Token, or a request from "
                           "another site"));
      return std::nullopt;
    }
    return session;
  }

  void SignIn(const httplib::Request& request, httplib::Response& response) {
    if (!FromOurOrigin(request) ||
        !absl::StartsWith(request.get_header_value("Content-Type"),
                          "application/json")) {
      Refuse(response, absl::PermissionDeniedError(
                           "sign in from the console's own page, as JSON"));
      return;
    }
    const nlohmann::json body = nlohmann::json::parse(
        request.body, nullptr, /*allow_exceptions=*/false);
    if (!body.is_object() || !body.contains("token") ||
        !body["token"].is_string() ||
        body["token"].get<std::string>().empty()) {
      Refuse(response, absl::InvalidArgumentError(
                           "the body must be {\"token\": \"...\"}"));
      return;
    }
    ConsoleSession session;
    session.api = core->WithToken(body["token"].get<std::string>());
    absl::StatusOr<v1::Caller> caller = session.api->GetCaller();
    if (!caller.ok()) {
      Refuse(response, caller.status());
      return;
    }
    session.caller = *caller;
    const std::string id = sessions.Create(session);
    response.set_header(
        "Set-Cookie",
        absl::StrCat(kCookie, "=", id, "; Path=/ui; HttpOnly; SameSite=Strict",
                     options.secure_cookies ? "; Secure" : ""));
    Answer(response, {200, SessionJson(session)});
  }

  static std::string SessionJson(const ConsoleSession& session) {
    return absl::StrCat("{\"caller\":", MessageToJson(session.caller),
                        ",\"csrf_token\":\"", session.csrf_token, "\"}");
  }

  void SignOut(const httplib::Request& request, httplib::Response& response) {
    if (!SessionOf(request, response, /*changes_state=*/true)) return;
    sessions.Remove(CookieValue(request, kCookie));
    response.set_header("Set-Cookie",
                        absl::StrCat(kCookie,
                                     "=; Path=/ui; HttpOnly; SameSite=Strict; "
                                     "Max-Age=0"));
    Answer(response, {200, "{}"});
  }

  void Rpc(const httplib::Request& request, httplib::Response& response) {
    std::optional<ConsoleSession> session =
        SessionOf(request, response, /*changes_state=*/true);
    if (!session) return;
    Answer(response,
           bridge.Call(request.matches[1], *session->api, request.body));
  }

  void Events(const httplib::Request& request, httplib::Response& response) {
    std::optional<ConsoleSession> session =
        SessionOf(request, response, /*changes_state=*/false);
    if (!session) return;
    int64_t after = 0;
    const std::string resume = request.has_header("Last-Event-ID")
                                   ? request.get_header_value("Last-Event-ID")
                                   : request.get_param_value("after");
    if (!resume.empty() && (!absl::SimpleAtoi(resume, &after) || after < 0)) {
      Refuse(response, absl::InvalidArgumentError(
                           "after / Last-Event-ID must be a sequence number"));
      return;
    }
    std::shared_ptr<IncidentEventStream> stream;
    {
      absl::MutexLock lock(&mu);
      if (stopping ||
          static_cast<int>(streams.size()) >= options.max_event_streams) {
        Refuse(response, absl::UnavailableError(
                             "too many event streams are open; retry later"));
        response.set_header("Retry-After", "5");
        return;
      }
      stream = std::make_shared<IncidentEventStream>(
          session->api, after, request.get_param_value("service_id"));
      streams.insert(stream.get());
    }
    response.set_header("Cache-Control", "no-store");
    const absl::Duration heartbeat = options.heartbeat;
    response.set_chunked_content_provider(
        "text/event-stream",
        [stream, heartbeat](size_t offset, httplib::DataSink& sink) {
          std::string text = stream->Next(heartbeat);
          if (text.empty()) {
            sink.done();
            return true;
          }
          // First, how long EventSource waits before it reconnects.
          if (offset == 0) text = "retry: 1000\n\n" + text;
          return sink.write(text.data(), text.size());
        },
        [this, stream](bool /*success*/) {
          stream->Cancel();
          absl::MutexLock lock(&mu);
          streams.erase(stream.get());
        });
  }

  const ConsoleOptions options;
  const client::AlertgateClient* const core;
  ConsoleSessions sessions;
  ApiBridge bridge;
  httplib::Server http;
  std::thread listener;
  int port = 0;
  absl::Mutex mu;
  std::set<IncidentEventStream*> streams ABSL_GUARDED_BY(mu);
  bool stopping ABSL_GUARDED_BY(mu) = false;
};

absl::StatusOr<std::unique_ptr<ConsoleServer>> ConsoleServer::Start(
    const ConsoleOptions& options, const client::AlertgateClient* core,
    const Clock* clock) {
  std::unique_ptr<ConsoleServer> server(new ConsoleServer());
  server->state_ = std::make_unique<State>(options, core, clock);
  State* state = server->state_.get();
  httplib::Server& http = state->http;
  const int workers = options.threads + options.max_event_streams;
  http.new_task_queue = [workers] { return new httplib::ThreadPool(workers); };
  http.set_tcp_nodelay(true);
  http.set_payload_max_length(kMaxRequestBytes);
  http.set_read_timeout(10, 0);
  http.set_write_timeout(10, 0);
  http.set_default_headers(
      {{"Content-Security-Policy",
        "default-src 'none'; script-src 'self'; style-src 'self'; "
        "img-src 'self' data:; connect-src 'self'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"},
       {"X-Content-Type-Options", "nosniff"},
       {"X-Frame-Options", "DENY"},
       {"Referrer-Policy", "no-referrer"}});

  auto redirect = [](const httplib::Request&, httplib::Response& response) {
    response.set_redirect("/ui/");
  };
  http.Get("/", redirect);
  http.Get("/ui", redirect);
  http.Get("/ui/", [](const httplib::Request&, httplib::Response& response) {
    const Asset* page = FindAsset("index.html");
    response.set_header("Cache-Control", "no-cache");
    response.set_content(page->data, page->size, ContentTypeOf(page->name));
  });
  http.Get(R"(/ui/assets/([A-Za-z0-9_.-]+))",
           [](const httplib::Request& request, httplib::Response& response) {
             const Asset* asset = FindAsset(request.matches[1].str());
             if (asset == nullptr) {
               Refuse(response, absl::NotFoundError("no such file"));
               return;
             }
             response.set_header("Cache-Control", "no-cache");
             response.set_content(asset->data, asset->size,
                                  ContentTypeOf(asset->name));
           });
  http.Get("/ui/api/session", [state](const httplib::Request& request,
                                      httplib::Response& response) {
    if (auto session = state->SessionOf(request, response, false)) {
      Answer(response, {200, State::SessionJson(*session)});
    }
  });
  http.Post("/ui/api/session", [state](const httplib::Request& request,
                                       httplib::Response& response) {
    state->SignIn(request, response);
  });
  http.Delete("/ui/api/session", [state](const httplib::Request& request,
                                         httplib::Response& response) {
    state->SignOut(request, response);
  });
  http.Post(
      R"(/ui/api/rpc/([A-Za-z]+))",
      [state](const httplib::Request& request, httplib::Response& response) {
        state->Rpc(request, response);
      });
  http.Get("/ui/api/events", [state](const httplib::Request& request,
                                     httplib::Response& response) {
    state->Events(request, response);
  });
  http.set_error_handler(
      [](const httplib::Request&, httplib::Response& response) {
        if (response.body.empty()) {
          Answer(response,
                 {response.status,
                  absl::StrCat("{\"error\":{\"code\":\"HTTP_", response.status,
                               "\",\"message\":\"no such page\"}}")});
        }
      });

  if (options.port == 0) {
    state->port = http.bind_to_any_port(options.host);
  } else if (http.bind_to_port(options.host, options.port)) {
    state->port = options.port;
  }
  if (state->port <= 0) {
    return absl::UnavailableError(absl::StrCat(
        "console: cannot listen on ", options.host, ":", options.port));
  }
  state->listener = std::thread([state] { state->http.listen_after_bind(); });
  // Stop() only reaches a server that runs: wait for it (the socket
  // already listens, so no connection is lost meanwhile).
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (!state->http.is_running() && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(1));
  }
  return server;
}

ConsoleServer::~ConsoleServer() { Stop(); }

int ConsoleServer::port() const { return state_->port; }

void ConsoleServer::Stop() {
  if (!state_ || !state_->listener.joinable()) return;
  {
    absl::MutexLock lock(&state_->mu);
    state_->stopping = true;
    for (IncidentEventStream* stream : state_->streams) stream->Cancel();
  }
  state_->http.stop();
  state_->listener.join();
}

}  // namespace alertgate::console
