// The plugin loader with real shared objects: the project's plugins load by
// name; each deliberately broken plugin is refused with a message naming the
// file and what is wrong, and loading goes on with the rest.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "adapters/loader/adapter_registry.h"
#include "adapters/loader/plugin_exports.h"
#include "gtest/gtest.h"
#include "tests/server_process.h"
#include "tests/test_support.h"

namespace alertgate {
namespace {

using ::alertgate::testing::PluginFile;
using ::alertgate::testing::ProjectBinary;
using ::alertgate::testing::TempDir;

std::string BrokenPlugin(const std::string& kind) {
  return ProjectBinary("tests/libbroken_" + kind + ".so");
}

// Loads `file` alone and returns the single refusal it must produce.
std::string RefusalOf(const std::string& file) {
  std::vector<std::string> errors;
  auto registry = AdapterRegistry::LoadFiles({file}, &errors);
  EXPECT_TRUE(registry->All().empty()) << file << " was not refused";
  EXPECT_EQ(errors.size(), 1u);
  return errors.empty() ? "" : errors[0];
}

void ExpectContains(const std::string& text, const std::string& part) {
  EXPECT_NE(text.find(part), std::string::npos)
      << "\"" << text << "\" lacks \"" << part << "\"";
}

TEST(AdapterLoaderTest, LoadsTheProjectPluginsByName) {
  std::vector<std::string> errors;
  auto registry = AdapterRegistry::LoadFiles(
      {PluginFile("bitbucket"), PluginFile("generic")}, &errors);
  EXPECT_TRUE(errors.empty()) << errors[0];
  ASSERT_NE(registry->Find("bitbucket"), nullptr);
  ASSERT_NE(registry->Find("generic"), nullptr);
  EXPECT_EQ(registry->Find("github"), nullptr);
  EXPECT_EQ(registry->Find("bitbucket")->version(), "1.0.0");
  EXPECT_EQ(registry->Find("bitbucket")->file(), PluginFile("bitbucket"));
  ASSERT_EQ(registry->All().size(), 2u);
  EXPECT_EQ(registry->All()[0]->name(), "bitbucket");
}

TEST(AdapterLoaderTest, RefusesEachBrokenPluginNamingFileAndField) {
  struct Case {
    std::string kind;
    std::string fragment;
  };
  for (const Case& c : std::vector<Case>{
           {"no_entry", "missing symbol alertgate_adapter_v1"},
           {"null_description", "entry function returned NULL"},
           {"bad_magic", "magic is 0x12345678"},
           {"abi_version", "abi_version is 99"},
           {"short_struct", "struct_size is 16"},
           {"empty_name", "source_name is empty"},
           {"no_convert", "function convert is missing"},
       }) {
    const std::string file = BrokenPlugin(c.kind);
    const std::string refusal = RefusalOf(file);
    ExpectContains(refusal, file);
    ExpectContains(refusal, c.fragment);
  }
  const std::string not_a_library = RefusalOf("/etc/hostname");
  ExpectContains(not_a_library, "cannot load");
}

TEST(AdapterLoaderTest, KeepsRunningWithTheRestAndRefusesDuplicateNames) {
  TempDir dir;
  // A folder with good plugins, broken ones, and a second copy of bitbucket.
  namespace fs = std::filesystem;
  fs::copy_file(PluginFile("bitbucket"), dir.File("a_bitbucket.so"));
  fs::copy_file(PluginFile("bitbucket"), dir.File("b_bitbucket_again.so"));
  fs::copy_file(PluginFile("generic"), dir.File("c_generic.so"));
  fs::copy_file(BrokenPlugin("abi_version"), dir.File("d_broken.so"));
  std::ofstream(dir.File("README.txt")) << "not a plugin";

  std::vector<std::string> errors;
  auto registry = AdapterRegistry::LoadFolder(dir.path(), &errors);
  ASSERT_EQ(errors.size(), 2u);
  ExpectContains(errors[0], "b_bitbucket_again.so");
  ExpectContains(errors[0],
                 "already registered by " + dir.File("a_bitbucket.so"));
  ExpectContains(errors[1], "d_broken.so");
  ASSERT_EQ(registry->All().size(), 2u);
  EXPECT_EQ(registry->Find("bitbucket")->file(), dir.File("a_bitbucket.so"));
  EXPECT_NE(registry->Find("generic"), nullptr);

  std::vector<std::string> missing;
  AdapterRegistry::LoadFolder(dir.File("nope"), &missing);
  ASSERT_EQ(missing.size(), 1u);
  ExpectContains(missing[0], "plugin folder");
}

TEST(AdapterLoaderTest, AnExceptionInAPluginBecomesAnInternalError) {
  std::vector<std::string> errors;
  auto registry = AdapterRegistry::LoadFiles({BrokenPlugin("throws")}, &errors);
  ASSERT_TRUE(errors.empty()) << errors[0];
  const SourceAdapter* adapter = registry->Find("throws");
  ASSERT_NE(adapter, nullptr);
  ConvertedDelivery result = adapter->Convert({}, "{}");
  EXPECT_EQ(result.code, ConvertedDelivery::Code::kInternal);
  ExpectContains(result.message, "exception");
}

TEST(PluginExportsTest, ProjectPluginsExportOnlyTheirEntryFunction) {
  // Built with the SDK's version script: no libstdc++ weak or unique
  // symbol leaks out to collide with the host or other plugins.
  for (const std::string name : {"bitbucket", "generic"}) {
    auto exports = ReadExportedSymbols(PluginFile(name));
    ASSERT_TRUE(exports.ok()) << exports.status();
    EXPECT_EQ(*exports, std::vector<std::string>{"alertgate_adapter_v1"})
        << name;
  }
}

TEST(PluginExportsTest, ReportsWhatAPluginBuiltWithoutTheScriptExports) {
  auto exports = ReadExportedSymbols(BrokenPlugin("leaks_symbols"));
  ASSERT_TRUE(exports.ok()) << exports.status();
  EXPECT_NE(std::find(exports->begin(), exports->end(), "leaked_helper"),
            exports->end());
  EXPECT_NE(std::find(exports->begin(), exports->end(), "alertgate_adapter_v1"),
            exports->end());
  // Not ELF, or not there: clear errors, not a crash.
  TempDir dir;
  const std::string text = dir.File("plugin.so");
  { std::ofstream(text) << "not an ELF file"; }
  EXPECT_EQ(ReadExportedSymbols(text).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ReadExportedSymbols(dir.File("missing.so")).status().code(),
            absl::StatusCode::kNotFound);
}

TEST(GenericAdapterTest, ConvertsOneOrManyAlertsAndRejectsBadOnes) {
  std::vector<std::string> errors;
  auto registry = AdapterRegistry::LoadFiles({PluginFile("generic")}, &errors);
  const SourceAdapter* generic = registry->Find("generic");
  ASSERT_NE(generic, nullptr);
  ConvertedDelivery one = generic->Convert({}, R"({
      "status": "trigger", "event_id": "disk-full:db1", "message": "Disk full on db1",
      "description": "95% used", "severity": "critical",
      "tags": {"host": "db1"}, "links": [{"href": "https://grafana/d/1", "text": "dashboard"}],
      "occurred_at": "2026-01-02T03:04:05Z"})");
  ASSERT_EQ(one.code, ConvertedDelivery::Code::kOk) << one.message;
  ASSERT_EQ(one.alerts.size(), 1u);
  const v1::Alert& alert = one.alerts[0];
  EXPECT_EQ(alert.action(), v1::ACTION_TRIGGER);
  EXPECT_EQ(alert.dedup_key(), "disk-full:db1");
  EXPECT_EQ(alert.severity(), v1::SEVERITY_CRITICAL);
  EXPECT_EQ(alert.tags().at("host"), "db1");
  ASSERT_EQ(alert.links_size(), 1);
  EXPECT_EQ(alert.links(0).text(), "dashboard");
  EXPECT_EQ(alert.occurred_at().seconds(), 1767323045);
  EXPECT_EQ(alert.occurred_at().nanos(), 0);

  ConvertedDelivery many = generic->Convert(
      {},
      R"([{"status": "resolve", "event_id": "a"}, {"status": "acknowledged", "event_id": "b"}])");
  ASSERT_EQ(many.alerts.size(), 2u);
  EXPECT_EQ(many.alerts[0].action(), v1::ACTION_RESOLVE);
  EXPECT_EQ(many.alerts[1].action(), v1::ACTION_ACKNOWLEDGE);

  for (
      const char* bad :
      {R"({"status": "explode", "event_id": "a"})",
       R"({"status": "trigger", "event_id": "a"})", R"({"status": "trigger"})",
       R"({"status": "trigger", "event_id": "a", "message": "m", "severity": "loud"})",
       R"({"status": "trigger", "event_id": "a", "message": "m", "tags": []})",
       R"([1])", "not json"}) {
    ConvertedDelivery result = generic->Convert({}, bad);
    EXPECT_EQ(result.code, ConvertedDelivery::Code::kBadPayload) << bad;
    EXPECT_FALSE(result.message.empty()) << bad;
  }
}

}  // namespace
}  // namespace alertgate
