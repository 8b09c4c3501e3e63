// WebhookHandler: one webhook delivery from request to answer. It owns the
// HTTP meaning of a delivery — which status code and JSON answer each case
// gets — but no sockets: FrontDoorServer feeds it requests.
//
// In order: the source must have a loaded adapter (404), the body must be
// JSON (415), the webhook key must name a service (404), the service must be
// within its rate limit (429), the signature must verify when the service
// has a secret for the source (401), the adapter must understand the body
// (400), and every alert must be committed by the core (503 if the core is
// unavailable, so the sender retries; idempotency keys make the retry safe).
// Only then 200. Nothing is sent to the core before the signature is checked.
//
// Thread safety: Handle() is called concurrently.
#ifndef ALERTGATE_SERVER_FRONTDOOR_WEBHOOK_HANDLER_H_
#define ALERTGATE_SERVER_FRONTDOOR_WEBHOOK_HANDLER_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "adapters/loader/adapter_registry.h"
#include "nlohmann/json.hpp"
#include "server/core/clock.h"
#include "server/frontdoor/core_client.h"
#include "server/frontdoor/rate_limiter.h"

namespace alertgate {

struct WebhookRequest {
  std::string source;
  std::string webhook_key;
  HttpHeaders headers;  // As received.
  absl::string_view body;
};

struct WebhookResponse {
  int status = 200;
  nlohmann::json body;
  std::vector<std::pair<std::string, std::string>> headers;
  // For the delivery log and metrics; never holds keys, secrets or bodies.
  std::string outcome;
  std::string event = "invalid";
  std::string delivery_id;
  std::string service;
};

class WebhookHandler {
 public:
  struct Options {
    // Deliveries per second and burst per service; 0 turns limiting off.
    double rate_per_second = 0;
    double rate_burst = 0;
  };

  // REQUIRES: the arguments outlive the handler.
  WebhookHandler(const AdapterRegistry* registry, CoreClient* core,
                 const Clock* clock, const Options& options);

  WebhookResponse Handle(const WebhookRequest& request);

 private:
  const AdapterRegistry* registry_;
  CoreClient* core_;
  const Clock* clock_;
  std::unique_ptr<RateLimiter> rate_limiter_;  // Null: no limit.
};

// The value of header `name` (case-insensitive); empty if absent.
std::string FindHeader(const HttpHeaders& headers, absl::string_view name);

}  // namespace alertgate

#endif  // ALERTGATE_SERVER_FRONTDOOR_WEBHOOK_HANDLER_H_
