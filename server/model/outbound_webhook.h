// Outbound webhooks, as plain values: a service's subscriptions (which
// incident events go where, in which format, signed with which secret) and
// the messages of the outbox, written in the same transaction as the
// incident change they tell of and delivered from there
// (server/outbound/outbound_dispatcher.h).
#ifndef ALERTGATE_SERVER_MODEL_OUTBOUND_WEBHOOK_H_
#define ALERTGATE_SERVER_MODEL_OUTBOUND_WEBHOOK_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace alertgate {

// What a subscription can ask to be told of. The numeric values equal the
// API's.
enum class NotifyEvent {
  kTriggered = 1,     // An incident opened TRIGGERED.
  kAcknowledged = 2,  // An incident was acknowledged.
  kResolved = 3,      // An incident was resolved.
  kSuppressed = 4,    // An incident opened SUPPRESSED (a rule, maintenance).
};

// "triggered", "acknowledged", "resolved", "suppressed".
absl::string_view NotifyEventName(NotifyEvent event);

enum class WebhookFormat {
  kJson = 1,   // alertgate's JSON document (docs/rules.md).
  kSlack = 2,  // {"text": "..."}, for Slack's incoming webhooks and the like.
};

struct WebhookSubscription {
  std::string name;                 // 1 to 64 characters, unique per service.
  std::string url;                  // http:// or https://.
  std::vector<NotifyEvent> events;  // At least one, each once.
  WebhookFormat format = WebhookFormat::kJson;
  // The HMAC-SHA256 key of the signature header. Generated when a
  // subscription is saved without one; kept when it is saved again by name
  // without one.
  std::string secret;
};

enum class OutboundState {
  kPending = 1,       // Waiting for its first or next attempt.
  kDelivered = 2,     // The receiver answered 2xx.
  kDeadLettered = 3,  // Given up: retried for the whole retry period, or
                      // its subscription is gone.
};

// "pending", "delivered", "dead_lettered".
absl::string_view OutboundStateName(OutboundState state);

// One message of the outbox: one incident event for one subscription.
struct OutboundMessage {
  // Time-ordered; also the idempotency id the receiver sees, the same on
  // every attempt.
  std::string id;
  std::string service_id;
  std::string subscription;  // Its name; its URL and secret are read when
                             // sending, so a corrected URL applies to retries.
  NotifyEvent event = NotifyEvent::kTriggered;
  std::string incident_id;
  int64_t sequence = 0;  // Of the incident event in the global log.
  std::string body;      // Exactly what is sent, fixed when written.
  absl::Time created_at;
  OutboundState state = OutboundState::kPending;
  int attempts = 0;
  absl::Time next_attempt_at;
  // While a dispatcher sends it, no other dispatcher takes it; a
  // dispatcher that died lets it go when this passes.
  std::optional<absl::Time> leased_until;
  int last_http_status = 0;  // 0: no answer (refused, timed out...).
  std::string last_error;    // "" once delivered.
  std::optional<absl::Time> finished_at;  // Delivered or dead-lettered.
};

}  // namespace alertgate

#endif  // ALERTGATE_SERVER_MODEL_OUTBOUND_WEBHOOK_H_
