#include "server/model/api_token.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "server/model/webhook_key.h"

namespace alertgate {
namespace {

constexpr absl::string_view kPrefix = "agt_";

}  // namespace

bool RoleAllows(Role role, Permission permission) {
  switch (role) {
    case Role::kAdmin:
      return true;
    case Role::kOperate:
      return permission == Permission::kRead ||
             permission == Permission::kOperate;
    case Role::kRead:
      return permission == Permission::kRead;
    case Role::kIngest:
      return permission == Permission::kIngest;
  }
  return false;
}

absl::string_view RoleName(Role role) {
  switch (role) {
    case Role::kIngest:
      return "ingest";
    case Role::kRead:
      return "read";
    case Role::kOperate:
      return "operate";
    case Role::kAdmin:
      return "admin";
  }
  return "unknown";
}

std::optional<Role> RoleFromName(absl::string_view name) {
  for (Role role : {Role::kIngest, Role::kRead, Role::kOperate, Role::kAdmin}) {
    if (name == RoleName(role)) return role;
  }
  return std::nullopt;
}

absl::StatusOr<std::string> GenerateApiToken() {
  // The same 24 random bytes, in hex, as a webhook key; the prefix tells
  // people (and secret scanners) what it is.
  absl::StatusOr<std::string> random = GenerateWebhookKey();
  if (!random.ok()) return random.status();
  return absl::StrCat(kPrefix, *random);
}

std::string HashApiToken(absl::string_view token) {
  return HashWebhookKey(token);
}

bool IsWellFormedApiToken(absl::string_view token) {
  return absl::ConsumePrefix(&token, kPrefix) && IsWellFormedWebhookKey(token);
}

}  // namespace alertgate
