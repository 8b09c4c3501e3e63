// The delivery log on every store: what the front door answered is listed
// per service, newest first, per source, in pages; the body of a refused
// delivery is kept for a replay and left out of lists; old entries prune.
#include "server/core/delivery_log.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "server/core/incident_core.h"
#include "server/core/retention.h"
#include "server/model/delivery.h"
#include "server/store/incident_store.h"
#include "tests/core_on_store.h"

namespace alertgate {
namespace {

using ::alertgate::testing::CoreOnEachStore;
using ::alertgate::testing::StoreKind;
using Headers = std::vector<std::pair<std::string, std::string>>;

class DeliveryLogTest : public CoreOnEachStore {
 protected:
  Delivery Make(const std::string& id, const std::string& source,
                DeliveryResult outcome) {
    Delivery d;
    d.id = id;
    d.service_id = service_id_;
    d.source = source;
    d.received_at = clock_.Now();
    d.event = "repo:push";
    d.delivery_id = "uuid-" + id;
    d.http_status = outcome == DeliveryResult::kAccepted ? 200 : 401;
    d.outcome = outcome;
    d.reason = outcome == DeliveryResult::kAccepted ? "" : "bad signature";
    d.incident_ids = {"INC-" + id};
    d.body_bytes = 1234;
    return d;
  }

  void Record(const Delivery& delivery) {
    ASSERT_TRUE(store_
                    ->Write([&](StoreTransaction& tx) {
                      return tx.InsertDelivery(delivery);
                    })
                    .ok());
  }

  // IngestBatchAsync with a delivery, waited for.
  absl::StatusOr<std::vector<IngestResult>> IngestBatchWith(
      std::vector<Alert> alerts, Delivery delivery) {
    absl::Notification done;
    absl::StatusOr<std::vector<IngestResult>> answer;
    core_->IngestBatchAsync(
        std::move(alerts),
        [&](absl::StatusOr<std::vector<IngestResult>> result) {
          answer = std::move(result);
          done.Notify();
        },
        std::move(delivery));
    done.WaitForNotification();
    return answer;
  }

  std::vector<Delivery> Logged() {
    auto listed = store_->ListDeliveries(service_id_, "", "", 100);
    EXPECT_TRUE(listed.ok()) << listed.status();
    return listed.ok() ? *listed : std::vector<Delivery>();
  }

  std::vector<std::string> Ids(const std::vector<Delivery>& deliveries) {
    std::vector<std::string> ids;
    for (const Delivery& d : deliveries) ids.push_back(d.id);
    return ids;
  }
};

TEST_P(DeliveryLogTest, ListsNewestFirstPerSourceInPages) {
  Record(Make("D1", "bitbucket", DeliveryResult::kAccepted));
  Record(Make("D2", "generic", DeliveryResult::kIgnored));
  Record(Make("D3", "bitbucket", DeliveryResult::kReplayed));

  auto all = store_->ListDeliveries(service_id_, "", "", 10);
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(Ids(*all), (std::vector<std::string>{"D3", "D2", "D1"}));
  auto bitbucket = store_->ListDeliveries(service_id_, "bitbucket", "", 10);
  ASSERT_TRUE(bitbucket.ok());
  EXPECT_EQ(Ids(*bitbucket), (std::vector<std::string>{"D3", "D1"}));
  auto page = store_->ListDeliveries(service_id_, "", "D3", 1);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(Ids(*page), (std::vector<std::string>{"D2"}));
  auto other = store_->ListDeliveries("another-service", "", "", 10);
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE(other->empty());

  const Delivery& first = all->back();
  EXPECT_EQ(first.service_id, service_id_);
  EXPECT_EQ(first.event, "repo:push");
  EXPECT_EQ(first.delivery_id, "uuid-D1");
  EXPECT_EQ(first.http_status, 200);
  EXPECT_EQ(first.outcome, DeliveryResult::kAccepted);
  EXPECT_EQ(first.incident_ids, (std::vector<std::string>{"INC-D1"}));
  EXPECT_EQ(first.body_bytes, 1234);
  EXPECT_EQ(first.received_at, clock_.Now());
}

// The front door sends an ingested delivery's entry with its alerts: it is
// logged exactly when they are applied, with the core's outcome and
// incident ids whatever the request said, and a bad entry applies nothing.
TEST_P(DeliveryLogTest, ADeliverySentWithItsAlertsIsLoggedInTheirTransaction) {
  Delivery sent = Make("ignored", "bitbucket", DeliveryResult::kIgnored);
  sent.incident_ids = {"not-an-incident"};
  sent.replay_of = "someone-else";
  auto opened = core_->Ingest(MakeAlert(Action::kTrigger, "pr:1", "d-1"), sent);
  ASSERT_TRUE(opened.ok()) << opened.status();
  std::vector<Delivery> logged = Logged();
  ASSERT_EQ(logged.size(), 1u);
  EXPECT_NE(logged[0].id, "ignored");
  EXPECT_EQ(logged[0].outcome, DeliveryResult::kAccepted);
  EXPECT_EQ(logged[0].incident_ids,
            (std::vector<std::string>{opened->incident->id}));
  EXPECT_EQ(logged[0].replay_of, "");
  EXPECT_EQ(logged[0].delivery_id, "uuid-ignored");
  EXPECT_EQ(logged[0].event, "repo:push");

  // The sender's retry: the same answer again, logged as a replay.
  auto again = core_->Ingest(MakeAlert(Action::kTrigger, "pr:1", "d-1"), sent);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->replayed);
  logged = Logged();
  ASSERT_EQ(logged.size(), 2u);
  EXPECT_EQ(logged[0].outcome, DeliveryResult::kReplayed);
  EXPECT_EQ(logged[0].incident_ids,
            (std::vector<std::string>{opened->incident->id}));

