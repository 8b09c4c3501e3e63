#include "server/common/webhook_signature.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "alertgate/adapter_abi.h"

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

absl::Status Missing() {
  return absl::UnauthenticatedError(
      "signature missing: this webhook has a secret, so deliveries must be "
      "signed");
}

absl::Status NoMatch() {
  return absl::UnauthenticatedError(
      "signature does not match the body and this webhook's secret");
}

// True when `hex` (64 hex digits) is the HMAC of `message`.
bool HexDigestMatches(absl::string_view hex, absl::string_view secret,
                      absl::string_view message) {
  if (hex.size() != 2 * kDigestBytes || !IsHex(hex)) return false;
  const std::string given = absl::HexStringToBytes(hex);
  const std::string expected = Hmac(secret, message);
  return CRYPTO_memcmp(given.data(), expected.data(), kDigestBytes) == 0;
}

// The token equals the secret. Both are hashed first, so the comparison
// takes the same time whatever their lengths.
absl::Status VerifySharedToken(absl::string_view token,
                               absl::string_view secret) {
  if (token.empty()) return Missing();
  unsigned char given[kDigestBytes], expected[kDigestBytes];
  EVP_Digest(token.data(), token.size(), given, nullptr, EVP_sha256(), nullptr);
  EVP_Digest(secret.data(), secret.size(), expected, nullptr, EVP_sha256(),
             nullptr);
  if (CRYPTO_memcmp(given, expected, kDigestBytes) != 0) {
    return absl::UnauthenticatedError(
        "token does not match this webhook's secret");
  }
  return absl::OkStatus();
}

absl::Status VerifyTimestamped(absl::string_view header_value,
                               absl::string_view secret, absl::string_view body,
                               absl::Time now) {
  if (header_value.empty()) return Missing();
  absl::string_view timestamp;
  std::vector<absl::string_view> signatures;
  for (absl::string_view part : absl::StrSplit(header_value, ',')) {
    part = absl::StripAsciiWhitespace(part);
    if (absl::ConsumePrefix(&part, "t=")) {
      timestamp = part;
    } else if (absl::ConsumePrefix(&part, "v1=")) {
      signatures.push_back(part);
    }
  }
  int64_t seconds = 0;
  if (timestamp.empty() || signatures.empty() ||
      !absl::SimpleAtoi(timestamp, &seconds)) {
    return absl::UnauthenticatedError(
        "signature malformed: expected t=<unix seconds>,v1=<hex>");
  }
  const absl::Duration skew =
      absl::AbsDuration(now - absl::FromUnixSeconds(seconds));
  if (skew > kSignatureReplayWindow) {
    return absl::UnauthenticatedError(
        absl::StrCat("signature timestamp is ", absl::FormatDuration(skew),
                     " away from this server's clock (at most ",
                     absl::FormatDuration(kSignatureReplayWindow),
                     "): a replayed or delayed delivery, or a wrong clock"));
  }
  const std::string message = absl::StrCat(timestamp, ".", body);
  for (absl::string_view hex : signatures) {
    if (HexDigestMatches(hex, secret, message)) return absl::OkStatus();
  }
  return NoMatch();
}

}  // namespace

std::string SignWebhookBody(absl::string_view secret, absl::string_view body) {
  return std::string(kPrefix) + absl::BytesToHexString(Hmac(secret, body));
}

std::string SignTimestampedBody(absl::string_view secret,
                                absl::string_view body, absl::Time at) {
  const std::string t = absl::StrCat(absl::ToUnixSeconds(at));
  return absl::StrCat(
      "t=", t,
      ",v1=", absl::BytesToHexString(Hmac(secret, absl::StrCat(t, ".", body))));
}

absl::Status VerifyDeliverySignature(uint32_t scheme,
                                     absl::string_view header_value,
                                     absl::string_view secret,
                                     absl::string_view body, absl::Time now) {
  header_value = absl::StripAsciiWhitespace(header_value);
  switch (scheme) {
    case AG_SIGNATURE_HMAC_SHA256_PREFIXED_HEX:
      return VerifyWebhookSignature(header_value, secret, body);
    case AG_SIGNATURE_SHARED_TOKEN:
      return VerifySharedToken(header_value, secret);
    case AG_SIGNATURE_HMAC_SHA256_TIMESTAMPED:
      return VerifyTimestamped(header_value, secret, body, now);
    default:
      return absl::InternalError(
          absl::StrCat("signature scheme ", scheme, " is not implemented"));
  }
}

absl::Status VerifyWebhookSignature(absl::string_view header_value,
                                    absl::string_view secret,
                                    absl::string_view body) {
  header_value = absl::StripAsciiWhitespace(header_value);
  if (header_value.empty()) return Missing();
  if (!absl::StartsWithIgnoreCase(header_value, kPrefix)) {
    return absl::UnauthenticatedError(
        "signature malformed: expected sha256=<hex>");
  }
  absl::string_view hex = header_value.substr(kPrefix.size());
  if (hex.size() != 2 * kDigestBytes || !IsHex(hex)) {
    return absl::UnauthenticatedError(
        "signature malformed: expected 64 hex digits after sha256=");
  }
  return HexDigestMatches(hex, secret, body) ? absl::OkStatus() : NoMatch();
}

}  // namespace alertgate
