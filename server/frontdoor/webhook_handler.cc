#include "server/frontdoor/webhook_handler.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "server/common/webhook_signature.h"
#include "server/frontdoor/delivery_log_entry.h"

namespace alertgate {
namespace {

constexpr size_t kMaxDeliveryIdBytes = 200;
// As the delivery log's bound on event names.
constexpr size_t kMaxEventBytes = 255;

WebhookResponse Refuse(DeliveryOutcome outcome, const std::string& message) {
  WebhookResponse response;
  response.outcome = outcome;
  response.body = {
      {"error", {{"code", OutcomeName(outcome)}, {"message", message}}}};
  return response;
}

bool IsJsonContentType(absl::string_view content_type) {
  absl::string_view media = content_type.substr(0, content_type.find(';'));
  media = absl::StripAsciiWhitespace(media);
  return absl::EqualsIgnoreCase(media, "application/json");
}

// A core call failed: the sender retries 5xx, so everything transient is 503.
WebhookResponse CoreRefusal(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kAborted:
    case absl::StatusCode::kResourceExhausted: {
      WebhookResponse response =
          Refuse(DeliveryOutcome::kCoreUnavailable,
                 "the incident store is unavailable; retry this delivery");
      response.headers.emplace_back("Retry-After", "1");
      return response;
    }
    case absl::StatusCode::kNotFound:
      return Refuse(DeliveryOutcome::kUnknownKey,
                    "unknown or revoked webhook key");
    case absl::StatusCode::kInvalidArgument:
      return Refuse(DeliveryOutcome::kPluginError,
                    absl::StrCat("the source adapter produced an invalid "
                                 "alert: ",
                                 status.message()));
    default:
      return Refuse(DeliveryOutcome::kCoreError, std::string(status.message()));
  }
}

const char* IngestOutcomeWord(v1::IngestOutcome outcome) {
  switch (outcome) {
    case v1::INGEST_OUTCOME_OPENED:
      return "opened";
    case v1::INGEST_OUTCOME_FOLDED:
      return "folded";
    case v1::INGEST_OUTCOME_ACKNOWLEDGED:
      return "acknowledged";
    case v1::INGEST_OUTCOME_RESOLVED:
      return "resolved";
    case v1::INGEST_OUTCOME_ALREADY_ACKNOWLEDGED:
      return "already_acknowledged";
    case v1::INGEST_OUTCOME_NOTHING_OPEN:
      return "nothing_open";
    default:
      return "unknown";
  }
}

const char* ActionWord(v1::Action action) {
  switch (action) {
    case v1::ACTION_TRIGGER:
      return "trigger";
    case v1::ACTION_ACKNOWLEDGE:
      return "acknowledge";
    case v1::ACTION_RESOLVE:
      return "resolve";
    default:
      return "unspecified";
  }
}

// Where a source puts its delivery id, for people: "X-Request-UUID or the
// body field id".
std::string DeliveryIdPlace(const SourceAdapter& adapter) {
  std::string place = absl::StrJoin(adapter.delivery_id_headers(), " or ");
  if (!adapter.delivery_id_field().empty()) {
    absl::StrAppend(&place, place.empty() ? "" : " or ", "the body field ",
                    adapter.delivery_id_field());
  }
  return place;
}

// The first of the source's delivery-id headers present; "" if none.
std::string HeaderDeliveryId(const SourceAdapter& adapter,
                             const HttpHeaders& headers) {
  for (const std::string& header : adapter.delivery_id_headers()) {
    std::string id = FindHeader(headers, header);
    if (!id.empty()) return id;
  }
  return "";
}

}  // namespace

