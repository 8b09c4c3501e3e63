// The incident model against a real SQLite file: dedup, folding, resolve by
// key, actions by id, idempotency, the event log, restarts and activity.
#include "server/core/incident_core.h"

#include <memory>
#include <set>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "server/core/id_generator.h"
#include "server/core/retention.h"
#include "server/core/service_catalog.h"
#include "server/model/alert_limits.h"
#include "server/store/sqlite/sqlite_store.h"
#include "tests/core_on_store.h"
#include "tests/test_support.h"

namespace alertgate {
namespace {

using ::alertgate::testing::FakeClock;
using ::alertgate::testing::TempDir;

class IncidentCoreTest : public ::alertgate::testing::CoreOnEachStore {
 protected:
  IngestResult MustIngest(const Alert& alert) {
    auto result = core_->Ingest(alert);
    EXPECT_TRUE(result.ok()) << result.status();
    return result.ok() ? *result : IngestResult();
  }
};

TEST_P(IncidentCoreTest, TriggerOpensThenFoldsIntoTheOpenIncident) {
  IngestResult first = MustIngest(MakeAlert(Action::kTrigger, "pr:1"));
  EXPECT_EQ(first.outcome, IngestOutcome::kOpened);
  ASSERT_TRUE(first.incident);
  EXPECT_EQ(first.incident->state, IncidentState::kTriggered);
  EXPECT_EQ(first.incident->alert_count, 1);

  clock_.Advance(absl::Minutes(1));
  Alert again = MakeAlert(Action::kTrigger, "pr:1");
  again.summary = "updated summary";
  IngestResult second = MustIngest(again);
  EXPECT_EQ(second.outcome, IngestOutcome::kFolded);
  EXPECT_EQ(second.incident->id, first.incident->id);
  EXPECT_EQ(second.incident->alert_count, 2);
  EXPECT_EQ(second.incident->summary, "updated summary");
  EXPECT_GT(second.incident->last_seen_at, first.incident->last_seen_at);

  auto page = core_->ListIncidents({}, 0, "");
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->incidents.size(), 1u);
}

// A fold changes no indexed column and the SQLite store writes it with a
// narrower statement than a change of state (docs/benchmarks.md, issue 18):
// both must leave what is read back, and what lists by state find, right.
TEST_P(IncidentCoreTest, FoldsAndStateChangesAreStoredAndListedAsMade) {
  IngestResult opened = MustIngest(MakeAlert(Action::kTrigger, "deploy"));
  clock_.Advance(absl::Minutes(2));
  Alert fold = MakeAlert(Action::kTrigger, "deploy");
  fold.summary = "deploy failed again";
  fold.severity = Severity::kCritical;
  fold.tags = {{"attempt", "2"}};
  MustIngest(fold);

  auto stored = core_->GetIncident(opened.incident->id);
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->incident.summary, "deploy failed again");
  EXPECT_EQ(stored->incident.severity, Severity::kCritical);
  EXPECT_EQ(stored->incident.tags.at("attempt"), "2");
  EXPECT_EQ(stored->incident.alert_count, 2);
  EXPECT_EQ(stored->incident.event_count, 2);
  EXPECT_EQ(stored->incident.last_seen_at,
            opened.incident->opened_at + absl::Minutes(2));
  EXPECT_EQ(stored->incident.state, IncidentState::kTriggered);

  auto listed = [&](IncidentState state) {
    IncidentFilter filter;
    filter.service_id = service_id_;
    filter.states = {state};
    auto page = core_->ListIncidents(filter, 0, "");
    EXPECT_TRUE(page.ok()) << page.status();
    return page.ok() ? page->incidents.size() : size_t{99};
  };
  EXPECT_EQ(listed(IncidentState::kTriggered), 1u);
  MustIngest(MakeAlert(Action::kAcknowledge, "deploy"));
  EXPECT_EQ(listed(IncidentState::kTriggered), 0u);
  EXPECT_EQ(listed(IncidentState::kAcknowledged), 1u);
  MustIngest(MakeAlert(Action::kTrigger, "deploy"));  // Folds, acknowledged.
  EXPECT_EQ(listed(IncidentState::kAcknowledged), 1u);
  MustIngest(MakeAlert(Action::kResolve, "deploy"));
  EXPECT_EQ(listed(IncidentState::kAcknowledged), 0u);
  EXPECT_EQ(listed(IncidentState::kResolved), 1u);
  stored = core_->GetIncident(opened.incident->id);
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->incident.state, IncidentState::kResolved);
  EXPECT_EQ(stored->incident.alert_count, 3);
  EXPECT_EQ(stored->incident.event_count, 5);
  // The open-key index let the resolved incident go: the key opens anew.
  EXPECT_EQ(MustIngest(MakeAlert(Action::kTrigger, "deploy")).outcome,
            IngestOutcome::kOpened);
}

