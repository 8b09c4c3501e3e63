// A source plugin loaded from its .so in the build's plugin folder, once
// per test binary, and the fixtures of its source.
#ifndef ALERTGATE_TESTS_PLUGIN_UNDER_TEST_H_
#define ALERTGATE_TESTS_PLUGIN_UNDER_TEST_H_

#include <cstdlib>
#include <memory>
#include <random>
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

// Converts `body` cut every `cut_step` bytes, then `rounds` times with
// `flips` random bytes overwritten, through `convert` (a callable taking the
// body and returning a ConvertedDelivery). Each answer must be a refusal
// with its reason or alerts with dedup keys, never an internal error (and,
// under scripts/asan.sh, no memory or undefined-behaviour error). Returns
// how many conversions ran.
template <typename Convert>
int ConvertMutations(Convert convert, const std::string& body,
                     std::mt19937& random, size_t cut_step, int rounds,
                     int flips) {
  int conversions = 0;
  auto check = [&](const std::string& mutated) {
    ConvertedDelivery got = convert(mutated);
    ++conversions;
    EXPECT_NE(got.code, ConvertedDelivery::Code::kInternal) << got.message;
    if (got.code != ConvertedDelivery::Code::kOk) {
      EXPECT_FALSE(got.message.empty());
    }
    for (const v1::Alert& alert : got.alerts) {
      EXPECT_FALSE(alert.dedup_key().empty());
    }
  };
  if (body.empty()) return 0;
  for (size_t cut = 0; cut < body.size(); cut += cut_step) {
    check(body.substr(0, cut));
  }
  for (int i = 0; i < rounds; ++i) {
    std::string mutated = body;
    for (int n = 0; n < flips; ++n) {
      mutated[random() % mutated.size()] = static_cast<char>(random() % 256);
    }
    check(mutated);
  }
  return conversions;
}

}  // namespace alertgate::testing

#endif  // ALERTGATE_TESTS_PLUGIN_UNDER_TEST_H_