int HttpStatusOf(DeliveryOutcome outcome) {
  switch (outcome) {
    case DeliveryOutcome::kProcessed:
    case DeliveryOutcome::kIgnored:
      return 200;
    case DeliveryOutcome::kUnknownSource:
    case DeliveryOutcome::kUnknownKey:
      return 404;
    case DeliveryOutcome::kWrongContentType:
      return 415;
    case DeliveryOutcome::kRateLimited:
      return 429;
    case DeliveryOutcome::kBadSignature:
      return 401;
    case DeliveryOutcome::kBadDeliveryId:
    case DeliveryOutcome::kBadPayload:
    case DeliveryOutcome::kUnknownEvent:
      return 400;
    case DeliveryOutcome::kPluginError:
    case DeliveryOutcome::kCoreError:
      return 500;
    case DeliveryOutcome::kCoreUnavailable:
      return 503;
  }
  return 500;
}

const char* OutcomeName(DeliveryOutcome outcome) {
  switch (outcome) {
    case DeliveryOutcome::kProcessed:
      return "processed";
    case DeliveryOutcome::kIgnored:
      return "ignored";
    case DeliveryOutcome::kUnknownSource:
      return "unknown_source";
    case DeliveryOutcome::kWrongContentType:
      return "wrong_content_type";
    case DeliveryOutcome::kUnknownKey:
      return "unknown_key";
    case DeliveryOutcome::kRateLimited:
      return "rate_limited";
    case DeliveryOutcome::kBadSignature:
      return "bad_signature";
    case DeliveryOutcome::kBadDeliveryId:
      return "bad_delivery_id";
    case DeliveryOutcome::kBadPayload:
      return "bad_payload";
    case DeliveryOutcome::kUnknownEvent:
      return "unknown_event";
    case DeliveryOutcome::kPluginError:
      return "plugin_error";
    case DeliveryOutcome::kCoreUnavailable:
      return "core_unavailable";
    case DeliveryOutcome::kCoreError:
      return "core_error";
  }
  return "core_error";
}

bool IsCoreFailure(DeliveryOutcome outcome) {
  return outcome == DeliveryOutcome::kCoreUnavailable ||
         outcome == DeliveryOutcome::kCoreError;
}

std::string FindHeader(const HttpHeaders& headers, absl::string_view name) {
  for (const auto& [key, value] : headers) {
    if (absl::EqualsIgnoreCase(key, name)) return value;
  }
  return "";
}

struct WebhookHandler::Delivery {
  Delivery(const WebhookRequest& request_in, absl::Time signed_by_in)
      : request(request_in), signed_by(signed_by_in) {}

  const WebhookRequest& request;
  absl::Time signed_by;  // Signatures older than their window then are stale.
  const SourceAdapter* adapter = nullptr;  // From FindAdapter.
  WebhookTarget target;                    // From ResolveKey.
  std::string delivery_id;                 // From ReadDeliveryId and Convert.
  ConvertedDelivery converted;             // From Convert.
  std::vector<v1::IngestAlertResponse> answers;  // From Ingest.
  // Set by Handle(): the alerts carry the delivery's log entry, which the
  // core writes with them. A replay's entry is written by its caller.
  bool log_with_alerts = false;
  bool logged_by_core = false;  // From Ingest.

  // The event the log and metrics name: the plugin's, else the one its
  // headers name (metrics still count only the events the plugin
  // declares); "" when neither is known.
  std::string Event() const {
    if (adapter == nullptr) return "";
    if (!converted.event.empty()) return converted.event;
    if (adapter->event_headers().empty()) return "";
    std::string event =
        FindHeader(request.headers, adapter->event_headers().front());
    return event.size() <= kMaxEventBytes ? event : "";
  }

  // Labels an answer with what is known of the delivery so far. A
  // delivery refused before its id was read (a bad signature) still gets
  // the id its headers carry, for the log: the sender's redelivery shows
  // under the same id.
  WebhookResponse Labelled(WebhookResponse response) const {
    response.service = target.service_name;
    response.service_id = target.service_id;
    response.delivery_id = delivery_id;
    if (response.delivery_id.empty() && adapter != nullptr &&
        response.outcome != DeliveryOutcome::kBadDeliveryId) {
      std::string from_headers = HeaderDeliveryId(*adapter, request.headers);
      if (from_headers.size() <= kMaxDeliveryIdBytes) {
        response.delivery_id = std::move(from_headers);
      }
    }
    // Likewise the event.
    if (std::string event = Event(); !event.empty()) {
      response.metric_event = adapter->MetricEvent(event);
      response.event = std::move(event);
    }
    response.logged_by_core = logged_by_core;
    return response;
  }
};

