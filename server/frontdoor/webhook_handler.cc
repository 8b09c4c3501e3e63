#include "server/frontdoor/webhook_handler.h"

#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "server/core/state_machine.h"
#include "server/frontdoor/webhook_signature.h"
#include "server/grpc/proto_conversion.h"

namespace alertgate {
namespace {

constexpr size_t kMaxDeliveryIdBytes = 200;

WebhookResponse Error(int status, const std::string& outcome,
                      const std::string& message) {
  WebhookResponse response;
  response.status = status;
  response.outcome = outcome;
  response.body = {{"error", {{"code", outcome}, {"message", message}}}};
  return response;
}

bool IsJsonContentType(absl::string_view content_type) {
  absl::string_view media = content_type.substr(0, content_type.find(';'));
  media = absl::StripAsciiWhitespace(media);
  return absl::EqualsIgnoreCase(media, "application/json");
}

// A core call failed: the sender retries 5xx, so everything transient is 503.
WebhookResponse CoreError(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kAborted:
    case absl::StatusCode::kResourceExhausted: {
      WebhookResponse response =
          Error(503, "core_unavailable",
                "the incident store is unavailable; retry this delivery");
      response.headers.emplace_back("Retry-After", "1");
      return response;
    }
    case absl::StatusCode::kNotFound:
      return Error(404, "unknown_key", "unknown or revoked webhook key");
    case absl::StatusCode::kInvalidArgument:
      return Error(500, "plugin_error",
                   absl::StrCat("the source adapter produced an invalid alert: ",
                                status.message()));
    default:
      return Error(500, "core_error", std::string(status.message()));
  }
}

const char* OutcomeName(v1::IngestOutcome outcome) {
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

// Labels an error answer with what is known of the delivery, for the log.
WebhookResponse WithDelivery(WebhookResponse response, const std::string& event,
                             const std::string& service,
                             const std::string& delivery_id) {
  response.event = event;
  response.service = service;
  response.delivery_id = delivery_id;
  return response;
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

}  // namespace

std::string FindHeader(const HttpHeaders& headers, absl::string_view name) {
  for (const auto& [key, value] : headers) {
    if (absl::EqualsIgnoreCase(key, name)) return value;
  }
  return "";
}

WebhookHandler::WebhookHandler(const AdapterRegistry* registry,
                               CoreClient* core, const Clock* clock,
                               const Options& options)
    : registry_(registry), core_(core), clock_(clock) {
  if (options.rate_per_second > 0) {
    rate_limiter_ = std::make_unique<RateLimiter>(
        options.rate_per_second, std::max(1.0, options.rate_burst));
  }
}

WebhookResponse WebhookHandler::Handle(const WebhookRequest& request) {
  const SourceAdapter* adapter = registry_->Find(request.source);
  if (adapter == nullptr) {
    return Error(404, "unknown_source",
                 absl::StrCat("no alert source named \"", request.source,
                              "\" is loaded; GET /v1/sources lists them"));
  }
  if (!IsJsonContentType(FindHeader(request.headers, "Content-Type"))) {
    return Error(415, "wrong_content_type",
                 "Content-Type must be application/json");
  }

  absl::StatusOr<WebhookTarget> target =
      core_->ResolveWebhookKey(request.source, request.webhook_key);
  if (!target.ok()) {
    if (absl::IsInvalidArgument(target.status())) {
      return Error(404, "unknown_key", "unknown or revoked webhook key");
    }
    return CoreError(target.status());
  }

  absl::Duration retry_after;
  if (rate_limiter_ &&
      !rate_limiter_->Allow(target->service_id, clock_->Now(), &retry_after)) {
    WebhookResponse response = Error(
        429, "rate_limited",
        absl::StrCat("service ", target->service_name,
                     " is over its delivery rate limit; retry later"));
    response.headers.emplace_back(
        "Retry-After",
        absl::StrCat(std::max<int64_t>(1, std::ceil(absl::ToDoubleSeconds(retry_after)))));
    response.service = target->service_name;
    return response;
  }

  if (!target->webhook_secret.empty() &&
      adapter->signature_scheme() != AG_SIGNATURE_NONE) {
    const std::string signature =
        FindHeader(request.headers, adapter->signature_header());
    const std::string event_value =
        adapter->event_headers().empty()
            ? ""
            : FindHeader(request.headers, adapter->event_headers().front());
    const bool unsigned_allowed =
        signature.empty() && adapter->AcceptsUnsigned(event_value);
    if (!unsigned_allowed) {
      absl::Status verified = VerifyDeliverySignature(
          adapter->signature_scheme(), signature, target->webhook_secret,
          request.body, clock_->Now());
      if (!verified.ok()) {
        WebhookResponse response =
            Error(401, "bad_signature", std::string(verified.message()));
        response.service = target->service_name;
        return response;
      }
    }
  }

  std::string delivery_id;
  for (const std::string& header : adapter->delivery_id_headers()) {
    delivery_id = FindHeader(request.headers, header);
    if (!delivery_id.empty()) break;
  }
  if (delivery_id.size() > kMaxDeliveryIdBytes) {
    return Error(400, "bad_delivery_id", "delivery id longer than 200 bytes");
  }

  ConvertedDelivery converted = adapter->Convert(request.headers, request.body);
  // A header wins; otherwise the id the plugin read from the body.
  if (delivery_id.empty() && !converted.delivery_id.empty()) {
    delivery_id = std::move(converted.delivery_id);
    if (delivery_id.size() > kMaxDeliveryIdBytes) {
      return Error(400, "bad_delivery_id", "delivery id longer than 200 bytes");
    }
  }
  switch (converted.code) {
    case ConvertedDelivery::Code::kOk:
      break;
    case ConvertedDelivery::Code::kBadPayload:
      return WithDelivery(Error(400, "bad_payload", converted.message),
                          "invalid", target->service_name, delivery_id);
    case ConvertedDelivery::Code::kUnknownEvent:
      return WithDelivery(Error(400, "unknown_event", converted.message),
                          "invalid", target->service_name, delivery_id);
    case ConvertedDelivery::Code::kInternal:
      return WithDelivery(Error(500, "plugin_error", converted.message),
                          "invalid", target->service_name, delivery_id);
  }

  // One alert: IngestAlert. Several (a push of several refs, the ping, a
  // generic array): one IngestAlerts call, committed together.
  const size_t count = converted.alerts.size();
  v1::IngestAlertsRequest batch;
  for (size_t i = 0; i < count; ++i) {
    Alert& alert = converted.alerts[i];
    alert.service_id = target->service_id;
    alert.source = request.source;
    if (!delivery_id.empty()) {
      alert.idempotency_key =
          count == 1 ? delivery_id : absl::StrCat(delivery_id, "#", i);
    }
    *batch.add_alerts() = AlertToProto(alert);
  }
  std::vector<v1::IngestAlertResponse> answers;
  if (count == 1) {
    absl::StatusOr<v1::IngestAlertResponse> ingested =
        core_->IngestAlert(batch.alerts(0));
    if (ingested.ok()) {
      answers.push_back(*std::move(ingested));
    } else {
      return WithDelivery(CoreError(ingested.status()), converted.event,
                          target->service_name, delivery_id);
    }
  } else if (count > 1) {
    absl::StatusOr<v1::IngestAlertsResponse> ingested = core_->IngestAlerts(batch);
    if (!ingested.ok()) {
      return WithDelivery(CoreError(ingested.status()), converted.event,
                          target->service_name, delivery_id);
    }
    answers.assign(ingested->results().begin(), ingested->results().end());
  }
  nlohmann::json results = nlohmann::json::array();
  for (size_t i = 0; i < answers.size(); ++i) {
    const Alert& alert = converted.alerts[i];
    const v1::IngestAlertResponse& answer = answers[i];
    nlohmann::json result = {{"dedup_key", alert.dedup_key},
                             {"action", absl::AsciiStrToLower(ActionName(alert.action))},
                             {"outcome", OutcomeName(answer.outcome())},
                             {"replayed", answer.replayed()}};
    if (answer.has_incident()) result["incident_id"] = answer.incident().id();
    results.push_back(std::move(result));
  }
  WebhookResponse response;
  response.service = target->service_name;
  response.delivery_id = delivery_id;
  response.event = converted.event;
  response.status = 200;
  response.outcome = count == 0 ? "ignored" : "processed";
  response.body = {{"delivery_id", delivery_id},
                   {"event", converted.event},
                   {"service", target->service_name},
                   {"alerts", std::move(results)}};
  if (count == 0) response.body["ignored"] = converted.message;
  // Without a delivery id there is no idempotency key: a redelivery of the
  // same content is applied again. Say so, so that nobody assumes otherwise.
  response.body["idempotent"] = !delivery_id.empty();
  if (delivery_id.empty()) {
    response.body["note"] =
        adapter->HasDeliveryIds()
            ? absl::StrCat("this delivery carried no delivery id (",
                           request.source, " sends one in ",
                           DeliveryIdPlace(*adapter),
                           "); a redelivery would be applied again")
            : absl::StrCat(request.source,
                           " deliveries carry no delivery id; a redelivery "
                           "is applied again");
  }
  return response;
}

}  // namespace alertgate
