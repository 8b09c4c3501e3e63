#include "server/store/postgresql/pg_connection.h"

#include <poll.h>
#include <postgresql/libpq-fe.h>

#include <algorithm>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "server/model/status_macros.h"

namespace alertgate {
namespace {

constexpr Oid kByteaOid = 17;

// Parameters laid out as libpq takes them; borrows the values.
class BoundParams {
 public:
  template <typename Params>
  explicit BoundParams(const Params& params) {
    for (const PgParam& param : params) {
      values_.push_back(param.value() ? param.value()->data() : nullptr);
      lengths_.push_back(param.value() ? static_cast<int>(param.value()->size())
                                       : 0);
      formats_.push_back(param.binary() ? 1 : 0);
    }
  }
  int count() const { return static_cast<int>(values_.size()); }
  const char* const* values() const { return values_.data(); }
  const int* lengths() const { return lengths_.data(); }
  const int* formats() const { return formats_.data(); }

 private:
  std::vector<const char*> values_;
  std::vector<int> lengths_;
  std::vector<int> formats_;
};

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
  return std::unique_ptr<PgConnection>(new PgConnection(conninfo, conn));
}

PgConnection::~PgConnection() { PQfinish(conn_); }

bool PgConnection::healthy() const {
  return !broken_ && PQstatus(conn_) == CONNECTION_OK;
}

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
  // A fresh connection rather than PQreset(): nothing of a pipeline that
  // broke half way can linger.
  deferred_.clear();
  prepared_.clear();  // They belonged to the old session.
  failed_owner_ = last_sent_deferred_owner_ = kNoOwner;
  PQfinish(conn_);
  conn_ = PQconnectdb(conninfo_.c_str());
  broken_ = false;
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
  AG_RETURN_IF_ERROR(Flush());
  return Check(PQexec(conn_, sql.c_str()), sql).status();
}

absl::StatusOr<PgResult> PgConnection::Query(
    const std::string& sql, std::initializer_list<PgParam> params) {
  if (!deferred_.empty() || prepare_) {
    Defer(sql, std::vector<PgParam>(params));
    deferred_.back().deferred = false;
    return RunPipeline(std::move(deferred_));
  }
  const BoundParams bound(params);
  return Check(PQexecParams(conn_, sql.c_str(), bound.count(), nullptr,
                            bound.values(), bound.lengths(), bound.formats(),
                            /*resultFormat=*/0),
               sql);
}

void PgConnection::Defer(std::string sql, std::vector<PgParam> params,
                         absl::Status unless_one_row) {
  if (!unless_one_row.ok()) {
    // Any other count divides by zero (SQLSTATE 22012), read back below as
    // `unless_one_row`.
    sql = absl::StrCat("WITH changed AS (", sql,
                       " RETURNING 1) SELECT 1 / (count(*) = 1)::int "
                       "FROM changed");
  }
  deferred_.push_back(Statement{std::move(sql), std::move(params),
                                std::move(unless_one_row), owner_,
                                /*deferred=*/true});
}

void PgConnection::DiscardDeferredOf(int owner) {
  deferred_.erase(std::remove_if(deferred_.begin(), deferred_.end(),
                                 [owner](const Statement& statement) {
                                   return statement.owner == owner;
                                 }),
                  deferred_.end());
}

absl::Status PgConnection::Flush() {
  if (deferred_.empty()) return absl::OkStatus();
  return RunPipeline(std::move(deferred_)).status();
}

absl::Status PgConnection::Broken(absl::string_view what) {
  broken_ = true;
  return absl::UnavailableError(absl::StrCat(
      "postgresql: connection lost (", what,
      "): ", absl::StripTrailingAsciiWhitespace(PQerrorMessage(conn_))));
}

void PgConnection::Fail(absl::Status& first_failure, absl::Status failure,
                        int owner) {
  if (!first_failure.ok()) return;
  first_failure = std::move(failure);
  if (failed_owner_ == kNoOwner) failed_owner_ = owner;
}

