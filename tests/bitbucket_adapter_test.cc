// The Bitbucket plugin, loaded from its .so, against every real delivery in
// tests/fixtures/bitbucket: the alerts each produces, that a pull request's
// opening and closing share one dedup key, clear errors for bad input, and
// the documented signature test vectors.
#include <memory>
#include <string>
#include <vector>

#include "adapters/loader/adapter_registry.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "server/common/webhook_signature.h"
#include "tests/plugin_under_test.h"

namespace alertgate {
namespace {

using ::alertgate::testing::ProjectFile;
using ::alertgate::testing::ReadFileOrEmpty;
using Code = ConvertedDelivery::Code;

struct ExpectedAlert {
  v1::Action action;
  std::string dedup_key;
  std::vector<std::string> summary_fragments;
};

struct FixtureCase {
  std::string file;  // Under tests/fixtures/bitbucket/.
  std::string event;
  std::vector<ExpectedAlert> alerts;  // Empty: accepted and ignored.
};

// gtest prints the fixture's file instead of the struct's bytes.
void PrintTo(const FixtureCase& c, std::ostream* os) { *os << c.file; }

const SourceAdapter& Bitbucket() {
  static const SourceAdapter& adapter =
      ::alertgate::testing::LoadedPlugin("bitbucket");
  return adapter;
}

std::string Fixture(const std::string& file) {
  return ::alertgate::testing::SourceFixture("bitbucket", file);
}

ConvertedDelivery Deliver(const std::string& event, const std::string& body,
                          const std::string& delivery_id = "delivery-1") {
  return Bitbucket().Convert(
      {{"X-Event-Key", event}, {"X-Request-UUID", delivery_id}}, body);
}

class FixtureTest : public ::testing::TestWithParam<FixtureCase> {};

TEST_P(FixtureTest, ProducesTheExpectedAlerts) {
  const FixtureCase& c = GetParam();
  ConvertedDelivery result = Deliver(c.event, Fixture(c.file));
  ASSERT_EQ(result.code, Code::kOk) << result.message;
  EXPECT_EQ(result.event, c.event);
  ASSERT_EQ(result.alerts.size(), c.alerts.size()) << result.message;
  if (c.alerts.empty()) {
    EXPECT_FALSE(result.message.empty()) << "an ignored event says why";
  }
  for (size_t i = 0; i < c.alerts.size(); ++i) {
    const v1::Alert& got = result.alerts[i];
    const ExpectedAlert& want = c.alerts[i];
    EXPECT_EQ(got.action(), want.action) << i;
    EXPECT_EQ(got.dedup_key(), want.dedup_key) << i;
    for (const std::string& fragment : want.summary_fragments) {
      EXPECT_NE(got.summary().find(fragment), std::string::npos)
          << "summary \"" << got.summary() << "\" lacks \"" << fragment << "\"";
    }
    EXPECT_EQ(got.tags().count("event"), 1u);
    if (c.event != "diagnostics:ping") {
      EXPECT_EQ(got.tags().count("repository"), 1u);
      EXPECT_EQ(got.tags().count("actor"), 1u);
      EXPECT_TRUE(got.has_occurred_at()) << "time of the event";
    }
  }
}

constexpr v1::Action T = v1::ACTION_TRIGGER;
constexpr v1::Action R = v1::ACTION_RESOLVE;

const FixtureCase kCases[] = {
    // Cloud pushes: one alert per changed ref.
    {"cloud/repo_push.branch.json",
     "repo:push",
     {{T,
       "push:brydzewski/foo:branch/"
       "master@141977fedf5cf35aa290ac87d4b5177ac4cd9de1",
       {"Brad Rydzewski", "pushed 1 commit", "master", "brydzewski/foo"}}}},
    {"cloud/repo_push.branch_created.json",
     "repo:push",
     {{T,
       "push:brydzewski/foo:branch/"
       "develop@141977fedf5cf35aa290ac87d4b5177ac4cd9de1",
       {"created branch develop"}}}},
    {"cloud/repo_push.branch_deleted.json",
     "repo:push",
     {{T,
       "push:brydzewski/foo:branch/develop@deleted",
       {"deleted branch develop"}}}},
    {"cloud/repo_push.tag_created.json",
     "repo:push",
     {{T,
       "push:brydzewski/foo:tag/feature/"
       "x@141977fedf5cf35aa290ac87d4b5177ac4cd9de1",
       {"created tag feature/x"}}}},
    {"cloud/repo_push.tag_deleted.json",
     "repo:push",
     {{T, "push:brydzewski/foo:tag/feature/x@deleted", {"deleted tag"}}}},
    {"cloud/repo_push.multiple_commits.json",
     "repo:push",
     {{T,
       "push:arolgroup/j0664-ns2-firmware:branch/"
       "main@6ca0691239785a619fa1dce7bf1073f50499cd60",
       {"pushed 5 commits (or more)", "main"}}}},
    {"cloud/repo_push.branch_deleted_after_merge.json",
     "repo:push",
     {{T,
       "push:arolgroup/j0664-ns2-firmware:branch/feat/"
       "sync-from-bitbucket@deleted",
       {"deleted branch feat/sync-from-bitbucket"}}}},
    {"cloud/repo_push.forced.json",
     "repo:push",
     {{T,
       "push:amuniz/test-repos:branch/feature/"
       "issue-819@5ecffa3874e96920f24a2b3c0d0038e47d5cd1a4",
       {"force-pushed"}}}},
    {"cloud/repo_push.signed_raw.json",
     "repo:push",
     {{T,
       "push:nfalco79/test-repos:branch/feature/"
       "webhook@d7f300a32270053bdfd97a6d64113f58202c33e7",
       {"created branch feature/webhook"}}}},
    // Cloud pull requests.
    {"cloud/pullrequest_created.json",
     "pullrequest:created",
     {{T,
       "pr:brydzewski/foo:1",
       {"opened pull request #1", "Awesome new feature", "develop → master"}}}},
    {"cloud/pullrequest_updated.json",
     "pullrequest:updated",
     {{T, "pr:brydzewski/foo:1", {"updated pull request #1"}}}},
    {"cloud/pullrequest_fulfilled.json",
     "pullrequest:fulfilled",
     {{R, "pr:brydzewski/foo:1", {"merged pull request #1"}}}},
    {"cloud/pullrequest_rejected.json",
     "pullrequest:rejected",
     {{R,
       "pr:brydzewski/foo:2",
       {"declined pull request #2", "update README"}}}},
    {"cloud/pullrequest_created.webhook_site.json",
     "pullrequest:created",
     {{T, "pr:arolgroup/j0664-ns2-firmware:6", {"Gianpaolo Macario", "#6"}}}},
    {"cloud/pullrequest_fulfilled.webhook_site.json",
     "pullrequest:fulfilled",
     {{R, "pr:arolgroup/j0664-ns2-firmware:6", {"merged pull request #6"}}}},
    // Cloud build statuses: in progress is ignored, success resolves.
    {"cloud/repo_commit_status_created.json", "repo:commit_status_created", {}},
    {"cloud/repo_commit_status_updated.json",
     "repo:commit_status_updated",
     {{R,
       "build:automationtestharness/testrepo:main:3343801",
       {"Pipeline #4 for main", "passed on main"}}}},
    // Cloud events that neither open nor resolve.
    {"cloud/pullrequest_approved.json", "pullrequest:approved", {}},
    {"cloud/pullrequest_comment_created.json",
     "pullrequest:comment_created",
     {}},
    {"cloud/pullrequest_comment_deleted.json",
     "pullrequest:comment_deleted",
     {}},
    {"cloud/pullrequest_unapproved.docs_example.json",
     "pullrequest:unapproved",
     {}},
    {"cloud/pullrequest_comment_updated.docs_example.json",
     "pullrequest:comment_updated",
     {}},
    {"cloud/repo_fork.docs_example.json", "repo:fork", {}},
    {"cloud/repo_updated.docs_example.json", "repo:updated", {}},
    {"cloud/repo_commit_comment_created.docs_example.json",
     "repo:commit_comment_created",
     {}},
    {"cloud/issue_created.docs_example.json", "issue:created", {}},
    // Data Center ref changes.
    {"server/repo_refs_changed.update.json",
     "repo:refs_changed",
     {{T,
       "push:PRJ/my-repo:refs/heads/"
       "master@823b2230a56056231c9425d63758fa87078a66b4",
       {"Jane Citizen", "pushed to branch master", "PRJ/my-repo"}}}},
    {"server/repo_refs_changed.branch_created.json",
     "repo:refs_changed",
     {{T,
       "push:PRJ/my-repo:refs/heads/"
       "develop@208b0a5c05eddadad01f2aed8802fe0c3b3eaf5e",
       {"created branch develop"}}}},
    {"server/repo_refs_changed.branch_deleted.json",
     "repo:refs_changed",
     {{T,
       "push:PRJ/my-repo:refs/heads/develop@deleted",
       {"deleted branch develop"}}}},
    {"server/repo_refs_changed.tag_created.json",
     "repo:refs_changed",
     {{T,
       "push:PRJ/my-repo:refs/tags/"
       "v1.1.0@823b2230a56056231c9425d63758fa87078a66b4",
       {"created tag v1.1.0"}}}},
    {"server/repo_refs_changed.tag_deleted.json",
     "repo:refs_changed",
     {{T,
       "push:PRJ/my-repo:refs/tags/v1.1.0@deleted",
       {"deleted tag v1.1.0"}}}},
    {"server/repo_refs_changed.v5.json",
     "repo:refs_changed",
     {{T,
       "push:ISCLOUD/transamerica.cloud.individual.tftest:refs/heads/"
       "trangineni/"
       "devtfvars-1685475548410@51a33664b6d7fb5aa15063064eb230362cd02e9e",
       {"pushed to branch trangineni/devtfvars-1685475548410"}}}},
    {"server/repo_refs_changed.dc10_update.json",
     "repo:refs_changed",
     {{T,
       "push:PENGINE/product-engine:refs/heads/"
       "develop@d29fa17bbe9979c3f603e0f11574735da88bf27f",
       {"pushed to branch develop"}}}},
    {"server/repo_refs_changed.dc10_branch_created.json",
     "repo:refs_changed",
     {{T,
       "push:TSG/nova-ui:refs/heads/"
       "idpdocs@b8ba6d6045f85379a2dc5b556d8a9ea23a69ac13",
       {"created branch idpdocs"}}}},
    {"server/repo_refs_changed.signed_raw.json",
     "repo:refs_changed",
     {{T,
       "push:AMUNIZ/test-repos:refs/heads/feature/BB-1@deleted",
       {"deleted branch feature/BB-1"}}}},
    {"server/repo_refs_changed.gopher.json",
     "repo:refs_changed",
     {{T,
       "push:~gopher/webhook-test:refs/heads/feature/wip@deleted",
       {"Foo Bar"}}}},
    // Data Center pull requests: old (epoch millis) and new (ISO) dates.
    {"server/pr_opened.json",
     "pr:opened",
     {{T,
       "pr:PRJ/my-repo:2",
       {"opened pull request #2", "added LICENSE", "develop → master"}}}},
    {"server/pr_opened.iso_dates.json",
     "pr:opened",
     {{T, "pr:PRJ/my-repo:2", {"opened pull request #2"}}}},
    {"server/pr_modified.meta.json",
     "pr:modified",
     {{T, "pr:PRJ/my-repo:6", {"modified pull request #6"}}}},
    {"server/pr_modified.toref.json",
     "pr:modified",
     {{T, "pr:PRJ/my-repo:2", {"feature-2 → master"}}}},
    {"server/pr_from_ref_updated.json",
     "pr:from_ref_updated",
     {{T, "pr:PRJ/my-repo:2", {"pushed to pull request #2"}}}},
    {"server/pr_merged.json",
     "pr:merged",
     {{R, "pr:PRJ/my-repo:3", {"merged pull request #3"}}}},
    {"server/pr_declined.json",
     "pr:declined",
     {{R, "pr:PRJ/my-repo:2", {"declined pull request #2"}}}},
    {"server/pr_deleted.json",
     "pr:deleted",
     {{R, "pr:PRJ/my-repo:2", {"deleted pull request #2"}}}},
    {"server/pr_opened.gopher.json",
     "pr:opened",
     {{T, "pr:~gopher/webhook-test:5", {"Foo Bar", "feature/wip → master"}}}},
    {"server/pr_merged.gopher.json",
     "pr:merged",
     {{R, "pr:~gopher/webhook-test:5", {"merged pull request #5"}}}},
    {"server/pr_declined.gopher.json",
     "pr:declined",
     {{R, "pr:~gopher/webhook-test:2", {"declined"}}}},
    {"server/pr_deleted.gopher.json",
     "pr:deleted",
     {{R, "pr:~gopher/webhook-test:2", {"deleted"}}}},
    {"server/pr_modified.gopher.json",
     "pr:modified",
     {{T, "pr:~gopher/webhook-test:3", {"modified pull request #3"}}}},
    // Data Center events that neither open nor resolve.
    {"server/pr_comment_added.json", "pr:comment:added", {}},
    {"server/pr_comment_edited.json", "pr:comment:edited", {}},
    {"server/pr_comment_deleted.json", "pr:comment:deleted", {}},
    {"server/pr_reviewer_approved.json", "pr:reviewer:approved", {}},
    {"server/pr_reviewer_unapproved.json", "pr:reviewer:unapproved", {}},
    {"server/pr_reviewer_needs_work.json", "pr:reviewer:needs_work", {}},
    {"server/pr_reviewer_updated.json", "pr:reviewer:updated", {}},
    {"server/repo_modified.json", "repo:modified", {}},
    {"server/repo_forked.json", "repo:forked", {}},
    {"server/repo_comment_added.json", "repo:comment:added", {}},
    // The ping: a test alert opened and resolved at once.
    {"server/diagnostics_ping.json",
     "diagnostics:ping",
     {{T, "ping:delivery-1", {"test connection"}},
      {R, "ping:delivery-1", {"test connection"}}}},
};

INSTANTIATE_TEST_SUITE_P(EveryFixture, FixtureTest, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<FixtureCase>& info) {
                           std::string name = info.param.file;
                           for (char& c : name) {
                             if (!std::isalnum(static_cast<unsigned char>(c)))
                               c = '_';
                           }
                           return name;
                         });

TEST(BitbucketAdapterTest, EveryFixtureFileIsInTheTable) {
  const std::string provenance =
      ReadFileOrEmpty(ProjectFile("tests/fixtures/bitbucket/PROVENANCE.md"));
  ASSERT_FALSE(provenance.empty());
  size_t listed = 0;
  for (const FixtureCase& c : kCases) {
    const std::string name = c.file.substr(c.file.find('/') + 1);
    EXPECT_NE(provenance.find("| `" + name + "` | `" + c.event + "` |"),
              std::string::npos)
        << c.file << " with event " << c.event << " is not in PROVENANCE.md";
    ++listed;
  }
  // Every row of PROVENANCE.md's two tables is a case above.
  size_t rows = 0;
  for (size_t at = provenance.find("\n| `"); at != std::string::npos;
       at = provenance.find("\n| `", at + 1)) {
    ++rows;
  }
  EXPECT_EQ(listed, rows);
}

TEST(BitbucketAdapterTest, PullRequestOpenAndCloseShareTheDedupKey) {
  const std::pair<const char*, const char*> kPairs[][2] = {
      {{"cloud/pullrequest_created.json", "pullrequest:created"},
       {"cloud/pullrequest_fulfilled.json", "pullrequest:fulfilled"}},
      {{"cloud/pullrequest_created.json", "pullrequest:created"},
       {"cloud/pullrequest_updated.json", "pullrequest:updated"}},
      {{"cloud/pullrequest_created.webhook_site.json", "pullrequest:created"},
       {"cloud/pullrequest_fulfilled.webhook_site.json",
        "pullrequest:fulfilled"}},
      {{"server/pr_opened.json", "pr:opened"},
       {"server/pr_declined.json", "pr:declined"}},
      {{"server/pr_opened.iso_dates.json", "pr:opened"},
       {"server/pr_deleted.json", "pr:deleted"}},
      {{"server/pr_opened.json", "pr:opened"},
       {"server/pr_from_ref_updated.json", "pr:from_ref_updated"}},
      {{"server/pr_opened.gopher.json", "pr:opened"},
       {"server/pr_merged.gopher.json", "pr:merged"}},
  };
  for (const auto& pair : kPairs) {
    ConvertedDelivery open = Deliver(pair[0].second, Fixture(pair[0].first));
    ConvertedDelivery close = Deliver(pair[1].second, Fixture(pair[1].first));
    ASSERT_EQ(open.alerts.size(), 1u) << pair[0].first;
    ASSERT_EQ(close.alerts.size(), 1u) << pair[1].first;
    EXPECT_EQ(open.alerts[0].dedup_key(), close.alerts[0].dedup_key())
        << pair[0].first << " vs " << pair[1].first;
  }
}

TEST(BitbucketAdapterTest, SummariesAndLinksPointBackToBitbucket) {
  ConvertedDelivery pr =
      Deliver("pullrequest:created", Fixture("cloud/pullrequest_created.json"));
  ASSERT_EQ(pr.alerts.size(), 1u);
  const v1::Alert& alert = pr.alerts[0];
  EXPECT_EQ(alert.tags().at("repository"), "brydzewski/foo");
  EXPECT_EQ(alert.tags().at("branch"), "develop");
  EXPECT_EQ(alert.tags().at("actor"), "Brad Rydzewski");
  ASSERT_FALSE(alert.links().empty());
  EXPECT_EQ(alert.links(0).href(),
            "https://bitbucket.org/brydzewski/foo/pull-requests/1");
  EXPECT_NE(alert.description().find("Source commit:"), std::string::npos);

  ConvertedDelivery push =
      Deliver("repo:push", Fixture("cloud/repo_push.branch.json"));
  ASSERT_EQ(push.alerts.size(), 1u);
  EXPECT_NE(push.alerts[0].description().find("141977fedf5c"),
            std::string::npos)
      << "the description lists commits by hash";
}

TEST(BitbucketAdapterTest, BadInputGetsAClearErrorNeverACrash) {
  const std::string pr = Fixture("cloud/pullrequest_created.json");
  ConvertedDelivery missing = Bitbucket().Convert({}, pr);
  EXPECT_EQ(missing.code, Code::kUnknownEvent);
  EXPECT_NE(missing.message.find("X-Event-Key"), std::string::npos);

  EXPECT_EQ(Deliver("build:finished", pr).code, Code::kUnknownEvent);
  EXPECT_EQ(Deliver("nonsense", pr).code, Code::kUnknownEvent);

  ConvertedDelivery malformed =
      Deliver("pullrequest:created", "{\"pullrequest\": ");
  EXPECT_EQ(malformed.code, Code::kBadPayload);
  EXPECT_NE(malformed.message.find("JSON"), std::string::npos);

  EXPECT_EQ(Deliver("pullrequest:created", "[1, 2]").code, Code::kBadPayload);
  ConvertedDelivery wrong_type =
      Deliver("pullrequest:created", R"({"pullrequest": "not an object"})");
  EXPECT_EQ(wrong_type.code, Code::kBadPayload);
  EXPECT_NE(wrong_type.message.find("pullrequest"), std::string::npos);
  ConvertedDelivery no_id = Deliver(
      "pr:merged",
      R"({"pullRequest": {"toRef": {"repository": {"slug": "r", "project": {"key": "P"}}}}})");
  EXPECT_EQ(no_id.code, Code::kBadPayload);
  EXPECT_NE(no_id.message.find("id"), std::string::npos);
  EXPECT_EQ(
      Deliver(
          "repo:push",
          R"({"push": {"changes": [null]}, "repository": {"full_name": "a/b"}})")
          .code,
      Code::kBadPayload);
}

TEST(BitbucketAdapterTest, DeliveryIdsComeFromEitherHeader) {
  const SourceAdapter& adapter = Bitbucket();
  EXPECT_EQ(adapter.delivery_id_headers(),
            (std::vector<std::string>{"X-Request-UUID", "X-Request-Id"}));
  EXPECT_EQ(adapter.signature_header(), "X-Hub-Signature");
  EXPECT_EQ(adapter.signature_scheme(), AG_SIGNATURE_HMAC_SHA256_PREFIXED_HEX);
  ConvertedDelivery ping = adapter.Convert(
      {{"x-event-key", "diagnostics:ping"}, {"X-Request-Id", "dc-42"}},
      Fixture("server/diagnostics_ping.json"));
  ASSERT_EQ(ping.alerts.size(), 2u);
  EXPECT_EQ(ping.alerts[0].dedup_key(), "ping:dc-42");
}

// A field of the wrong type or value is a 400 naming the field, never a
// key built from whatever arrived; a valid but huge title is not refused.
TEST(BitbucketAdapterTest, WrongTypesAreRefusedNamingTheField) {
  const std::string created = Fixture("cloud/pullrequest_created.json");
  auto with = [&](const std::string& pointer, nlohmann::json value) {
    nlohmann::json body = nlohmann::json::parse(created);
    body[nlohmann::json::json_pointer(pointer)] = std::move(value);
    return Deliver("pullrequest:created", body.dump());
  };
  struct Case {
    std::string pointer;
    nlohmann::json value;
    std::string field;
  };
  for (const Case& c : std::vector<Case>{
           {"/pullrequest/id", "1", "pullrequest.id"},
           {"/pullrequest/id", -1, "pullrequest.id"},
           {"/pullrequest/id", 0, "pullrequest.id"},
           {"/pullrequest/id", 1.5, "pullrequest.id"},
           {"/repository/full_name", 7, "repository.full_name"}}) {
    ConvertedDelivery result = with(c.pointer, c.value);
    EXPECT_EQ(result.code, Code::kBadPayload) << c.pointer << " = " << c.value;
    EXPECT_NE(result.message.find(c.field), std::string::npos)
        << result.message;
  }
  ConvertedDelivery long_title =
      with("/pullrequest/title", std::string(100 * 1024, 't'));
  EXPECT_EQ(long_title.code, Code::kOk) << long_title.message;
}

// Test vectors of tests/fixtures/bitbucket/HEADERS.md.
TEST(WebhookSignatureTest, DocumentedVectorsVerify) {
  const std::string secret = "Gkvl$k$wyNpQAF42";
  const std::string cloud = Fixture("cloud/repo_push.signed_raw.json");
  const std::string dc = Fixture("server/repo_refs_changed.signed_raw.json");
  ASSERT_EQ(cloud.size(), 14515u);
  ASSERT_EQ(dc.size(), 1168u);
  const std::string cloud_signature =
      "sha256=f205c729821c6954aff2afe72b965c34015b4baf96ea8ddc2cc44999c014a035";
  const std::string dc_signature =
      "sha256=4ffba9e7b58ea3d7e1a230446e8c92baea0aeec89b73f598932387254f0de13e";
  EXPECT_TRUE(VerifyWebhookSignature(cloud_signature, secret, cloud).ok());
  EXPECT_TRUE(VerifyWebhookSignature(dc_signature, secret, dc).ok());
  EXPECT_EQ(SignWebhookBody(secret, cloud), cloud_signature);

  EXPECT_EQ(
      VerifyWebhookSignature(cloud_signature, "wrong secret", cloud).code(),
      absl::StatusCode::kUnauthenticated);
  std::string tampered = cloud;
  tampered[100] ^= 1;
  EXPECT_EQ(VerifyWebhookSignature(cloud_signature, secret, tampered).code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(VerifyWebhookSignature("", secret, cloud).code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(VerifyWebhookSignature("sha1=abc", secret, cloud).code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(VerifyWebhookSignature(dc_signature, secret, cloud).code(),
            absl::StatusCode::kUnauthenticated);
  // The prefixed scheme through the declared-scheme entry point.
  EXPECT_TRUE(VerifyDeliverySignature(AG_SIGNATURE_HMAC_SHA256_PREFIXED_HEX,
                                      cloud_signature, secret, cloud,
                                      absl::Now())
                  .ok());
}

TEST(WebhookSignatureTest, SharedTokenMustEqualTheSecret) {
  const absl::Time now = absl::Now();
  EXPECT_TRUE(VerifyDeliverySignature(AG_SIGNATURE_SHARED_TOKEN, "s3cret-token",
                                      "s3cret-token", "{}", now)
                  .ok());
  for (const char* wrong :
       {"", "s3cret-toke", "s3cret-token2", "S3CRET-TOKEN"}) {
    EXPECT_EQ(VerifyDeliverySignature(AG_SIGNATURE_SHARED_TOKEN, wrong,
                                      "s3cret-token", "{}", now)
                  .code(),
              absl::StatusCode::kUnauthenticated)
        << wrong;
  }
}

TEST(WebhookSignatureTest, TimestampedSignaturesCheckBodyTimeAndWindow) {
  // Vector computed independently (Python's hmac): HMAC-SHA256 keyed with
  // "whsec_test" over "1767225600." + body.
  const std::string body = R"({"id":"evt_1"})";
  const absl::Time signed_at = absl::FromUnixSeconds(1767225600);
  const std::string header =
      "t=1767225600,v1="
      "45b40331de0325606dc5400202ade162460fbe48daf9401adfdcd0d7b4f35470";
  EXPECT_EQ(SignTimestampedBody("whsec_test", body, signed_at), header);
  auto verify = [&](const std::string& value, absl::Time now,
                    const std::string& payload) {
    return VerifyDeliverySignature(AG_SIGNATURE_HMAC_SHA256_TIMESTAMPED, value,
                                   "whsec_test", payload, now)
        .code();
  };
  const auto kOk = absl::StatusCode::kOk;
  const auto kRefused = absl::StatusCode::kUnauthenticated;
  EXPECT_EQ(verify(header, signed_at + absl::Seconds(299), body), kOk);
  EXPECT_EQ(verify(header, signed_at - absl::Seconds(299), body), kOk);
  EXPECT_EQ(verify(header, signed_at + absl::Seconds(301), body), kRefused)
      << "a replay after the window";
  EXPECT_EQ(verify(header, signed_at, R"({"id":"evt_2"})"), kRefused);
  // During a secret rotation senders add a second v1; either may match.
  EXPECT_EQ(verify("t=1767225600,v1=" + std::string(64, '0') + "," +
                       header.substr(header.find("v1=")) + ",v0=ignored",
                   signed_at, body),
            kOk);
  for (const char* malformed :
       {"", "v1=45b4", "t=1767225600", "t=soon,v1=45b4", "sha256=45b4"}) {
    EXPECT_EQ(verify(malformed, signed_at, body), kRefused) << malformed;
  }
}

}  // namespace
}  // namespace alertgate
