#include "server/store_url.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace alertgate {

absl::StatusOr<std::string> SqlitePathOf(const std::string& url) {
  absl::string_view path = url;
  if (!absl::ConsumePrefix(&path, "sqlite://") || path.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--store=", url,
        ": not a store URL this build knows; use "
        "sqlite:///absolute/path.db or sqlite://relative/path.db"));
  }
  return std::string(path);
}

absl::StatusOr<std::unique_ptr<IncidentStore>> OpenStore(const std::string& url,
                                                         StoreCheck check) {
  absl::StatusOr<std::string> sqlite = SqlitePathOf(url);
  if (!sqlite.ok()) return sqlite.status();
  absl::StatusOr<std::unique_ptr<SqliteStore>> store =
      SqliteStore::Open(*sqlite, check);
  if (!store.ok()) return store.status();
  return std::unique_ptr<IncidentStore>(std::move(*store));
}

}  // namespace alertgate