TEST_P(IncidentCoreTest, IncidentTimesAreWhenAlertgateRecordedThem) {
  // A pull request created in 2018, delivered now, resolved by a payload
  // whose own time is earlier still: the incident's times are alertgate's.
  const absl::Time received = clock_.Now();
  Alert opened = MakeAlert(Action::kTrigger, "pr:7");
  opened.occurred_at = absl::FromUnixSeconds(1514764800);  // 2018-01-01
  IngestResult first = MustIngest(opened);
  EXPECT_EQ(first.incident->opened_at, received);
  EXPECT_EQ(first.incident->last_seen_at, received);

  clock_.Advance(absl::Minutes(3));
  Alert resolved = MakeAlert(Action::kResolve, "pr:7");
  resolved.occurred_at = absl::FromUnixSeconds(1483228800);  // 2017-01-01
  IngestResult second = MustIngest(resolved);
  ASSERT_TRUE(second.incident->resolved_at);
  EXPECT_EQ(*second.incident->resolved_at, received + absl::Minutes(3));
  EXPECT_GE(*second.incident->resolved_at, second.incident->opened_at);
  EXPECT_EQ(second.incident->last_seen_at, received + absl::Minutes(3));

  // The sender's times stay with the alerts, in the timeline.
  auto got = core_->GetIncident(first.incident->id);
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_EQ(got->timeline.size(), 2u);  // Newest first.
  EXPECT_EQ(got->timeline[1].at, received);
  EXPECT_EQ(got->timeline[1].occurred_at, opened.occurred_at);
  EXPECT_EQ(got->timeline[0].occurred_at, resolved.occurred_at);

  // An API action has no sender's time.
  IngestResult third = MustIngest(MakeAlert(Action::kTrigger, "pr:8"));
  ASSERT_TRUE(core_->Acknowledge(third.incident->id, "alice", "").ok());
  auto acknowledged = core_->GetIncident(third.incident->id);
  ASSERT_TRUE(acknowledged.ok());
  EXPECT_FALSE(acknowledged->timeline.front().occurred_at.has_value());
}

TEST_P(IncidentCoreTest, IncidentsOfOneMillisecondListNewestFirst) {
  // Ten alerts of one IngestAlerts call are one millisecond on the clock.
  std::vector<Alert> alerts;
  for (int i = 0; i < 10; ++i) {
    alerts.push_back(MakeAlert(Action::kTrigger, "ref:" + std::to_string(i)));
  }
  absl::Notification done;
  std::vector<IngestResult> results;
  core_->IngestBatchAsync(alerts,
                          [&](absl::StatusOr<std::vector<IngestResult>> r) {
                            ASSERT_TRUE(r.ok()) << r.status();
                            results = *std::move(r);
                            done.Notify();
                          });
  done.WaitForNotification();
  auto page = core_->ListIncidents({}, 0, "");
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->incidents.size(), 10u);
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(page->incidents[i].dedup_key, "ref:" + std::to_string(9 - i))
        << "newest (last applied) first";
  }
}

TEST(IdGeneratorTest, IdsOfOneProcessStrictlyIncreaseEvenWithinAMillisecond) {
  FakeClock clock;  // Never advances: every id is made in one millisecond.
  IdGenerator ids(&clock);
  std::string previous = ids.NewId();
  for (int i = 0; i < 10000; ++i) {
    std::string next = ids.NewId();
    ASSERT_GT(next, previous);
    ASSERT_TRUE(IsWellFormedId(next)) << next;
    previous = std::move(next);
  }
  // The time prefix is still the clock's millisecond.
  EXPECT_EQ(previous.substr(0, 10), ids.NewId().substr(0, 10));
}

