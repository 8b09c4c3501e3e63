#include "server/frontdoor/http_listener.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>
#include <thread>
#include <unordered_map>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "nlohmann/json.hpp"

namespace alertgate {

// What the listener knows of one connection, for the request deadline.
struct ConnectionClock {
  int fd = -1;
  absl::Time waiting_since;  // Opened, or last answered.
  bool handling = false;     // A complete request is in the handler.
};

struct HttpListener::State {
  HttpListenerOptions options;
  Handler handler;

  absl::Mutex mu;
  std::unordered_map<MHD_Connection*, ConnectionClock> connections
      ABSL_GUARDED_BY(mu);
  bool stopping ABSL_GUARDED_BY(mu) = false;
  std::thread sweeper;

  // Closes the connections whose request is late. shutdown(), not close():
  // libmicrohttpd still owns the descriptor, sees the end of the stream on
  // its own thread and cleans up; the entry leaves the map (and so can
  // never name a reused descriptor) before it closes it.
  void Sweep() {
    absl::MutexLock lock(&mu);
    while (!stopping) {
      auto woken = [this]()
                       ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) { return stopping; };
      mu.AwaitWithTimeout(absl::Condition(&woken), absl::Milliseconds(100));
      const absl::Time now = absl::Now();
      for (auto& [connection, clock] : connections) {
        if (!clock.handling &&
            now - clock.waiting_since > options.request_deadline) {
          ::shutdown(clock.fd, SHUT_RDWR);
          clock.waiting_since = absl::InfiniteFuture();  // Once is enough.
        }
      }
    }
  }
};