WebhookHandler::WebhookHandler(const AdapterRegistry* registry, CoreApi* core,
                               const Clock* clock, const Options& options)
    : registry_(registry), core_(core), clock_(clock) {
  if (options.rate_per_second > 0) {
    rate_limiter_ = std::make_unique<RateLimiter>(
        options.rate_per_second, std::max(1.0, options.rate_burst));
  }
}

WebhookResponse WebhookHandler::Handle(const WebhookRequest& request) const {
  static constexpr Step kSteps[] = {
      &WebhookHandler::FindAdapter,     &WebhookHandler::CheckContentType,
      &WebhookHandler::ResolveKey,      &WebhookHandler::LimitRate,
      &WebhookHandler::VerifySignature, &WebhookHandler::ReadDeliveryId,
      &WebhookHandler::Convert,         &WebhookHandler::Ingest,
  };
  Delivery delivery(request, clock_->Now());
  delivery.log_with_alerts = true;
  for (Step step : kSteps) {
    if (std::optional<WebhookResponse> refused = (this->*step)(delivery)) {
      return delivery.Labelled(*std::move(refused));
    }
  }
  return delivery.Labelled(Accepted(delivery));
}

WebhookResponse WebhookHandler::Replay(const WebhookRequest& request,
                                       const WebhookTarget& target,
                                       absl::Time received_at) const {
  // The key was resolved when it arrived, and an admin asked: no key, no
  // rate limit. Everything else as on arrival.
  static constexpr Step kSteps[] = {
      &WebhookHandler::FindAdapter,     &WebhookHandler::CheckContentType,
      &WebhookHandler::VerifySignature, &WebhookHandler::ReadDeliveryId,
      &WebhookHandler::Convert,         &WebhookHandler::Ingest,
  };
  Delivery delivery(request, received_at);
  delivery.target = target;
  for (Step step : kSteps) {
    if (std::optional<WebhookResponse> refused = (this->*step)(delivery)) {
      return delivery.Labelled(*std::move(refused));
    }
  }
  return delivery.Labelled(Accepted(delivery));
}

std::optional<WebhookResponse> WebhookHandler::FindAdapter(
    Delivery& delivery) const {
  delivery.adapter = registry_->Find(delivery.request.source);
  if (delivery.adapter != nullptr) return std::nullopt;
  return Refuse(
      DeliveryOutcome::kUnknownSource,
      absl::StrCat("no alert source named \"", delivery.request.source,
                   "\" is loaded; GET /v1/sources lists them"));
}

std::optional<WebhookResponse> WebhookHandler::CheckContentType(
    Delivery& delivery) const {
  if (IsJsonContentType(FindHeader(delivery.request.headers, "Content-Type"))) {
    return std::nullopt;
  }
  return Refuse(DeliveryOutcome::kWrongContentType,
                "Content-Type must be application/json");
}

std::optional<WebhookResponse> WebhookHandler::ResolveKey(
    Delivery& delivery) const {
  absl::StatusOr<WebhookTarget> target = core_->ResolveWebhookKey(
      delivery.request.source, delivery.request.webhook_key);
  if (target.ok()) {
    delivery.target = *std::move(target);
    return std::nullopt;
  }
  if (absl::IsInvalidArgument(target.status())) {
    return Refuse(DeliveryOutcome::kUnknownKey,
                  "unknown or revoked webhook key");
  }
  return CoreRefusal(target.status());
}

