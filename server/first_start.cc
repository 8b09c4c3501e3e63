#include "server/first_start.h"

#include <stdio.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "server/model/status_macros.h"
#include "server/secret_file.h"

namespace alertgate {

absl::Status CreateDefaultServiceIfEmpty(
    ServiceCatalog& catalog, const std::vector<std::string>& sources,
    const std::string& data_dir) {
  AG_ASSIGN_OR_RETURN(ServicePage existing, catalog.ListServices(1, ""));
  if (!existing.services.empty()) return absl::OkStatus();
  // The file first, empty: when it cannot be written, nothing is created,
  // and the next start (the obstacle removed) begins again from scratch.
  const std::string path = data_dir + "/webhook-urls.txt";
  AG_RETURN_IF_ERROR(WriteSecretFile(path, ""));
  AG_ASSIGN_OR_RETURN(Service service,
                      catalog.CreateService("default",
                                            "Created at first start; rename or "
                                            "add services with alertctl."));
  std::string text = absl::StrCat(
      "# Webhook URLs of service \"default\" (id ", service.id,
      "), made at first start.\n# Keep them secret: the key in the URL is "
      "the credential. alertctl can rotate them.\n");
  for (const std::string& source : sources) {
    AG_ASSIGN_OR_RETURN(IssuedWebhookKey issued,
                        catalog.IssueWebhookKey(service.id, source));
    absl::StrAppend(
        &text, source, " ",
        issued.webhook_url.empty() ? issued.webhook_path : issued.webhook_url,
        "\n");
  }
  AG_RETURN_IF_ERROR(WriteSecretFile(path, text));
  // The URLs carry their keys: they go to the file only, never to a log.
  printf(
      "alertgate: first start: created service \"default\"; the webhook URLs "
      "of its sources (%s) are in %s (keep them secret: the key in each URL "
      "is the credential)\n",
      absl::StrJoin(sources, ", ").c_str(), path.c_str());
  fflush(stdout);
  return absl::OkStatus();
}

absl::Status CreateFirstAdminTokenIfNone(AccessControl& access,
                                         const std::string& data_dir) {
  AG_ASSIGN_OR_RETURN(std::vector<ApiToken> tokens, access.ListTokens());
  if (!tokens.empty()) return absl::OkStatus();
  const std::string path = data_dir + "/admin-token";
  AG_RETURN_IF_ERROR(WriteSecretFile(path, ""));  // As above.
  AG_ASSIGN_OR_RETURN(
      AccessControl::CreatedToken created,
      access.CreateToken("admin", Role::kAdmin, ServiceCatalog::kSystemActor));
  AG_RETURN_IF_ERROR(WriteSecretFile(path, created.secret + "\n"));
  printf(
      "alertgate: first start: created the API token \"admin\" (role admin) "
      "in %s; alertctl reads it from $ALERTGATE_TOKEN or --token_file=%s\n",
      path.c_str(), path.c_str());
  fflush(stdout);
  return absl::OkStatus();
}

}  // namespace alertgate