TEST_P(IncidentCoreTest, DifferentKeysAndServicesOpenSeparateIncidents) {
  auto other = catalog_->CreateService("billing", "");
  ASSERT_TRUE(other.ok());
  IngestResult a = MustIngest(MakeAlert(Action::kTrigger, "pr:1"));
  IngestResult b = MustIngest(MakeAlert(Action::kTrigger, "pr:2"));
  Alert c_alert = MakeAlert(Action::kTrigger, "pr:1");
  c_alert.service_id = other->id;
  IngestResult c = MustIngest(c_alert);
  EXPECT_NE(a.incident->id, b.incident->id);
  EXPECT_NE(a.incident->id, c.incident->id);
  EXPECT_EQ(c.outcome, IngestOutcome::kOpened);
}

TEST_P(IncidentCoreTest, ResolveByKeyClosesAndTheNextTriggerOpensANewOne) {
  IngestResult opened = MustIngest(MakeAlert(Action::kTrigger, "pr:7"));
  IngestResult resolved = MustIngest(MakeAlert(Action::kResolve, "pr:7"));
  EXPECT_EQ(resolved.outcome, IngestOutcome::kResolved);
  EXPECT_EQ(resolved.incident->id, opened.incident->id);
  EXPECT_EQ(resolved.incident->state, IncidentState::kResolved);
  EXPECT_EQ(resolved.incident->resolved_by, "source:bitbucket");

  IngestResult again = MustIngest(MakeAlert(Action::kResolve, "pr:7"));
  EXPECT_EQ(again.outcome, IngestOutcome::kNothingOpen);
  EXPECT_FALSE(again.incident.has_value());
  EXPECT_EQ(again.sequence, 0);

  IngestResult reopened = MustIngest(MakeAlert(Action::kTrigger, "pr:7"));
  EXPECT_EQ(reopened.outcome, IngestOutcome::kOpened);
  EXPECT_NE(reopened.incident->id, opened.incident->id);
}

TEST_P(IncidentCoreTest, AcknowledgeByKeyAndItsRepeat) {
  MustIngest(MakeAlert(Action::kTrigger, "k"));
  IngestResult ack = MustIngest(MakeAlert(Action::kAcknowledge, "k"));
  EXPECT_EQ(ack.outcome, IngestOutcome::kAcknowledged);
  EXPECT_EQ(ack.incident->state, IncidentState::kAcknowledged);
  IngestResult repeat = MustIngest(MakeAlert(Action::kAcknowledge, "k"));
  EXPECT_EQ(repeat.outcome, IngestOutcome::kAlreadyAcknowledged);
  EXPECT_EQ(repeat.sequence, 0);
  IngestResult fold = MustIngest(MakeAlert(Action::kTrigger, "k"));
  EXPECT_EQ(fold.outcome, IngestOutcome::kFolded);
  EXPECT_EQ(fold.incident->state, IncidentState::kAcknowledged);
  EXPECT_EQ(MustIngest(MakeAlert(Action::kAcknowledge, "none")).outcome,
            IngestOutcome::kNothingOpen);
}

TEST_P(IncidentCoreTest, ActionsByIdRecordTheActorAndRefuseIllegalOnes) {
  IngestResult opened = MustIngest(MakeAlert(Action::kTrigger, "k"));
  const std::string id = opened.incident->id;

  auto ack = core_->Acknowledge(id, "alice", "looking");
  ASSERT_TRUE(ack.ok()) << ack.status();
  EXPECT_TRUE(ack->changed);
  EXPECT_EQ(ack->incident.acknowledged_by, "alice");
  auto ack_again = core_->Acknowledge(id, "bob", "");
  ASSERT_TRUE(ack_again.ok());
  EXPECT_FALSE(ack_again->changed);
  EXPECT_EQ(ack_again->incident.acknowledged_by, "alice");

  auto resolve = core_->Resolve(id, "bob", "fixed");
  ASSERT_TRUE(resolve.ok());
  EXPECT_TRUE(resolve->changed);
  EXPECT_EQ(resolve->incident.state, IncidentState::kResolved);
  EXPECT_EQ(resolve->incident.resolved_by, "bob");

  auto resolve_again = core_->Resolve(id, "carol", "");
  ASSERT_TRUE(resolve_again.ok());
  EXPECT_FALSE(resolve_again->changed);
  EXPECT_EQ(resolve_again->incident.resolved_by, "bob");

  auto late_ack = core_->Acknowledge(id, "dave", "");
  EXPECT_EQ(late_ack.status().code(), absl::StatusCode::kFailedPrecondition);

  EXPECT_EQ(
      core_->Acknowledge("01ARZ3NDEKTSV4RRFFQ69G5FAV", "x", "").status().code(),
      absl::StatusCode::kNotFound);
  EXPECT_EQ(core_->Resolve(id, "", "").status().code(),
            absl::StatusCode::kInvalidArgument);

  auto got = core_->GetIncident(id);
  ASSERT_TRUE(got.ok());
  // Resolved, acknowledged, opened: newest first.
  ASSERT_EQ(got->timeline.size(), 3u);
  EXPECT_EQ(got->incident.event_count, 3);
  EXPECT_EQ(got->timeline[2].kind, ChangeKind::kOpened);
  EXPECT_EQ(got->timeline[1].kind, ChangeKind::kAcknowledged);
  EXPECT_EQ(got->timeline[1].actor, "alice");
  EXPECT_EQ(got->timeline[1].note, "looking");
  EXPECT_EQ(got->timeline[0].kind, ChangeKind::kResolved);
  EXPECT_GT(got->timeline[0].sequence, got->timeline[1].sequence);
}

