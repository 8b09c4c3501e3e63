// The front door's HTTP mapping, case by case, against a fake core: the real
// HTTP listener on a real port and the real plugins, with a CoreApi the test
// scripts (a core cannot be made to answer UNAVAILABLE or NOT_FOUND on
// demand). The process-level e2e tests (webhook_e2e_test) run the real core.
#include <httplib.h>

#include <cstring>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "adapters/loader/adapter_registry.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "server/common/webhook_signature.h"
#include "server/frontdoor/frontdoor_server.h"
#include "tests/server_process.h"
#include "tests/test_support.h"

namespace alertgate {
namespace {

using ::alertgate::testing::FakeClock;
using ::alertgate::testing::PluginFile;

constexpr char kKey[] = "0123456789abcdef0123456789abcdef0123456789abcdef";

// A core whose answers the test sets, recording every call.
class FakeCore final : public CoreApi {
 public:
  absl::StatusOr<WebhookTarget> ResolveWebhookKey(
      const std::string& source, const std::string& key) override {
    absl::MutexLock lock(&mu_);
    ++resolves;
    if (!resolve_status.ok()) return resolve_status;
    if (key != kKey) return absl::NotFoundError("unknown webhook key");
    (void)source;
    return target;
  }
  absl::StatusOr<v1::IngestAlertResponse> IngestAlert(
      const v1::IngestAlertRequest& request) override {
    absl::MutexLock lock(&mu_);
    ingested.push_back(request.alert());
    ++ingest_calls;
    if (!ingest_status.ok()) return ingest_status;
    if (request.has_delivery()) with_alerts.push_back(request.delivery());
    return Answer(request.alert());
  }
  absl::StatusOr<v1::IngestAlertsResponse> IngestAlerts(
      const v1::IngestAlertsRequest& request) override {
    absl::MutexLock lock(&mu_);
    ++ingest_calls;
    ingested.insert(ingested.end(), request.alerts().begin(),
                    request.alerts().end());
    if (ingest_status.ok() && request.has_delivery()) {
      with_alerts.push_back(request.delivery());
    }
    if (!ingest_status.ok()) return ingest_status;
    v1::IngestAlertsResponse response;
    for (const v1::Alert& alert : request.alerts()) {
      *response.add_results() = Answer(alert);
    }
    return response;
  }
  absl::Status RecordDeliveries(
      const v1::RecordDeliveriesRequest& request) override {
    absl::MutexLock lock(&mu_);
    for (const v1::Delivery& delivery : request.deliveries()) {
      recorded.push_back(delivery);
    }
    return absl::OkStatus();
  }
  bool IsReachable(absl::Duration) override {
    absl::MutexLock lock(&mu_);
    return reachable;
  }

  v1::IngestAlertResponse Answer(const v1::Alert& alert) {
    v1::IngestAlertResponse answer;
    answer.set_outcome(v1::INGEST_OUTCOME_OPENED);
    answer.mutable_incident()->set_id(absl::StrCat("inc-", alert.dedup_key()));
    return answer;
  }

  absl::Mutex mu_;
  WebhookTarget target{"svc-1", "payments", ""};
  absl::Status resolve_status;
  absl::Status ingest_status;
  bool reachable = true;
  int resolves = 0;
  int ingest_calls = 0;
  std::vector<v1::Delivery> recorded;     // By RecordDeliveries.
  std::vector<v1::Delivery> with_alerts;  // Sent with ingested alerts.
  std::vector<v1::Alert> ingested;
};

class FrontDoorTest : public ::testing::Test {
 protected:
  void SetUp() override { Start(/*rate_per_second=*/0); }

  void Start(double rate_per_second) {
    server_.reset();
    std::vector<std::string> errors;
    registry_ = AdapterRegistry::LoadFiles(
        {PluginFile("generic"), PluginFile("bitbucket")}, &errors);
    ASSERT_TRUE(errors.empty()) << errors[0];
    FrontDoorOptions options;
    options.http.port = 0;
    options.http.threads = 2;
    options.http.max_body_bytes = 4096;
    options.log_deliveries = false;
    options.handler.rate_per_second = rate_per_second;
    options.handler.rate_burst = 1;
    auto started =
        FrontDoorServer::Start(options, registry_.get(), &core_, &clock_);
    ASSERT_TRUE(started.ok()) << started.status();
    server_ = *std::move(started);
    http_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
  }

  httplib::Result Post(const std::string& source, const std::string& body,
                       httplib::Headers headers = {},
                       const std::string& key = kKey,
                       const std::string& content_type = "application/json") {
    return http_->Post(absl::StrCat("/v1/webhooks/", source, "/", key), headers,
                       body, content_type);
  }

