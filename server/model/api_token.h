// API tokens and the roles they carry: who may call which part of the gRPC
// API. A token is "agt_" and 48 lower-case hex characters (24 bytes, 192
// bits, from OpenSSL's CSPRNG); it is shown once, and only SHA-256 of it is
// stored. Lookups go by hash; the found hash is compared again in constant
// time.
#ifndef ALERTGATE_SERVER_MODEL_API_TOKEN_H_
#define ALERTGATE_SERVER_MODEL_API_TOKEN_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace alertgate {

// What a token may do. The numbers are the API's (alertgate.v1.Role).
enum class Role {
  kIngest = 1,   // IngestAlert(s), resolving webhook keys: front doors.
  kRead = 2,     // Get, List and Watch.
  kOperate = 3,  // read, plus acknowledge and resolve by id.
  kAdmin = 4,    // everything: services, keys, secrets, tokens, the audit log.
};

// What an RPC needs.
enum class Permission { kIngest, kRead, kOperate, kAdmin };

// True when `role` grants `permission`: admin grants all; operate grants
// read and operate; read and ingest grant only themselves.
bool RoleAllows(Role role, Permission permission);

// "ingest", "read", "operate", "admin".
absl::string_view RoleName(Role role);
std::optional<Role> RoleFromName(absl::string_view name);

struct ApiToken {
  std::string id;
  std::string name;  // Unique among tokens not revoked; shown as the actor.
  Role role = Role::kRead;
  std::string token_hash;  // SHA-256 of the token, 32 raw bytes.
  absl::Time created_at;
  std::string created_by;
  std::optional<absl::Time> last_used_at;
  std::optional<absl::Time> revoked_at;
};

// One change to the service directory or the tokens, for the audit log.
struct AuditEntry {
  int64_t id = 0;  // Assigned by the store, increasing.
  absl::Time at;
  std::string actor;   // The token's name (or the process, at first start).
  std::string action;  // e.g. "service.create", "token.revoke".
  std::string target;  // What it changed, e.g. a service or token name.
  std::string detail;  // Never a key, token or secret.
};

// A new random token. UNAVAILABLE if the CSPRNG fails.
absl::StatusOr<std::string> GenerateApiToken();
// SHA-256 of `token`, 32 raw bytes.
std::string HashApiToken(absl::string_view token);
// True when `token` has the shape GenerateApiToken() produces.
bool IsWellFormedApiToken(absl::string_view token);

}  // namespace alertgate

#endif  // ALERTGATE_SERVER_MODEL_API_TOKEN_H_
