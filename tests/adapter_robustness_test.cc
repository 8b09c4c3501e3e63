// Fuzz-style robustness of the Bitbucket plugin: truncated copies, random
// byte mutations, and structural mutations (a field replaced by a value of
// another type) of every real fixture must give an answer, never a crash.
// scripts/asan.sh runs this under AddressSanitizer and UBSan.
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "adapters/loader/adapter_registry.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/fixture_table.h"

namespace alertgate {
namespace {

using ::alertgate::testing::PluginFile;

using Fixture = ::alertgate::testing::BitbucketFixture;

class AdapterRobustnessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::vector<std::string> errors;
    registry_ = AdapterRegistry::LoadFiles({PluginFile("bitbucket")}, &errors);
    adapter_ = registry_->Find("bitbucket");
    ASSERT_NE(adapter_, nullptr);
    fixtures_ = ::alertgate::testing::AllBitbucketFixtures();
    ASSERT_GE(fixtures_.size(), 50u);
  }

  // Converts and checks that the answer is well-formed.
  void Check(const Fixture& f, const std::string& body) {
    ConvertedDelivery result = adapter_->Convert(
        {{"X-Event-Key", f.event}, {"X-Request-UUID", "u"}}, body);
    ++conversions_;
    if (result.code == ConvertedDelivery::Code::kOk) {
      for (const v1::Alert& alert : result.alerts) {
        ASSERT_FALSE(alert.dedup_key().empty()) << f.name;
      }
    } else {
      ASSERT_FALSE(result.message.empty()) << f.name;
      ASSERT_NE(result.code, ConvertedDelivery::Code::kInternal)
          << f.name << ": " << result.message;
    }
  }

  std::unique_ptr<AdapterRegistry> registry_;
  const SourceAdapter* adapter_ = nullptr;
  std::vector<Fixture> fixtures_;
  int conversions_ = 0;
};

TEST_F(AdapterRobustnessTest, TruncatedFixtures) {
  for (const Fixture& f : fixtures_) {
    const size_t step = std::max<size_t>(1, f.body.size() / 97);
    for (size_t length = 0; length < f.body.size(); length += step) {
      Check(f, f.body.substr(0, length));
    }
  }
  EXPECT_GT(conversions_, 5000);
}

TEST_F(AdapterRobustnessTest, RandomByteMutations) {
  std::mt19937 random(20261127);
  for (const Fixture& f : fixtures_) {
    for (int round = 0; round < 60; ++round) {
      std::string body = f.body;
      const int edits = 1 + static_cast<int>(random() % 4);
      for (int e = 0; e < edits && !body.empty(); ++e) {
        body[random() % body.size()] = static_cast<char>(random() % 256);
      }
      Check(f, body);
    }
  }
}

// Replaces one random node of the document with a value of another type.
void MutateOneNode(nlohmann::json& node, std::mt19937& random) {
  const std::vector<nlohmann::json> replacements = {
      nullptr,
      0,
      -1,
      1e300,
      "",
      "x",
      true,
      nlohmann::json::array(),
      nlohmann::json::object(),
      nlohmann::json::array({nullptr}),
      "0000000000000000000000000000000000000000"};
  nlohmann::json* at = &node;
  while ((at->is_object() || at->is_array()) && !at->empty() &&
         random() % 4 != 0) {
    auto it = at->begin();
    std::advance(it, random() % at->size());
    at = &*it;
  }
  *at = replacements[random() % replacements.size()];
}

TEST_F(AdapterRobustnessTest, StructuralMutations) {
  std::mt19937 random(42);
  for (const Fixture& f : fixtures_) {
    const nlohmann::json original = nlohmann::json::parse(f.body);
    for (int round = 0; round < 150; ++round) {
      nlohmann::json doc = original;
      MutateOneNode(doc, random);
      if (round % 3 == 0) MutateOneNode(doc, random);
      Check(f, doc.dump());
    }
  }
}

}  // namespace
}  // namespace alertgate
