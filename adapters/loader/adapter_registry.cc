#include "adapters/loader/adapter_registry.h"

#include <dlfcn.h>

#include <algorithm>
#include <filesystem>

#include "absl/strings/str_cat.h"

namespace alertgate {

std::unique_ptr<AdapterRegistry> AdapterRegistry::LoadFolder(
    const std::string& folder, std::vector<std::string>* errors) {
  std::vector<std::string> files;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(folder, error)) {
    if (entry.path().extension() == ".so")
      files.push_back(entry.path().string());
  }
  if (error) {
    errors->push_back(
        absl::StrCat("plugin folder ", folder, ": ", error.message()));
  }
  std::sort(files.begin(), files.end());
  return LoadFiles(files, errors);
}

std::unique_ptr<AdapterRegistry> AdapterRegistry::LoadFiles(
    const std::vector<std::string>& files, std::vector<std::string>* errors) {
  std::unique_ptr<AdapterRegistry> registry(new AdapterRegistry());
  for (const std::string& file : files) registry->LoadFile(file, errors);
  return registry;
}

void AdapterRegistry::LoadFile(const std::string& file,
                               std::vector<std::string>* errors) {
  // RTLD_LOCAL keeps each plugin's symbols to itself; RTLD_NOW reports
  // missing symbols here rather than at the first delivery.
  void* handle = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    errors->push_back(
        absl::StrCat("plugin ", file, ": cannot load: ", dlerror()));
    return;
  }
  auto entry = reinterpret_cast<ag_adapter_entry_fn>(
      dlsym(handle, AG_ADAPTER_ENTRY_SYMBOL));
  if (entry == nullptr) {
    errors->push_back(absl::StrCat("plugin ", file, ": missing symbol ",
                                   AG_ADAPTER_ENTRY_SYMBOL));
    dlclose(handle);
    return;
  }
  const ag_adapter_v1* description = entry();
  if (absl::Status status = CheckAdapterDescription(description, file);
      !status.ok()) {
    errors->push_back(std::string(status.message()));
    dlclose(handle);
    return;
  }
  auto it = by_name_.find(description->source_name);
  if (it != by_name_.end()) {
    errors->push_back(absl::StrCat(
        "plugin ", file, ": source name \"", description->source_name,
        "\" is already registered by ", it->second->file()));
    dlclose(handle);
    return;
  }
  // Loaded for good: the handle is never closed.
  by_name_.emplace(description->source_name,
                   std::make_unique<SourceAdapter>(description, file));
}

const SourceAdapter* AdapterRegistry::Find(absl::string_view source) const {
  auto it = by_name_.find(source);
  return it == by_name_.end() ? nullptr : it->second.get();
}

std::vector<const SourceAdapter*> AdapterRegistry::All() const {
  std::vector<const SourceAdapter*> all;
  for (const auto& [name, adapter] : by_name_) all.push_back(adapter.get());
  return all;
}

}  // namespace alertgate
