// The Alertmanager plugin, loaded from its .so, against every delivery in
// tests/fixtures/alertmanager (posted by Alertmanager 0.25 itself): the
// alerts each produces, that an alert's firing and resolution share one
// dedup key, the body digest as delivery id, clear errors for bad input,
// and fuzz-style mutations that must never crash (scripts/asan.sh runs
// this under AddressSanitizer and UBSan).
#include <map>
#include <random>
#include <string>
#include <vector>

#include "adapters/loader/adapter_registry.h"
#include "gtest/gtest.h"
#include "tests/plugin_under_test.h"

namespace alertgate {
namespace {

using Code = ConvertedDelivery::Code;

const SourceAdapter& Alertmanager() {
  static const SourceAdapter& adapter =
      ::alertgate::testing::LoadedPlugin("alertmanager");
  return adapter;
}

std::string Fixture(const std::string& file) {
  return ::alertgate::testing::SourceFixture("alertmanager", file);
}

// As Alertmanager sends it: no delivery id, no event header.
ConvertedDelivery Convert(const std::string& body) {
  return Alertmanager().Convert({{"User-Agent", "Alertmanager/0.25.0"},
                                 {"Content-Type", "application/json"}},
                                body);
}

std::map<std::string, std::string> TagsOf(const v1::Alert& alert) {
  return {alert.tags().begin(), alert.tags().end()};
}

struct Expected {
  v1::Action action;
  std::string fingerprint;
  std::string summary;
};

TEST(AlertmanagerAdapterTest, EveryFixtureGivesOneAlertPerAlertOfTheGroup) {
  const std::vector<std::pair<std::string, std::vector<Expected>>> cases = {
      {"group_firing_two_alerts.json",
       {{v1::ACTION_TRIGGER, "4a3cba0cf634a74e", "Disk on db-1 is 95% full"},
        {v1::ACTION_TRIGGER, "082bc201a7b29367", "Disk on db-2 is 92% full"}}},
      {"single_firing_no_summary.json",
       {{v1::ACTION_TRIGGER, "e87892d8fb8692d0", "HighRequestLatency"}}},
      {"group_one_resolved_one_firing.json",
       {{v1::ACTION_RESOLVE, "4a3cba0cf634a74e", "Disk on db-1 is 95% full"},
        {v1::ACTION_TRIGGER, "082bc201a7b29367", "Disk on db-2 is 92% full"}}},
      {"group_last_resolved.json",
       {{v1::ACTION_RESOLVE, "082bc201a7b29367", "Disk on db-2 is 92% full"}}},
      {"single_resolved.json",
       {{v1::ACTION_RESOLVE, "e87892d8fb8692d0", "HighRequestLatency"}}},
  };
  for (const auto& [file, expected] : cases) {
    SCOPED_TRACE(file);
    ConvertedDelivery got = Convert(Fixture(file));
    ASSERT_EQ(got.code, Code::kOk) << got.message;
    ASSERT_EQ(got.alerts.size(), expected.size());
    for (size_t i = 0; i < expected.size(); ++i) {
      EXPECT_EQ(got.alerts[i].action(), expected[i].action) << i;
      EXPECT_EQ(got.alerts[i].dedup_key(), expected[i].fingerprint) << i;
      EXPECT_EQ(got.alerts[i].summary(), expected[i].summary) << i;
    }
    EXPECT_TRUE(got.event == "firing" || got.event == "resolved") << got.event;
  }
}

TEST(AlertmanagerAdapterTest, LabelsAnnotationsAndUrlsAreKept) {
  ConvertedDelivery got = Convert(Fixture("group_firing_two_alerts.json"));
  ASSERT_EQ(got.code, Code::kOk);
  const v1::Alert& db1 = got.alerts[0];
  EXPECT_EQ(db1.severity(), v1::SEVERITY_CRITICAL);
  EXPECT_EQ(db1.description(),
            "/var/lib/postgresql on db-1:9100 has 5% space left.");
  const auto tags = TagsOf(db1);
  EXPECT_EQ(tags.at("alertname"), "DiskAlmostFull");
  EXPECT_EQ(tags.at("instance"), "db-1:9100");
  EXPECT_EQ(tags.at("severity"), "critical");
  EXPECT_EQ(tags.at("mountpoint"), "/var/lib/postgresql");
  ASSERT_EQ(db1.links_size(), 3);
  EXPECT_EQ(db1.links(0).text(), "Source");
  EXPECT_EQ(db1.links(0).href().rfind(
                "http://prometheus.example.internal:9090/graph?", 0),
            0u);
  EXPECT_EQ(db1.links(1).text(), "Runbook");
  EXPECT_EQ(db1.links(1).href(), "https://runbooks.example.internal/disk-full");
  EXPECT_EQ(db1.links(2).text(), "Alertmanager");
  EXPECT_EQ(db1.links(2).href(), "http://alertmanager.example.internal:9093");
  EXPECT_EQ(got.alerts[1].links_size(), 2);  // db-2 has no runbook.
  EXPECT_TRUE(db1.has_occurred_at());

  ConvertedDelivery latency = Convert(Fixture("single_firing_no_summary.json"));
  ASSERT_EQ(latency.code, Code::kOk);
  EXPECT_EQ(latency.alerts[0].severity(), v1::SEVERITY_WARNING);
  EXPECT_EQ(TagsOf(latency.alerts[0]).at("service"), "checkout");
}

TEST(AlertmanagerAdapterTest, TheDeliveryIdIsADigestOfTheBody) {
  const std::string body = Fixture("group_firing_two_alerts.json");
  ConvertedDelivery first = Convert(body);
  ConvertedDelivery retry = Convert(body);
  ASSERT_EQ(first.code, Code::kOk);
  EXPECT_EQ(first.delivery_id.rfind("am-", 0), 0u) << first.delivery_id;
  EXPECT_EQ(first.delivery_id.size(), 3u + 32u);
  EXPECT_EQ(first.delivery_id, retry.delivery_id);  // A retry: one effect.
  std::string changed = body;
  changed[changed.find("db-1 is 95%") + 3] = '9';  // db-9
  EXPECT_NE(Convert(changed).delivery_id, first.delivery_id);
  EXPECT_NE(Convert(Fixture("group_one_resolved_one_firing.json")).delivery_id,
            first.delivery_id);
}

TEST(AlertmanagerAdapterTest, BadInputIsRefusedWithItsReason) {
  auto refused = [](const std::string& body, const std::string& words) {
    ConvertedDelivery got = Convert(body);
    EXPECT_EQ(got.code, Code::kBadPayload) << body;
    EXPECT_NE(got.message.find(words), std::string::npos)
        << body << ": " << got.message;
  };
  refused("not json", "not valid JSON");
  refused(R"({"version":"3","status":"firing","alerts":[]})", "version");
  refused(R"({"version":"4","status":"odd","alerts":[]})", "status");
  refused(R"({"version":"4","status":"firing"})", "alerts");
  refused(R"({"version":"4","status":"firing","alerts":[{"status":"firing"}]})",
          "fingerprint");
  refused(
      R"({"version":"4","status":"firing","alerts":[{"status":"paused","fingerprint":"f"}]})",
      "paused");
  refused(
      R"({"version":"4","status":"firing","alerts":[{"status":"firing","fingerprint":"f","labels":{"a":1}}]})",
      "labels.a");
  ConvertedDelivery empty =
      Convert(R"({"version":"4","status":"resolved","alerts":[]})");
  EXPECT_EQ(empty.code, Code::kOk);
  EXPECT_TRUE(empty.alerts.empty());
  EXPECT_FALSE(empty.message.empty());  // Ignored, with the reason.
}

TEST(AlertmanagerAdapterTest, MutatedDeliveriesNeverCrash) {
  std::mt19937 random(20261202);
  int conversions = 0;
  for (const char* file :
       {"group_firing_two_alerts.json", "group_one_resolved_one_firing.json",
        "single_firing_no_summary.json"}) {
    conversions += ::alertgate::testing::ConvertMutations(
        Convert, Fixture(file), random, 7, 400, 3);
  }
  EXPECT_GT(conversions, 1000);
}

}  // namespace
}  // namespace alertgate
