// SqliteConnection: one SQLite connection with cached prepared statements and
// absl::Status errors. A thin layer over the C API; no SQL of alertgate's own.
//
// Thread safety: none. One thread uses a connection at a time (the store
// guards them).
#ifndef ALERTGATE_SERVER_STORE_SQLITE_SQLITE_CONNECTION_H_
#define ALERTGATE_SERVER_STORE_SQLITE_SQLITE_CONNECTION_H_

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace alertgate {

// A prepared statement borrowed from a connection's cache: bind, step, read
// columns. Resets itself (keeping the cache entry) when it goes out of scope.
class SqliteStatement {
 public:
  explicit SqliteStatement(sqlite3_stmt* stmt) : stmt_(stmt) {}
  ~SqliteStatement();
  SqliteStatement(SqliteStatement&& other) noexcept
      : stmt_(other.stmt_), bind_error_(std::move(other.bind_error_)) {
    other.stmt_ = nullptr;
  }
  SqliteStatement& operator=(SqliteStatement&&) = delete;
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  // Parameters are 1-based, as in SQLite.
  SqliteStatement& Bind(int index, absl::string_view text);
  SqliteStatement& BindBlob(int index, absl::string_view bytes);
  SqliteStatement& Bind(int index, int64_t value);
  SqliteStatement& BindNull(int index);
  template <typename T>
  SqliteStatement& Bind(int index, const std::optional<T>& value) {
    return value ? Bind(index, *value) : BindNull(index);
  }

  // Advances: true with a row to read, false when done, or an error.
  absl::StatusOr<bool> Step();
  // Runs a statement that returns no rows.
  absl::Status Run();
  // Makes the statement ready to run again (bindings are kept until rebound).
  void Reset();

  bool IsNull(int column) const;
  int64_t Int(int column) const;
  std::string Text(int column) const;
  std::optional<int64_t> OptionalInt(int column) const;

 private:
  sqlite3_stmt* stmt_;
  absl::Status bind_error_;
};

class SqliteConnection {
 public:
  // Opens (creating if needed) the database file at `path`.
  static absl::StatusOr<std::unique_ptr<SqliteConnection>> Open(
      const std::string& path);
  ~SqliteConnection();
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  // Runs one or more statements without parameters.
  absl::Status Exec(const std::string& sql);
  // A cached prepared statement for `sql`.
  absl::StatusOr<SqliteStatement> Prepare(const std::string& sql);
  // The same for SQL text with static storage duration (a string literal),
  // cached by its address: no string is built or hashed per call.
  absl::StatusOr<SqliteStatement> PrepareStatic(const char* sql);
  // Rows changed by the last statement.
  int64_t Changes() const;
  int64_t LastInsertRowId() const;

  sqlite3* handle() { return db_; }

 private:
  explicit SqliteConnection(sqlite3* db) : db_(db) {}
  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> statements_;
  std::unordered_map<const char*, sqlite3_stmt*> static_statements_;
};

// Maps an SQLite result code to a status: constraint violations are
// ALREADY_EXISTS (unique) or FAILED_PRECONDITION, busy/IO errors UNAVAILABLE,
// corruption DATA_LOSS.
absl::Status SqliteError(int code, absl::string_view context, sqlite3* db);

}  // namespace alertgate

#endif  // ALERTGATE_SERVER_STORE_SQLITE_SQLITE_CONNECTION_H_