  // Several alerts: one entry, the incident ids of those that have one.
  auto batch =
      IngestBatchWith({MakeAlert(Action::kTrigger, "pr:2", "d-2#0"),
                       MakeAlert(Action::kResolve, "none", "d-2#1")},
                      Make("b", "bitbucket", DeliveryResult::kAccepted));
  ASSERT_TRUE(batch.ok()) << batch.status();
  logged = Logged();
  ASSERT_EQ(logged.size(), 3u);
  EXPECT_EQ(logged[0].outcome, DeliveryResult::kAccepted);
  EXPECT_EQ(logged[0].incident_ids,
            (std::vector<std::string>{(*batch)[0].incident->id}));

  // A bad entry refuses the alert; a refused alert logs nothing.
  Delivery long_event = Make("e", "bitbucket", DeliveryResult::kAccepted);
  long_event.event = std::string(300, 'e');
  auto refused =
      core_->Ingest(MakeAlert(Action::kTrigger, "pr:3", "d-3"), long_event);
  EXPECT_TRUE(absl::IsInvalidArgument(refused.status()));
  EXPECT_TRUE(absl::StartsWith(refused.status().message(), "delivery.event"))
      << refused.status();
  Delivery kept = Make("k", "bitbucket", DeliveryResult::kAccepted);
  kept.body = "{}";
  kept.kept_headers = Headers{{"X-Event-Key", "repo:push"}};
  refused = core_->Ingest(MakeAlert(Action::kTrigger, "pr:3", "d-3"), kept);
  EXPECT_TRUE(
      absl::StartsWith(refused.status().message(), "delivery.kept_request"))
      << refused.status();
  Alert invalid = MakeAlert(Action::kTrigger, "", "d-4");  // No dedup key.
  EXPECT_FALSE(
      core_->Ingest(invalid, Make("i", "bitbucket", DeliveryResult::kAccepted))
          .ok());
  EXPECT_EQ(Logged().size(), 3u);
  auto incidents = core_->ListIncidents({}, 0, "");
  ASSERT_TRUE(incidents.ok());
  EXPECT_EQ(incidents->incidents.size(), 2u);  // pr:1 and pr:2 only.
}

TEST_P(DeliveryLogTest, ARefusedDeliveryKeepsItsBodyForAReplay) {
  Delivery refused = Make("D1", "bitbucket", DeliveryResult::kBadSignature);
  refused.kept_headers =
      Headers{{"X-Event-Key", "repo:push"}, {"X-Hub-Signature", "sha256=00"}};
  refused.body = std::string("{\"push\":\0binary}", 16);
  Record(refused);

  auto listed = store_->ListDeliveries(service_id_, "", "", 10);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_FALSE((*listed)[0].body);      // Lists stay small...
  EXPECT_TRUE((*listed)[0].body_kept);  // ...but say it can be replayed.
  EXPECT_EQ((*listed)[0].reason, "bad signature");
  auto got = store_->GetDelivery("D1");
  ASSERT_TRUE(got.ok() && got->has_value()) << got.status();
  ASSERT_TRUE((*got)->body);
  EXPECT_EQ(*(*got)->body, *refused.body);  // Byte for byte.
  EXPECT_EQ((*got)->kept_headers, refused.kept_headers);
  auto missing = store_->GetDelivery("nope");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
}

TEST_P(DeliveryLogTest, KeptBodiesStayWithinTheServiceLimitOldestDroppedFirst) {
  DeliveryLog::Options options;
  options.max_kept_bytes_per_service = 250;
  DeliveryLog log(store_.get(), &ids_, options);
  auto refused = [&](const std::string& event) {
    Delivery d = Make("", "bitbucket", DeliveryResult::kBadPayload);
    d.event = event;
    d.kept_headers = Headers{{"X-Event-Key", event}};
    d.body = std::string(100, 'x');
    return d;
  };
  std::vector<std::string> ids;
  for (const char* event : {"first", "second", "third"}) {
    auto recorded = log.Record({refused(event)});
    ASSERT_TRUE(recorded.ok()) << recorded.status();
    ids.push_back(recorded->front());
  }
  // 300 bytes asked for, 250 allowed: the oldest body went, its entry stays.
  auto oldest = log.Get(ids[0]);
  ASSERT_TRUE(oldest.ok()) << oldest.status();
  EXPECT_FALSE(oldest->body);
  EXPECT_FALSE(oldest->kept_headers);
  EXPECT_FALSE(oldest->body_kept);
  EXPECT_EQ(oldest->event, "first");
  for (int i : {1, 2}) {
    auto kept = log.Get(ids[i]);
    ASSERT_TRUE(kept.ok());
    EXPECT_TRUE(kept->body && kept->body->size() == 100) << i;
  }

  // A body where none may be kept, or too large, is refused as a whole.
  Delivery accepted = Make("", "bitbucket", DeliveryResult::kAccepted);
  accepted.kept_headers = Headers{{"X-Event-Key", "repo:push"}};
  accepted.body = "{}";
  auto wrong = log.Record({accepted});
  EXPECT_TRUE(absl::IsInvalidArgument(wrong.status())) << wrong.status();
  Delivery huge = refused("huge");
  huge.body = std::string(DeliveryLog::kMaxKeptBodyBytes + 1, 'x');
  EXPECT_TRUE(absl::IsInvalidArgument(log.Record({huge}).status()));
  auto listed = log.List(service_id_, "", "", 10);
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->deliveries.size(), 3u);
}

