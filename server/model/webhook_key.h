// Webhook keys: the secret part of a webhook URL that names a service.
//
// A key is 24 bytes from OpenSSL's CSPRNG (192 bits), written as 48 lower-case
// hex characters. Only SHA-256 of the key is stored: a leaked database gives
// no usable key, and a plain (unsalted) hash is enough because the keys are
// random, not chosen by people. Lookups go by hash, and the found hash is
// compared again in constant time.
#ifndef ALERTGATE_SERVER_MODEL_WEBHOOK_KEY_H_
#define ALERTGATE_SERVER_MODEL_WEBHOOK_KEY_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace alertgate {

// A new random key. UNAVAILABLE if the CSPRNG fails.
absl::StatusOr<std::string> GenerateWebhookKey();

// SHA-256 of `key`, 32 raw bytes.
std::string HashWebhookKey(absl::string_view key);

// True when `key` has the shape GenerateWebhookKey() produces.
bool IsWellFormedWebhookKey(absl::string_view key);

// Compares two byte strings in time that depends only on their length.
bool ConstantTimeEquals(absl::string_view a, absl::string_view b);

}  // namespace alertgate

#endif  // ALERTGATE_SERVER_MODEL_WEBHOOK_KEY_H_
