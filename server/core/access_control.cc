#include "server/core/access_control.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "server/model/status_macros.h"
#include "server/model/validation.h"
#include "server/model/webhook_key.h"

namespace alertgate {
namespace {

absl::Status NotAuthenticated() {
  return absl::UnauthenticatedError(
      "a valid API token is required (authorization: Bearer <token>)");
}

}  // namespace

AccessControl::AccessControl(IncidentStore* store, const Clock* clock,
                             IdGenerator* ids)
    : store_(store), clock_(clock), ids_(ids) {}

absl::StatusOr<Principal> AccessControl::Authenticate(absl::string_view token) {
  if (!IsWellFormedApiToken(token)) return NotAuthenticated();
  const std::string hash = HashApiToken(token);
  const absl::Time now = clock_->Now();
  int64_t epoch;
  {
    absl::MutexLock lock(&mu_);
    if (auto it = process_tokens_.find(hash); it != process_tokens_.end()) {
      return it->second;
    }
    if (auto it = known_.find(hash); it != known_.end()) {
      Principal principal = it->second.principal;
      if (now - it->second.last_used_written < kLastUsedResolution) {
        return principal;
      }
      it->second.last_used_written = now;
      store_->WriteAsync(
          [id = principal.token_id, now](StoreTransaction& tx) {
            return tx.TouchApiToken(id, now);
          },
          [](absl::Status) {});  // Best effort: the next use writes again.
      return principal;
    }
    epoch = epoch_;
  }
  AG_ASSIGN_OR_RETURN(std::optional<ApiToken> found,
                      store_->FindApiTokenByHash(hash));
  if (!found || found->revoked_at ||
      !ConstantTimeEquals(found->token_hash, hash)) {
    return NotAuthenticated();
  }
  Principal principal{found->id, found->name, found->role};
  absl::MutexLock lock(&mu_);
  if (epoch == epoch_) {
    known_[hash] = {principal, now};
    store_->WriteAsync(
        [id = principal.token_id, now](StoreTransaction& tx) {
          return tx.TouchApiToken(id, now);
        },
        [](absl::Status) {});
  }
  return principal;
}

absl::Status AccessControl::Authorize(const Principal& principal,
                                      Permission permission) {
  if (RoleAllows(principal.role, permission)) return absl::OkStatus();
  static constexpr absl::string_view kNeeds[] = {"ingest", "read", "operate",
                                                 "admin"};
  return absl::PermissionDeniedError(absl::StrCat(
      "the token's role (", RoleName(principal.role), ") does not allow this",
      " call; it needs ", kNeeds[static_cast<int>(permission)]));
}

std::string AccessControl::AddProcessToken(const std::string& name, Role role) {
  absl::StatusOr<std::string> token = GenerateApiToken();
  if (!token.ok()) return "";  // No token: the in-process caller is refused.
  absl::MutexLock lock(&mu_);
  process_tokens_[HashApiToken(*token)] = Principal{"", name, role};
  return *token;
}

absl::StatusOr<AccessControl::CreatedToken> AccessControl::CreateToken(
    const std::string& name, Role role, const std::string& actor) {
  AG_RETURN_IF_ERROR(ValidateName("name", name));
  AG_ASSIGN_OR_RETURN(std::string secret, GenerateApiToken());
  ApiToken token;
  token.id = ids_->NewId();
  token.name = name;
  token.role = role;
  token.token_hash = HashApiToken(secret);
  token.created_at = clock_->Now();
  token.created_by = actor;
  AG_RETURN_IF_ERROR(store_->Write([&](StoreTransaction& tx) -> absl::Status {
    AG_RETURN_IF_ERROR(tx.InsertApiToken(token));
    return tx
        .AppendAudit({0, token.created_at, actor, "token.create", name,
                      absl::StrCat("role ", RoleName(role))})
        .status();
  }));
  return CreatedToken{std::move(token), std::move(secret)};
}

absl::StatusOr<ApiToken> AccessControl::RevokeToken(
    const std::string& id_or_name, const std::string& actor) {
  if (id_or_name.empty()) return absl::InvalidArgumentError("id: required");
  const absl::Time now = clock_->Now();
  ApiToken revoked;
  AG_RETURN_IF_ERROR(store_->Write([&](StoreTransaction& tx) -> absl::Status {
    AG_ASSIGN_OR_RETURN(std::optional<ApiToken> token,
                        tx.FindApiToken(id_or_name));
    if (!token) {
      return absl::NotFoundError(
          absl::StrCat("no token with id or name \"", id_or_name, "\""));
    }
    revoked = *std::move(token);
    if (revoked.revoked_at) return absl::OkStatus();
    revoked.revoked_at = now;
    AG_RETURN_IF_ERROR(tx.RevokeApiToken(revoked.id, now));
    return tx
        .AppendAudit({0, now, actor, "token.revoke", revoked.name,
                      absl::StrCat("role ", RoleName(revoked.role))})
        .status();
  }));
  absl::MutexLock lock(&mu_);
  known_.clear();
  ++epoch_;
  return revoked;
}

absl::StatusOr<std::vector<ApiToken>> AccessControl::ListTokens() {
  return store_->ListApiTokens();
}

absl::StatusOr<std::vector<AuditEntry>> AccessControl::ListAudit(
    int64_t before_id, int limit) {
  return store_->ListAuditEntries(before_id, limit);
}

}  // namespace alertgate
