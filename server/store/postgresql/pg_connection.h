// PgConnection: one libpq connection to PostgreSQL, with parameters bound
// out of line ($1, $2, ...: never spliced into SQL) and errors turned into
// Abseil statuses by SQLSTATE:
//   23505 unique_violation                          ALREADY_EXISTS
//   23xxx other integrity violations                FAILED_PRECONDITION
//   40001 serialization_failure, 40P01 deadlock     ABORTED (retry)
//   08xxx connection, 53xxx resources, 57Pxx stop   UNAVAILABLE
//   XX001, XX002 data or index corrupted            DATA_LOSS
//   anything else                                   INTERNAL
// and a connection that broke as UNAVAILABLE.
//
// Statements whose rows nobody reads can be deferred: they travel with the
// next Query() or Flush() in one libpq pipeline, so a transaction's writes
// cost one round trip together instead of one each.
//
// Thread safety: none; one thread uses a connection at a time.
#ifndef ALERTGATE_SERVER_STORE_POSTGRESQL_PG_CONNECTION_H_
#define ALERTGATE_SERVER_STORE_POSTGRESQL_PG_CONNECTION_H_

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

typedef struct pg_conn PGconn;
typedef struct pg_result PGresult;

namespace alertgate {

// One bound parameter: text, an integer, NULL, or bytes (sent binary, for
// bytea columns).
class PgParam {
 public:
  PgParam(std::string text) : value_(std::move(text)) {}       // NOLINT
  PgParam(const char* text) : value_(std::string(text)) {}     // NOLINT
  PgParam(int64_t number) : value_(std::to_string(number)) {}  // NOLINT
  PgParam(std::optional<int64_t> number)                       // NOLINT
      : value_(number ? std::optional<std::string>(std::to_string(*number))
                      : std::nullopt) {}
  static PgParam Null() { return PgParam(std::optional<int64_t>()); }
  static PgParam Bytes(std::string bytes) {
    PgParam param(std::move(bytes));
    param.binary_ = true;
    return param;
  }

  const std::optional<std::string>& value() const { return value_; }
  bool binary() const { return binary_; }

 private:
  std::optional<std::string> value_;
  bool binary_ = false;
};

// The rows of one statement.
class PgResult {
 public:
  explicit PgResult(PGresult* result);
  PgResult(PgResult&& other) noexcept;
  PgResult& operator=(PgResult&& other) noexcept;
  ~PgResult();

  int rows() const;
  // Rows affected by an INSERT, UPDATE or DELETE.
  int64_t affected() const;

  // One row, read the way store_rows.h reads any row.
  class Row {
   public:
    Row(const PGresult* result, int row) : result_(result), row_(row) {}
    bool IsNull(int column) const;
    // bytea columns are unescaped to their bytes.
    std::string Text(int column) const;
    int64_t Int(int column) const;
    std::optional<int64_t> OptionalInt(int column) const;

   private:
    const PGresult* result_;
    int row_;
  };
  Row row(int index) const { return Row(result_, index); }

 private:
  PGresult* result_;
};

class PgConnection {
 public:
  // `conninfo`: a libpq connection string or URI
  // (postgresql://user@host:port/db?...). UNAVAILABLE if it cannot connect.
  static absl::StatusOr<std::unique_ptr<PgConnection>> Open(
      const std::string& conninfo);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // Runs one or more statements without parameters.
  absl::Status Exec(const std::string& sql);
  // Runs one statement with parameters, after what is deferred (in the
  // same round trip); the first failure among them all.
  absl::StatusOr<PgResult> Query(const std::string& sql,
                                 std::initializer_list<PgParam> params = {});
  // Queues one statement to run before the next Query() or Flush().
  // `unless_one_row`: what to report when it did not touch exactly one row
  // (OK: any count is fine). Checked by the server, so that the failure
  // stops the statements after it as any error does: `sql` is then an
  // INSERT, UPDATE or DELETE without RETURNING.
  void Defer(std::string sql, std::vector<PgParam> params = {},
             absl::Status unless_one_row = absl::OkStatus());
  // Runs what is deferred; the first failure among it.
  absl::Status Flush();
  // Drops what is deferred, unsent.
  void DiscardDeferred() { deferred_.clear(); }

  // Owners: a caller running several units of work in one transaction
  // tags the statements of each (set_owner), to learn whose statement
  // failed when a pipeline carried several units' statements.
  static constexpr int kNoOwner = -1;
  void set_owner(int owner) { owner_ = owner; }
  // The owner of the first statement that failed since ResetFailure()
  // (kNoOwner: none failed).
  int failed_owner() const { return failed_owner_; }
  void ResetFailure() { failed_owner_ = kNoOwner; }
  // Drops the deferred statements of `owner`, unsent.
  void DiscardDeferredOf(int owner);
  // Whether a deferred statement of `owner` was sent (owners run one after
  // the other: only the last one's can be).
  bool SentDeferredOf(int owner) const {
    return last_sent_deferred_owner_ == owner;
  }
  // From now on, each distinct statement is parsed and planned once per
  // session (a named prepared statement) instead of at every run. For
  // statements whose best plan does not depend on their parameters: the
  // writer's, not the readers' optional filters.
  void PrepareStatements() { prepare_ = true; }
  // False once the server closed the connection or it broke.
  bool healthy() const;
  // Waits up to `timeout` for a NOTIFY on a channel this connection
  // LISTENs to; true when one (or more) arrived, and consumes them.
  bool WaitForNotification(absl::Duration timeout);
  // Connects again after it broke.
  absl::Status Reconnect();
  PGconn* raw() { return conn_; }

 private:
  struct Statement {
    std::string sql;
    std::vector<PgParam> params;
    absl::Status unless_one_row;
    int owner;
    bool deferred;
  };
  PgConnection(std::string conninfo, PGconn* conn)
      : conninfo_(std::move(conninfo)), conn_(conn) {}
  absl::StatusOr<PgResult> Check(PGresult* result, absl::string_view what);
  // Sends `statements` in one pipeline and reads every result: the last
  // statement's rows, or the first failure.
  absl::StatusOr<PgResult> RunPipeline(std::vector<Statement> statements);
  absl::Status Broken(absl::string_view what);
  // Keeps `failure` as the pipeline's first, and its owner as the failed.
  void Fail(absl::Status& first_failure, absl::Status failure, int owner);

  const std::string conninfo_;
  PGconn* conn_;
  // Set when a pipeline went wrong half way: the connection is dropped and
  // opened afresh by Reconnect().
  bool broken_ = false;
  std::vector<Statement> deferred_;
  bool prepare_ = false;
  int owner_ = kNoOwner;
  int failed_owner_ = kNoOwner;
  int last_sent_deferred_owner_ = kNoOwner;
  // Statement text → its prepared name in this session.
  absl::flat_hash_map<std::string, std::string> prepared_;
};

// The status a libpq error maps to (see the table above).
absl::Status PgError(absl::string_view sqlstate, absl::string_view message);

}  // namespace alertgate

#endif  // ALERTGATE_SERVER_STORE_POSTGRESQL_PG_CONNECTION_H_
