#include "server/model/outbound_webhook.h"

namespace alertgate {

absl::string_view NotifyEventName(NotifyEvent event) {
  switch (event) {
    case NotifyEvent::kTriggered:
      return "triggered";
    case NotifyEvent::kAcknowledged:
      return "acknowledged";
    case NotifyEvent::kResolved:
      return "resolved";
    case NotifyEvent::kSuppressed:
      return "suppressed";
  }
  return "unknown";
}

absl::string_view OutboundStateName(OutboundState state) {
  switch (state) {
    case OutboundState::kPending:
      return "pending";
    case OutboundState::kDelivered:
      return "delivered";
    case OutboundState::kDeadLettered:
      return "dead_lettered";
  }
  return "unknown";
}

}  // namespace alertgate
