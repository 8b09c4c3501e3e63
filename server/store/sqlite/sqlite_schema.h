// The SQLite schema of alertgate and its forward migrations.
#ifndef ALERTGATE_SERVER_STORE_SQLITE_SQLITE_SCHEMA_H_
#define ALERTGATE_SERVER_STORE_SQLITE_SQLITE_SCHEMA_H_

#include "absl/status/status.h"
#include "server/store/sqlite/sqlite_connection.h"

namespace alertgate {

// The schema version this build writes (PRAGMA user_version).
int CurrentSchemaVersion();

// Brings the database to CurrentSchemaVersion(), applying each missing
// migration in its own transaction. Refuses (FAILED_PRECONDITION) a database
// written by a newer alertgate.
absl::Status MigrateSchema(SqliteConnection& db);

}  // namespace alertgate

#endif  // ALERTGATE_SERVER_STORE_SQLITE_SQLITE_SCHEMA_H_
