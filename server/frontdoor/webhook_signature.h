// Webhook signatures: HMAC-SHA256 of the raw body, keyed with the webhook
// secret, sent as "sha256=<hex>" (Bitbucket's X-Hub-Signature). Checked over
// the exact bytes received, before any parsing, in constant time.
#ifndef ALERTGATE_SERVER_FRONTDOOR_WEBHOOK_SIGNATURE_H_
#define ALERTGATE_SERVER_FRONTDOOR_WEBHOOK_SIGNATURE_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace alertgate {

// "sha256=" + lower-case hex of HMAC-SHA256(secret, body).
std::string SignWebhookBody(absl::string_view secret, absl::string_view body);

// OK when `header_value` is a valid signature of `body` with `secret`.
// UNAUTHENTICATED when it is empty ("missing"), malformed, or does not match;
// the message says which, never the expected value.
absl::Status VerifyWebhookSignature(absl::string_view header_value,
                                    absl::string_view secret,
                                    absl::string_view body);

}  // namespace alertgate

#endif  // ALERTGATE_SERVER_FRONTDOOR_WEBHOOK_SIGNATURE_H_
