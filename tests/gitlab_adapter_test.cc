// The GitLab plugin, loaded from its .so, against every delivery in
// tests/fixtures/gitlab (posted by gitlab.com, PROVENANCE.md): the alerts
// each produces, that a merge request's opening and its merge or close share
// one dedup key, as do a pipeline's failure and success on one ref, what is
// ignored and why, GitLab's times, the token check, and fuzz-style mutations
// that must never crash (scripts/asan.sh runs this under ASan and UBSan).
#include <random>
#include <string>
#include <vector>

#include "adapters/loader/adapter_registry.h"
#include "gtest/gtest.h"
#include "server/common/webhook_signature.h"
#include "tests/plugin_under_test.h"

namespace alertgate {
namespace {

using Code = ConvertedDelivery::Code;

const SourceAdapter& GitLab() {
  static const SourceAdapter& adapter =
      ::alertgate::testing::LoadedPlugin("gitlab");
  return adapter;
}

std::string Fixture(const std::string& file) {
  return ::alertgate::testing::SourceFixture("gitlab", file);
}

ConvertedDelivery Convert(const std::string& event, const std::string& body) {
  return GitLab().Convert(
      {{"X-Gitlab-Event", event},
       {"X-Gitlab-Event-UUID", "9cbd8ee1-1a4c-4a4f-9d2d-59e1ce8d3ab2"},
       {"Content-Type", "application/json"}},
      body);
}

// No captured failed pipeline exists (PROVENANCE.md): the captured success,
// its status changed.
std::string FailedPipeline() {
  std::string body = Fixture("pipeline.success.json");
  const std::string success = "\"status\":\"success\",\n      \"stages\"";
  const size_t at = body.find(success);
  if (at == std::string::npos) return "";
  return body.replace(at, 19, "\"status\":\"failed\",");
}

struct Case {
  std::string file;
  std::string event;
  // Empty: accepted and ignored (the reason is checked to be there).
  std::vector<std::pair<v1::Action, std::string>> alerts;
  std::string summary;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.file; }

class GitLabFixtureTest : public ::testing::TestWithParam<Case> {};

TEST_P(GitLabFixtureTest, GivesTheDocumentedAlerts) {
  const Case& c = GetParam();
  ConvertedDelivery got = Convert(c.event, Fixture(c.file));
  ASSERT_EQ(got.code, Code::kOk) << got.message;
  EXPECT_EQ(got.event, c.event);
  ASSERT_EQ(got.alerts.size(), c.alerts.size()) << got.message;
  if (c.alerts.empty()) {
    EXPECT_FALSE(got.message.empty());
  }
  for (size_t i = 0; i < c.alerts.size(); ++i) {
    EXPECT_EQ(got.alerts[i].action(), c.alerts[i].first) << i;
    EXPECT_EQ(got.alerts[i].dedup_key(), c.alerts[i].second) << i;
    EXPECT_EQ(got.alerts[i].summary(), c.summary);
  }
}

constexpr v1::Action T = v1::ACTION_TRIGGER;
constexpr v1::Action R = v1::ACTION_RESOLVE;
const char kProject[] = "tomaszkolek0/my-awesome-project";

INSTANTIATE_TEST_SUITE_P(
    Fixtures, GitLabFixtureTest,
    ::testing::Values(
        Case{"push.json",
             "Push Hook",
             {{T, std::string("push:") + kProject +
                      ":refs/heads/tomek@"
                      "eb6ae1e591e0819dc5bf187c6bfe18ec065a80e9"}},
             "Tomasz Kolek pushed 2 commits to branch tomek in "
             "tomaszkolek0/my-awesome-project"},
        Case{"merge_request.opened.json",
             "Merge Request Hook",
             {{T, std::string("mr:") + kProject + ":2"}},
             "tomaszkolek0 opened merge request !2 \"NEW MR\" in "
             "tomaszkolek0/my-awesome-project (tomek → master)"},
        Case{"merge_request.closed.json",
             "Merge Request Hook",
             {{R, std::string("mr:") + kProject + ":2"}},
             "tomaszkolek0 closed merge request !2 \"NEW MR\" in "
             "tomaszkolek0/my-awesome-project (tomek → master)"},
        Case{"merge_request.opened_with_assignee.json",
             "Merge Request Hook",
             {{T, std::string("mr:") + kProject + ":3"}},
             "tomaszkolek0 opened merge request !3 \"New Merge Request\" in "
             "tomaszkolek0/my-awesome-project (tomek → master)"},
        Case{"merge_request.merged.json",
             "Merge Request Hook",
             {{R, std::string("mr:") + kProject + ":3"}},
             "tomaszkolek0 merged merge request !3 \"New Merge Request\" in "
             "tomaszkolek0/my-awesome-project (tomek → master)"},
        Case{"pipeline.pending.json", "Pipeline Hook", {}, ""},
        Case{"pipeline.running.json", "Pipeline Hook", {}, ""},
        Case{"pipeline.success.json",
             "Pipeline Hook",
             {{R, "pipeline:TomaszKolek/my-awesome-project:master"}},
             "Pipeline #4414206 passed on master in "
             "TomaszKolek/my-awesome-project"},
        // Another hook on a known body: accepted, ignored with the reason.
        Case{"push.json", "Note Hook", {}, ""}));

TEST(GitLabAdapterTest, AFailedPipelineOpensWhatItsSuccessResolves) {
  const std::string failed = FailedPipeline();
  ASSERT_FALSE(failed.empty());
  ConvertedDelivery opened = Convert("Pipeline Hook", failed);
  ASSERT_EQ(opened.code, Code::kOk) << opened.message;
  ASSERT_EQ(opened.alerts.size(), 1u);
  EXPECT_EQ(opened.alerts[0].action(), v1::ACTION_TRIGGER);
  EXPECT_EQ(opened.alerts[0].severity(), v1::SEVERITY_ERROR);
  EXPECT_EQ(opened.alerts[0].summary(),
            "Pipeline #4414206 failed on master in "
            "TomaszKolek/my-awesome-project");
  ConvertedDelivery passed =
      Convert("Pipeline Hook", Fixture("pipeline.success.json"));
  ASSERT_EQ(passed.alerts.size(), 1u);
  EXPECT_EQ(opened.alerts[0].dedup_key(), passed.alerts[0].dedup_key());
  // The payload has no pipeline URL (2016): one is made from the project's.
  ASSERT_EQ(opened.alerts[0].links_size(), 1);
  EXPECT_EQ(opened.alerts[0].links(0).href(),
            "https://gitlab.com/TomaszKolek/my-awesome-project/-/pipelines/"
            "4414206");
}

TEST(GitLabAdapterTest, LinksTagsAndGitLabsTimesAreKept) {
  ConvertedDelivery push = Convert("Push Hook", Fixture("push.json"));
  ASSERT_EQ(push.alerts.size(), 1u);
  const v1::Alert& pushed = push.alerts[0];
  ASSERT_EQ(pushed.links_size(), 2);
  EXPECT_EQ(pushed.links(0).href(),
            "https://gitlab.com/tomaszkolek0/my-awesome-project/-/compare/"
            "5fcdd5551fc3085df79bece2c32b1400802ac407..."
            "eb6ae1e591e0819dc5bf187c6bfe18ec065a80e9");
  EXPECT_EQ(pushed.tags().at("branch"), "tomek");
  EXPECT_NE(pushed.description().find("eb6ae1e591e0 c (Tomasz Kolek)"),
            std::string::npos)
      << pushed.description();
  // The head commit's time, "2016-08-17T21:18:06+02:00".
  EXPECT_EQ(pushed.occurred_at().seconds(), 1471461486);

  ConvertedDelivery mr =
      Convert("Merge Request Hook", Fixture("merge_request.opened.json"));
  ASSERT_EQ(mr.alerts.size(), 1u);
  EXPECT_EQ(mr.alerts[0].description(), "description of merge request");
  EXPECT_EQ(mr.alerts[0].tags().at("merge_request"), "2");
  ASSERT_EQ(mr.alerts[0].links_size(), 1);
  EXPECT_EQ(mr.alerts[0].links(0).href(),
            "https://gitlab.com/tomaszkolek0/my-awesome-project/"
            "merge_requests/2");
  // GitLab's "2016-08-22 20:08:13 UTC".
  EXPECT_EQ(mr.alerts[0].occurred_at().seconds(), 1471896493);
  ConvertedDelivery passed =
      Convert("Pipeline Hook", Fixture("pipeline.success.json"));
  EXPECT_EQ(passed.alerts[0].occurred_at().seconds(), 1475094154);
}

TEST(GitLabAdapterTest, BadInputIsRefusedWithItsReason) {
  EXPECT_EQ(GitLab().Convert({}, "{}").code, Code::kUnknownEvent);
  EXPECT_EQ(Convert("Push Hook", "not json").code, Code::kBadPayload);
  ConvertedDelivery no_project =
      Convert("Push Hook", R"({"ref":"refs/heads/x","after":"a"})");
  EXPECT_EQ(no_project.code, Code::kBadPayload);
  EXPECT_EQ(no_project.event, "Push Hook");
  EXPECT_NE(no_project.message.find("project.path_with_namespace"),
            std::string::npos)
      << no_project.message;
  ConvertedDelivery no_status = Convert(
      "Pipeline Hook", R"({"object_attributes":{"ref":"main","id":1}})");
  EXPECT_EQ(no_status.code, Code::kBadPayload);
  EXPECT_NE(no_status.message.find("object_attributes.status"),
            std::string::npos);
  EXPECT_EQ(Convert("Merge Request Hook",
                    R"({"object_attributes":{"action":"open"}})")
                .code,
            Code::kBadPayload);
}

TEST(GitLabAdapterTest, DeclaresItsHeadersAndChecksTheToken) {
  const SourceAdapter& gitlab = GitLab();
  EXPECT_EQ(gitlab.signature_scheme(),
            static_cast<uint32_t>(AG_SIGNATURE_SHARED_TOKEN));
  EXPECT_EQ(gitlab.signature_header(), "X-Gitlab-Token");
  EXPECT_EQ(
      gitlab.delivery_id_headers(),
      (std::vector<std::string>{"Idempotency-Key", "X-Gitlab-Event-UUID"}));
  EXPECT_FALSE(gitlab.setup_steps().empty());
  const std::string body = Fixture("push.json");
  EXPECT_TRUE(VerifyDeliverySignature(AG_SIGNATURE_SHARED_TOKEN, "s3cret",
                                      "s3cret", body, absl::Now())
                  .ok());
  EXPECT_FALSE(VerifyDeliverySignature(AG_SIGNATURE_SHARED_TOKEN, "s3cre7",
                                       "s3cret", body, absl::Now())
                   .ok());
  EXPECT_FALSE(VerifyDeliverySignature(AG_SIGNATURE_SHARED_TOKEN, "", "s3cret",
                                       body, absl::Now())
                   .ok());
}

TEST(GitLabAdapterTest, MutatedDeliveriesNeverCrash) {
  std::mt19937 random(161);
  int conversions = 0;
  for (const auto& [event, body] :
       std::vector<std::pair<std::string, std::string>>{
           {"Push Hook", Fixture("push.json")},
           {"Merge Request Hook", Fixture("merge_request.merged.json")},
           {"Pipeline Hook", FailedPipeline()}}) {
    ASSERT_FALSE(body.empty());
    conversions += ::alertgate::testing::ConvertMutations(
        [&](const std::string& mutated) { return Convert(event, mutated); },
        body, random, 29, 300, 4);
  }
  EXPECT_GT(conversions, 1000);
}

}  // namespace
}  // namespace alertgate
