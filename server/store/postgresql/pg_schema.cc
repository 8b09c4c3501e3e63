#include "server/store/postgresql/pg_schema.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "server/model/incident_model.h"
#include "server/model/status_macros.h"

namespace alertgate {
namespace {

static_assert(static_cast<int>(IncidentState::kResolved) == 3,
              "stored incident states are the API's enum numbers");

// Any 64-bit number of our own: the advisory lock migrations take.
constexpr int64_t kMigrationLock = 0x616c657274676174;  // "alertgat"

// Migration N brings the schema from version N-1 to N. Never edit one that
// has shipped; append. Times are microseconds since the Unix epoch; states
// and actions the API's enum numbers; ids time-ordered text.
const std::vector<std::string>& Migrations() {
  static const auto* migrations = new std::vector<std::string>{
      // 1: the schema of SQLite's migrations 1 to 5, at once.
      R"sql(
CREATE TABLE services (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE,
  description TEXT NOT NULL,
  created_at  BIGINT NOT NULL
);

-- key_hash is SHA-256 of the webhook key; NULL while only a secret is set.
CREATE TABLE webhook_credentials (
  service_id TEXT NOT NULL REFERENCES services(id),
  source     TEXT NOT NULL,
  key_hash   BYTEA,
  secret     TEXT NOT NULL,
  issued_at  BIGINT NOT NULL,
  PRIMARY KEY (service_id, source)
);
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
  alert_count     BIGINT NOT NULL,
  opened_at       BIGINT NOT NULL,
  last_seen_at    BIGINT NOT NULL,
  acknowledged_at BIGINT,
  acknowledged_by TEXT NOT NULL,
  resolved_at     BIGINT,
  resolved_by     TEXT NOT NULL,
  event_count     BIGINT NOT NULL DEFAULT 0
);
-- At most one open incident (not RESOLVED = 3) per service and dedup key.
CREATE UNIQUE INDEX incidents_open_by_dedup_key
  ON incidents (service_id, dedup_key) WHERE state <> 3;
CREATE INDEX incidents_by_service_state ON incidents (service_id, state, id);
CREATE INDEX incidents_by_state ON incidents (state, id);
CREATE INDEX incidents_resolved_by_time ON incidents (resolved_at)
  WHERE state = 3;

-- The global event log. Sequences are handed out from log_sequence inside
-- each writing transaction, whose row lock every writer takes first: the
-- writers of all cores commit one after another, in sequence order, so a
-- reader that sees sequence N committed has every sequence below it.
CREATE TABLE log_sequence (
  only_row BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (only_row),
  value    BIGINT NOT NULL
);
INSERT INTO log_sequence (value) VALUES (0);

CREATE TABLE events (
  sequence    BIGINT PRIMARY KEY,
  at          BIGINT NOT NULL,
  kind        INTEGER NOT NULL,
  incident_id TEXT NOT NULL,
  service_id  TEXT NOT NULL,
  source      TEXT NOT NULL,
  dedup_key   TEXT NOT NULL,
  state       INTEGER NOT NULL,
  actor       TEXT NOT NULL,
  note        TEXT NOT NULL,
  occurred_at BIGINT
);
CREATE INDEX events_by_incident ON events (incident_id, sequence);
CREATE INDEX events_by_service ON events (service_id, sequence);

CREATE TABLE idempotency_keys (
  service_id  TEXT NOT NULL,
  key         TEXT NOT NULL,
  outcome     INTEGER NOT NULL,
  incident_id TEXT NOT NULL,
  sequence    BIGINT NOT NULL,
  created_at  BIGINT NOT NULL,
  PRIMARY KEY (service_id, key)
);
CREATE INDEX idempotency_keys_by_time ON idempotency_keys (created_at);

CREATE TABLE source_activity (
  service_id       TEXT NOT NULL,
  source           TEXT NOT NULL,
  last_alert_at    BIGINT,
  last_incident_at BIGINT,
  PRIMARY KEY (service_id, source)
);

CREATE TABLE store_marks (
  name  TEXT PRIMARY KEY,
  value BIGINT NOT NULL
);

CREATE TABLE api_tokens (
  id           TEXT PRIMARY KEY,
  name         TEXT NOT NULL,
  role         INTEGER NOT NULL,
  token_hash   BYTEA NOT NULL UNIQUE,
  created_at   BIGINT NOT NULL,
  created_by   TEXT NOT NULL,
  last_used_at BIGINT,
  revoked_at   BIGINT
);
CREATE UNIQUE INDEX api_tokens_live_names ON api_tokens (name)
  WHERE revoked_at IS NULL;

CREATE TABLE audit_log (
  id     BIGSERIAL PRIMARY KEY,
  at     BIGINT NOT NULL,
  actor  TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL,
  detail TEXT NOT NULL
);
)sql",
      // 2: the delivery log (as SQLite's migration 6).
      R"sql(
CREATE TABLE deliveries (
  id           TEXT PRIMARY KEY,
  service_id   TEXT NOT NULL,
  source       TEXT NOT NULL,
  received_at  BIGINT NOT NULL,
  event        TEXT NOT NULL,
  delivery_id  TEXT NOT NULL,
  http_status  INTEGER NOT NULL,
  outcome      INTEGER NOT NULL,
  reason       TEXT NOT NULL,
  incident_ids TEXT NOT NULL,
  body_bytes   BIGINT NOT NULL,
  headers      TEXT,
  body         BYTEA
);
CREATE INDEX deliveries_by_service ON deliveries (service_id, id);
CREATE INDEX deliveries_by_source ON deliveries (service_id, source, id);
CREATE INDEX deliveries_by_time ON deliveries (received_at);
)sql",
      // 3: a replayed delivery names the entry it replays (SQLite's 7).
      R"sql(
ALTER TABLE deliveries ADD COLUMN replay_of TEXT NOT NULL DEFAULT '';
)sql",
      // 4: each service's rules, as one JSON document (store_rows.h),
      // replaced whole on each save.
      R"sql(