TEST_P(IncidentCoreTest, BadAlertsAreRejectedAndChangeNothing) {
  Alert no_key = MakeAlert(Action::kTrigger, "");
  EXPECT_EQ(core_->Ingest(no_key).status().code(),
            absl::StatusCode::kInvalidArgument);
  Alert no_summary = MakeAlert(Action::kTrigger, "k");
  no_summary.summary.clear();
  EXPECT_EQ(core_->Ingest(no_summary).status().code(),
            absl::StatusCode::kInvalidArgument);
  Alert bad_source = MakeAlert(Action::kTrigger, "k");
  bad_source.source = "Bit Bucket";
  EXPECT_EQ(core_->Ingest(bad_source).status().code(),
            absl::StatusCode::kInvalidArgument);
  Alert unknown_service = MakeAlert(Action::kTrigger, "k");
  unknown_service.service_id = "no-such-service";
  EXPECT_EQ(core_->Ingest(unknown_service).status().code(),
            absl::StatusCode::kNotFound);
  Alert bad_action = MakeAlert(Action::kTrigger, "k");
  bad_action.action = static_cast<Action>(0);
  EXPECT_EQ(core_->Ingest(bad_action).status().code(),
            absl::StatusCode::kInvalidArgument);

  auto page = core_->ListIncidents({}, 0, "");
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(page->incidents.empty());
  EXPECT_EQ(store_->LastCommittedSequence(), 0);
}

TEST_P(IncidentCoreTest, IdempotencyKeyHasOneEffectAlsoAfterRestart) {
  IngestResult first = MustIngest(MakeAlert(Action::kTrigger, "push", "d-1"));
  IngestResult second = MustIngest(MakeAlert(Action::kTrigger, "push", "d-1"));
  EXPECT_EQ(first.outcome, IngestOutcome::kOpened);
  EXPECT_FALSE(first.replayed);
  EXPECT_TRUE(second.replayed);
  EXPECT_EQ(second.outcome, IngestOutcome::kOpened);
  EXPECT_EQ(second.incident->id, first.incident->id);
  EXPECT_EQ(second.incident->alert_count, 1);
  EXPECT_EQ(second.sequence, first.sequence);

  Restart();
  IngestResult third = MustIngest(MakeAlert(Action::kTrigger, "push", "d-1"));
  EXPECT_TRUE(third.replayed);
  EXPECT_EQ(third.incident->alert_count, 1);
  EXPECT_EQ(store_->LastCommittedSequence(), first.sequence);
}

TEST_P(IncidentCoreTest, EverythingSurvivesARestart) {
  IngestResult opened = MustIngest(MakeAlert(Action::kTrigger, "k1"));
  MustIngest(MakeAlert(Action::kTrigger, "k1"));
  MustIngest(MakeAlert(Action::kTrigger, "k2"));
  ASSERT_TRUE(core_->Acknowledge(opened.incident->id, "alice", "").ok());
  const int64_t last = store_->LastCommittedSequence();
  EXPECT_EQ(last, 4);

  Restart();
  EXPECT_EQ(store_->LastCommittedSequence(), last);
  auto got = core_->GetIncident(opened.incident->id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->incident.state, IncidentState::kAcknowledged);
  EXPECT_EQ(got->incident.alert_count, 2);
  EXPECT_EQ(got->incident.summary, "summary of k1");
  EXPECT_EQ(got->timeline.size(), 3u);
  // The open incident is still found by its dedup key after the restart.
  EXPECT_EQ(MustIngest(MakeAlert(Action::kResolve, "k1")).incident->id,
            opened.incident->id);
  EXPECT_EQ(store_->LastCommittedSequence(), last + 1);
}

