#include "server/token_command.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "server/common/clock.h"
#include "server/core/access_control.h"
#include "server/core/id_generator.h"
#include "server/store_url.h"

namespace alertgate {
namespace {

int Refuse(const std::string& message) {
  fprintf(stderr, "alertgate tokens: %s\n", message.c_str());
  return 1;
}

}  // namespace

int RunTokensCommand(const std::vector<std::string>& args,
                     const std::string& store_url, const std::string& role,
                     const std::string& name) {
  if (args.size() != 2 || args[1] != "create") {
    return Refuse(
        "usage: alertgate tokens create --role=ROLE [--name=NAME] "
        "[--data_dir=DIR]  (ROLE: ingest, read, operate, admin)");
  }
  const std::optional<Role> token_role = RoleFromName(role);
  if (!token_role) {
    return Refuse("--role must be ingest, read, operate or admin, not \"" +
                  role + "\"");
  }
  // Never create a store here: a typo in --data_dir must not make a new,
  // empty one whose token works nowhere.
  if (absl::StatusOr<std::string> path = SqlitePathOf(store_url);
      path.ok() && access(path->c_str(), F_OK) != 0) {
    return Refuse("no store at " + *path +
                  ": start alertgate once first, or pass the --data_dir "
                  "(or --store) it uses");
  }
  auto store = OpenStore(store_url, StoreCheck::kNone);
  if (!store.ok()) return Refuse(std::string(store.status().message()));
  SystemClock clock;
  IdGenerator ids(&clock);
  AccessControl access(store->get(), &clock, &ids);
  const std::string token_name =
      name.empty() ? absl::StrCat(role, "-",
                                  absl::FormatTime("%Y%m%d-%H%M%S", absl::Now(),
                                                   absl::UTCTimeZone()))
                   : name;
  const char* user = getenv("USER");
  auto created =
      access.CreateToken(token_name, *token_role,
                         absl::StrCat("alertgate tokens create (",
                                      user ? user : "unknown user", ")"));
  if (!created.ok()) return Refuse(std::string(created.status().message()));
  fprintf(stderr,
          "alertgate tokens: created \"%s\" (role %s); the token is shown "
          "once, here:\n",
          token_name.c_str(), role.c_str());
  printf("%s\n", created->secret.c_str());
  return 0;
}

}  // namespace alertgate