CREATE TABLE service_rules (
  service_id TEXT PRIMARY KEY,
  rules      TEXT NOT NULL,
  revision   BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  updated_by TEXT NOT NULL
);
)sql",
      // 5: the maintenance windows and auto-resolve settings of the same
      // document (JSON, store_rows.h).
      R"sql(
ALTER TABLE service_rules ADD COLUMN maintenance TEXT NOT NULL DEFAULT '[]';
ALTER TABLE service_rules ADD COLUMN auto_resolve TEXT NOT NULL DEFAULT '[]';
)sql",
      // 6: outbound webhooks (SQLite's 10).
      R"sql(
ALTER TABLE service_rules ADD COLUMN webhooks TEXT NOT NULL DEFAULT '[]';
CREATE TABLE outbound_messages (
  id               TEXT PRIMARY KEY,
  service_id       TEXT NOT NULL,
  subscription     TEXT NOT NULL,
  event            INTEGER NOT NULL,
  incident_id      TEXT NOT NULL,
  sequence         BIGINT NOT NULL,
  body             TEXT NOT NULL,
  created_at       BIGINT NOT NULL,
  state            INTEGER NOT NULL,
  attempts         INTEGER NOT NULL,
  next_attempt_at  BIGINT NOT NULL,
  leased_until     BIGINT,
  last_http_status INTEGER NOT NULL,
  last_error       TEXT NOT NULL,
  finished_at      BIGINT
);
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

}  // namespace

int CurrentPgSchemaVersion() { return static_cast<int>(Migrations().size()); }

absl::Status MigratePgSchema(PgConnection& db) {
  for (int next = 1; next <= CurrentPgSchemaVersion(); ++next) {
    AG_RETURN_IF_ERROR(db.Exec("BEGIN"));
    absl::Status status = [&]() -> absl::Status {
      AG_RETURN_IF_ERROR(db.Query("SELECT pg_advisory_xact_lock($1)",
                                  {PgParam(kMigrationLock)})
                             .status());
      // Under the lock: two cores starting at once would race to create it.
      AG_RETURN_IF_ERROR(db.Exec(
          "CREATE TABLE IF NOT EXISTS alertgate_schema (version INTEGER "
          "PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"));
      AG_ASSIGN_OR_RETURN(
          PgResult applied,
          db.Query("SELECT coalesce(max(version), 0) FROM alertgate_schema"));
      const int64_t version = applied.row(0).Int(0);
      if (version > CurrentPgSchemaVersion()) {
        return absl::FailedPreconditionError(
            absl::StrCat("database schema version ", version,
                         " is newer than this "
                         "build's ",
                         CurrentPgSchemaVersion(), "; upgrade alertgate"));
      }
      if (version >= next) return absl::OkStatus();  // Another core did it.
      AG_RETURN_IF_ERROR(db.Exec(Migrations()[next - 1]));
      return db
          .Query("INSERT INTO alertgate_schema (version) VALUES ($1)",
                 {PgParam(static_cast<int64_t>(next))})
          .status();
    }();
    if (!status.ok()) {
      db.Exec("ROLLBACK").IgnoreError();
      return absl::Status(status.code(), absl::StrCat("schema migration ", next,
                                                      ": ", status.message()));
    }
    AG_RETURN_IF_ERROR(db.Exec("COMMIT"));
  }
  return absl::OkStatus();
}

}  // namespace alertgate
