// PluginExports: the symbols a plugin file exports, read from its ELF
// dynamic symbol table without loading it. A plugin should export only
// alertgate_adapter_v1 (the SDK's version script sees to it); anything else
// can collide with the host or with other plugins, so
// alertgate-plugin-check reports it.
//
// Thread safety: a pure function of the file.
#ifndef ALERTGATE_ADAPTERS_LOADER_PLUGIN_EXPORTS_H_
#define ALERTGATE_ADAPTERS_LOADER_PLUGIN_EXPORTS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace alertgate {

// The names of the symbols `file` defines and exports (global, weak or
// unique binding, default or protected visibility), sorted. INVALID_ARGUMENT
// when the file is not a 64-bit little-endian ELF shared object; NOT_FOUND
// when it cannot be read.
absl::StatusOr<std::vector<std::string>> ReadExportedSymbols(
    const std::string& file);

}  // namespace alertgate

#endif  // ALERTGATE_ADAPTERS_LOADER_PLUGIN_EXPORTS_H_
