// When the disk fails a commit: the real SqliteStore and IncidentCore over
// FaultyVfs, which fails fsync (or writes) on demand. Nobody whose change
// was in the failed group may hear OK, the store stays up, the next group
// commits, and after a restart the store holds exactly what was
// acknowledged.
#include <algorithm>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "tests/core_on_store.h"
#include "tests/faults/faulty_vfs.h"

namespace alertgate {
namespace {

using ::alertgate::testing::FaultyVfs;

class StoreFaultTest : public ::alertgate::testing::CoreOnStore {
 protected:
  void SetUp() override {
    FaultyVfs::Install();
    CoreOnStore::SetUp();  // SQLite: the faults are its VFS's.
  }
  void TearDown() override {
    FaultyVfs::FailSyncs(false);
    FaultyVfs::FailWrites(false);
  }

  Alert Trigger(const std::string& dedup_key) {
    Alert alert;
    alert.service_id = service_id_;
    alert.source = "generic";
    alert.action = Action::kTrigger;
    alert.dedup_key = dedup_key;
    alert.summary = "summary of " + dedup_key;
    alert.idempotency_key = "delivery-" + dedup_key;
    return alert;
  }

  // Every dedup key with an incident in the store.
  std::vector<std::string> StoredKeys() {
    auto incidents = store_->ListIncidents(IncidentFilter(), "", 1000);
    EXPECT_TRUE(incidents.ok()) << incidents.status();
    std::vector<std::string> keys;
    if (incidents.ok()) {
      for (const Incident& incident : *incidents)
        keys.push_back(incident.dedup_key);
    }
    std::sort(keys.begin(), keys.end());
    return keys;
  }

  // Runs `group` ingests as one commit group: a first write holds the
  // store's writer until they are all queued; its completion (on the writer
  // thread, between the two commits) calls `arm`. Returns each ingest's
  // answer.
  std::vector<absl::Status> IngestAsOneGroup(int group,
                                             const std::function<void()>& arm) {
    absl::Notification holding, release, first_done;
    store_->WriteAsync(
        [&](StoreTransaction&) {
          holding.Notify();
          release.WaitForNotification();
          return absl::OkStatus();
        },
        [&](absl::Status status) {
          EXPECT_TRUE(status.ok()) << status;
          arm();
          first_done.Notify();
        });
    holding.WaitForNotification();
    absl::Mutex mu;
    std::vector<absl::Status> answers;
    for (int i = 0; i < group; ++i) {
      core_->IngestAsync(Trigger(absl::StrCat("group-", i)),
                         [&](absl::StatusOr<IngestResult> result) {
                           absl::MutexLock lock(&mu);
                           answers.push_back(result.status());
                         });
    }
    release.Notify();
    first_done.WaitForNotification();
    absl::MutexLock lock(&mu);
    auto all_answered = [&] {
      return static_cast<int>(answers.size()) == group;
    };
    mu.Await(absl::Condition(&all_answered));
    return answers;
  }
};

TEST_F(StoreFaultTest, AFailedFsyncAnswersNoCallerOfItsGroupOk) {
  ASSERT_TRUE(core_->Ingest(Trigger("before")).ok());
  const int64_t sequence_before = store_->LastCommittedSequence();

  std::vector<absl::Status> answers =
      IngestAsOneGroup(20, [] { FaultyVfs::FailSyncs(true); });
  ASSERT_EQ(answers.size(), 20u);
  for (const absl::Status& answer : answers) {
    EXPECT_TRUE(absl::IsUnavailable(answer))
        << "a change whose commit failed was answered " << answer;
  }
  EXPECT_GT(FaultyVfs::FailedSyncs(), 0) << "the fault was never hit";
  EXPECT_EQ(store_->LastCommittedSequence(), sequence_before)
      << "watchers were told of events that were never committed";

  // The disk recovers: the store is still up and the next group commits.
  FaultyVfs::FailSyncs(false);
  ASSERT_TRUE(core_->Ingest(Trigger("after")).ok());
  EXPECT_EQ(StoredKeys(), (std::vector<std::string>{"after", "before"}));
  // A sender retrying a refused delivery gets it applied, not "replayed".
  auto retried = core_->Ingest(Trigger("group-3"));
  ASSERT_TRUE(retried.ok()) << retried.status();
  EXPECT_FALSE(retried->replayed);
  EXPECT_EQ(retried->outcome, IngestOutcome::kOpened);

  // After a restart the file holds exactly what was acknowledged.
  Restart();
  EXPECT_EQ(StoredKeys(),
            (std::vector<std::string>{"after", "before", "group-3"}));
}

TEST_F(StoreFaultTest, AFullDiskDuringAGroupAnswersNoCallerOfItsGroupOk) {
  std::vector<absl::Status> answers =
      IngestAsOneGroup(10, [] { FaultyVfs::FailWrites(true); });
  ASSERT_EQ(answers.size(), 10u);
  for (const absl::Status& answer : answers) {
    EXPECT_FALSE(answer.ok()) << "a change that was not written got OK";
  }
  FaultyVfs::FailWrites(false);
  ASSERT_TRUE(core_->Ingest(Trigger("after")).ok());
  Restart();
  EXPECT_EQ(StoredKeys(), (std::vector<std::string>{"after"}));
}

}  // namespace
}  // namespace alertgate
