#include "server/frontdoor/webhook_signature.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"

namespace alertgate {
namespace {

constexpr absl::string_view kPrefix = "sha256=";
constexpr size_t kDigestBytes = 32;

std::string Hmac(absl::string_view secret, absl::string_view body) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), digest,
       &length);
  return std::string(reinterpret_cast<const char*>(digest), length);
}

bool IsHex(absl::string_view text) {
  for (char c : text) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace

std::string SignWebhookBody(absl::string_view secret, absl::string_view body) {
  return std::string(kPrefix) + absl::BytesToHexString(Hmac(secret, body));
}

absl::Status VerifyWebhookSignature(absl::string_view header_value,
                                    absl::string_view secret,
                                    absl::string_view body) {
  header_value = absl::StripAsciiWhitespace(header_value);
  if (header_value.empty()) {
    return absl::UnauthenticatedError(
        "signature missing: this webhook has a secret, so deliveries must be "
        "signed");
  }
  if (!absl::StartsWithIgnoreCase(header_value, kPrefix)) {
    return absl::UnauthenticatedError(
        "signature malformed: expected sha256=<hex>");
  }
  absl::string_view hex = header_value.substr(kPrefix.size());
  if (hex.size() != 2 * kDigestBytes || !IsHex(hex)) {
    return absl::UnauthenticatedError(
        "signature malformed: expected 64 hex digits after sha256=");
  }
  const std::string given = absl::HexStringToBytes(hex);
  const std::string expected = Hmac(secret, body);
  if (CRYPTO_memcmp(given.data(), expected.data(), kDigestBytes) != 0) {
    return absl::UnauthenticatedError(
        "signature does not match the body and this webhook's secret");
  }
  return absl::OkStatus();
}

}  // namespace alertgate
