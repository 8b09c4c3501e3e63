// AdapterRegistry: the source adapters loaded at start-up, by source name.
//
// Plugins are loaded once, from a folder, with dlopen(RTLD_NOW | RTLD_LOCAL).
// Each is checked before use (CheckAdapterDescription); a plugin that fails
// any check, or whose source name is taken, is refused with a message naming
// the file and the reason, and loading goes on with the rest. The registry
// never changes afterwards and plugins are never unloaded.
//
// Thread safety: immutable after Load*(); safe to read from any thread.
#ifndef ALERTGATE_ADAPTERS_LOADER_ADAPTER_REGISTRY_H_
#define ALERTGATE_ADAPTERS_LOADER_ADAPTER_REGISTRY_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "adapters/loader/source_adapter.h"

namespace alertgate {

class AdapterRegistry {
 public:
  // Loads every "*.so" in `folder`, in name order. Refusals are appended to
  // `errors` (one line each); a missing folder is one such error.
  static std::unique_ptr<AdapterRegistry> LoadFolder(
      const std::string& folder, std::vector<std::string>* errors);
  // Loads the given files, in order.
  static std::unique_ptr<AdapterRegistry> LoadFiles(
      const std::vector<std::string>& files, std::vector<std::string>* errors);

  // The adapter registered as `source`, or null.
  const SourceAdapter* Find(absl::string_view source) const;
  // Every adapter, by name.
  std::vector<const SourceAdapter*> All() const;

 private:
  AdapterRegistry() = default;
  void LoadFile(const std::string& file, std::vector<std::string>* errors);

  std::map<std::string, std::unique_ptr<SourceAdapter>, std::less<>> by_name_;
};

}  // namespace alertgate

#endif  // ALERTGATE_ADAPTERS_LOADER_ADAPTER_REGISTRY_H_
