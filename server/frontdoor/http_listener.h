// HttpListener: the front door's HTTP/1.1 server, on GNU libmicrohttpd
// (Debian's libmicrohttpd-dev), built to face the internet.
//
// Connections are served by a few event-driven threads (epoll); a thread is
// busy only while the handler runs for a complete request, never while a
// client trickles or idles, so slow or idle clients cannot starve
// deliveries. Every request is bounded before it is buffered:
//   - a deadline for the whole request, headers and body
//     (request_deadline), counted from the connection's opening or from
//     its previous answer, so it bounds idle connections too;
//   - header bytes (max_header_bytes, the per-connection memory of
//     libmicrohttpd: beyond it 431) and header count (max_headers: 431);
//   - the body, with Content-Length (413 before any byte is read) or
//     chunked (beyond max_body_bytes the rest is discarded, not kept, and
//     the answer is 413; the deadline ends endless bodies);
//   - connections: max_connections overall and max_connections_per_address
//     per client address (0: no per-address cap); beyond, new connections
//     are closed at once.
// Framing is strict (RFC 9112): several Content-Length values, a malformed
// one, or Content-Length together with Transfer-Encoding are answered 400
// and the connection is closed, so no proxy in front can be made to see a
// different request boundary. Pipelined requests are answered in order.
//
// Thread safety: the handler runs on the listener's threads, several at
// once. Stop() may be called from any thread, once.
#ifndef ALERTGATE_SERVER_FRONTDOOR_HTTP_LISTENER_H_
#define ALERTGATE_SERVER_FRONTDOOR_HTTP_LISTENER_H_

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

struct MHD_Daemon;

namespace alertgate {

// A complete request, as received.
struct HttpRequest {
  std::string method;
  std::string path;  // Without the query string.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

struct HttpListenerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0 picks a free port.
  // Event-driven threads; each serves many connections.
  int threads = 8;
  absl::Duration request_deadline = absl::Seconds(10);
  size_t max_header_bytes = 32 * 1024;
  int max_headers = 100;
  size_t max_body_bytes = 1 << 20;
  int max_connections = 1024;
  int max_connections_per_address = 64;  // 0: no cap per address.
  int listen_backlog = 1024;
};

class HttpListener {
 public:
  using Handler = std::function<HttpResponse(const HttpRequest&)>;

  // Binds and starts serving. UNAVAILABLE if the address cannot be bound.
  // REQUIRES: `handler` stays callable until Stop() returns.
  static absl::StatusOr<std::unique_ptr<HttpListener>> Start(
      const HttpListenerOptions& options, Handler handler);
  ~HttpListener();
  HttpListener(const HttpListener&) = delete;
  HttpListener& operator=(const HttpListener&) = delete;

  int port() const { return port_; }

  // Stops accepting, closes connections, and waits for running handlers.
  void Stop();

  // Internal state shared with libmicrohttpd's callbacks.
  struct State;

 private:
  HttpListener() = default;

  std::unique_ptr<State> state_;
  MHD_Daemon* daemon_ = nullptr;
  int port_ = 0;
};

}  // namespace alertgate

#endif  // ALERTGATE_SERVER_FRONTDOOR_HTTP_LISTENER_H_
