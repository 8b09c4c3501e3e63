// Several cores on one PostgreSQL database, racing: two replicas (each its
// own PostgresStore, connections, group commit and IncidentCore) on one
// schema of a real server. Concurrent triggers of one dedup key leave one
// open incident; an idempotency key used on both at once has one effect and
// one answer; acknowledging by id while alerts fold leaves a legal state and
// a complete timeline; and the event log a watcher on replica B reads while
// both ingest is gap-free, in order, and equal to the log at the end.
#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "server/core/id_generator.h"
#include "server/core/incident_core.h"
#include "server/core/retention.h"
#include "server/core/service_catalog.h"
#include "server/store/postgresql/pg_store.h"
#include "tests/core_on_store.h"
#include "tests/test_support.h"

namespace alertgate {
namespace {

using ::alertgate::testing::FakeClock;
using ::alertgate::testing::ScratchPostgresSchema;

struct Replica {
  explicit Replica(const std::string& conninfo, const Clock* clock)
      : ids(clock) {
    auto opened = PostgresStore::Open(conninfo);
    EXPECT_TRUE(opened.ok()) << opened.status();
    if (!opened.ok()) return;
    store = std::move(*opened);
    core = std::make_unique<IncidentCore>(store.get(), clock, &ids);
    catalog = std::make_unique<ServiceCatalog>(store.get(), clock, &ids);
  }
  IdGenerator ids;
  std::unique_ptr<PostgresStore> store;
  std::unique_ptr<IncidentCore> core;
  std::unique_ptr<ServiceCatalog> catalog;
};

class ReplicasTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!schema_.available()) GTEST_SKIP() << "no PostgreSQL server";
    a_ = std::make_unique<Replica>(schema_.conninfo(), &clock_);
    b_ = std::make_unique<Replica>(schema_.conninfo(), &clock_);
    ASSERT_TRUE(a_->core && b_->core);
    auto service = a_->catalog->CreateService("checkout", "");
    ASSERT_TRUE(service.ok()) << service.status();
    service_id_ = service->id;
  }

  Alert MakeAlert(Action action, const std::string& dedup_key,
                  const std::string& idempotency_key = "") {
    return ::alertgate::testing::TestAlert(service_id_, "generic", action,
                                           dedup_key, idempotency_key);
  }

  // Every incident, by id.
  std::vector<Incident> AllIncidents(Replica& replica) {
    auto listed = replica.store->ListIncidents(IncidentFilter(), "", 10000);
    EXPECT_TRUE(listed.ok()) << listed.status();
    return listed.ok() ? *listed : std::vector<Incident>();
  }

  ScratchPostgresSchema schema_;
  FakeClock clock_;
  std::unique_ptr<Replica> a_;
  std::unique_ptr<Replica> b_;
  std::string service_id_;
};

TEST_F(ReplicasTest, ConcurrentTriggersOfOneKeyLeaveOneOpenIncident) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 25;
  std::atomic<int> failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Replica& replica = t % 2 == 0 ? *a_ : *b_;
      for (int i = 0; i < kPerThread; ++i) {
        if (!replica.core->Ingest(MakeAlert(Action::kTrigger, "disk-full"))
                 .ok()) {
          ++failed;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failed.load(), 0);
  const std::vector<Incident> incidents = AllIncidents(*b_);
  ASSERT_EQ(incidents.size(), 1u) << "one dedup key, one open incident";
  EXPECT_EQ(incidents[0].alert_count, kThreads * kPerThread)
      << "every trigger folded into it, none lost";
}

TEST_F(ReplicasTest, AnIdempotencyKeyOnBothReplicasAtOnceHasOneEffect) {
  for (int round = 0; round < 20; ++round) {
    const std::string key = absl::StrCat("delivery-", round);
    absl::StatusOr<IngestResult> on_a, on_b;
    std::thread first([&] {
      on_a = a_->core->Ingest(
          MakeAlert(Action::kTrigger, absl::StrCat("k", round), key));
    });
    std::thread second([&] {
      on_b = b_->core->Ingest(
          MakeAlert(Action::kTrigger, absl::StrCat("k", round), key));
    });
    first.join();
    second.join();
    ASSERT_TRUE(on_a.ok()) << on_a.status();
    ASSERT_TRUE(on_b.ok()) << on_b.status();
    EXPECT_NE(on_a->replayed, on_b->replayed)
        << "exactly one of the two applied it";
    ASSERT_TRUE(on_a->incident && on_b->incident);
    EXPECT_EQ(on_a->incident->id, on_b->incident->id) << "the same answer";
    EXPECT_EQ(on_a->sequence, on_b->sequence);
  }
  for (const Incident& incident : AllIncidents(*a_)) {
    EXPECT_EQ(incident.alert_count, 1) << incident.dedup_key;
  }
}

