// A source plugin loaded from its .so in the build's plugin folder, once
// per test binary, and the fixtures of its source.
#ifndef ALERTGATE_TESTS_PLUGIN_UNDER_TEST_H_
#define ALERTGATE_TESTS_PLUGIN_UNDER_TEST_H_

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "adapters/loader/adapter_registry.h"
#include "gtest/gtest.h"
#include "tests/server_process.h"

namespace alertgate::testing {

// The plugin registered as `source` (its file is lib<source>.so); aborts
// the test binary when it does not load.
inline const SourceAdapter& LoadedPlugin(const std::string& source) {
  std::vector<std::string> errors;
  // Plugins are never unloaded: neither are their registries, kept
  // reachable here (LeakSanitizer checks the tests).
  static auto* registries = new std::vector<std::unique_ptr<AdapterRegistry>>;
  registries->push_back(
      AdapterRegistry::LoadFiles({PluginFile(source)}, &errors));
  const AdapterRegistry* registry = registries->back().get();
  for (const auto& e : errors) ADD_FAILURE() << e;
  const SourceAdapter* adapter = registry->Find(source);
  if (adapter == nullptr) {
    ADD_FAILURE() << source << " plugin not loaded from " << PluginFile(source);
    std::abort();
  }
  return *adapter;
}

// tests/fixtures/<source>/<file>; a failure if it is missing or empty.
inline std::string SourceFixture(const std::string& source,
                                 const std::string& file) {
  std::string body =
      ReadFileOrEmpty(ProjectFile("tests/fixtures/" + source + "/" + file));
  EXPECT_FALSE(body.empty()) << "fixture missing: " << source << "/" << file;
  return body;
}

}  // namespace alertgate::testing

#endif  // ALERTGATE_TESTS_PLUGIN_UNDER_TEST_H_
