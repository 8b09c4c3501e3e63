#include "server/grpc/api_auth.h"

#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace alertgate {
namespace {

const absl::flat_hash_map<std::string, Permission>& Permissions() {
  static const auto* permissions = new absl::flat_hash_map<std::string,
                                                           Permission>{
      {"/alertgate.v1.IncidentService/IngestAlert", Permission::kIngest},
      {"/alertgate.v1.IncidentService/IngestAlerts", Permission::kIngest},
      {"/alertgate.v1.IncidentService/GetIncident", Permission::kRead},
      {"/alertgate.v1.IncidentService/ListIncidents", Permission::kRead},
      {"/alertgate.v1.IncidentService/WatchIncidents", Permission::kRead},
      {"/alertgate.v1.IncidentService/AcknowledgeIncident",
       Permission::kOperate},
      {"/alertgate.v1.IncidentService/ResolveIncident", Permission::kOperate},
      {"/alertgate.v1.ServiceDirectory/CreateService", Permission::kAdmin},
      {"/alertgate.v1.ServiceDirectory/GetService", Permission::kRead},
      {"/alertgate.v1.ServiceDirectory/ListServices", Permission::kRead},
      {"/alertgate.v1.ServiceDirectory/IssueWebhookKey", Permission::kAdmin},
      {"/alertgate.v1.ServiceDirectory/SetWebhookSecret", Permission::kAdmin},
      {"/alertgate.v1.ServiceDirectory/ResolveWebhookKey", Permission::kIngest},
      {"/alertgate.v1.ServiceDirectory/ListAlertSources", Permission::kRead},
      {"/alertgate.v1.ServiceDirectory/WatchWebhookCredentials",
       Permission::kIngest},
      {"/alertgate.v1.ServiceDirectory/CreateApiToken", Permission::kAdmin},
      {"/alertgate.v1.ServiceDirectory/ListApiTokens", Permission::kAdmin},
      {"/alertgate.v1.ServiceDirectory/RevokeApiToken", Permission::kAdmin},
      {"/alertgate.v1.ServiceDirectory/ListAuditEntries", Permission::kAdmin},
      {"/alertgate.v1.ServiceDirectory/RecordDeliveries", Permission::kIngest},
      {"/alertgate.v1.ServiceDirectory/ListDeliveries", Permission::kRead},
      {"/alertgate.v1.ServiceDirectory/GetDelivery", Permission::kAdmin},
      {"/alertgate.v1.ServiceDirectory/ReplayDelivery", Permission::kAdmin},
      {"/alertgate.v1.ServiceDirectory/SendTestAlert", Permission::kOperate},
      {"/alertgate.v1.ServiceDirectory/GetCaller", Permission::kRead},
      {"/alertgate.v1.ServiceDirectory/ListSourcePlugins", Permission::kRead},
      {"/alertgate.v1.RulesService/GetRules", Permission::kRead},
      {"/alertgate.v1.RulesService/SetRules", Permission::kAdmin},
      {"/alertgate.v1.RulesService/TestRules", Permission::kRead},
      {"/alertgate.v1.RulesService/SetMaintenanceWindows", Permission::kAdmin},
      {"/alertgate.v1.RulesService/SetAutoResolve", Permission::kAdmin},
      {"/alertgate.v1.RulesService/PutWebhook", Permission::kAdmin},
      {"/alertgate.v1.RulesService/RemoveWebhook", Permission::kAdmin},
      {"/alertgate.v1.RulesService/ListWebhookMessages", Permission::kRead},
      {"/alertgate.v1.RulesService/RedeliverWebhookMessage",
       Permission::kOperate},
  };
  return *permissions;
}

grpc::Status ToGrpc(const absl::Status& status) {
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()));
}

absl::StatusOr<Principal> Check(absl::string_view authorization,
                                AccessControl& access,
                                std::optional<Permission> permission) {
  absl::StatusOr<Principal> principal =
      access.Authenticate(BearerToken(authorization));
  if (!principal.ok() || !permission) return principal;
  if (absl::Status s = AccessControl::Authorize(*principal, *permission);
      !s.ok()) {
    return s;
  }
  return principal;
}

}  // namespace

std::optional<Permission> PermissionOf(absl::string_view method) {
  if (absl::StartsWith(method, "/grpc.health.v1.Health/")) return std::nullopt;
  auto it = Permissions().find(method);
  return it == Permissions().end() ? Permission::kRead : it->second;
}

absl::string_view BearerToken(absl::string_view authorization) {
  authorization = absl::StripAsciiWhitespace(authorization);
  constexpr absl::string_view kScheme = "bearer ";
  if (authorization.size() <= kScheme.size() ||
      !absl::EqualsIgnoreCase(authorization.substr(0, kScheme.size()),
                              kScheme)) {
    return "";
  }
  return absl::StripAsciiWhitespace(authorization.substr(kScheme.size()));
}

grpc::Status TokenAuthProcessor::Process(const InputMetadata& metadata,
                                         grpc::AuthContext*, OutputMetadata*,
                                         OutputMetadata*) {
  auto path = metadata.find(":path");
  const absl::string_view method =
      path == metadata.end()
          ? absl::string_view()
          : absl::string_view(path->second.data(), path->second.size());
  const std::optional<Permission> permission = PermissionOf(method);
  if (!permission) return grpc::Status::OK;
  auto header = metadata.find("authorization");
  const absl::string_view authorization =
      header == metadata.end()
          ? absl::string_view()
          : absl::string_view(header->second.data(), header->second.size());
  absl::StatusOr<Principal> principal =
      Check(authorization, *access_, permission);
  // Nothing is added to `context`: it belongs to the connection, which
  // carries many calls at once. Handlers ask CallerOf() instead.
  return principal.ok() ? grpc::Status::OK : ToGrpc(principal.status());
}

absl::StatusOr<Principal> CallerOf(const grpc::ServerContextBase& context,
                                   AccessControl& access,
                                   Permission permission) {
  const auto& metadata = context.client_metadata();
  auto header = metadata.find("authorization");
  const absl::string_view authorization =
      header == metadata.end()
          ? absl::string_view()
          : absl::string_view(header->second.data(), header->second.size());
  return Check(authorization, access, permission);
}

std::string ActorOf(const Principal& caller, const std::string& on_behalf_of) {
  if (on_behalf_of.empty() || on_behalf_of == caller.name) return caller.name;
  return absl::StrCat(caller.name, " on behalf of ", on_behalf_of);
}

}  // namespace alertgate
