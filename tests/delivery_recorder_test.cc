// DeliveryRecorder, the front door's sender of the delivery log: batches in
// order, a bounded queue that drops the oldest while the core is away,
// refused batches counted and not retried, and kept requests (refused
// deliveries' bodies) bounded in memory and per call. The core is a fake
// here: being "away" on command, for exactly as long as the test wants, is
// the failure path a real core cannot be made to hit on time.
#include "server/frontdoor/delivery_recorder.h"

#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"

namespace alertgate {
namespace {

class RecordingCore : public CoreApi {
 public:
  absl::StatusOr<WebhookTarget> ResolveWebhookKey(const std::string&,
                                                  const std::string&) override {
    return absl::UnimplementedError("not used");
  }
  absl::StatusOr<v1::IngestAlertResponse> IngestAlert(
      const v1::IngestAlertRequest&) override {
    return absl::UnimplementedError("not used");
  }
  absl::StatusOr<v1::IngestAlertsResponse> IngestAlerts(
      const v1::IngestAlertsRequest&) override {
    return absl::UnimplementedError("not used");
  }
  bool IsReachable(absl::Duration) override { return true; }

  absl::Status RecordDeliveries(
      const v1::RecordDeliveriesRequest& request) override {
    absl::MutexLock lock(&mu_);
    if (!answer_.ok()) return answer_;
    calls_.push_back(request);
    return absl::OkStatus();
  }

  void Answer(absl::Status status) {
    absl::MutexLock lock(&mu_);
    answer_ = std::move(status);
  }
  // Every entry received, in order, by its event name.
  std::vector<std::string> Events() {
    absl::MutexLock lock(&mu_);
    std::vector<std::string> events;
    for (const auto& call : calls_) {
      for (const auto& d : call.deliveries()) events.push_back(d.event());
    }
    return events;
  }
  std::vector<v1::RecordDeliveriesRequest> Calls() {
    absl::MutexLock lock(&mu_);
    return calls_;
  }
  // Waits until `count` entries arrived (or 10 s).
  bool WaitFor(size_t count) {
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (Events().size() < count) {
      if (absl::Now() > deadline) return false;
      absl::SleepFor(absl::Milliseconds(5));
    }
    return true;
  }

 private:
  absl::Mutex mu_;
  absl::Status answer_ ABSL_GUARDED_BY(mu_);
  std::vector<v1::RecordDeliveriesRequest> calls_ ABSL_GUARDED_BY(mu_);
};

v1::Delivery Entry(const std::string& event, size_t kept_body_bytes = 0) {
  v1::Delivery d;
  d.set_service_id("s");
  d.set_source("bitbucket");
  d.set_event(event);
  d.set_outcome(kept_body_bytes ? v1::DELIVERY_OUTCOME_BAD_SIGNATURE
                                : v1::DELIVERY_OUTCOME_ACCEPTED);
  if (kept_body_bytes) {
    d.mutable_kept_request()->set_body(std::string(kept_body_bytes, 'x'));
  }
  return d;
}

DeliveryRecorder::Options Quick() {
  DeliveryRecorder::Options options;
  options.interval = absl::Milliseconds(10);
  return options;
}

TEST(DeliveryRecorderTest, SendsEverythingInOrderInBoundedBatches) {
  RecordingCore core;
  {
    DeliveryRecorder recorder(&core, Quick());
    for (int i = 0; i < 1200; ++i) recorder.Record(Entry(std::to_string(i)));
    ASSERT_TRUE(core.WaitFor(1200));
    EXPECT_EQ(recorder.dropped(), 0);
  }
  const std::vector<std::string> events = core.Events();
  ASSERT_EQ(events.size(), 1200u);
  for (int i = 0; i < 1200; ++i) EXPECT_EQ(events[i], std::to_string(i));
  for (const auto& call : core.Calls()) EXPECT_LE(call.deliveries_size(), 500);
}

TEST(DeliveryRecorderTest, WhileTheCoreIsAwayTheOldestGoFirstAndAreCounted) {
  RecordingCore core;
  core.Answer(absl::UnavailableError("core restarting"));
  DeliveryRecorder::Options options = Quick();
  options.max_queued = 100;
  // Small batches: a try in flight holds only the first 10 (those are
  // never dropped under it), so the ones dropped are the next oldest.
  options.batch = 10;
  DeliveryRecorder recorder(&core, options);
  for (int i = 0; i < 150; ++i) recorder.Record(Entry(std::to_string(i)));
  absl::SleepFor(absl::Milliseconds(50));  // Several failed tries.
  EXPECT_TRUE(core.Events().empty());
  EXPECT_EQ(recorder.dropped(), 50);
  core.Answer(absl::OkStatus());
  ASSERT_TRUE(core.WaitFor(100));
  const std::vector<std::string> events = core.Events();
  // The newest arrive, in order; what was dropped was among the oldest.
  ASSERT_EQ(events.size(), 100u);
  EXPECT_EQ(events.back(), "149");
  EXPECT_EQ(events[10], "60");
  for (size_t i = 1; i < events.size(); ++i) {
    EXPECT_LT(std::stoi(events[i - 1]), std::stoi(events[i]));
  }
}

TEST(DeliveryRecorderTest, ABatchTheCoreRefusesIsCountedNotRetried) {
  RecordingCore core;
  core.Answer(absl::InvalidArgumentError("deliveries[0]: bad"));
  DeliveryRecorder recorder(&core, Quick());
  recorder.Record(Entry("refused"));
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (recorder.dropped() == 0 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  EXPECT_EQ(recorder.dropped(), 1);
  core.Answer(absl::OkStatus());
  recorder.Record(Entry("next"));
  ASSERT_TRUE(core.WaitFor(1));
  EXPECT_EQ(core.Events(), std::vector<std::string>{"next"});
}

TEST(DeliveryRecorderTest, KeptRequestsAreBoundedInMemoryAndPerCall) {
  RecordingCore core;
  core.Answer(absl::UnavailableError("away"));
  DeliveryRecorder::Options options = Quick();
  options.max_queued_kept_bytes = 1000;
  options.batch_kept_bytes = 500;
  DeliveryRecorder recorder(&core, options);
  // 5 refused deliveries of 400 bytes while the core is away: the first two
  // fit in 1000 bytes and keep their bodies; the others are logged without.
  for (int i = 0; i < 5; ++i) recorder.Record(Entry(std::to_string(i), 400));
  core.Answer(absl::OkStatus());
  ASSERT_TRUE(core.WaitFor(5));
  int kept = 0;
  for (const auto& call : core.Calls()) {
    int in_call = 0;
    for (const auto& d : call.deliveries()) {
      if (d.has_kept_request()) {
        ++kept;
        ++in_call;
        EXPECT_EQ(d.kept_request().body().size(), 400u);
      }
    }
    EXPECT_LE(in_call, 1) << "two 400-byte bodies in one 500-byte call";
  }
  EXPECT_EQ(kept, 2);
  EXPECT_EQ(recorder.dropped(), 0);  // Entries are never lost for bodies.
  // Once sent, the memory is free again: a new body is kept.
  recorder.Record(Entry("later", 400));
  ASSERT_TRUE(core.WaitFor(6));
  EXPECT_TRUE(core.Calls().back().deliveries(0).has_kept_request());
}

}  // namespace
}  // namespace alertgate
