// First start: an empty store gets a service named "default" with a webhook
// key for each alert source, so a newcomer can point Bitbucket (or curl) at
// alertgate at once. The URLs are printed and written to
// <data_dir>/webhook-urls.txt (mode 0600), the only place the keys appear:
// the store keeps only their hashes.
#ifndef ALERTGATE_SERVER_FIRST_START_H_
#define ALERTGATE_SERVER_FIRST_START_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "server/core/service_catalog.h"

namespace alertgate {

// Does nothing when any service exists. URLs use the catalog's public base
// URL; without one, only their paths are written.
absl::Status CreateDefaultServiceIfEmpty(
    ServiceCatalog& catalog, const std::vector<std::string>& sources,
    const std::string& data_dir);

}  // namespace alertgate

#endif  // ALERTGATE_SERVER_FIRST_START_H_
