// The console's files (server/console/ui/), built into the binary by
// embed_assets.sh: no Node.js, CDN or file beside the binary at run time.
#ifndef ALERTGATE_SERVER_CONSOLE_CONSOLE_ASSETS_H_
#define ALERTGATE_SERVER_CONSOLE_CONSOLE_ASSETS_H_

#include <cstddef>
#include <vector>

namespace alertgate::console {

struct Asset {
  const char* name;  // The file's base name, e.g. "app.js".
  const char* data;
  size_t size;
};

const std::vector<Asset>& Assets();

}  // namespace alertgate::console

#endif  // ALERTGATE_SERVER_CONSOLE_CONSOLE_ASSETS_H_
