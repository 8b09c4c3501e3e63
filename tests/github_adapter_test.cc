// The GitHub plugin, loaded from its .so, against every delivery in
// tests/fixtures/github (from @octokit/webhooks-examples, PROVENANCE.md):
// the alerts each produces, that a pull request's opening and closing and a
// check's failure and success share one dedup key, what is ignored and
// why, GitHub's documented signature test vector, and fuzz-style mutations
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

const SourceAdapter& GitHub() {
  static const SourceAdapter& adapter =
      ::alertgate::testing::LoadedPlugin("github");
  return adapter;
}

std::string Fixture(const std::string& file) {
  return ::alertgate::testing::SourceFixture("github", file);
}

ConvertedDelivery Convert(const std::string& event, const std::string& body) {
  return GitHub().Convert({{"X-GitHub-Event", event},
                           {"X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab"},
                           {"Content-Type", "application/json"}},
                          body);
}

struct Case {
  std::string file;
  std::string event;
  // Empty: accepted and ignored (the reason is checked to be there).
  std::vector<std::pair<v1::Action, std::string>> alerts;
  std::string summary_fragment;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.file; }

class GitHubFixtureTest : public ::testing::TestWithParam<Case> {};

TEST_P(GitHubFixtureTest, GivesTheDocumentedAlerts) {
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
    EXPECT_NE(got.alerts[i].summary().find(c.summary_fragment),
              std::string::npos)
        << got.alerts[i].summary();
  }
}

constexpr v1::Action T = v1::ACTION_TRIGGER;
constexpr v1::Action R = v1::ACTION_RESOLVE;

INSTANTIATE_TEST_SUITE_P(
    Fixtures, GitHubFixtureTest,
    ::testing::Values(
        Case{"ping.json",
             "ping",
             {{T, "ping:109948940:72d3162e-cc78-11e3-81ab"},
              {R, "ping:109948940:72d3162e-cc78-11e3-81ab"}},
             "GitHub webhook ping"},
        Case{"push.branch_created.json",
             "push",
             {{T,
               "push:Codertocat/Hello-World:refs/heads/master@"
               "6113728f27ae82c7b1a177c8d03f9e96e0adf246"}},
             "pushed 1 commit to branch master in Codertocat/Hello-World"},
        Case{"push.tag_created.json",
             "push",
             {{T,
               "push:Codertocat/Hello-World:refs/tags/simple-tag@"
               "6113728f27ae82c7b1a177c8d03f9e96e0adf246"}},
             "created tag simple-tag"},
        Case{"push.tag_deleted.json",
             "push",
             {{T, "push:Codertocat/Hello-World:refs/tags/simple-tag@deleted"}},
             "deleted tag simple-tag"},
        Case{
            "pull_request.opened.json",
            "pull_request",
            {{T, "pr:Codertocat/Hello-World:2"}},
            "opened pull request #2 \"Update the README with new information."},
        Case{"pull_request.reopened.json",
             "pull_request",
             {{T, "pr:Codertocat/Hello-World:2"}},
             "reopened pull request #2"},
        Case{"pull_request.closed.json",
             "pull_request",
             {{R, "pr:Codertocat/Hello-World:2"}},
             "closed pull request #2"},
        Case{"pull_request.assigned.json", "pull_request", {}, ""},
        Case{"check_run.completed_failure.json",
             "check_run",
             {{T, "check:Codertocat/Hello-World:Octocoders-linter:changes"}},
             "Octocoders-linter failure on changes"},
        Case{"check_run.completed_success.json",
             "check_run",
             {{R, "check:Codertocat/Hello-World:Octocoders-linter:changes"}},
             "Octocoders-linter passed on changes"},
        Case{"check_run.created.json", "check_run", {}, ""},
        Case{"check_suite.completed_success.json",
             "check_suite",
             {{R, "suite:Codertocat/Hello-World:octocoders-linter:main"}},
             "passed on main"},
        Case{"workflow_run.completed_success.json",
             "workflow_run",
             {{R, "workflow:octo-org/octo-repo:test:master"}},
             "test passed on master"},
        Case{"workflow_run.requested.json", "workflow_run", {}, ""},
        Case{"star.created.json", "star", {}, ""},
        Case{"issues.edited.json", "issues", {}, ""}));

