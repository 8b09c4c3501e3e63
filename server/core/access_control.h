// AccessControl: who is calling, and whether they may. API tokens are
// created, listed and revoked here; Authenticate() turns a bearer token
// into the Principal it names.
//
// Answers never tell whether a token exists: a missing, malformed, unknown
// or revoked token is one UNAUTHENTICATED with one message. Tokens are
// looked up by SHA-256 and the found hash compared again in constant time;
// known tokens are cached in memory (by hash) until any token is revoked.
// A token's last-used time is written at most once a minute, without
// making the caller wait.
//
// Token changes are written to the audit log in the same transaction.
//
// Thread safety: all methods are safe to call concurrently.
#ifndef ALERTGATE_SERVER_CORE_ACCESS_CONTROL_H_
#define ALERTGATE_SERVER_CORE_ACCESS_CONTROL_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "server/common/clock.h"
#include "server/core/id_generator.h"
#include "server/model/api_token.h"
#include "server/store/incident_store.h"

namespace alertgate {

// The caller behind a token.
struct Principal {
  std::string token_id;  // Empty for the in-process principal.
  std::string name;
  Role role = Role::kRead;
};

class AccessControl {
 public:
  // How often a token's last-used time is written, at most.
  static constexpr absl::Duration kLastUsedResolution = absl::Minutes(1);

  // REQUIRES: the arguments outlive the object.
  AccessControl(IncidentStore* store, const Clock* clock, IdGenerator* ids);

  // UNAUTHENTICATED for a missing, malformed, unknown or revoked token
  // (the same answer for all); UNAVAILABLE when the store cannot say.
  absl::StatusOr<Principal> Authenticate(absl::string_view token);
  // PERMISSION_DENIED naming the role and what it lacks.
  static absl::Status Authorize(const Principal& principal,
                                Permission permission);

  // A token that is valid only inside this process and never stored: the
  // all-in-one front door presents it over the in-process channel.
  std::string AddProcessToken(const std::string& name, Role role);

  struct CreatedToken {
    ApiToken token;
    std::string secret;  // Shown once; only its hash is kept.
  };
  // INVALID_ARGUMENT for a bad name, ALREADY_EXISTS for a name in use.
  absl::StatusOr<CreatedToken> CreateToken(const std::string& name, Role role,
                                           const std::string& actor);
  // By id or name. NOT_FOUND if none; revoking a revoked token changes
  // nothing.
  absl::StatusOr<ApiToken> RevokeToken(const std::string& id_or_name,
                                       const std::string& actor);
  absl::StatusOr<std::vector<ApiToken>> ListTokens();
  // The audit log, newest first: entries with id < `before_id` (0: from the
  // newest), at most `limit`.
  absl::StatusOr<std::vector<AuditEntry>> ListAudit(int64_t before_id,
                                                    int limit);

 private:
  struct Known {
    Principal principal;
    absl::Time last_used_written;
  };

  IncidentStore* store_;
  const Clock* clock_;
  IdGenerator* ids_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Known> known_ ABSL_GUARDED_BY(mu_);
  // In-process tokens, by hash; never dropped.
  absl::flat_hash_map<std::string, Principal> process_tokens_
      ABSL_GUARDED_BY(mu_);
  // Grows with every revocation, so a lookup in flight across one is not
  // cached.
  int64_t epoch_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace alertgate

#endif  // ALERTGATE_SERVER_CORE_ACCESS_CONTROL_H_