absl::StatusOr<PgResult> PgConnection::RunPipeline(
    std::vector<Statement> statements) {
  deferred_.clear();
  if (PQenterPipelineMode(conn_) != 1) return Broken("pipeline");
  // Statements prepared in this pipeline: each adds one result, read first.
  std::vector<bool> preparing(statements.size(), false);
  for (size_t i = 0; i < statements.size(); ++i) {
    const Statement& statement = statements[i];
    const BoundParams bound(statement.params);
    int sent = 0;
    if (prepare_) {
      auto [it, added] = prepared_.try_emplace(
          statement.sql, absl::StrCat("ag", prepared_.size()));
      preparing[i] = added;
      sent = (!added ||
              PQsendPrepare(conn_, it->second.c_str(), statement.sql.c_str(),
                            bound.count(), nullptr) == 1) &&
             PQsendQueryPrepared(conn_, it->second.c_str(), bound.count(),
                                 bound.values(), bound.lengths(),
                                 bound.formats(), /*resultFormat=*/0) == 1;
    } else {
      sent = PQsendQueryParams(conn_, statement.sql.c_str(), bound.count(),
                               nullptr, bound.values(), bound.lengths(),
                               bound.formats(), /*resultFormat=*/0);
    }
    if (sent != 1) return Broken(statement.sql);
    if (statement.deferred) last_sent_deferred_owner_ = statement.owner;
  }
  if (PQpipelineSync(conn_) != 1) return Broken("pipeline sync");
  // One result per statement (two when it is being prepared), each followed
  // by a null; a statement after a failure comes back
  // PGRES_PIPELINE_ABORTED (not run).
  absl::Status first_failure;
  std::optional<PgResult> last;
  for (size_t i = 0; i < statements.size(); ++i) {
    if (preparing[i]) {
      PGresult* prepared = PQgetResult(conn_);
      if (prepared == nullptr) return Broken(statements[i].sql);
      absl::Status status = Check(prepared, statements[i].sql).status();
      if (!status.ok()) {
        prepared_.erase(statements[i].sql);  // Prepared again next time.
        Fail(first_failure, status, statements[i].owner);
      }
      if (PGresult* extra = PQgetResult(conn_)) {
        PQclear(extra);
        return Broken("pipeline: more results than statements");
      }
    }
    PGresult* raw = PQgetResult(conn_);
    if (raw == nullptr) return Broken(statements[i].sql);
    if (PQresultStatus(raw) == PGRES_PIPELINE_ABORTED) {
      PQclear(raw);
      if (first_failure.ok()) {
        first_failure = absl::InternalError("postgresql: pipeline aborted");
      }
    } else {
      const char* sqlstate = PQresultErrorField(raw, PG_DIAG_SQLSTATE);
      const bool not_one_row = !statements[i].unless_one_row.ok() &&
                               sqlstate != nullptr &&
                               absl::string_view(sqlstate) == "22012";
      absl::StatusOr<PgResult> result = Check(raw, statements[i].sql);
      if (not_one_row) {
        Fail(first_failure, statements[i].unless_one_row, statements[i].owner);
      } else if (!result.ok()) {
        Fail(first_failure, result.status(), statements[i].owner);
      } else if (i + 1 == statements.size()) {
        last = std::move(*result);
      }
    }
    if (PGresult* extra = PQgetResult(conn_)) {
      PQclear(extra);
      return Broken("pipeline: more results than statements");
    }
  }
  PGresult* sync = PQgetResult(conn_);
  const bool synced =
      sync != nullptr && PQresultStatus(sync) == PGRES_PIPELINE_SYNC;
  if (sync != nullptr) PQclear(sync);
  if (!synced || PQexitPipelineMode(conn_) != 1) {
    return Broken("pipeline sync");
  }
  if (!first_failure.ok()) return first_failure;
  return std::move(*last);
}

}  // namespace alertgate
