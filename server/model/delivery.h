// The delivery log: one entry per webhook delivery the front door answered
// for a known service and source, with what became of it. Deliveries to
// unknown keys belong to no service and are only counted (metrics).
#ifndef ALERTGATE_SERVER_MODEL_DELIVERY_H_
#define ALERTGATE_SERVER_MODEL_DELIVERY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"

namespace alertgate {

enum class DeliveryResult {
  kAccepted = 1,      // Its alerts were ingested.
  kReplayed = 2,      // A redelivery: the first answer again, no new effect.
  kIgnored = 3,       // An event the source does not turn into alerts.
  kBadSignature = 4,  // Refused: signature missing, wrong or stale.
  kBadPayload = 5,    // Refused: the plugin could not read it.
  kRateLimited = 6,   // Refused: over the service's delivery rate.
};

struct Delivery {
  std::string id;  // Assigned by the core: time-ordered, newest sorts last.
  std::string service_id;
  std::string source;
  absl::Time received_at;
  std::string event;        // The source's event name, e.g. repo:push.
  std::string delivery_id;  // The sender's, e.g. X-Request-UUID; may be "".
  int http_status = 0;
  DeliveryResult outcome = DeliveryResult::kAccepted;
  std::string reason;  // Why it was ignored or refused; "" when accepted.
  std::vector<std::string> incident_ids;  // The incidents it touched.
  int64_t body_bytes = 0;
  // The id of the entry this delivery replays (ReplayDelivery); "" for one
  // a sender made.
  std::string replay_of;
  // Read from the store: true while the body below is kept (it may be
  // dropped before the entry, when its service keeps too many bytes).
  bool body_kept = false;
  // Refused deliveries only (bad signature or payload), for a replay once
  // the secret or the plugin is fixed; kept for a bounded time and size.
  std::optional<std::vector<std::pair<std::string, std::string>>> kept_headers;
  std::optional<std::string> body;
};

}  // namespace alertgate

#endif  // ALERTGATE_SERVER_MODEL_DELIVERY_H_