TEST_P(DeliveryLogTest, OldDeliveriesArePrunedOldestFirst) {
  Record(Make("D1", "bitbucket", DeliveryResult::kAccepted));
  clock_.Advance(absl::Hours(1));
  Record(Make("D2", "bitbucket", DeliveryResult::kAccepted));
  clock_.Advance(absl::Hours(1));
  Record(Make("D3", "bitbucket", DeliveryResult::kAccepted));
  int pruned = -1;
  ASSERT_TRUE(store_
                  ->Write([&](StoreTransaction& tx) -> absl::Status {
                    auto n =
                        tx.PruneDeliveries(clock_.Now() - absl::Minutes(30), 1);
                    if (!n.ok()) return n.status();
                    pruned = *n;
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(pruned, 1);  // The limit holds; the oldest went first.
  auto left = store_->ListDeliveries(service_id_, "", "", 10);
  ASSERT_TRUE(left.ok());
  EXPECT_EQ(Ids(*left), (std::vector<std::string>{"D3", "D2"}));
}

TEST_P(DeliveryLogTest, RetentionLetsTheLogGoAfterItsWindow) {
  Record(Make("OLD", "bitbucket", DeliveryResult::kBadPayload));
  clock_.Advance(absl::Hours(24 * 7) + absl::Minutes(1));
  Record(Make("NEW", "bitbucket", DeliveryResult::kAccepted));
  RetentionOptions options;
  options.interval = absl::ZeroDuration();  // Run by hand only.
  RetentionPruner pruner(store_.get(), &clock_, options);
  auto pruned = pruner.RunOnce();
  ASSERT_TRUE(pruned.ok()) << pruned.status();
  EXPECT_EQ(pruned->deliveries, 1);
  auto left = store_->ListDeliveries(service_id_, "", "", 10);
  ASSERT_TRUE(left.ok());
  EXPECT_EQ(Ids(*left), (std::vector<std::string>{"NEW"}));
}

INSTANTIATE_TEST_SUITE_P(Stores, DeliveryLogTest,
                         ::testing::Values(StoreKind::kSqlite,
                                           StoreKind::kPostgres),
                         ::alertgate::testing::StoreName);

}  // namespace
}  // namespace alertgate