std::optional<WebhookResponse> WebhookHandler::LimitRate(
    Delivery& delivery) const {
  absl::Duration retry_after;
  if (!rate_limiter_ || rate_limiter_->Allow(delivery.target.service_id,
                                             clock_->Now(), &retry_after)) {
    return std::nullopt;
  }
  WebhookResponse response =
      Refuse(DeliveryOutcome::kRateLimited,
             absl::StrCat("service ", delivery.target.service_name,
                          " is over its delivery rate limit; retry later"));
  const int64_t seconds =
      std::max<int64_t>(1, std::ceil(absl::ToDoubleSeconds(retry_after)));
  response.headers.emplace_back("Retry-After", absl::StrCat(seconds));
  return response;
}

std::optional<WebhookResponse> WebhookHandler::VerifySignature(
    Delivery& delivery) const {
  const SourceAdapter& adapter = *delivery.adapter;
  const WebhookRequest& request = delivery.request;
  if (delivery.target.webhook_secret.empty() ||
      adapter.signature_scheme() == AG_SIGNATURE_NONE) {
    return std::nullopt;
  }
  const std::string signature =
      FindHeader(request.headers, adapter.signature_header());
  const std::string event =
      adapter.event_headers().empty()
          ? ""
          : FindHeader(request.headers, adapter.event_headers().front());
  if (signature.empty() && adapter.AcceptsUnsigned(event)) return std::nullopt;
  absl::Status verified = VerifyDeliverySignature(
      adapter.signature_scheme(), signature, delivery.target.webhook_secret,
      request.body, delivery.signed_by);
  if (verified.ok()) return std::nullopt;
  return Refuse(DeliveryOutcome::kBadSignature,
                std::string(verified.message()));
}

std::optional<WebhookResponse> WebhookHandler::ReadDeliveryId(
    Delivery& delivery) const {
  delivery.delivery_id =
      HeaderDeliveryId(*delivery.adapter, delivery.request.headers);
  if (delivery.delivery_id.size() <= kMaxDeliveryIdBytes) return std::nullopt;
  delivery.delivery_id.clear();  // Not echoed: it is not a valid id.
  return Refuse(DeliveryOutcome::kBadDeliveryId,
                "delivery id longer than 200 bytes");
}

std::optional<WebhookResponse> WebhookHandler::Convert(
    Delivery& delivery) const {
  delivery.converted = delivery.adapter->Convert(delivery.request.headers,
                                                 delivery.request.body);
  ConvertedDelivery& converted = delivery.converted;
  // A header wins; otherwise the id the plugin read from the body.
  if (delivery.delivery_id.empty() && !converted.delivery_id.empty()) {
    if (converted.delivery_id.size() > kMaxDeliveryIdBytes) {
      return Refuse(DeliveryOutcome::kBadDeliveryId,
                    "delivery id longer than 200 bytes");
    }
    delivery.delivery_id = converted.delivery_id;
  }
  switch (converted.code) {
    case ConvertedDelivery::Code::kOk:
      return std::nullopt;
    case ConvertedDelivery::Code::kBadPayload:
      converted.event.clear();  // Not understood: logged as "invalid".
      return Refuse(DeliveryOutcome::kBadPayload, converted.message);
    case ConvertedDelivery::Code::kUnknownEvent:
      converted.event.clear();
      return Refuse(DeliveryOutcome::kUnknownEvent, converted.message);
    case ConvertedDelivery::Code::kInternal:
      converted.event.clear();
      return Refuse(DeliveryOutcome::kPluginError, converted.message);
  }
  return Refuse(DeliveryOutcome::kPluginError, converted.message);
}