TEST_P(IncidentCoreTest, TagsLinksAndSeverityAreStored) {
  Alert alert = MakeAlert(Action::kTrigger, "k");
  alert.severity = Severity::kCritical;
  alert.tags = {{"repository", "team/repo"}, {"branch", "main"}};
  alert.links = {{"https://bitbucket.org/team/repo", "repository"}};
  alert.description = "line one\nline two";
  IngestResult r = MustIngest(alert);
  auto got = core_->GetIncident(r.incident->id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->incident.severity, Severity::kCritical);
  EXPECT_EQ(got->incident.tags, alert.tags);
  EXPECT_EQ(got->incident.links, alert.links);
  EXPECT_EQ(got->incident.description, alert.description);

  // What JSON must escape, and what it need not, read back as sent.
  Alert tricky = MakeAlert(Action::kTrigger, "tricky");
  tricky.tags = {{"quote\"d", "back\\slash"},
                 {"tab", "a\tb\nc\x01"},
                 {"unicode", "caf\xc3\xa9 \xe2\x9c\x93"},
                 {"empty", ""}};
  tricky.links = {{"https://example.com/?q=\"x\"&y=<z>", "say \"hi\""},
                  {"https://example.com/2", ""}};
  r = MustIngest(tricky);
  got = core_->GetIncident(r.incident->id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->incident.tags, tricky.tags);
  EXPECT_EQ(got->incident.links, tricky.links);
}

TEST_P(IncidentCoreTest, PagingIsStableWhileNewIncidentsArrive) {
  std::vector<std::string> ids;
  for (int i = 0; i < 7; ++i) {
    clock_.Advance(absl::Milliseconds(2));
    ids.push_back(
        MustIngest(MakeAlert(Action::kTrigger, "k" + std::to_string(i)))
            .incident->id);
  }
  auto first = core_->ListIncidents({}, 3, "");
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->incidents.size(), 3u);
  EXPECT_EQ(first->incidents[0].id, ids[6]);  // Newest first.
  ASSERT_FALSE(first->next_page_token.empty());

  // New incidents between pages do not shift the pages already started.
  clock_.Advance(absl::Milliseconds(2));
  MustIngest(MakeAlert(Action::kTrigger, "late"));

  std::vector<std::string> seen;
  for (const auto& i : first->incidents) seen.push_back(i.id);
  std::string token = first->next_page_token;
  while (!token.empty()) {
    auto page = core_->ListIncidents({}, 3, token);
    ASSERT_TRUE(page.ok());
    for (const auto& i : page->incidents) seen.push_back(i.id);
    token = page->next_page_token;
  }
  std::vector<std::string> expected(ids.rbegin(), ids.rend());
  EXPECT_EQ(seen, expected);

  EXPECT_EQ(core_->ListIncidents({}, 3, "not-a-token").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(core_->ListIncidents({}, -1, "").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_P(IncidentCoreTest, PagesOverSeveralStatesAreNewestFirstAndComplete) {
  // Incidents in mixed states; listing the open ones pages across two states.
  std::vector<std::string> open_ids;  // Newest last.
  for (int i = 0; i < 12; ++i) {
    clock_.Advance(absl::Milliseconds(2));
    const std::string id =
        MustIngest(MakeAlert(Action::kTrigger, "k" + std::to_string(i)))
            .incident->id;
    if (i % 4 == 3) {
      ASSERT_TRUE(core_->Resolve(id, "alice", "").ok());
      continue;
    }
    if (i % 3 == 0) {
      ASSERT_TRUE(core_->Acknowledge(id, "alice", "").ok());
    }
    open_ids.push_back(id);
  }
  IncidentFilter open;
  open.states = {IncidentState::kAcknowledged, IncidentState::kTriggered};
  std::vector<std::string> listed;
  std::string token;
  do {
    auto page = core_->ListIncidents(open, 4, token);
    ASSERT_TRUE(page.ok()) << page.status();
    ASSERT_LE(page->incidents.size(), 4u);
    for (const Incident& incident : page->incidents) {
      EXPECT_NE(incident.state, IncidentState::kResolved);
      listed.push_back(incident.id);
    }
    token = page->next_page_token;
  } while (!token.empty());
  EXPECT_EQ(listed,
            std::vector<std::string>(open_ids.rbegin(), open_ids.rend()));

  // No state filter: every incident, newest first.
  auto all = core_->ListIncidents({}, 100, "");
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->incidents.size(), 12u);
  for (size_t i = 1; i < all->incidents.size(); ++i) {
    EXPECT_GT(all->incidents[i - 1].id, all->incidents[i].id);
  }
}

TEST_P(IncidentCoreTest, ListFiltersByServiceStateAndSource) {
  auto other = catalog_->CreateService("billing", "");
  ASSERT_TRUE(other.ok());
  IngestResult a = MustIngest(MakeAlert(Action::kTrigger, "a"));
  MustIngest(MakeAlert(Action::kTrigger, "b"));
  MustIngest(MakeAlert(Action::kResolve, "b"));
  Alert generic = MakeAlert(Action::kTrigger, "c");
  generic.source = "generic";
  generic.service_id = other->id;
  MustIngest(generic);

  IncidentFilter open_here;
  open_here.service_id = service_id_;
  open_here.states = {IncidentState::kTriggered, IncidentState::kAcknowledged};
  auto page = core_->ListIncidents(open_here, 0, "");
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->incidents.size(), 1u);
  EXPECT_EQ(page->incidents[0].id, a.incident->id);

  IncidentFilter by_source;
  by_source.source = "generic";
  page = core_->ListIncidents(by_source, 0, "");
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->incidents.size(), 1u);
  EXPECT_EQ(page->incidents[0].service_id, other->id);
}

