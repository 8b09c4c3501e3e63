// Group commit on every store: writes that share one transaction answer
// each caller for its own work only. A write that fails takes back its own
// changes and nobody else's, wherever the store learns of the failure (the
// PostgreSQL store sends writes late, with the next read or the commit).
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "server/model/status_macros.h"
#include "server/store/incident_store.h"
#include "tests/core_on_store.h"

namespace alertgate {
namespace {

using ::alertgate::testing::CoreOnEachStore;
using ::alertgate::testing::StoreKind;

class StoreBatchTest : public CoreOnEachStore {
 protected:
  Incident NewIncident(const std::string& id) {
    Incident incident;
    incident.id = id;
    incident.service_id = service_id_;
    incident.source = "generic";
    incident.dedup_key = "key-" + id;
    incident.summary = "summary of " + id;
    incident.opened_at = clock_.Now();
    incident.last_seen_at = clock_.Now();
    incident.alert_count = 1;
    return incident;
  }

  // Runs `works` as one group: a first write holds the writer until all
  // of them are queued behind it. Returns each one's answer.
  std::vector<absl::Status> RunAsOneGroup(
      std::vector<IncidentStore::WriteWork> works) {
    absl::Notification release;
    absl::Notification holding;
    store_->WriteAsync(
        [&](StoreTransaction&) {
          holding.Notify();
          release.WaitForNotification();
          return absl::OkStatus();
        },
        [](absl::Status) {});
    holding.WaitForNotification();
    struct Answers {
      absl::Mutex mu;
      std::vector<absl::Status> statuses;
      int pending;
    };
    auto answers = std::make_shared<Answers>();
    answers->statuses.resize(works.size());
    answers->pending = static_cast<int>(works.size());
    for (size_t i = 0; i < works.size(); ++i) {
      store_->WriteAsync(std::move(works[i]),
                         [answers, i](absl::Status status) {
                           absl::MutexLock lock(&answers->mu);
                           answers->statuses[i] = status;
                           --answers->pending;
                         });
    }
    release.Notify();
    absl::MutexLock lock(&answers->mu);
    answers->mu.Await(absl::Condition(
        +[](int* pending) { return *pending == 0; }, &answers->pending));
    return answers->statuses;
  }

  bool Stored(const std::string& id) {
    auto incident = store_->GetIncident(id);
    EXPECT_TRUE(incident.ok()) << incident.status();
    return incident.ok() && incident->has_value();
  }
};

TEST_P(StoreBatchTest, AFailedWriteUndoesOnlyItsOwnWorkInTheGroup) {
  bool found_first = false;
  std::vector<IncidentStore::WriteWork> works;
  works.push_back([&](StoreTransaction& tx) {
    return tx.InsertIncident(NewIncident("A"));
  });
  // The same id again: refused, but this work reads nothing afterwards, so
  // a store that sends writes late learns of it only in the next work.
  works.push_back([&](StoreTransaction& tx) {
    Incident again = NewIncident("A");
    again.dedup_key = "another key";
    return tx.InsertIncident(again);
  });
  works.push_back([&](StoreTransaction& tx) -> absl::Status {
    AG_ASSIGN_OR_RETURN(std::optional<Incident> first, tx.FindIncident("A"));
    found_first = first.has_value();
    return tx.InsertIncident(NewIncident("B"));
  });
  works.push_back([&](StoreTransaction& tx) {
    return tx.InsertIncident(NewIncident("C"));
  });

  std::vector<absl::Status> answers = RunAsOneGroup(std::move(works));

  EXPECT_TRUE(answers[0].ok()) << answers[0];
  EXPECT_TRUE(absl::IsAlreadyExists(answers[1])) << answers[1];
  EXPECT_TRUE(answers[2].ok()) << answers[2];
  EXPECT_TRUE(answers[3].ok()) << answers[3];
  EXPECT_TRUE(found_first);
  EXPECT_TRUE(Stored("A"));
  EXPECT_TRUE(Stored("B"));
  EXPECT_TRUE(Stored("C"));
  auto a = store_->GetIncident("A");
  ASSERT_TRUE(a.ok() && a->has_value());
  EXPECT_EQ((*a)->dedup_key, "key-A");  // The refused copy left no trace.
}

TEST_P(StoreBatchTest, AFailedLastWriteOfTheGroupUndoesOnlyItself) {
  ASSERT_TRUE(store_
                  ->Write([&](StoreTransaction& tx) {
                    return tx.InsertIncident(NewIncident("A"));
                  })
                  .ok());
  std::vector<IncidentStore::WriteWork> works;
  works.push_back([&](StoreTransaction& tx) {
    return tx.InsertIncident(NewIncident("B"));
  });
  // Last in the group: a store sending writes late learns of the refusal
  // only with the commit.
  works.push_back([&](StoreTransaction& tx) {
    return tx.InsertIncident(NewIncident("A"));
  });

  std::vector<absl::Status> answers = RunAsOneGroup(std::move(works));

  EXPECT_TRUE(answers[0].ok()) << answers[0];
  EXPECT_TRUE(absl::IsAlreadyExists(answers[1])) << answers[1];
  EXPECT_TRUE(Stored("B"));
}

TEST_P(StoreBatchTest, AnUpdateOfAMissingIncidentIsRefusedWithinTheGroup) {
  std::vector<IncidentStore::WriteWork> works;
  works.push_back([&](StoreTransaction& tx) {
    return tx.UpdateIncident(NewIncident("missing"));
  });
  works.push_back([&](StoreTransaction& tx) {
    return tx.InsertIncident(NewIncident("B"));
  });

  std::vector<absl::Status> answers = RunAsOneGroup(std::move(works));

  EXPECT_TRUE(absl::IsNotFound(answers[0])) << answers[0];
  EXPECT_TRUE(answers[1].ok()) << answers[1];
  EXPECT_TRUE(Stored("B"));
  EXPECT_FALSE(Stored("missing"));
}

INSTANTIATE_TEST_SUITE_P(Stores, StoreBatchTest,
                         ::testing::Values(StoreKind::kSqlite,
                                           StoreKind::kPostgres),
                         ::alertgate::testing::StoreName);

}  // namespace
}  // namespace alertgate