TEST(GitHubAdapterTest, AFailedWorkflowRunOpensWhatItsSuccessResolves) {
  std::string failed = Fixture("workflow_run.completed_success.json");
  const std::string success = "\"conclusion\": \"success\"";
  const size_t at = failed.find(success);
  ASSERT_NE(at, std::string::npos);
  failed.replace(at, success.size(), "\"conclusion\": \"timed_out\"");
  ConvertedDelivery opened = Convert("workflow_run", failed);
  ASSERT_EQ(opened.code, Code::kOk) << opened.message;
  ASSERT_EQ(opened.alerts.size(), 1u);
  EXPECT_EQ(opened.alerts[0].action(), v1::ACTION_TRIGGER);
  EXPECT_EQ(opened.alerts[0].severity(), v1::SEVERITY_ERROR);
  ConvertedDelivery closed =
      Convert("workflow_run", Fixture("workflow_run.completed_success.json"));
  ASSERT_EQ(closed.alerts.size(), 1u);
  EXPECT_EQ(opened.alerts[0].dedup_key(), closed.alerts[0].dedup_key());
}

TEST(GitHubAdapterTest, PushesAndPullRequestsCarryLinksAndTags) {
  ConvertedDelivery push = Convert("push", Fixture("push.branch_created.json"));
  ASSERT_EQ(push.alerts.size(), 1u);
  bool compare = false;
  for (const auto& link : push.alerts[0].links()) {
    compare |=
        link.text() == "Compare" && link.href().rfind("https://", 0) == 0;
  }
  EXPECT_TRUE(compare);
  EXPECT_EQ(push.alerts[0].tags().at("repository"), "Codertocat/Hello-World");
  ConvertedDelivery pr =
      Convert("pull_request", Fixture("pull_request.opened.json"));
  ASSERT_EQ(pr.alerts.size(), 1u);
  ASSERT_GE(pr.alerts[0].links_size(), 1);
  EXPECT_EQ(pr.alerts[0].links(0).href(),
            "https://github.com/Codertocat/Hello-World/pull/2");
}

TEST(GitHubAdapterTest, BadInputIsRefusedWithItsReason) {
  ConvertedDelivery no_event = GitHub().Convert({}, "{}");
  EXPECT_EQ(no_event.code, Code::kUnknownEvent);
  EXPECT_EQ(Convert("push", "not json").code, Code::kBadPayload);
  ConvertedDelivery no_repo = Convert("push", R"({"ref":"refs/heads/x"})");
  EXPECT_EQ(no_repo.code, Code::kBadPayload);
  EXPECT_NE(no_repo.message.find("repository.full_name"), std::string::npos)
      << no_repo.message;
  EXPECT_EQ(Convert("pull_request", R"({"action":"opened"})").code,
            Code::kBadPayload);
}

TEST(GitHubAdapterTest, DeclaresItsHeadersAndFollowsGitHubsTestVector) {
  const SourceAdapter& github = GitHub();
  EXPECT_EQ(github.signature_scheme(),
            static_cast<uint32_t>(AG_SIGNATURE_HMAC_SHA256_PREFIXED_HEX));
  EXPECT_EQ(github.signature_header(), "X-Hub-Signature-256");
  EXPECT_EQ(github.delivery_id_headers(),
            std::vector<std::string>{"X-GitHub-Delivery"});
  EXPECT_FALSE(github.setup_steps().empty());
  // docs.github.com, "Validating webhook deliveries": the test values.
  const std::string signature =
      "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
  EXPECT_TRUE(VerifyDeliverySignature(AG_SIGNATURE_HMAC_SHA256_PREFIXED_HEX,
                                      signature, "It's a Secret to Everybody",
                                      "Hello, World!", absl::Now())
                  .ok());
  EXPECT_FALSE(VerifyDeliverySignature(AG_SIGNATURE_HMAC_SHA256_PREFIXED_HEX,
                                       signature, "It's a Secret to Everybody",
                                       "Hello, World?", absl::Now())
                   .ok());
}

TEST(GitHubAdapterTest, MutatedDeliveriesNeverCrash) {
  std::mt19937 random(160);
  int conversions = 0;
  for (const auto& [event, file] :
       std::vector<std::pair<std::string, std::string>>{
           {"push", "push.branch_created.json"},
           {"pull_request", "pull_request.closed.json"},
           {"check_run", "check_run.completed_failure.json"},
           {"workflow_run", "workflow_run.completed_success.json"}}) {
    conversions += ::alertgate::testing::ConvertMutations(
        [&](const std::string& body) { return Convert(event, body); },
        Fixture(file), random, 53, 300, 4);
  }
  EXPECT_GT(conversions, 1200);
}

}  // namespace
}  // namespace alertgate