TEST_P(IncidentCoreTest, WatchReadsTheLogThenLiveEventsWithoutGapsOrRepeats) {
  for (int i = 0; i < 5; ++i) MustIngest(MakeAlert(Action::kTrigger, "k"));
  IncidentWatch watch(store_.get(), 2, "");
  auto backlog = watch.Next(absl::ZeroDuration());
  ASSERT_TRUE(backlog.ok());
  ASSERT_EQ(backlog->size(), 3u);
  EXPECT_EQ((*backlog)[0].sequence, 3);
  EXPECT_EQ(backlog->back().sequence, 5);

  auto nothing = watch.Next(absl::Milliseconds(10));
  ASSERT_TRUE(nothing.ok());
  EXPECT_TRUE(nothing->empty());

  std::thread writer([&] {
    for (int i = 0; i < 20; ++i)
      MustIngest(MakeAlert(Action::kTrigger, "live"));
  });
  int64_t expected = 6;
  while (expected <= 25) {
    auto events = watch.Next(absl::Seconds(5));
    ASSERT_TRUE(events.ok());
    ASSERT_FALSE(events->empty()) << "timed out waiting for " << expected;
    for (const IncidentEvent& e : *events) EXPECT_EQ(e.sequence, expected++);
  }
  writer.join();
}

