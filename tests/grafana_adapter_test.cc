// The Grafana plugin, loaded from its .so, against every delivery in
// tests/fixtures/grafana (posted by Grafana 9, Grafana 11 and Grafana Cloud,
// PROVENANCE.md): one alert per alert of the group keyed by fingerprint, the
// summary annotation else the alertname, Grafana's links, the Test button's
// alert opened and resolved at once, the body digest as delivery id, clear
// errors (the legacy alerting format included), and fuzz-style mutations
// that must never crash (scripts/asan.sh runs this under ASan and UBSan).
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

const SourceAdapter& Grafana() {
  static const SourceAdapter& adapter =
      ::alertgate::testing::LoadedPlugin("grafana");
  return adapter;
}

std::string Fixture(const std::string& file) {
  return ::alertgate::testing::SourceFixture("grafana", file);
}

// As Grafana sends it: no delivery id, no event header.
ConvertedDelivery Convert(const std::string& body) {
  return Grafana().Convert(
      {{"User-Agent", "Grafana"}, {"Content-Type", "application/json"}}, body);
}

struct Expected {
  v1::Action action;
  std::string key;
  std::string summary;
};

TEST(GrafanaAdapterTest, EveryFixtureGivesOneAlertPerAlertOfTheGroup) {
  constexpr v1::Action T = v1::ACTION_TRIGGER;
  constexpr v1::Action R = v1::ACTION_RESOLVE;
  const std::vector<std::pair<std::string, std::vector<Expected>>> cases = {
      {"firing.json",
       {{T, "d8a21484c9c25a60",
         "This is a summary field, failure on some_host"}}},
      {"resolved.json",
       {{R, "d8a21484c9c25a60",
         "This is a summary field, failure on <no value>"}}},
      {"mixed_two_resolved_one_firing.json",
       {{R, "aaafafe0953f0962",
         "This is a summary field, failure on badhost.example.com"},
        {R, "fb31814ac93dbe7d",
         "This is a summary field, failure on otherhost.example.com"},
        {T, "6f9cd313db421ef1", "Testing **another** failing alert"}}},
      {"firing_values_v11.json",
       {{T, "e6349a25f5ef0e9e", "High memory usage"}}},
      // The Test button: opened and resolved at once, under its own key.
      {"test_notification.json",
       {{T, "test:57c6d9296de2ad39",
         "Grafana contact point test: Notification test"},
        {R, "test:57c6d9296de2ad39",
         "Grafana contact point test: Notification test"}}},
  };
  for (const auto& [file, expected] : cases) {
    SCOPED_TRACE(file);
    ConvertedDelivery got = Convert(Fixture(file));
    ASSERT_EQ(got.code, Code::kOk) << got.message;
    ASSERT_EQ(got.alerts.size(), expected.size());
    for (size_t i = 0; i < expected.size(); ++i) {
      EXPECT_EQ(got.alerts[i].action(), expected[i].action) << i;
      EXPECT_EQ(got.alerts[i].dedup_key(), expected[i].key) << i;
      EXPECT_EQ(got.alerts[i].summary(), expected[i].summary) << i;
    }
    EXPECT_TRUE(got.event == "firing" || got.event == "resolved") << got.event;
  }
}