TEST_F(ReplicasTest,
       ActingByIdWhileAlertsFoldLeavesALegalStateAndFullTimeline) {
  auto opened = a_->core->Ingest(MakeAlert(Action::kTrigger, "cpu"));
  ASSERT_TRUE(opened.ok());
  const std::string id = opened->incident->id;
  constexpr int kFolds = 60;
  std::thread folding([&] {
    for (int i = 0; i < kFolds; ++i) {
      ASSERT_TRUE(b_->core->Ingest(MakeAlert(Action::kTrigger, "cpu")).ok());
    }
  });
  auto acknowledged = a_->core->Acknowledge(id, "alice", "");
  ASSERT_TRUE(acknowledged.ok()) << acknowledged.status();
  folding.join();
  auto resolved = b_->core->Resolve(id, "bob", "");
  ASSERT_TRUE(resolved.ok()) << resolved.status();

  auto incident = b_->store->GetIncident(id);
  ASSERT_TRUE(incident.ok() && incident->has_value());
  EXPECT_EQ((*incident)->state, IncidentState::kResolved);
  EXPECT_EQ((*incident)->alert_count, 1 + kFolds);
  EventQuery query;
  query.incident_id = id;
  query.limit = 1000;
  auto timeline = a_->store->ReadEvents(query);
  ASSERT_TRUE(timeline.ok());
  // Opened, every fold, acknowledged, resolved: nothing lost or doubled.
  EXPECT_EQ(static_cast<int>(timeline->size()), 1 + kFolds + 2);
  EXPECT_EQ((*incident)->event_count, static_cast<int64_t>(timeline->size()));
}

TEST_F(ReplicasTest, AWatcherOnOneReplicaSeesEveryEventOfBothInOrder) {
  std::atomic<bool> writing{true};
  // The watcher reads what replica B says is committed, as WatchIncidents
  // does: up to LastCommittedSequence(), then waits for more.
  std::vector<IncidentEvent> watched;
  std::thread watcher([&] {
    int64_t after = 0;
    while (true) {
      const bool last_round = !writing.load();
      const int64_t up_to = b_->store->LastCommittedSequence();
      EventQuery query;
      query.after_sequence = after;
      query.up_to_sequence = up_to;
      query.limit = 100000;
      auto events = b_->store->ReadEvents(query);
      ASSERT_TRUE(events.ok()) << events.status();
      for (IncidentEvent& event : *events) {
        after = event.sequence;
        watched.push_back(std::move(event));
      }
      if (last_round && after == up_to) break;
      b_->store->WaitForEventsAfter(after, absl::Milliseconds(50));
    }
  });
  constexpr int kThreads = 6;
  constexpr int kPerThread = 40;
  std::vector<std::thread> writers;
  for (int t = 0; t < kThreads; ++t) {
    writers.emplace_back([&, t] {
      Replica& replica = t % 2 == 0 ? *a_ : *b_;
      for (int i = 0; i < kPerThread; ++i) {
        const std::string key = absl::StrCat("key-", t, "-", i % 5);
        ASSERT_TRUE(
            replica.core
                ->Ingest(MakeAlert(
                    i % 7 == 6 ? Action::kResolve : Action::kTrigger, key))
                .ok());
      }
    });
  }
  for (auto& thread : writers) thread.join();
  // Replica B learns of A's last commits by polling.
  const int64_t final_sequence = a_->store->LastCommittedSequence();
  while (b_->store->LastCommittedSequence() < final_sequence) {
    b_->store->WaitForEventsAfter(b_->store->LastCommittedSequence(),
                                  absl::Milliseconds(50));
  }
  writing = false;
  watcher.join();

  EventQuery all;
  all.limit = 100000;
  auto log = a_->store->ReadEvents(all);
  ASSERT_TRUE(log.ok());
  ASSERT_EQ(watched.size(), log->size()) << "the watcher missed events";
  for (size_t i = 0; i < log->size(); ++i) {
    EXPECT_EQ((*log)[i].sequence, static_cast<int64_t>(i + 1))
        << "the log has a gap";
    EXPECT_EQ(watched[i].sequence, (*log)[i].sequence);
    EXPECT_EQ(watched[i].incident_id, (*log)[i].incident_id);
    EXPECT_EQ(watched[i].kind, (*log)[i].kind);
  }
}

TEST_F(ReplicasTest, RetentionRunsOnOneReplicaAtATime) {
  ASSERT_TRUE(a_->core->Ingest(MakeAlert(Action::kTrigger, "old")).ok());
  ASSERT_TRUE(a_->core->Ingest(MakeAlert(Action::kResolve, "old")).ok());
  clock_.Advance(absl::Hours(24 * 91));  // Past resolved_incidents.
  RetentionOptions options;
  options.interval = absl::ZeroDuration();  // Run by hand only.
  RetentionPruner pruner_b(b_->store.get(), &clock_, options);

  // While replica A holds the retention job, B leaves it alone.
  absl::Notification a_running, a_may_finish;
  std::thread a_job([&] {
    auto ran = a_->store->RunExclusive("retention", [&] {
      a_running.Notify();
      a_may_finish.WaitForNotification();
      return absl::OkStatus();
    });
    EXPECT_TRUE(ran.ok() && *ran);
  });
  a_running.WaitForNotification();
  absl::StatusOr<PruneCounts> skipped = pruner_b.RunOnce();
  ASSERT_TRUE(skipped.ok()) << skipped.status();
  EXPECT_TRUE(skipped->pruned_elsewhere);
  EXPECT_EQ(skipped->resolved_incidents, 0);
  EXPECT_EQ(AllIncidents(*b_).size(), 1u);
  a_may_finish.Notify();
  a_job.join();

  // Then B's turn comes.
  absl::StatusOr<PruneCounts> pruned = pruner_b.RunOnce();
  ASSERT_TRUE(pruned.ok()) << pruned.status();
  EXPECT_FALSE(pruned->pruned_elsewhere);
  EXPECT_EQ(pruned->resolved_incidents, 1);
  EXPECT_TRUE(AllIncidents(*b_).empty());
}

}  // namespace
}  // namespace alertgate
