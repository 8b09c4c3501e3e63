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
// Thread safety: none; one thread uses a connection at a time.
#ifndef ALERTGATE_SERVER_STORE_POSTGRESQL_PG_CONNECTION_H_
#define ALERTGATE_SERVER_STORE_POSTGRESQL_PG_CONNECTION_H_

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>

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
  // Runs one statement with parameters.
  absl::StatusOr<PgResult> Query(const std::string& sql,
                                 std::initializer_list<PgParam> params = {});
  // False once the server closed the connection or it broke.
  bool healthy() const;
  // Waits up to `timeout` for a NOTIFY on a channel this connection
  // LISTENs to; true when one (or more) arrived, and consumes them.
  bool WaitForNotification(absl::Duration timeout);
  // Connects again after it broke.
  absl::Status Reconnect();
  PGconn* raw() { return conn_; }

 private:
  explicit PgConnection(PGconn* conn) : conn_(conn) {}
  absl::StatusOr<PgResult> Check(PGresult* result, absl::string_view what);

  PGconn* conn_;
};

// The status a libpq error maps to (see the table above).
absl::Status PgError(absl::string_view sqlstate, absl::string_view message);

}  // namespace alertgate

#endif  // ALERTGATE_SERVER_STORE_POSTGRESQL_PG_CONNECTION_H_