  static nlohmann::json Json(const httplib::Result& result) {
    return nlohmann::json::parse(result->body, nullptr, false);
  }
  static std::string ErrorCode(const httplib::Result& result) {
    nlohmann::json body = Json(result);
    return body.contains("error") ? body["error"].value("code", "") : "";
  }
  int IngestCalls() {
    absl::MutexLock lock(&core_.mu_);
    return core_.ingest_calls;
  }

  FakeClock clock_;
  FakeCore core_;
  std::unique_ptr<AdapterRegistry> registry_;
  std::unique_ptr<FrontDoorServer> server_;
  std::unique_ptr<httplib::Client> http_;
};

constexpr char kTrigger[] =
    R"({"status": "trigger", "event_id": "disk-full", "message": "Disk full"})";

TEST_F(FrontDoorTest, CommittedAlertsAnswer200WithTheirIncidents) {
  auto result = Post("generic", kTrigger, {{"Idempotency-Key", "d-1"}});
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200) << result->body;
  nlohmann::json body = Json(result);
  EXPECT_EQ(body["service"], "payments");
  EXPECT_EQ(body["delivery_id"], "d-1");
  EXPECT_EQ(body["idempotent"], true);
  ASSERT_EQ(body["alerts"].size(), 1u);
  EXPECT_EQ(body["alerts"][0]["incident_id"], "inc-disk-full");
  EXPECT_EQ(body["alerts"][0]["action"], "trigger");
  EXPECT_EQ(body["alerts"][0]["outcome"], "opened");

  absl::MutexLock lock(&core_.mu_);
  ASSERT_EQ(core_.ingested.size(), 1u);
  const v1::Alert& alert = core_.ingested[0];
  EXPECT_EQ(alert.service_id(), "svc-1");
  EXPECT_EQ(alert.source(), "generic");
  EXPECT_EQ(alert.idempotency_key(), "d-1");
  EXPECT_EQ(alert.action(), v1::ACTION_TRIGGER);
  EXPECT_EQ(alert.summary(), "Disk full");
}

TEST_F(FrontDoorTest, SeveralAlertsGoInOneCallWithNumberedKeys) {
  auto result = Post("generic",
                     R"([{"status": "resolve", "event_id": "a"},
                         {"status": "acknowledge", "event_id": "b"}])",
                     {{"Idempotency-Key", "d-2"}});
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200) << result->body;
  absl::MutexLock lock(&core_.mu_);
  EXPECT_EQ(core_.ingest_calls, 1);
  ASSERT_EQ(core_.ingested.size(), 2u);
  EXPECT_EQ(core_.ingested[0].idempotency_key(), "d-2#0");
  EXPECT_EQ(core_.ingested[1].idempotency_key(), "d-2#1");
}

TEST_F(FrontDoorTest, WithoutADeliveryIdTheAnswerSaysItIsNotIdempotent) {
  auto result = Post("generic", kTrigger);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  nlohmann::json body = Json(result);
  EXPECT_EQ(body["idempotent"], false);
  EXPECT_TRUE(absl::StrContains(body.value("note", ""), "Idempotency-Key"))
      << body.dump();
  absl::MutexLock lock(&core_.mu_);
  EXPECT_EQ(core_.ingested.at(0).idempotency_key(), "");
}

TEST_F(FrontDoorTest, UnknownSourceIs404AndNeverReachesTheCore) {
  auto result = Post("gitea", kTrigger);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 404);
  EXPECT_EQ(ErrorCode(result), "unknown_source");
  absl::MutexLock lock(&core_.mu_);
  EXPECT_EQ(core_.resolves, 0);
}

TEST_F(FrontDoorTest, NonJsonContentTypeIs415) {
  auto result = Post("generic", kTrigger, {}, kKey, "text/plain");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 415);
  EXPECT_EQ(ErrorCode(result), "wrong_content_type");
  EXPECT_EQ(IngestCalls(), 0);
}

TEST_F(FrontDoorTest, UnknownOrMalformedKeyIs404) {
  auto unknown = Post("generic", kTrigger, {}, std::string(48, 'f'));
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404);
  EXPECT_EQ(ErrorCode(unknown), "unknown_key");
  {
    absl::MutexLock lock(&core_.mu_);
    core_.resolve_status = absl::InvalidArgumentError("webhook_key: malformed");
  }
  auto malformed = Post("generic", kTrigger, {}, "short");
  ASSERT_TRUE(malformed);
  EXPECT_EQ(malformed->status, 404);
  EXPECT_EQ(ErrorCode(malformed), "unknown_key");
  EXPECT_EQ(IngestCalls(), 0);
}

