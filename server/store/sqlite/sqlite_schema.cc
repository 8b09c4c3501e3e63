#include "server/store/sqlite/sqlite_schema.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "server/model/incident_model.h"

namespace alertgate {
namespace {

// Shipped migrations spell RESOLVED as 3; the enum must keep that number.
static_assert(static_cast<int>(IncidentState::kResolved) == 3,
              "stored incident states are the API's enum numbers");

// Migration N (1-based) brings the schema from version N-1 to N. Never edit a
// migration that has shipped; append a new one.
//
// Times are microseconds since the Unix epoch. Incident states and actions use
// the API's enum numbers. Ids are time-ordered, so new rows append to the end
// of each index.
const std::vector<std::string>& Migrations() {
  static const auto* migrations = new std::vector<std::string>{
      // 1: the first schema.
      R"sql(
CREATE TABLE services (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE,
  description TEXT NOT NULL,
  created_at  INTEGER NOT NULL
) WITHOUT ROWID;

-- key_hash is SHA-256 of the webhook key; NULL while only a secret is set.
CREATE TABLE webhook_credentials (
  service_id TEXT NOT NULL REFERENCES services(id),
  source     TEXT NOT NULL,
  key_hash   BLOB,
  secret     TEXT NOT NULL,
  issued_at  INTEGER NOT NULL,
  PRIMARY KEY (service_id, source)
) WITHOUT ROWID;
CREATE UNIQUE INDEX webhook_credentials_by_key
  ON webhook_credentials (source, key_hash);

CREATE TABLE incidents (
  id              TEXT PRIMARY KEY,
  service_id      TEXT NOT NULL,
  source          TEXT NOT NULL,
  dedup_key       TEXT NOT NULL,
  state           INTEGER NOT NULL,
  summary         TEXT NOT NULL,
  description     TEXT NOT NULL,
  severity        INTEGER NOT NULL,
  tags            TEXT NOT NULL,
  links           TEXT NOT NULL,
  alert_count     INTEGER NOT NULL,
  opened_at       INTEGER NOT NULL,
  last_seen_at    INTEGER NOT NULL,
  acknowledged_at INTEGER,
  acknowledged_by TEXT NOT NULL,
  resolved_at     INTEGER,
  resolved_by     TEXT NOT NULL
) WITHOUT ROWID;
-- At most one open incident (not RESOLVED = 3) per service and dedup key.
CREATE UNIQUE INDEX incidents_open_by_dedup_key
  ON incidents (service_id, dedup_key) WHERE state <> 3;
CREATE INDEX incidents_by_service_state ON incidents (service_id, state, id);
CREATE INDEX incidents_by_state ON incidents (state, id);

CREATE TABLE events (
  sequence    INTEGER PRIMARY KEY AUTOINCREMENT,
  at          INTEGER NOT NULL,
  kind        INTEGER NOT NULL,
  incident_id TEXT NOT NULL,
  service_id  TEXT NOT NULL,
  source      TEXT NOT NULL,
  dedup_key   TEXT NOT NULL,
  state       INTEGER NOT NULL,
  actor       TEXT NOT NULL,
  note        TEXT NOT NULL
);
CREATE INDEX events_by_incident ON events (incident_id, sequence);
CREATE INDEX events_by_service ON events (service_id, sequence);

CREATE TABLE idempotency_keys (
  service_id  TEXT NOT NULL,
  key         TEXT NOT NULL,
  outcome     INTEGER NOT NULL,
  incident_id TEXT NOT NULL,
  sequence    INTEGER NOT NULL,
  created_at  INTEGER NOT NULL,
  PRIMARY KEY (service_id, key)
) WITHOUT ROWID;

CREATE TABLE source_activity (
  service_id       TEXT NOT NULL,
  source           TEXT NOT NULL,
  last_alert_at    INTEGER,
  last_incident_at INTEGER,
  PRIMARY KEY (service_id, source)
) WITHOUT ROWID;
)sql",
      // 2: when the alert behind an event happened at its source (the
      // sender's clock); NULL for changes made through the API. Incident
      // times are alertgate's own clock.
      R"sql(
ALTER TABLE events ADD COLUMN occurred_at INTEGER;
)sql",
      // 3: how many timeline entries each incident has, kept with the row
      // so that a page of a long timeline says its total without counting.
      R"sql(
ALTER TABLE incidents ADD COLUMN event_count INTEGER NOT NULL DEFAULT 0;
UPDATE incidents SET event_count =
  (SELECT count(*) FROM events WHERE events.incident_id = incidents.id);
)sql",
      // 4: retention: find the oldest idempotency keys and resolved
      // incidents by index, and remember how far the log was pruned.
      R"sql(
CREATE INDEX idempotency_keys_by_time ON idempotency_keys (created_at);
CREATE INDEX incidents_resolved_by_time ON incidents (resolved_at)
  WHERE state = 3;
CREATE TABLE store_marks (
  name  TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;
)sql",
      // 5: API tokens (only SHA-256 of each is kept; a name is unique among
      // tokens not revoked) and the audit log of directory changes.
      R"sql(
CREATE TABLE api_tokens (
  id           TEXT PRIMARY KEY,
  name         TEXT NOT NULL,
  role         INTEGER NOT NULL,
  token_hash   BLOB NOT NULL UNIQUE,
  created_at   INTEGER NOT NULL,
  created_by   TEXT NOT NULL,
  last_used_at INTEGER,
  revoked_at   INTEGER
) WITHOUT ROWID;
CREATE UNIQUE INDEX api_tokens_live_names ON api_tokens (name)
  WHERE revoked_at IS NULL;
CREATE TABLE audit_log (
  id     INTEGER PRIMARY KEY,
  at     INTEGER NOT NULL,
  actor  TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL,
  detail TEXT NOT NULL
);
)sql",
      // 6: the delivery log: every webhook delivery the front door
      // answered for a known service, newest first by id (time-ordered);
      // the body and headers only of refused ones, for a replay.
      R"sql(
