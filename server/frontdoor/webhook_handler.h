// WebhookHandler: one webhook delivery from request to answer. It owns the
// HTTP meaning of a delivery — which status code and JSON answer each case
// gets — but no sockets: FrontDoorServer feeds it requests.
//
// A delivery goes through these steps, in order, and the first that refuses
// it answers:
//   1. FindAdapter       a plugin for the source is loaded        else 404
//   2. CheckContentType  the body is JSON                         else 415
//   3. ResolveKey        the webhook key names a service          else 404
//   4. LimitRate         the service is within its rate limit     else 429
//   5. VerifySignature   when the (service, source) has a secret  else 401
//   6. ReadDeliveryId    at most 200 bytes                        else 400
//   7. Convert           the plugin understands the body          else 400
//   8. Ingest            the core commits every alert             else 503
// Only then 200. Nothing is sent to the core before the signature is checked;
// 503 carries Retry-After, and idempotency keys make the sender's retry safe.
// (413, 431 and framing errors are the HttpListener's, before any step.)
//
// Each answer carries a DeliveryOutcome, which fixes its HTTP status and its
// metric label; nothing compares strings to pick either.
//
// Thread safety: Handle() is called concurrently.
#ifndef ALERTGATE_SERVER_FRONTDOOR_WEBHOOK_HANDLER_H_
#define ALERTGATE_SERVER_FRONTDOOR_WEBHOOK_HANDLER_H_

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "adapters/loader/adapter_registry.h"
#include "nlohmann/json.hpp"
#include "server/common/clock.h"
#include "server/frontdoor/core_api.h"
#include "server/frontdoor/rate_limiter.h"

namespace alertgate {

// What became of one delivery.
enum class DeliveryOutcome {
  kProcessed,         // 200: every alert committed.
  kIgnored,           // 200: understood, nothing to alert.
  kUnknownSource,     // 404: no plugin for the source.
  kWrongContentType,  // 415
  kUnknownKey,        // 404: unknown, revoked or malformed webhook key.
  kRateLimited,       // 429, with Retry-After.
  kBadSignature,      // 401
  kBadDeliveryId,     // 400: longer than 200 bytes.
  kBadPayload,        // 400: the plugin could not read the body.
  kUnknownEvent,      // 400: the plugin does not know the event.
  kPluginError,       // 500: the plugin failed or produced invalid alerts.
  kCoreUnavailable,   // 503, with Retry-After: the sender retries.
  kCoreError,         // 500: the core refused for another reason.
};

// The HTTP status of an outcome.
int HttpStatusOf(DeliveryOutcome outcome);
// Its name in answers ("error.code"), logs and the metrics' outcome label.
const char* OutcomeName(DeliveryOutcome outcome);
// True for the outcomes that count as core errors in the metrics.
bool IsCoreFailure(DeliveryOutcome outcome);

struct WebhookRequest {
  std::string source;
  std::string webhook_key;
  HttpHeaders headers;  // As received.
  absl::string_view body;
};

struct WebhookResponse {
  DeliveryOutcome outcome = DeliveryOutcome::kProcessed;
  nlohmann::json body;
  std::vector<std::pair<std::string, std::string>> headers;
  // For the delivery log and metrics; never holds keys, secrets or bodies.
  std::string event = "invalid";         // As the plugin named it.
  std::string metric_event = "invalid";  // Declared by the plugin, or "other".
  std::string delivery_id;
  std::string service;
  std::string service_id;  // Once the webhook key resolved.
  // True when the core wrote the delivery-log entry with the alerts (in
  // their transaction): nobody else records this delivery then.
  bool logged_by_core = false;

  int status() const { return HttpStatusOf(outcome); }
};

class WebhookHandler {
 public:
  struct Options {
    // Deliveries per second and burst per service; 0 turns limiting off.
    double rate_per_second = 0;
    double rate_burst = 0;
  };

  // REQUIRES: the arguments outlive the handler.
  WebhookHandler(const AdapterRegistry* registry, CoreApi* core,
                 const Clock* clock, const Options& options);

  WebhookResponse Handle(const WebhookRequest& request) const;
  // A delivery kept from `received_at` again (ReplayDelivery), for the
  // service and secret of `target` now: every step but ResolveKey (the key
  // of `request` is ignored) and LimitRate, with signature timestamps aged
  // against `received_at` rather than now.
  WebhookResponse Replay(const WebhookRequest& request,
                         const WebhookTarget& target,
                         absl::Time received_at) const;

 private:
  struct Delivery;  // What the steps learn, in order.
  using Step =
      std::optional<WebhookResponse> (WebhookHandler::*)(Delivery&) const;

  std::optional<WebhookResponse> FindAdapter(Delivery& delivery) const;
  std::optional<WebhookResponse> CheckContentType(Delivery& delivery) const;
  std::optional<WebhookResponse> ResolveKey(Delivery& delivery) const;
  std::optional<WebhookResponse> LimitRate(Delivery& delivery) const;
  std::optional<WebhookResponse> VerifySignature(Delivery& delivery) const;
  std::optional<WebhookResponse> ReadDeliveryId(Delivery& delivery) const;
  std::optional<WebhookResponse> Convert(Delivery& delivery) const;
  std::optional<WebhookResponse> Ingest(Delivery& delivery) const;
  WebhookResponse Accepted(const Delivery& delivery) const;

  const AdapterRegistry* registry_;
  CoreApi* core_;
  const Clock* clock_;
  std::unique_ptr<RateLimiter> rate_limiter_;  // Null: no limit.
};

// The value of header `name` (case-insensitive); empty if absent.
std::string FindHeader(const HttpHeaders& headers, absl::string_view name);

}  // namespace alertgate

#endif  // ALERTGATE_SERVER_FRONTDOOR_WEBHOOK_HANDLER_H_