TEST(GrafanaAdapterTest, LabelsValuesAndGrafanasLinksAreKept) {
  ConvertedDelivery got = Convert(Fixture("firing_values_v11.json"));
  ASSERT_EQ(got.code, Code::kOk) << got.message;
  const v1::Alert& memory = got.alerts[0];
  const std::map<std::string, std::string> tags(memory.tags().begin(),
                                                memory.tags().end());
  EXPECT_EQ(tags,
            (std::map<std::string, std::string>{{"alertname", "Memory (copy)"},
                                                {"debug", "true"},
                                                {"grafana_folder", "device"}}));
  EXPECT_EQ(memory.description().rfind("Values: [ var='A' labels=", 0), 0u)
      << memory.description();
  std::vector<std::string> texts;
  for (const auto& link : memory.links()) texts.push_back(link.text());
  EXPECT_EQ(texts, (std::vector<std::string>{"Alert rule", "Dashboard", "Panel",
                                             "Silence", "Image", "Grafana"}));
  EXPECT_EQ(memory.links(1).href(),
            "https://play.grafana.org/d/ece9fb32-7f71-4be9-bd94-2f23608ae5b9"
            "?orgId=1");
  EXPECT_TRUE(memory.has_occurred_at());

  ConvertedDelivery firing = Convert(Fixture("firing.json"));
  ASSERT_EQ(firing.code, Code::kOk);
  EXPECT_EQ(firing.alerts[0].description().rfind("This is a description", 0),
            0u);
  std::vector<std::string> runbooks;
  for (const auto& link : firing.alerts[0].links()) {
    if (link.text() == "Runbook") runbooks.push_back(link.href());
  }
  EXPECT_EQ(runbooks, std::vector<std::string>{"https://runbook.example.com/"});
}

TEST(GrafanaAdapterTest, WithoutASummaryTheAlertnameIsTheSummary) {
  ConvertedDelivery got = Convert(
      R"({"version":"1","status":"firing","alerts":[{"status":"firing",)"
      R"("fingerprint":"f1","labels":{"alertname":"DiskFull","severity":)"
      R"("critical"},"annotations":{}}]})");
  ASSERT_EQ(got.code, Code::kOk) << got.message;
  EXPECT_EQ(got.alerts[0].summary(), "DiskFull");
  EXPECT_EQ(got.alerts[0].severity(), v1::SEVERITY_CRITICAL);
}

TEST(GrafanaAdapterTest, TheDeliveryIdIsADigestOfTheBody) {
  const std::string body = Fixture("mixed_two_resolved_one_firing.json");
  ConvertedDelivery first = Convert(body);
  ASSERT_EQ(first.code, Code::kOk);
  EXPECT_EQ(first.delivery_id.rfind("gf-", 0), 0u) << first.delivery_id;
  EXPECT_EQ(first.delivery_id.size(), 3u + 32u);
  EXPECT_EQ(Convert(body).delivery_id, first.delivery_id);
  EXPECT_NE(Convert(Fixture("firing.json")).delivery_id, first.delivery_id);
}

TEST(GrafanaAdapterTest, BadInputIsRefusedWithItsReason) {
  auto refused = [](const std::string& body, const std::string& words) {
    ConvertedDelivery got = Convert(body);
    EXPECT_EQ(got.code, Code::kBadPayload) << body;
    EXPECT_NE(got.message.find(words), std::string::npos)
        << body << ": " << got.message;
  };
  refused(Fixture("legacy_alerting.json"), "legacy dashboard alerting");
  refused("not json", "not valid JSON");
  refused(R"({"version":"4","status":"firing","alerts":[]})", "version");
  refused(R"({"version":"1","status":"odd","alerts":[]})", "status");
  refused(R"({"version":"1","status":"firing"})", "alerts");
  refused(R"({"version":"1","status":"firing","alerts":[{"status":"firing"}]})",
          "fingerprint");
  refused(
      R"({"version":"1","status":"firing","alerts":[{"status":"pending","fingerprint":"f"}]})",
      "pending");
}

TEST(GrafanaAdapterTest, MutatedDeliveriesNeverCrash) {
  std::mt19937 random(20261203);
  int conversions = 0;
  for (const char* file :
       {"mixed_two_resolved_one_firing.json", "firing_values_v11.json",
        "test_notification.json"}) {
    conversions += ::alertgate::testing::ConvertMutations(
        Convert, Fixture(file), random, 11, 300, 3);
  }
  EXPECT_GT(conversions, 1000);
}

}  // namespace
}  // namespace alertgate