TEST_P(IncidentCoreTest, SenderControlledContentIsBoundedNotRefused) {
  Alert huge = MakeAlert(Action::kTrigger, std::string(300, 'k'));
  // A 100 KB title whose cut falls inside a multi-byte character.
  huge.summary = "x" + std::string(100 * 1024, '\xC3');
  for (size_t i = 2; i < huge.summary.size(); i += 2) huge.summary[i] = '\xA9';
  huge.description = std::string(200 * 1024, 'd');
  for (int i = 0; i < 100000; ++i) huge.tags["t" + std::to_string(i)] = "v";
  huge.tags["long"] = std::string(5000, 'v');
  for (int i = 0; i < 40; ++i)
    huge.links.push_back({"https://x/" + std::to_string(i), "l"});
  huge.links[0].href = "https://x/" + std::string(5000, 'h');
  IngestResult result = MustIngest(huge);
  ASSERT_TRUE(result.incident) << "a valid alert is kept, not refused";
  const Incident& incident = *result.incident;
  EXPECT_LE(incident.summary.size(), kMaxSummaryBytes);
  EXPECT_TRUE(absl::EndsWith(incident.summary, kTruncatedMarker));
  // Cut at a character boundary: what precedes the marker is whole "é"s.
  const std::string kept = incident.summary.substr(
      1, incident.summary.size() - 1 - std::string(kTruncatedMarker).size());
  EXPECT_EQ(kept.size() % 2, 0u);
  EXPECT_LE(incident.description.size(), kMaxDescriptionBytes);
  EXPECT_LE(incident.tags.size(), kMaxTags);
  EXPECT_NE(incident.tags.at(kTruncatedTag).find("100001 given"),
            std::string::npos)
      << incident.tags.at(kTruncatedTag);
  EXPECT_NE(incident.tags.at(kTruncatedTag).find("links: 40 given, 16 kept"),
            std::string::npos)
      << incident.tags.at(kTruncatedTag);
  EXPECT_EQ(incident.links.size(), kMaxLinks);
  for (const Link& link : incident.links)
    EXPECT_LE(link.href.size(), kMaxLinkHrefBytes);
  EXPECT_LE(incident.dedup_key.size(), kMaxDedupKeyBytes);

  // The long dedup key still names one problem: the same key folds, a key
  // that differs only past the cut does not.
  IngestResult again =
      MustIngest(MakeAlert(Action::kTrigger, std::string(300, 'k')));
  EXPECT_EQ(again.outcome, IngestOutcome::kFolded);
  IngestResult other =
      MustIngest(MakeAlert(Action::kTrigger, std::string(299, 'k') + "z"));
  EXPECT_EQ(other.outcome, IngestOutcome::kOpened);

  // Several such alerts still list in one page.
  for (int i = 0; i < 3; ++i) {
    huge.dedup_key = "big-" + std::to_string(i);
    MustIngest(huge);
  }
  auto page = core_->ListIncidents({}, 0, "");
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->incidents.size(), 5u);
}

TEST_P(IncidentCoreTest, PagesStayWithinTheirByteBoundWhateverIncidentsCarry) {
  // 40 incidents of ~130 KB each: more than one answer can carry.
  for (int i = 0; i < 40; ++i) {
    Alert alert = MakeAlert(Action::kTrigger, "fat-" + std::to_string(i));
    alert.description = std::string(kMaxDescriptionBytes, 'd');
    for (int t = 0; t < 63; ++t)
      alert.tags["tag" + std::to_string(t)] = std::string(1000, 'v');
    MustIngest(alert);
  }
  std::set<std::string> seen;
  std::string token;
  int pages = 0;
  do {
    auto page = core_->ListIncidents({}, 1000, token);
    ASSERT_TRUE(page.ok()) << page.status();
    size_t bytes = 0;
    for (const Incident& incident : page->incidents) {
      bytes += incident.description.size() + 63 * 1000;
      EXPECT_TRUE(seen.insert(incident.id).second)
          << "repeated " << incident.id;
    }
    EXPECT_LE(bytes, IncidentCore::kMaxPageBytes);
    token = page->next_page_token;
    ++pages;
  } while (!token.empty());
  EXPECT_EQ(seen.size(), 40u) << "every incident, across pages";
  EXPECT_GT(pages, 1);
}

