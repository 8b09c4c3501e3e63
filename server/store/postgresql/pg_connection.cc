#include "server/store/postgresql/pg_connection.h"

#include <poll.h>
#include <postgresql/libpq-fe.h>

#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace alertgate {
namespace {

constexpr Oid kByteaOid = 17;

}  // namespace

absl::Status PgError(absl::string_view sqlstate, absl::string_view message) {
  const std::string text = absl::StrCat("postgresql: ", message);
  if (sqlstate == "23505") return absl::AlreadyExistsError(text);
  if (absl::StartsWith(sqlstate, "23"))
    return absl::FailedPreconditionError(text);
  if (sqlstate == "40001" || sqlstate == "40P01")
    return absl::AbortedError(text);
  if (absl::StartsWith(sqlstate, "08") || absl::StartsWith(sqlstate, "53") ||
      absl::StartsWith(sqlstate, "57P") || sqlstate.empty()) {
    return absl::UnavailableError(text);
  }
  if (sqlstate == "XX001" || sqlstate == "XX002")
    return absl::DataLossError(text);
  return absl::InternalError(text);
}

PgResult::PgResult(PGresult* result) : result_(result) {}
PgResult::PgResult(PgResult&& other) noexcept : result_(other.result_) {
  other.result_ = nullptr;
}
PgResult& PgResult::operator=(PgResult&& other) noexcept {
  if (this != &other) {
    if (result_) PQclear(result_);
    result_ = other.result_;
    other.result_ = nullptr;
  }
  return *this;
}
PgResult::~PgResult() {
  if (result_) PQclear(result_);
}

int PgResult::rows() const { return result_ ? PQntuples(result_) : 0; }

int64_t PgResult::affected() const {
  int64_t count = 0;
  return result_ && absl::SimpleAtoi(PQcmdTuples(result_), &count) ? count : 0;
}

bool PgResult::Row::IsNull(int column) const {
  return PQgetisnull(result_, row_, column) == 1;
}

std::string PgResult::Row::Text(int column) const {
  if (IsNull(column)) return std::string();
  const char* value = PQgetvalue(result_, row_, column);
  if (PQftype(result_, column) == kByteaOid) {
    size_t length = 0;
    unsigned char* bytes =
        PQunescapeBytea(reinterpret_cast<const unsigned char*>(value), &length);
    if (bytes == nullptr) return std::string();
    std::string out(reinterpret_cast<const char*>(bytes), length);
    PQfreemem(bytes);
    return out;
  }
  return std::string(value, PQgetlength(result_, row_, column));
}

int64_t PgResult::Row::Int(int column) const {
  int64_t value = 0;
  if (!IsNull(column)) {
    (void)absl::SimpleAtoi(PQgetvalue(result_, row_, column), &value);
  }
  return value;
}

std::optional<int64_t> PgResult::Row::OptionalInt(int column) const {
  if (IsNull(column)) return std::nullopt;
  return Int(column);
}

absl::StatusOr<std::unique_ptr<PgConnection>> PgConnection::Open(
    const std::string& conninfo) {
  PGconn* conn = PQconnectdb(conninfo.c_str());
  if (conn == nullptr)
    return absl::UnavailableError("postgresql: out of memory");
  if (PQstatus(conn) != CONNECTION_OK) {
    absl::Status status = absl::UnavailableError(
        absl::StrCat("postgresql: cannot connect: ",
                     absl::StripTrailingAsciiWhitespace(PQerrorMessage(conn))));
    PQfinish(conn);
    return status;
  }
  return std::unique_ptr<PgConnection>(new PgConnection(conn));
}

PgConnection::~PgConnection() { PQfinish(conn_); }

bool PgConnection::healthy() const { return PQstatus(conn_) == CONNECTION_OK; }

bool PgConnection::WaitForNotification(absl::Duration timeout) {
  auto consume = [this] {
    bool any = false;
    while (PGnotify* notify = PQnotifies(conn_)) {
      any = true;
      PQfreemem(notify);
    }
    return any;
  };
  if (consume()) return true;
  pollfd fd{PQsocket(conn_), POLLIN, 0};
  if (fd.fd < 0) return false;
  if (poll(&fd, 1, static_cast<int>(absl::ToInt64Milliseconds(timeout))) <= 0) {
    return false;
  }
  if (PQconsumeInput(conn_) == 0) return false;  // Broken: healthy() says so.
  return consume();
}

absl::Status PgConnection::Reconnect() {
  PQreset(conn_);
  if (PQstatus(conn_) == CONNECTION_OK) return absl::OkStatus();
  return absl::UnavailableError(
      absl::StrCat("postgresql: cannot reconnect: ",
                   absl::StripTrailingAsciiWhitespace(PQerrorMessage(conn_))));
}

absl::StatusOr<PgResult> PgConnection::Check(PGresult* raw,
                                             absl::string_view what) {
  PgResult result(raw);
  const ExecStatusType status = raw ? PQresultStatus(raw) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return result;
  const char* sqlstate =
      raw ? PQresultErrorField(raw, PG_DIAG_SQLSTATE) : nullptr;
  const std::string message = std::string(absl::StripTrailingAsciiWhitespace(
      raw ? PQresultErrorMessage(raw) : PQerrorMessage(conn_)));
  // A broken connection has no SQLSTATE: UNAVAILABLE.
  if (!healthy()) {
    return absl::UnavailableError(
        absl::StrCat("postgresql: connection lost (", what, "): ", message));
  }
  return PgError(sqlstate ? sqlstate : "", message);
}

absl::Status PgConnection::Exec(const std::string& sql) {
  return Check(PQexec(conn_, sql.c_str()), sql).status();
}

absl::StatusOr<PgResult> PgConnection::Query(
    const std::string& sql, std::initializer_list<PgParam> params) {
  std::vector<const char*> values;
  std::vector<int> lengths;
  std::vector<int> formats;
  values.reserve(params.size());
  for (const PgParam& param : params) {
    values.push_back(param.value() ? param.value()->data() : nullptr);
    lengths.push_back(param.value() ? static_cast<int>(param.value()->size())
                                    : 0);
    formats.push_back(param.binary() ? 1 : 0);
  }
  return Check(PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()),
                            nullptr, values.data(), lengths.data(),
                            formats.data(), /*resultFormat=*/0),
               sql);
}

}  // namespace alertgate
