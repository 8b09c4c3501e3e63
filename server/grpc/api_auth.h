// Who may call which RPC, enforced for every call of the gRPC API.
//
// Each listener with credentials that support it (TLS, and plaintext
// loopback through gRPC's local credentials) runs TokenAuthProcessor before
// any service code: it reads "authorization: Bearer <token>", authenticates
// it (AccessControl) and checks the method's permission (PermissionOf), so
// reflection is covered too. Every handler then asks CallerOf() for the
// caller, the same check made from the call's metadata: it is what holds on
// the in-process channel and on a plaintext listener elsewhere than
// loopback (--insecure), where no processor runs, and it names the caller.
// (The processor's verdict is not kept: the AuthContext it is handed
// belongs to the connection, shared by concurrent calls.) Known tokens are
// in memory, so the second check costs a hash and a lookup. Health
// checking is open.
#ifndef ALERTGATE_SERVER_GRPC_API_AUTH_H_
#define ALERTGATE_SERVER_GRPC_API_AUTH_H_

#include <grpcpp/security/auth_metadata_processor.h>
#include <grpcpp/server_context.h>

#include <optional>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/core/access_control.h"
#include "server/model/api_token.h"

namespace alertgate {

// The permission a method needs, by its full name
// ("/alertgate.v1.IncidentService/IngestAlert"). nullopt: open (health
// checking). Any method not listed (server reflection) needs read.
std::optional<Permission> PermissionOf(absl::string_view method);

// The token in an "authorization" metadata value ("Bearer <token>"); empty
// when there is none.
absl::string_view BearerToken(absl::string_view authorization);

class TokenAuthProcessor final : public grpc::AuthMetadataProcessor {
 public:
  // REQUIRES: `access` outlives the server.
  explicit TokenAuthProcessor(AccessControl* access) : access_(access) {}

  // Tokens are usually in memory; a token seen for the first time is one
  // indexed read of the store, made on gRPC's own thread.
  bool IsBlocking() const override { return false; }
  grpc::Status Process(const InputMetadata& metadata,
                       grpc::AuthContext* context,
                       OutputMetadata* consumed_metadata,
                       OutputMetadata* response_metadata) override;

 private:
  AccessControl* access_;
};

// The caller of the current call, allowed `permission`; UNAUTHENTICATED or
// PERMISSION_DENIED (as a gRPC status) otherwise.
absl::StatusOr<Principal> CallerOf(const grpc::ServerContextBase& context,
                                   AccessControl& access,
                                   Permission permission);

// The actor recorded for a change a caller makes: the token's name, with
// "on behalf of <actor>" when the request names someone; a request's actor
// never replaces the token's name.
std::string ActorOf(const Principal& caller, const std::string& on_behalf_of);

}  // namespace alertgate

#endif  // ALERTGATE_SERVER_GRPC_API_AUTH_H_
