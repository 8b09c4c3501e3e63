// Webhook signatures: how the front door checks that a delivery comes from
// whoever holds the (service, source) webhook secret, and how outbound
// webhooks are signed. A plugin declares one scheme of adapter_abi.h; the
// check runs over the exact bytes received, before any parsing, and
// compares in constant time:
//   PREFIXED_HEX  "sha256=<hex HMAC-SHA256(secret, body)>"
//   SHARED_TOKEN  the secret itself
//   TIMESTAMPED   "t=<unix s>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>",
//                 t within kSignatureReplayWindow (outbound webhooks sign
//                 so too)
// Every failure is UNAUTHENTICATED with a message that says what was wrong
// (missing, malformed, stale, no match), never the expected value.
#ifndef ALERTGATE_SERVER_COMMON_WEBHOOK_SIGNATURE_H_
#define ALERTGATE_SERVER_COMMON_WEBHOOK_SIGNATURE_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace alertgate {

// How far a timestamped signature's time may be from the front door's clock,
// either way: a captured delivery cannot be replayed after this long.
inline constexpr absl::Duration kSignatureReplayWindow = absl::Seconds(300);

// "sha256=" + lower-case hex of HMAC-SHA256(secret, body).
std::string SignWebhookBody(absl::string_view secret, absl::string_view body);

// "t=<unix seconds of at>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>".
std::string SignTimestampedBody(absl::string_view secret,
                                absl::string_view body, absl::Time at);

// OK when `header_value` is a valid "sha256=<hex>" signature of `body`.
absl::Status VerifyWebhookSignature(absl::string_view header_value,
                                    absl::string_view secret,
                                    absl::string_view body);

// OK when `header_value` proves `body` under `scheme` (an AG_SIGNATURE_*
// other than NONE) with `secret`, at time `now`. INTERNAL for an unknown
// scheme (the loader refuses those).
absl::Status VerifyDeliverySignature(uint32_t scheme,
                                     absl::string_view header_value,
                                     absl::string_view secret,
                                     absl::string_view body, absl::Time now);

}  // namespace alertgate

#endif  // ALERTGATE_SERVER_COMMON_WEBHOOK_SIGNATURE_H_
