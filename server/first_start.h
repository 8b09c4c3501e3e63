// First start: an empty store gets a service named "default" with a webhook
// key for each alert source, so a newcomer can point Bitbucket (or curl) at
// alertgate at once, and an API token "admin" for alertctl. The URLs go to
// <data_dir>/webhook-urls.txt and the token to <data_dir>/admin-token (both
// mode 0600 from the start), the only places they appear: the store keeps
// only hashes, and the log names the files, never their contents.
#ifndef ALERTGATE_SERVER_FIRST_START_H_
#define ALERTGATE_SERVER_FIRST_START_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "server/core/access_control.h"
#include "server/core/service_catalog.h"

namespace alertgate {

// Does nothing when any service exists. URLs use the catalog's public base
// URL; without one, only their paths are written.
absl::Status CreateDefaultServiceIfEmpty(
    ServiceCatalog& catalog, const std::vector<std::string>& sources,
    const std::string& data_dir);

// Does nothing when any token exists (revoked ones included).
absl::Status CreateFirstAdminTokenIfNone(AccessControl& access,
                                         const std::string& data_dir);

}  // namespace alertgate

#endif  // ALERTGATE_SERVER_FIRST_START_H_
