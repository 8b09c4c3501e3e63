// Outbox: what operators see and do with the outbound webhook messages the
// core writes (incident_core.h) and the dispatcher sends
// (server/outbound/outbound_dispatcher.h): list them, and send one again.
//
// Thread safety: all methods are safe to call concurrently.
#ifndef ALERTGATE_SERVER_CORE_OUTBOX_H_
#define ALERTGATE_SERVER_CORE_OUTBOX_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "server/common/clock.h"
#include "server/model/outbound_webhook.h"
#include "server/store/incident_store.h"

namespace alertgate {

struct OutboundPage {
  std::vector<OutboundMessage> messages;
  std::string next_page_token;  // "" on the last page.
};

class Outbox {
 public:
  static constexpr int kDefaultPageSize = 50;
  static constexpr int kMaxPageSize = 500;

  // REQUIRES: both outlive the outbox.
  Outbox(IncidentStore* store, const Clock* clock);

  // A service's messages (in `state`, unless nullopt), newest first.
  // NOT_FOUND for an unknown service.
  absl::StatusOr<OutboundPage> List(const std::string& service_id,
                                    std::optional<OutboundState> state,
                                    int page_size,
                                    const std::string& page_token);

  // Makes message `id` due now, once more, on behalf of `actor` (audited).
  // A dead-lettered one that fails again is dead-lettered again.
  // NOT_FOUND for an unknown id; FAILED_PRECONDITION while it is pending.
  absl::StatusOr<OutboundMessage> Redeliver(const std::string& id,
                                            const std::string& actor);

 private:
  IncidentStore* store_;
  const Clock* clock_;
};

}  // namespace alertgate

#endif  // ALERTGATE_SERVER_CORE_OUTBOX_H_
