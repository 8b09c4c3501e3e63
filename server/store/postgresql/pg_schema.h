// The PostgreSQL store's schema: the same tables and meanings as the SQLite
// store's (store_rows.h), in one forward-only list of migrations recorded in
// alertgate_schema. MigrateSchema() runs those not yet applied, each in its
// own transaction, under a transaction-level advisory lock, so that several
// cores starting at once migrate once (the others wait, then find nothing
// to do). A database migrated by a newer build is refused.
#ifndef ALERTGATE_SERVER_STORE_POSTGRESQL_PG_SCHEMA_H_
#define ALERTGATE_SERVER_STORE_POSTGRESQL_PG_SCHEMA_H_

#include "absl/status/status.h"
#include "server/store/postgresql/pg_connection.h"

namespace alertgate {

// The schema version this build writes.
int CurrentPgSchemaVersion();

absl::Status MigratePgSchema(PgConnection& db);

}  // namespace alertgate

#endif  // ALERTGATE_SERVER_STORE_POSTGRESQL_PG_SCHEMA_H_