CREATE TABLE deliveries (
  id           TEXT PRIMARY KEY,
  service_id   TEXT NOT NULL,
  source       TEXT NOT NULL,
  received_at  INTEGER NOT NULL,
  event        TEXT NOT NULL,
  delivery_id  TEXT NOT NULL,
  http_status  INTEGER NOT NULL,
  outcome      INTEGER NOT NULL,
  reason       TEXT NOT NULL,
  incident_ids TEXT NOT NULL,
  body_bytes   INTEGER NOT NULL,
  headers      TEXT,
  body         BLOB
) WITHOUT ROWID;
CREATE INDEX deliveries_by_service ON deliveries (service_id, id);
CREATE INDEX deliveries_by_source ON deliveries (service_id, source, id);
CREATE INDEX deliveries_by_time ON deliveries (received_at);
)sql",
      // 7: a replayed delivery names the entry it replays.
      R"sql(
ALTER TABLE deliveries ADD COLUMN replay_of TEXT NOT NULL DEFAULT '';
)sql",
      // 8: each service's rules, as one JSON document (store_rows.h),
      // replaced whole on each save.
      R"sql(
CREATE TABLE service_rules (
  service_id TEXT PRIMARY KEY,
  rules      TEXT NOT NULL,
  revision   INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  updated_by TEXT NOT NULL
) WITHOUT ROWID;
)sql",
      // 9: the maintenance windows and auto-resolve settings of the same
      // document (JSON, store_rows.h).
      R"sql(
ALTER TABLE service_rules ADD COLUMN maintenance TEXT NOT NULL DEFAULT '[]';
ALTER TABLE service_rules ADD COLUMN auto_resolve TEXT NOT NULL DEFAULT '[]';
)sql",
      // 10: outbound webhooks: the subscriptions in the rules document, and
      // the outbox, written in the transaction of the incident change each
      // message tells of; the dispatcher finds due messages by the partial
      // index, retention finished ones by finished_at.
      R"sql(
ALTER TABLE service_rules ADD COLUMN webhooks TEXT NOT NULL DEFAULT '[]';
CREATE TABLE outbound_messages (
  id               TEXT PRIMARY KEY,
  service_id       TEXT NOT NULL,
  subscription     TEXT NOT NULL,
  event            INTEGER NOT NULL,
  incident_id      TEXT NOT NULL,
  sequence         INTEGER NOT NULL,
  body             TEXT NOT NULL,
  created_at       INTEGER NOT NULL,
  state            INTEGER NOT NULL,
  attempts         INTEGER NOT NULL,
  next_attempt_at  INTEGER NOT NULL,
  leased_until     INTEGER,
  last_http_status INTEGER NOT NULL,
  last_error       TEXT NOT NULL,
  finished_at      INTEGER
) WITHOUT ROWID;
CREATE INDEX outbound_pending ON outbound_messages
  (service_id, subscription, id) WHERE state = 1;
CREATE INDEX outbound_due ON outbound_messages (next_attempt_at)
  WHERE state = 1;
CREATE INDEX outbound_by_service ON outbound_messages (service_id, id);
CREATE INDEX outbound_finished ON outbound_messages (finished_at)
  WHERE finished_at IS NOT NULL;
)sql",
  };
  return *migrations;
}

absl::StatusOr<int> ReadUserVersion(SqliteConnection& db) {
  absl::StatusOr<SqliteStatement> stmt = db.Prepare("PRAGMA user_version");
  if (!stmt.ok()) return stmt.status();
  absl::StatusOr<bool> row = stmt->Step();
  if (!row.ok()) return row.status();
  return *row ? static_cast<int>(stmt->Int(0)) : 0;
}

}  // namespace

int CurrentSchemaVersion() { return static_cast<int>(Migrations().size()); }

absl::Status MigrateSchema(SqliteConnection& db) {
  absl::StatusOr<int> version = ReadUserVersion(db);
  if (!version.ok()) return version.status();
  if (*version > CurrentSchemaVersion()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "database schema version ", *version, " is newer than this build's ",
        CurrentSchemaVersion(), "; upgrade alertgate"));
  }
  for (int next = *version + 1; next <= CurrentSchemaVersion(); ++next) {
    absl::Status status =
        db.Exec(absl::StrCat("BEGIN IMMEDIATE;", Migrations()[next - 1],
                             "PRAGMA user_version = ", next, "; COMMIT;"));
    if (!status.ok()) {
      db.Exec("ROLLBACK").IgnoreError();
      return absl::Status(status.code(), absl::StrCat("schema migration ", next,
                                                      ": ", status.message()));
    }
  }
  return absl::OkStatus();
}

}  // namespace alertgate
