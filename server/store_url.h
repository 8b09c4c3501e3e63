// OpenStore: the store main serves, chosen by one URL (--store), so that a
// second kind of store is one more library and one more branch here, and
// nothing below main picks a store.
//
//   sqlite:///var/lib/alertgate/alertgate.db   an absolute path
//   sqlite://data/alertgate.db                 a path relative to the
//                                              working folder
#ifndef ALERTGATE_SERVER_STORE_URL_H_
#define ALERTGATE_SERVER_STORE_URL_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "server/store/incident_store.h"
#include "server/store/sqlite/sqlite_store.h"

namespace alertgate {

// The SQLite file a sqlite:// URL names; INVALID_ARGUMENT for any other URL.
absl::StatusOr<std::string> SqlitePathOf(const std::string& url);

// Opens the store `url` names. INVALID_ARGUMENT naming the flag for a URL
// this build does not know; otherwise the store's own error.
absl::StatusOr<std::unique_ptr<IncidentStore>> OpenStore(const std::string& url,
                                                         StoreCheck check);

}  // namespace alertgate

#endif  // ALERTGATE_SERVER_STORE_URL_H_