TEST_F(FrontDoorTest, OversizedBodyIs413BeforeAnyStep) {
  auto result = Post("generic", std::string(5000, ' ') + kTrigger);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 413);
  absl::MutexLock lock(&core_.mu_);
  EXPECT_EQ(core_.resolves, 0);
}

TEST_F(FrontDoorTest, OverTheRateLimitIs429WithRetryAfter) {
  Start(/*rate_per_second=*/0.5);
  auto first = Post("generic", kTrigger);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 200);
  auto second = Post("generic", kTrigger);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 429);
  EXPECT_EQ(ErrorCode(second), "rate_limited");
  EXPECT_EQ(second->get_header_value("Retry-After"), "2");
  EXPECT_EQ(IngestCalls(), 1);
  clock_.Advance(absl::Seconds(2));
  auto later = Post("generic", kTrigger);
  ASSERT_TRUE(later);
  EXPECT_EQ(later->status, 200) << "the bucket refills with the clock";
}

TEST_F(FrontDoorTest, BadSignatureIs401AndNothingIsIngested) {
  {
    absl::MutexLock lock(&core_.mu_);
    core_.target.webhook_secret = "s3cret";
  }
  auto unsigned_delivery = Post("generic", kTrigger);
  ASSERT_TRUE(unsigned_delivery);
  EXPECT_EQ(unsigned_delivery->status, 401);
  auto wrong =
      Post("generic", kTrigger,
           {{"X-Alertgate-Signature", SignWebhookBody("other", kTrigger)}});
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 401);
  EXPECT_EQ(ErrorCode(wrong), "bad_signature");
  EXPECT_EQ(IngestCalls(), 0);
  auto right =
      Post("generic", kTrigger,
           {{"X-Alertgate-Signature", SignWebhookBody("s3cret", kTrigger)}});
  ASSERT_TRUE(right);
  EXPECT_EQ(right->status, 200) << right->body;
}

// An ingested delivery's log entry travels with its alerts, for the core to
// write in their transaction; the recorder sends only the others, so no
// delivery is logged twice.
TEST_F(FrontDoorTest, AnIngestedDeliveryIsLoggedWithItsAlertsAndOnlyThere) {
  auto ok = Post("generic", kTrigger, {{"Idempotency-Key", "d-log"}});
  ASSERT_TRUE(ok);
  ASSERT_EQ(ok->status, 200) << ok->body;
  {
    absl::MutexLock lock(&core_.mu_);
    ASSERT_EQ(core_.with_alerts.size(), 1u);
    const v1::Delivery& entry = core_.with_alerts[0];
    EXPECT_EQ(entry.service_id(), "svc-1");
    EXPECT_EQ(entry.source(), "generic");
    EXPECT_EQ(entry.delivery_id(), "d-log");
    EXPECT_EQ(entry.event(), "alert");
    EXPECT_EQ(entry.http_status(), 200);
    EXPECT_EQ(entry.body_bytes(), static_cast<int64_t>(strlen(kTrigger)));
    EXPECT_EQ(entry.received_at().seconds(), absl::ToUnixSeconds(clock_.Now()));
    EXPECT_FALSE(entry.has_kept_request());
  }
  auto bad = Post("generic", R"({"status": "explode", "event_id": "a"})",
                  {{"Idempotency-Key", "d-bad"}});
  ASSERT_TRUE(bad);
  ASSERT_EQ(bad->status, 400);
  // The recorder sends its batches every 100 ms: once the refused delivery
  // (posted second) is there, the accepted one would be too.
  bool refused_recorded = false;
  for (int i = 0; i < 100 && !refused_recorded; ++i) {
    absl::SleepFor(absl::Milliseconds(50));
    absl::MutexLock lock(&core_.mu_);
    for (const v1::Delivery& entry : core_.recorded) {
      refused_recorded = refused_recorded || entry.delivery_id() == "d-bad";
    }
  }
  ASSERT_TRUE(refused_recorded);
  absl::MutexLock lock(&core_.mu_);
  for (const v1::Delivery& entry : core_.recorded) {
    EXPECT_NE(entry.delivery_id(), "d-log") << "logged twice";
  }
  EXPECT_EQ(core_.with_alerts.size(), 1u);
}

