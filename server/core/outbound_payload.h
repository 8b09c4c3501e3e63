// What an outbound webhook sends: the body of one message, built when the
// incident change is recorded (so it tells the incident as it was then) in
// the subscription's format. docs/rules.md shows both formats.
#ifndef ALERTGATE_SERVER_CORE_OUTBOUND_PAYLOAD_H_
#define ALERTGATE_SERVER_CORE_OUTBOUND_PAYLOAD_H_

#include <optional>
#include <string>

#include "server/model/incident_model.h"
#include "server/model/outbound_webhook.h"

namespace alertgate {

// The notification `event` tells of, if any: an incident opened (TRIGGERED
// or SUPPRESSED), acknowledged or resolved. A folded alert tells nothing.
std::optional<NotifyEvent> NotifyEventOf(const IncidentEvent& event);

// The body of `message` (its id, event and sequence are set) for `incident`
// after `change`, in `format`:
//   kJson:  {"id", "event": "incident.triggered", "sequence", "at",
//            "service": {...}, "incident": {...}, "actor", "note"}
//   kSlack: {"text": "..."} in Slack's mrkdwn, escaped as Slack asks.
std::string OutboundBody(WebhookFormat format, const OutboundMessage& message,
                         const Service& service, const Incident& incident,
                         const IncidentEvent& change);

}  // namespace alertgate

#endif  // ALERTGATE_SERVER_CORE_OUTBOUND_PAYLOAD_H_
