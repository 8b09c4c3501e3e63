#include "server/store_url.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace alertgate {

absl::StatusOr<std::string> SqlitePathOf(const std::string& url) {
  absl::string_view path = url;
  if (!absl::ConsumePrefix(&path, "sqlite://") || path.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--store=", url,
                     ": not a store URL this build knows; use "
                     "sqlite:///absolute/path.db, sqlite://relative/path.db or "
                     "postgresql://user@host:port/database"));
  }
  return std::string(path);
}

std::string RedactedStoreUrl(const std::string& url) {
  if (!IsPostgresUrl(url)) return url;
  std::string out = url;
  // user:password@host → user:***@host
  const size_t scheme = out.find("://");
  const size_t at = out.find('@', scheme + 3);
  if (scheme != std::string::npos && at != std::string::npos) {
    const size_t colon = out.find(':', scheme + 3);
    if (colon != std::string::npos && colon < at) {
      out.replace(colon + 1, at - colon - 1, "***");
    }
  }
  // ...?password=secret&... → password=***
  for (size_t p = out.find("password="); p != std::string::npos;
       p = out.find("password=", p + 1)) {
    const size_t start = p + 9;
    const size_t end = out.find('&', start);
    out.replace(start, (end == std::string::npos ? out.size() : end) - start,
                "***");
  }
  return out;
}

bool IsPostgresUrl(const std::string& url) {
  return absl::StartsWith(url, "postgresql://") ||
         absl::StartsWith(url, "postgres://");
}

absl::StatusOr<std::unique_ptr<IncidentStore>> OpenStore(const std::string& url,
                                                         StoreCheck check) {
  if (IsPostgresUrl(url)) {
    // PostgreSQL checks its own files; `check` is SQLite's.
    absl::StatusOr<std::unique_ptr<PostgresStore>> store =
        PostgresStore::Open(url);
    if (!store.ok()) return store.status();
    return std::unique_ptr<IncidentStore>(std::move(*store));
  }
  absl::StatusOr<std::string> sqlite = SqlitePathOf(url);
  if (!sqlite.ok()) return sqlite.status();
  absl::StatusOr<std::unique_ptr<SqliteStore>> store =
      SqliteStore::Open(*sqlite, check);
  if (!store.ok()) return store.status();
  return std::unique_ptr<IncidentStore>(std::move(*store));
}

}  // namespace alertgate
