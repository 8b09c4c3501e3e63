// ConsoleServer: the web console, served by alertgate itself on a listener
// of its own (--console_listen, loopback by default): the pages at /ui/
// (files built into the binary), the JSON endpoints they call under
// /ui/api/, and a Server-Sent Events stream of incident changes.
//
//   POST   /ui/api/session        {"token": "..."}: sign in (any role but
//                                  ingest); sets the session cookie
//   GET    /ui/api/session        who is signed in, and the CSRF token
//   DELETE /ui/api/session        sign out
//   POST   /ui/api/rpc/<Method>   one gRPC method, JSON in and out
//                                  (ApiBridge); the source plugins and
//                                  their setup steps come from
//                                  ListSourcePlugins, as for alertctl
//   GET    /ui/api/events         incident changes as SSE (?service_id=,
//                                  ?after= or Last-Event-ID to resume)
//
// The session cookie is HttpOnly and SameSite=Strict (and Secure when
// `secure_cookies`); every POST and DELETE of a signed-in session must
// carry its CSRF token in X-CSRF-Token, and any request that names an
// Origin must name this console's own. Every answer forbids framing and
// allows scripts, styles and connections to this origin only (CSP).
//
// Thread safety: Stop() from any thread, once.
#ifndef ALERTGATE_SERVER_CONSOLE_CONSOLE_SERVER_H_
#define ALERTGATE_SERVER_CONSOLE_CONSOLE_SERVER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "alertgate/alertgate_client.h"
#include "server/common/clock.h"

namespace alertgate::console {

struct ConsoleOptions {
  std::string host = "127.0.0.1";
  int port = 8081;  // 0 picks a free port.
  // Event streams open at once (each holds a worker thread); more are 503.
  int max_event_streams = 32;
  // Workers for everything else come on top of the streams'.
  int threads = 8;
  absl::Duration session_idle_timeout = absl::Hours(8);
  // Mark the cookie Secure: set it when the console is reached over HTTPS
  // (a TLS proxy in front).
  bool secure_cookies = false;
  absl::Duration heartbeat = absl::Seconds(15);
};

class ConsoleServer {
 public:
  // `core`: a client of the core's API whose connections the console shares
  // (it sends each person's own token, never this client's). UNAVAILABLE
  // if the address cannot be bound.
  // REQUIRES: the arguments outlive the server.
  static absl::StatusOr<std::unique_ptr<ConsoleServer>> Start(
      const ConsoleOptions& options, const client::AlertgateClient* core,
      const Clock* clock);
  ~ConsoleServer();
  ConsoleServer(const ConsoleServer&) = delete;
  ConsoleServer& operator=(const ConsoleServer&) = delete;

  int port() const;
  // Ends event streams, stops listening and waits for running requests.
  void Stop();

  struct State;

 private:
  ConsoleServer() = default;
  std::unique_ptr<State> state_;
};

}  // namespace alertgate::console

#endif  // ALERTGATE_SERVER_CONSOLE_CONSOLE_SERVER_H_