namespace {

// One request being received.
struct PendingRequest {
  HttpRequest request;
  bool body_too_large = false;
};

struct HeaderScan {
  std::vector<std::pair<std::string, std::string>>* headers;
  int content_lengths = 0;
  bool transfer_encoding = false;
  std::string transfer_encoding_value;
};

MHD_Result CollectHeader(void* cls, enum MHD_ValueKind, const char* key,
                         const char* value) {
  HeaderScan* scan = static_cast<HeaderScan*>(cls);
  scan->headers->emplace_back(key, value ? value : "");
  if (absl::EqualsIgnoreCase(key, "Content-Length")) ++scan->content_lengths;
  if (absl::EqualsIgnoreCase(key, "Transfer-Encoding")) {
    scan->transfer_encoding = true;
    scan->transfer_encoding_value = value ? value : "";
  }
  return MHD_YES;
}

MHD_Result Queue(MHD_Connection* connection, const HttpResponse& response,
                 bool close) {
  MHD_Response* r = MHD_create_response_from_buffer(
      response.body.size(), const_cast<char*>(response.body.data()),
      MHD_RESPMEM_MUST_COPY);
  if (r == nullptr) return MHD_NO;
  MHD_add_response_header(r, "Content-Type", response.content_type.c_str());
  for (const auto& [name, value] : response.headers) {
    MHD_add_response_header(r, name.c_str(), value.c_str());
  }
  if (close) MHD_add_response_header(r, "Connection", "close");
  MHD_Result result = MHD_queue_response(
      connection, static_cast<unsigned int>(response.status), r);
  MHD_destroy_response(r);
  return result;
}

// An answer of the listener's own, closing the connection: after a framing
// or size error nothing more on it can be trusted.
MHD_Result Refuse(MHD_Connection* connection, int status, const char* code,
                  const std::string& message) {
  HttpResponse response;
  response.status = status;
  response.body =
      nlohmann::json({{"error", {{"code", code}, {"message", message}}}})
          .dump();
  return Queue(connection, response, /*close=*/true);
}

MHD_Result OnRequest(void* cls, MHD_Connection* connection, const char* url,
                     const char* method, const char*, const char* upload_data,
                     size_t* upload_data_size, void** request_context) {
  auto* state = static_cast<HttpListener::State*>(cls);
  const HttpListenerOptions& options = state->options;
  auto* pending = static_cast<PendingRequest*>(*request_context);
  if (pending == nullptr) {
    // The headers are complete: check framing and sizes before any body.
    pending = new PendingRequest();
    *request_context = pending;
    pending->request.method = method;
    pending->request.path = url;
    HeaderScan scan{&pending->request.headers};
    MHD_get_connection_values(connection, MHD_HEADER_KIND, &CollectHeader,
                              &scan);
    if (scan.content_lengths > 1) {
      return Refuse(connection, 400, "bad_framing",
                    "more than one Content-Length header");
    }
    if (scan.content_lengths == 1 && scan.transfer_encoding) {
      return Refuse(connection, 400, "bad_framing",
                    "both Content-Length and Transfer-Encoding");
    }
    if (scan.transfer_encoding &&
        !absl::EqualsIgnoreCase(
            absl::StripAsciiWhitespace(scan.transfer_encoding_value),
            "chunked")) {
      return Refuse(connection, 400, "bad_framing",
                    "Transfer-Encoding other than chunked");
    }
    if (static_cast<int>(pending->request.headers.size()) >
        options.max_headers) {
      return Refuse(
          connection, 431, "too_many_headers",
          absl::StrCat("more than ", options.max_headers, " headers"));
    }
    const char* length = MHD_lookup_connection_value(
        connection, MHD_HEADER_KIND, "Content-Length");
    if (length != nullptr &&
        std::strtoull(length, nullptr, 10) > options.max_body_bytes) {
      return Refuse(connection, 413, "body_too_large",
                    absl::StrCat("the body is larger than ",
                                 options.max_body_bytes, " bytes"));
    }
    return MHD_YES;
  }
  if (*upload_data_size > 0) {
    // Chunked bodies announce no size: past the limit the rest is read and
    // dropped, so memory stays bounded and the sender still gets its 413
    // (the request deadline ends a body that never ends).
    if (pending->request.body.size() + *upload_data_size >
        options.max_body_bytes) {
      pending->body_too_large = true;
      pending->request.body.clear();
      pending->request.body.shrink_to_fit();
    } else if (!pending->body_too_large) {
      pending->request.body.append(upload_data, *upload_data_size);
    }
    *upload_data_size = 0;
    return MHD_YES;
  }
  if (pending->body_too_large) {
    return Refuse(connection, 413, "body_too_large",
                  absl::StrCat("the body is larger than ",
                               options.max_body_bytes, " bytes"));
  }
  {
    absl::MutexLock lock(&state->mu);
    state->connections[connection].handling = true;
  }
  HttpResponse response = state->handler(pending->request);
  return Queue(connection, response, /*close=*/false);
}

void OnRequestDone(void* cls, MHD_Connection* connection,
                   void** request_context, enum MHD_RequestTerminationCode) {
  delete static_cast<PendingRequest*>(*request_context);
  *request_context = nullptr;
  auto* state = static_cast<HttpListener::State*>(cls);
  absl::MutexLock lock(&state->mu);
  auto it = state->connections.find(connection);
  if (it == state->connections.end()) return;
  // The next request's deadline runs from this answer.
  it->second.handling = false;
  it->second.waiting_since = absl::Now();
}

void OnConnection(void* cls, MHD_Connection* connection, void**,
                  enum MHD_ConnectionNotificationCode code) {
  auto* state = static_cast<HttpListener::State*>(cls);
  absl::MutexLock lock(&state->mu);
  if (code == MHD_CONNECTION_NOTIFY_STARTED) {
    const MHD_ConnectionInfo* info =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
    state->connections[connection] = {info ? info->connect_fd : -1, absl::Now(),
                                      false};
  } else {
    state->connections.erase(connection);
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<HttpListener>> HttpListener::Start(
    const HttpListenerOptions& options, Handler handler) {
  std::unique_ptr<HttpListener> listener(new HttpListener());
  listener->state_ = std::make_unique<State>();
  State* state = listener->state_.get();
  state->options = options;
  state->handler = std::move(handler);

  sockaddr_in v4{};
  sockaddr_in6 v6{};
  const sockaddr* address = nullptr;
  unsigned int flags = MHD_USE_EPOLL_INTERNAL_THREAD;
  const std::string host =
      options.host == "localhost" ? "127.0.0.1" : options.host;
  if (inet_pton(AF_INET, host.c_str(), &v4.sin_addr) == 1) {
    v4.sin_family = AF_INET;
    v4.sin_port = htons(static_cast<uint16_t>(options.port));
    address = reinterpret_cast<const sockaddr*>(&v4);
  } else if (inet_pton(AF_INET6, host.c_str(), &v6.sin6_addr) == 1) {
    v6.sin6_family = AF_INET6;
    v6.sin6_port = htons(static_cast<uint16_t>(options.port));
    address = reinterpret_cast<const sockaddr*>(&v6);
    flags |= MHD_USE_IPv6;
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("HTTP: ", options.host, " is not an IP address"));
  }
  const unsigned int deadline_seconds = static_cast<unsigned int>(
      std::max<int64_t>(1, absl::ToInt64Seconds(options.request_deadline) + 1));
  listener->daemon_ = MHD_start_daemon(
      flags, static_cast<uint16_t>(options.port), nullptr, nullptr, &OnRequest,
      state, MHD_OPTION_SOCK_ADDR, address, MHD_OPTION_THREAD_POOL_SIZE,
      static_cast<unsigned int>(std::max(1, options.threads)),
      MHD_OPTION_CONNECTION_LIMIT,
      static_cast<unsigned int>(std::max(1, options.max_connections)),
      MHD_OPTION_PER_IP_CONNECTION_LIMIT,
      static_cast<unsigned int>(
          std::max(0, options.max_connections_per_address)),
      MHD_OPTION_CONNECTION_MEMORY_LIMIT, options.max_header_bytes,
      MHD_OPTION_CONNECTION_TIMEOUT, deadline_seconds,
      MHD_OPTION_LISTEN_BACKLOG_SIZE,
      static_cast<unsigned int>(options.listen_backlog),
      MHD_OPTION_NOTIFY_COMPLETED, &OnRequestDone, state,
      MHD_OPTION_NOTIFY_CONNECTION, &OnConnection, state, MHD_OPTION_END);
  if (listener->daemon_ == nullptr) {
    return absl::UnavailableError(absl::StrCat(
        "HTTP: cannot listen on ", options.host, ":", options.port));
  }
  const MHD_DaemonInfo* bound =
      MHD_get_daemon_info(listener->daemon_, MHD_DAEMON_INFO_BIND_PORT);
  listener->port_ = bound ? bound->port : options.port;
  state->sweeper = std::thread([state] { state->Sweep(); });
  return listener;
}

void HttpListener::Stop() {
  if (daemon_ == nullptr) return;
  MHD_stop_daemon(daemon_);
  daemon_ = nullptr;
  {
    absl::MutexLock lock(&state_->mu);
    state_->stopping = true;
  }
  state_->sweeper.join();
}

HttpListener::~HttpListener() { Stop(); }

}  // namespace alertgate