std::optional<WebhookResponse> WebhookHandler::Ingest(
    Delivery& delivery) const {
  std::vector<v1::Alert>& alerts = delivery.converted.alerts;
  const size_t count = alerts.size();
  for (size_t i = 0; i < count; ++i) {
    v1::Alert& alert = alerts[i];
    alert.set_service_id(delivery.target.service_id);
    alert.set_source(delivery.request.source);
    if (!delivery.delivery_id.empty()) {
      alert.set_idempotency_key(
          count == 1 ? delivery.delivery_id
                     : absl::StrCat(delivery.delivery_id, "#", i));
    }
  }
  // The log entry goes with the alerts: one write, and logged exactly when
  // they are applied (a failed call is logged, or not, as any refusal).
  std::optional<v1::Delivery> entry;
  if (delivery.log_with_alerts && count > 0) {
    entry = EntryWithAlerts(delivery.request, delivery.target.service_id,
                            delivery.Event(), delivery.delivery_id,
                            delivery.signed_by);
  }
  // One alert: IngestAlert. Several (a push of several refs, the ping, a
  // generic array): one IngestAlerts call, committed together. The answer
  // names each incident and its state (Accepted()); the incidents' content
  // is what the alerts just said, so the core leaves it out (BASIC).
  if (count == 1) {
    v1::IngestAlertRequest one;
    one.set_view(v1::INGEST_VIEW_BASIC);
    *one.mutable_alert() = std::move(alerts[0]);
    if (entry) *one.mutable_delivery() = *std::move(entry);
    absl::StatusOr<v1::IngestAlertResponse> ingested = core_->IngestAlert(one);
    alerts[0] = std::move(*one.mutable_alert());  // Accepted() reads it.
    if (!ingested.ok()) return CoreRefusal(ingested.status());
    delivery.answers.push_back(*std::move(ingested));
  } else if (count > 1) {
    v1::IngestAlertsRequest batch;
    batch.set_view(v1::INGEST_VIEW_BASIC);
    batch.mutable_alerts()->Reserve(static_cast<int>(count));
    for (v1::Alert& alert : alerts) *batch.add_alerts() = std::move(alert);
    if (entry) *batch.mutable_delivery() = *std::move(entry);
    absl::StatusOr<v1::IngestAlertsResponse> ingested =
        core_->IngestAlerts(batch);
    for (size_t i = 0; i < count; ++i) {  // Accepted() reads them.
      alerts[i] = std::move(*batch.mutable_alerts(static_cast<int>(i)));
    }
    if (!ingested.ok()) return CoreRefusal(ingested.status());
    delivery.answers.assign(ingested->results().begin(),
                            ingested->results().end());
  }
  delivery.logged_by_core = entry.has_value();
  return std::nullopt;
}

WebhookResponse WebhookHandler::Accepted(const Delivery& delivery) const {
  const ConvertedDelivery& converted = delivery.converted;
  nlohmann::json results = nlohmann::json::array();
  for (size_t i = 0; i < delivery.answers.size(); ++i) {
    const v1::Alert& alert = converted.alerts[i];
    const v1::IngestAlertResponse& answer = delivery.answers[i];
    nlohmann::json result = {{"dedup_key", alert.dedup_key()},
                             {"action", ActionWord(alert.action())},
                             {"outcome", IngestOutcomeWord(answer.outcome())},
                             {"replayed", answer.replayed()}};
    if (answer.has_incident()) result["incident_id"] = answer.incident().id();
    results.push_back(std::move(result));
  }
  WebhookResponse response;
  const bool ignored = converted.alerts.empty();
  response.outcome =
      ignored ? DeliveryOutcome::kIgnored : DeliveryOutcome::kProcessed;
  response.body = {{"delivery_id", delivery.delivery_id},
                   {"event", converted.event},
                   {"service", delivery.target.service_name},
                   {"alerts", std::move(results)}};
  if (ignored) response.body["ignored"] = converted.message;
  // Without a delivery id there is no idempotency key: a redelivery of the
  // same content is applied again. Say so, so that nobody assumes otherwise.
  response.body["idempotent"] = !delivery.delivery_id.empty();
  if (delivery.delivery_id.empty()) {
    const SourceAdapter& adapter = *delivery.adapter;
    const std::string& source = delivery.request.source;
    response.body["note"] =
        adapter.HasDeliveryIds()
            ? absl::StrCat("this delivery carried no delivery id (", source,
                           " sends one in ", DeliveryIdPlace(adapter),
                           "); a redelivery would be applied again")
            : absl::StrCat(source,
                           " deliveries carry no delivery id; a redelivery "
                           "is applied again");
  }
  return response;
}

}  // namespace alertgate
