#include "server/first_start.h"

#include <stdio.h>
#include <sys/stat.h>

#include <fstream>

#include "absl/strings/str_cat.h"
#include "server/model/status_macros.h"

namespace alertgate {

absl::Status CreateDefaultServiceIfEmpty(
    ServiceCatalog& catalog, const std::vector<std::string>& sources,
    const std::string& data_dir) {
  AG_ASSIGN_OR_RETURN(ServicePage existing, catalog.ListServices(1, ""));
  if (!existing.services.empty()) return absl::OkStatus();
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
  const std::string path = data_dir + "/webhook-urls.txt";
  {
    std::ofstream out(path, std::ios::trunc);
    out << text;
  }
  chmod(path.c_str(), 0600);
  printf(
      "alertgate: first start: created service \"default\"; its webhook "
      "URLs (also in %s):\n%s",
      path.c_str(), text.c_str());
  fflush(stdout);
  return absl::OkStatus();
}

}  // namespace alertgate