TEST_P(IncidentCoreTest, RetentionPrunesOldKeysAndResolvedIncidentsInBatches) {
  RetentionOptions options;
  options.idempotency_keys = absl::Hours(24 * 7);
  options.resolved_incidents = absl::Hours(24 * 30);
  options.interval = absl::ZeroDuration();  // Only RunOnce() prunes.
  options.batch = 7;                        // Several batches.
  RetentionPruner pruner(store_.get(), &clock_, options);

  // 20 old incidents resolved, one old incident still open, each with a key.
  std::vector<std::string> old_resolved;
  for (int i = 0; i < 20; ++i) {
    const std::string key = "old-" + std::to_string(i);
    old_resolved.push_back(
        MustIngest(MakeAlert(Action::kTrigger, key, key)).incident->id);
    MustIngest(MakeAlert(Action::kResolve, key));
  }
  const std::string still_open =
      MustIngest(MakeAlert(Action::kTrigger, "open", "open-key")).incident->id;
  // A flapping check: an open incident that folds 30 alerts.
  for (int i = 0; i < 30; ++i) MustIngest(MakeAlert(Action::kTrigger, "open"));
  const int64_t last_old_sequence = store_->LastCommittedSequence();

  clock_.Advance(absl::Hours(24 * 31));
  const std::string recent =
      MustIngest(MakeAlert(Action::kTrigger, "recent", "recent-key"))
          .incident->id;
  MustIngest(MakeAlert(Action::kResolve, "recent"));

  auto pruned = pruner.RunOnce();
  ASSERT_TRUE(pruned.ok()) << pruned.status();
  EXPECT_EQ(pruned->idempotency_keys, 21);  // The old ones, not "recent-key".
  EXPECT_EQ(pruned->resolved_incidents, 20);
  EXPECT_EQ(pruned->fold_events, 30);
  for (const std::string& id : old_resolved) {
    EXPECT_EQ(core_->GetIncident(id).status().code(),
              absl::StatusCode::kNotFound);
  }
  // Open incidents stay; their old fold entries go, their count stays exact.
  auto open = core_->GetIncident(still_open);
  ASSERT_TRUE(open.ok());
  EXPECT_EQ(open->incident.alert_count, 31);
  EXPECT_EQ(open->incident.event_count, 1) << "only its opening entry is left";
  ASSERT_EQ(open->timeline.size(), 1u);
  EXPECT_EQ(open->timeline[0].kind, ChangeKind::kOpened);
  auto kept = core_->GetIncident(recent);
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(kept->timeline.size(), 2u);
  // The mark tells watchers where the log may have gaps.
  auto mark = store_->PrunedThroughSequence();
  ASSERT_TRUE(mark.ok());
  EXPECT_GT(*mark, 0);
  EXPECT_LE(*mark, last_old_sequence);
  // A retried delivery whose key was pruned is new again (documented).
  EXPECT_FALSE(
      MustIngest(MakeAlert(Action::kTrigger, "open", "open-key")).replayed);
  // A recent key still has one effect.
  EXPECT_TRUE(
      MustIngest(MakeAlert(Action::kTrigger, "recent", "recent-key")).replayed);
  // Nothing left to prune.
  auto again = pruner.RunOnce();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->resolved_incidents, 0);
}

TEST_P(IncidentCoreTest, CorruptionReportedAtRunTimeStopsEveryWrite) {
  if (kind_ != ::alertgate::testing::StoreKind::kSqlite) {
    GTEST_SKIP() << "the damaged-file latch is the SQLite store's";
  }
  ASSERT_TRUE(MustIngest(MakeAlert(Action::kTrigger, "before")).incident);
  // SQLite answers SQLITE_CORRUPT (DATA_LOSS) when it reads a damaged page;
  // a real file cannot be damaged on cue under a live connection, so one
  // write reports it as a statement would.
  absl::Status hit = store_->Write([](StoreTransaction&) {
    return absl::DataLossError("sqlite: database disk image is malformed");
  });
  EXPECT_EQ(hit.code(), absl::StatusCode::kUnavailable) << hit;
  // From then on nothing is written: every ingest is UNAVAILABLE (503 at
  // the front door, so senders retry), never a wrong answer.
  auto after = core_->Ingest(MakeAlert(Action::kTrigger, "after"));
  EXPECT_EQ(after.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(after.status().message().find("damaged"), std::string::npos)
      << after.status();
  // What was committed before is still readable.
  auto page = core_->ListIncidents({}, 0, "");
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->incidents.size(), 1u);
  EXPECT_EQ(page->incidents[0].dedup_key, "before");
}

TEST_P(IncidentCoreTest, ConcurrentWritersShareCommitsAndLoseNothing) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 50;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, t] {
      for (int i = 0; i < kPerThread; ++i) {
        Alert alert = MakeAlert(Action::kTrigger, "key-" + std::to_string(t),
                                std::to_string(t) + "-" + std::to_string(i));
        ASSERT_TRUE(core_->Ingest(alert).ok());
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(store_->LastCommittedSequence(), kThreads * kPerThread);
  auto page = core_->ListIncidents({}, 0, "");
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->incidents.size(), static_cast<size_t>(kThreads));
  for (const Incident& incident : page->incidents) {
    EXPECT_EQ(incident.alert_count, kPerThread) << incident.dedup_key;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Stores, IncidentCoreTest,
    ::testing::Values(::alertgate::testing::StoreKind::kSqlite,
                      ::alertgate::testing::StoreKind::kPostgres),
    ::alertgate::testing::StoreName);

}  // namespace
}  // namespace alertgate
