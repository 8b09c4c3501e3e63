#include "server/frontdoor/delivery_log_entry.h"

#include <string>

#include "absl/strings/match.h"

namespace alertgate {
namespace {

std::optional<v1::DeliveryOutcome> LogOutcome(const WebhookResponse& response) {
  switch (response.outcome) {
    case DeliveryOutcome::kProcessed: {
      // A redelivery when every alert was answered as the first time.
      const nlohmann::json& alerts =
          response.body.value("alerts", nlohmann::json::array());
      bool all_replayed = !alerts.empty();
      for (const nlohmann::json& alert : alerts) {
        all_replayed = all_replayed && alert.value("replayed", false);
      }
      return all_replayed ? v1::DELIVERY_OUTCOME_REPLAYED
                          : v1::DELIVERY_OUTCOME_ACCEPTED;
    }
    case DeliveryOutcome::kIgnored:
      return v1::DELIVERY_OUTCOME_IGNORED;
    case DeliveryOutcome::kRateLimited:
      return v1::DELIVERY_OUTCOME_RATE_LIMITED;
    case DeliveryOutcome::kBadSignature:
      return v1::DELIVERY_OUTCOME_BAD_SIGNATURE;
    case DeliveryOutcome::kBadDeliveryId:
    case DeliveryOutcome::kBadPayload:
    case DeliveryOutcome::kUnknownEvent:
    case DeliveryOutcome::kPluginError:
      return v1::DELIVERY_OUTCOME_BAD_PAYLOAD;
    case DeliveryOutcome::kUnknownSource:
    case DeliveryOutcome::kWrongContentType:
    case DeliveryOutcome::kUnknownKey:
    case DeliveryOutcome::kCoreUnavailable:
    case DeliveryOutcome::kCoreError:
      return std::nullopt;
  }
  return std::nullopt;
}

bool IsKeptForReplay(v1::DeliveryOutcome outcome) {
  return outcome == v1::DELIVERY_OUTCOME_BAD_SIGNATURE ||
         outcome == v1::DELIVERY_OUTCOME_BAD_PAYLOAD;
}

// Never kept: they may carry credentials of systems other than alertgate.
bool IsCredentialHeader(absl::string_view name) {
  return absl::EqualsIgnoreCase(name, "Authorization") ||
         absl::EqualsIgnoreCase(name, "Proxy-Authorization") ||
         absl::EqualsIgnoreCase(name, "Cookie");
}

// The fields every entry has.
v1::Delivery BaseEntry(const WebhookRequest& request,
                       const std::string& service_id, const std::string& event,
                       const std::string& delivery_id, absl::Time received_at,
                       int http_status) {
  v1::Delivery entry;
  entry.set_service_id(service_id);
  entry.set_source(request.source);
  const int64_t micros = absl::ToUnixMicros(received_at);
  entry.mutable_received_at()->set_seconds(micros / 1000000);
  entry.mutable_received_at()->set_nanos(static_cast<int>(micros % 1000000) *
                                         1000);
  entry.set_event(event);
  entry.set_delivery_id(delivery_id);
  entry.set_http_status(http_status);
  entry.set_body_bytes(static_cast<int64_t>(request.body.size()));
  return entry;
}

}  // namespace

v1::Delivery EntryWithAlerts(const WebhookRequest& request,
                             const std::string& service_id,
                             const std::string& event,
                             const std::string& delivery_id,
                             absl::Time received_at) {
  v1::Delivery entry =
      BaseEntry(request, service_id, event, delivery_id, received_at,
                HttpStatusOf(DeliveryOutcome::kProcessed));
  entry.set_outcome(v1::DELIVERY_OUTCOME_ACCEPTED);  // The core decides.
  return entry;
}

std::optional<v1::Delivery> DeliveryLogEntry(const WebhookRequest& request,
                                             const WebhookResponse& response,
                                             absl::Time received_at) {
  if (response.service_id.empty()) return std::nullopt;
  std::optional<v1::DeliveryOutcome> outcome = LogOutcome(response);
  if (!outcome) return std::nullopt;
  v1::Delivery entry =
      BaseEntry(request, response.service_id, response.event,
                response.delivery_id, received_at, response.status());
  entry.set_outcome(*outcome);
  if (response.body.contains("error")) {
    entry.set_reason(response.body["error"].value("message", ""));
  } else if (response.body.contains("ignored")) {
    entry.set_reason(response.body["ignored"].get<std::string>());
  }
  for (const nlohmann::json& alert :
       response.body.value("alerts", nlohmann::json::array())) {
    if (alert.contains("incident_id")) {
      entry.add_incident_ids(alert["incident_id"].get<std::string>());
    }
  }
  if (IsKeptForReplay(*outcome) && request.body.size() <= kMaxKeptBodyBytes) {
    v1::KeptRequest* kept = entry.mutable_kept_request();
    for (const auto& [name, value] : request.headers) {
      if (IsCredentialHeader(name)) continue;
      v1::HttpHeader* header = kept->add_headers();
      header->set_name(name);
      header->set_value(value);
    }
    kept->set_body(std::string(request.body));
  }
  return entry;
}

}  // namespace alertgate
