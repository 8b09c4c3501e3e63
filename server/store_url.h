// OpenStore: the store main serves, chosen by one URL (--store), so that a
// second kind of store is one more library and one more branch here, and
// nothing below main picks a store.
//
//   sqlite:///var/lib/alertgate/alertgate.db   an absolute path
//   sqlite://data/alertgate.db                 a path relative to the
//                                              working folder
//   postgresql://user@host:port/db?...          a libpq connection URI:
//                                              several cores may share it
#ifndef ALERTGATE_SERVER_STORE_URL_H_
#define ALERTGATE_SERVER_STORE_URL_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "server/store/incident_store.h"
#include "server/store/postgresql/pg_store.h"
#include "server/store/sqlite/sqlite_store.h"

namespace alertgate {

// True for postgresql:// and postgres:// URLs.
bool IsPostgresUrl(const std::string& url);

// `url` for logs: a password in it replaced by ***.
std::string RedactedStoreUrl(const std::string& url);

// The SQLite file a sqlite:// URL names; INVALID_ARGUMENT for any other URL.
absl::StatusOr<std::string> SqlitePathOf(const std::string& url);

// Opens the store `url` names. INVALID_ARGUMENT naming the flag for a URL
// this build does not know; otherwise the store's own error.
absl::StatusOr<std::unique_ptr<IncidentStore>> OpenStore(const std::string& url,
                                                         StoreCheck check);

}  // namespace alertgate

#endif  // ALERTGATE_SERVER_STORE_URL_H_
