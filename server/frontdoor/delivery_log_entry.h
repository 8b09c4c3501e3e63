// What the delivery log records of an answered delivery: only deliveries
// for a known service (the webhook key resolved), and only outcomes the
// sender caused. Unknown keys and sources belong to no service, and the
// core's own failures are the core's (both are in the metrics).
//
// A delivery refused for its signature or payload carries its request
// (headers but Authorization, Proxy-Authorization and Cookie; the body if
// at most kMaxKeptBodyBytes), so that an admin can replay it once the
// secret or the plugin is fixed.
#ifndef ALERTGATE_SERVER_FRONTDOOR_DELIVERY_LOG_ENTRY_H_
#define ALERTGATE_SERVER_FRONTDOOR_DELIVERY_LOG_ENTRY_H_

#include <optional>

#include "absl/time/time.h"
#include "alertgate/v1/service_directory.pb.h"
#include "server/frontdoor/webhook_handler.h"

namespace alertgate {

// As DeliveryLog::kMaxKeptBodyBytes in the core, which refuses larger.
constexpr size_t kMaxKeptBodyBytes = 1 << 20;

std::optional<v1::Delivery> DeliveryLogEntry(const WebhookRequest& request,
                                             const WebhookResponse& response,
                                             absl::Time received_at);

// The entry of a delivery whose alerts go to the core: sent with them, so
// that the core records it in their transaction and sets its outcome and
// incident ids. The rest as DeliveryLogEntry() would fill it.
v1::Delivery EntryWithAlerts(const WebhookRequest& request,
                             const std::string& service_id,
                             const std::string& event,
                             const std::string& delivery_id,
                             absl::Time received_at);

}  // namespace alertgate

#endif  // ALERTGATE_SERVER_FRONTDOOR_DELIVERY_LOG_ENTRY_H_
