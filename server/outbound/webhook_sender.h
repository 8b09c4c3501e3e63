// WebhookSender: attempts to deliver outbound messages: each an HTTP(S)
// POST of its body, signed, on a connection kept open to the receiver,
// with bounded time and memory whatever the receiver does (slow, silent,
// huge answers, redirects).
//
// Headers sent (docs/rules.md, "Outbound webhooks"):
//   Content-Type: application/json
//   X-Alertgate-Delivery: <message id>   the same on every attempt
//   X-Alertgate-Event: incident.<event>
//   X-Alertgate-Signature: t=<unix s>,v1=<hex HMAC-SHA256(secret, t.body)>
//
// Thread safety: ConnectTo() may run on several threads at once; a
// Connection is one thread's at a time.
#ifndef ALERTGATE_SERVER_OUTBOUND_WEBHOOK_SENDER_H_
#define ALERTGATE_SERVER_OUTBOUND_WEBHOOK_SENDER_H_

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "server/model/outbound_webhook.h"

namespace httplib {
class Client;
}  // namespace httplib

namespace alertgate {

struct WebhookSenderOptions {
  // Connecting, and each read or write after it.
  absl::Duration timeout = absl::Seconds(10);
  // CA certificates for https:// receivers; "": the system's.
  std::string ca_file;
};

// What one attempt came to.
struct SendAttempt {
  int http_status = 0;  // 0: no answer.
  std::string error;    // "" when delivered (2xx).
  bool delivered() const { return error.empty(); }
};

class WebhookSender {
 public:
  // Bytes of an answer's body read at most; the rest is not waited for.
  static constexpr size_t kMaxAnswerBytes = 64 * 1024;

  // One receiver's URL, its connection kept open between sends (HTTP
  // keep-alive) and opened again when the receiver closed it. One thread at
  // a time.
  class Connection {
   public:
    ~Connection();
    // POSTs `message`'s body, signed with `secret` at `at`.
    SendAttempt Send(const std::string& secret, const OutboundMessage& message,
                     absl::Time at);

   private:
    friend class WebhookSender;
    Connection() = default;
    const WebhookSenderOptions* options_ = nullptr;
    std::unique_ptr<httplib::Client> client_;  // Null: the URL is unusable.
    std::string path_;
    std::string unusable_;  // Why client_ is null.
  };

  explicit WebhookSender(WebhookSenderOptions options);

  // REQUIRES: the sender outlives the connection.
  std::unique_ptr<Connection> ConnectTo(const std::string& url) const;

 private:
  WebhookSenderOptions options_;
};

}  // namespace alertgate

#endif  // ALERTGATE_SERVER_OUTBOUND_WEBHOOK_SENDER_H_
