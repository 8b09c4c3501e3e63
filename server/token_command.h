// `alertgate tokens create`: makes an API token straight in the store, for
// the first admin of a store created without one and for lock-outs (every
// admin token lost). It needs no running server and no token, only access
// to the data folder, which is exactly who may administer alertgate.
//
//   alertgate tokens create --role=admin [--name=NAME] [--data_dir=DIR]
//
// The token is printed once on stdout; the audit log records who made it
// ("alertgate tokens create" and the operating-system user). It works
// while alertgate runs on the same store: tokens are looked up in the store
// the first time they are seen.
#ifndef ALERTGATE_SERVER_TOKEN_COMMAND_H_
#define ALERTGATE_SERVER_TOKEN_COMMAND_H_

#include <string>
#include <vector>

namespace alertgate {

// `args` are the words after "alertgate"; returns the exit code (0 made,
// 1 refused, with the reason on stderr).
int RunTokensCommand(const std::vector<std::string>& args,
                     const std::string& store_url, const std::string& role,
                     const std::string& name);

}  // namespace alertgate

#endif  // ALERTGATE_SERVER_TOKEN_COMMAND_H_