TEST_F(FrontDoorTest, UnreadableBodiesAndLongDeliveryIdsAre400) {
  auto bad = Post("generic", R"({"status": "explode", "event_id": "a"})");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  EXPECT_EQ(ErrorCode(bad), "bad_payload");
  auto not_json = Post("generic", "{not json");
  ASSERT_TRUE(not_json);
  EXPECT_EQ(not_json->status, 400);
  auto long_id =
      Post("generic", kTrigger, {{"Idempotency-Key", std::string(201, 'x')}});
  ASSERT_TRUE(long_id);
  EXPECT_EQ(long_id->status, 400);
  EXPECT_EQ(ErrorCode(long_id), "bad_delivery_id");
  auto unknown_event = Post("bitbucket", "{}", {{"X-Event-Key", "nonsense"}});
  ASSERT_TRUE(unknown_event);
  EXPECT_EQ(unknown_event->status, 400);
  EXPECT_EQ(ErrorCode(unknown_event), "unknown_event");
  EXPECT_EQ(IngestCalls(), 0);
}

TEST_F(FrontDoorTest, AnUnavailableCoreIs503WithRetryAfter) {
  for (absl::Status status :
       {absl::UnavailableError("down"), absl::DeadlineExceededError("slow"),
        absl::AbortedError("store full"),
        absl::ResourceExhaustedError("busy")}) {
    {
      absl::MutexLock lock(&core_.mu_);
      core_.ingest_status = status;
    }
    auto result = Post("generic", kTrigger, {{"Idempotency-Key", "d-3"}});
    ASSERT_TRUE(result);
    EXPECT_EQ(result->status, 503) << status;
    EXPECT_EQ(ErrorCode(result), "core_unavailable");
    EXPECT_EQ(result->get_header_value("Retry-After"), "1");
  }
  {
    absl::MutexLock lock(&core_.mu_);
    core_.ingest_status = absl::OkStatus();
    core_.resolve_status = absl::UnavailableError("down");
  }
  auto unresolved = Post("generic", kTrigger);
  ASSERT_TRUE(unresolved);
  EXPECT_EQ(unresolved->status, 503) << "a key cannot be checked: retry";
}

TEST_F(FrontDoorTest, OtherCoreRefusalsAre500) {
  {
    absl::MutexLock lock(&core_.mu_);
    core_.ingest_status = absl::InvalidArgumentError("alert.summary: required");
  }
  auto invalid = Post("generic", kTrigger);
  ASSERT_TRUE(invalid);
  EXPECT_EQ(invalid->status, 500);
  EXPECT_EQ(ErrorCode(invalid), "plugin_error");
  {
    absl::MutexLock lock(&core_.mu_);
    core_.ingest_status = absl::FailedPreconditionError("store is corrupt");
  }
  auto refused = Post("generic", kTrigger);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 500);
  EXPECT_EQ(ErrorCode(refused), "core_error");
}

TEST_F(FrontDoorTest, ReadinessFollowsTheCore) {
  auto ready = http_->Get("/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200);
  {
    absl::MutexLock lock(&core_.mu_);
    core_.reachable = false;
  }
  auto unready = http_->Get("/readyz");
  ASSERT_TRUE(unready);
  EXPECT_EQ(unready->status, 503);
}

TEST_F(FrontDoorTest, MetricEventLabelsAreOnlyTheDeclaredEvents) {
  // A Bitbucket event the plugin does not act on, with an invented name in
  // a known family: ignored, and counted as "other", not as a new series.
  auto invented = Post("bitbucket", "{}", {{"X-Event-Key", "repo:made_up_1"}});
  ASSERT_TRUE(invented);
  EXPECT_EQ(invented->status, 200) << invented->body;
  auto also_invented =
      Post("bitbucket", "{}", {{"X-Event-Key", "repo:made_up_2"}});
  ASSERT_TRUE(also_invented);
  auto declared = Post("generic", kTrigger);
  ASSERT_TRUE(declared);
  auto metrics = http_->Get("/metrics");
  ASSERT_TRUE(metrics);
  const std::string& text = metrics->body;
  EXPECT_TRUE(absl::StrContains(
      text,
      R"(alertgate_webhook_deliveries_total{source="bitbucket",event="other",outcome="ignored"} 2)"))
      << text;
  EXPECT_TRUE(absl::StrContains(
      text,
      R"(alertgate_webhook_deliveries_total{source="generic",event="alert",outcome="processed"} 1)"))
      << text;
  EXPECT_FALSE(absl::StrContains(text, "made_up")) << text;
  // The delivery log's losses are counted where operators look.
  EXPECT_TRUE(
      absl::StrContains(text, "\nalertgate_delivery_log_dropped_total 0\n"))
      << text;
}

}  // namespace
}  // namespace alertgate
