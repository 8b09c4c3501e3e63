// Rules on a real store (SQLite, and PostgreSQL when the environment has
// one): saved, checked and audited; each condition and action at ingest;
// order and stop; suppression and routing; the dedup window on the
// injected clock; a save on one core reaching another.
#include <string>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "server/core/auto_resolver.h"
#include "server/core/incident_core.h"
#include "server/core/maintenance_schedule.h"
#include "server/core/rule_book.h"
#include "tests/core_on_store.h"

namespace alertgate {
namespace {

class RulesTest : public ::alertgate::testing::CoreOnEachStore {
 protected:
  Alert MakeAlert(const std::string& dedup_key, const std::string& event = "",
                  Tags tags = {}) {
    Alert alert;
    alert.service_id = service_id_;
    alert.source = "bitbucket";
    alert.action = Action::kTrigger;
    alert.dedup_key = dedup_key;
    alert.summary = "summary of " + dedup_key;
    alert.event = event;
    alert.tags = std::move(tags);
    return alert;
  }

  Incident MustIngest(const Alert& alert) {
    auto result = core_->Ingest(alert);
    EXPECT_TRUE(result.ok()) << result.status();
    if (!result.ok() || !result->incident) return Incident();
    return *result->incident;
  }

  void MustSet(std::vector<Rule> rules) {
    auto saved = core_->rules().Set(service_id_, std::move(rules), -1, "ops");
    ASSERT_TRUE(saved.ok()) << saved.status();
  }

  // Another connection pool on the same PostgreSQL schema, as a second
  // core's; nullptr on SQLite.
  std::unique_ptr<IncidentStore> SecondStore() {
    if (kind_ != ::alertgate::testing::StoreKind::kPostgres) return nullptr;
    auto store = PostgresStore::Open(postgres_->conninfo());
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? std::move(*store) : nullptr;
  }

  IncidentWithTimeline Get(const std::string& id) {
    auto got = core_->GetIncident(id);
    EXPECT_TRUE(got.ok()) << got.status();
    return got.ok() ? *got : IncidentWithTimeline();
  }
};

RuleCondition When(RuleField field, MatchOperator op, std::string value,
                   std::string tag = "", bool negate = false) {
  return {field, std::move(tag), op, std::move(value), negate};
}

// Bitbucket pushes to renovate/* branches: docs/rules.md's first example.
Rule QuietRenovate() {
  Rule rule;
  rule.name = "quiet renovate pushes";
  rule.when = {
      When(RuleField::kEvent, MatchOperator::kEquals, "repo:push"),
      When(RuleField::kTag, MatchOperator::kPrefix, "renovate/", "branch")};
  rule.then.suppress = true;
  return rule;
}

TEST_P(RulesTest, SavedRulesComeBackAfterARestartWithTheirRevision) {
  Rule full = QuietRenovate();
  full.then.set_tags = {{"team", "web"}};
  full.then.add_tags = {{"env", "prod"}};
  full.then.set_severity = Severity::kWarning;
  full.then.dedup_window_minutes = 30;
  full.stop = true;
  Rule regex;
  regex.name = "noisy";
  regex.when = {When(RuleField::kSummary, MatchOperator::kRegex,
                     "(?i).*flaky.*", "", true)};
  MustSet({full, regex});
  Restart();
  auto got = core_->rules().Get(service_id_);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->revision, 1);
  EXPECT_EQ(got->updated_by, "ops");
  ASSERT_EQ(got->rules.size(), 2u);
  const Rule& back = got->rules[0];
  EXPECT_EQ(back.name, "quiet renovate pushes");
  ASSERT_EQ(back.when.size(), 2u);
  EXPECT_EQ(back.when[1].field, RuleField::kTag);
  EXPECT_EQ(back.when[1].tag, "branch");
  EXPECT_EQ(back.when[1].op, MatchOperator::kPrefix);
  EXPECT_TRUE(back.then.suppress);
  EXPECT_EQ(back.then.set_tags, (Tags{{"team", "web"}}));
  EXPECT_EQ(back.then.add_tags, (Tags{{"env", "prod"}}));
  EXPECT_EQ(back.then.set_severity, Severity::kWarning);
  EXPECT_EQ(back.then.dedup_window_minutes, 30);
  EXPECT_TRUE(back.stop);
  EXPECT_TRUE(got->rules[1].when[0].negate);
  EXPECT_EQ(got->rules[1].when[0].op, MatchOperator::kRegex);
  // The audit log names who saved what.
  auto audit = store_->ListAuditEntries(0, 10);
  ASSERT_TRUE(audit.ok());
  ASSERT_FALSE(audit->empty());
  EXPECT_EQ(audit->front().action, "rules.set");
  EXPECT_EQ(audit->front().actor, "ops");
  EXPECT_EQ(audit->front().target, "checkout");
}

TEST_P(RulesTest, RulesThatDoNotCompileAreRefusedWithTheReasonAndNotSaved) {
  auto refused = [&](std::vector<Rule> rules, const std::string& words) {
    auto saved = core_->rules().Set(service_id_, std::move(rules), -1, "ops");
    EXPECT_EQ(saved.status().code(), absl::StatusCode::kInvalidArgument)
        << words;
    EXPECT_NE(saved.status().message().find(words), std::string::npos)
        << saved.status();
  };
  Rule bad_regex;
  bad_regex.name = "bad";
  bad_regex.when = {When(RuleField::kSummary, MatchOperator::kRegex, "(")};
  refused({QuietRenovate(), bad_regex},
          "rules[1].when[0].value: not a valid regular expression");
  Rule nowhere;
  nowhere.name = "nowhere";
  nowhere.then.route_to_service_id = "no-such-service";
  refused({nowhere}, "rules[0].then.route_to_service_id");
  refused({QuietRenovate(), QuietRenovate()}, "is used twice");
  Rule untagged;
  untagged.name = "untagged";
  untagged.when = {When(RuleField::kTag, MatchOperator::kEquals, "x")};
  refused({untagged}, "rules[0].when[0].tag");
  Rule unnamed;
  refused({unnamed}, "rules[0].name");
  Rule forever;
  forever.name = "forever";
  forever.then.dedup_window_minutes = 100000;
  refused({forever}, "dedup_window_minutes");
  auto got = core_->rules().Get(service_id_);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->revision, 0);
  EXPECT_TRUE(got->rules.empty());
  // Nothing saved: alerts are untouched.
  Incident push = MustIngest(
      MakeAlert("push:1", "repo:push", {{"branch", "renovate/lodash"}}));
  EXPECT_EQ(push.state, IncidentState::kTriggered);
}

TEST_P(RulesTest, AnExpectedRevisionKeepsTwoEditorsFromOverwritingEachOther) {
  auto first = core_->rules().Set(service_id_, {QuietRenovate()}, 0, "ana");
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->revision, 1);
  auto stale = core_->rules().Set(service_id_, {}, 0, "bob");
  EXPECT_EQ(stale.status().code(), absl::StatusCode::kAborted);
  auto current = core_->rules().Set(service_id_, {}, 1, "bob");
  ASSERT_TRUE(current.ok()) << current.status();
  EXPECT_EQ(current->revision, 2);
  EXPECT_EQ(core_->rules().Get("no-such-service").status().code(),
            absl::StatusCode::kNotFound);
}

TEST_P(RulesTest, EachFieldAndOperatorMatchesAsWritten) {
  Alert alert =
      MakeAlert("pr:team/repo:7", "pullrequest:created",
                {{"branch", "feature/x"}, {"repository", "team/repo"}});
  alert.summary = "Build FLAKY on main";
  alert.severity = Severity::kError;
  struct Case {
    RuleCondition when;
    bool matches;
  };
  const std::vector<Case> cases = {
      {When(RuleField::kSource, MatchOperator::kEquals, "bitbucket"), true},
      {When(RuleField::kSource, MatchOperator::kEquals, "bitbucke"), false},
      {When(RuleField::kEvent, MatchOperator::kPrefix, "pullrequest:"), true},
      {When(RuleField::kDedupKey, MatchOperator::kPrefix, "pr:team/"), true},
      {When(RuleField::kSummary, MatchOperator::kRegex, "(?i).*flaky.*"), true},
      // A regular expression matches the whole value.
      {When(RuleField::kSummary, MatchOperator::kRegex, "FLAKY"), false},
      {When(RuleField::kSeverity, MatchOperator::kEquals, "error"), true},
      {When(RuleField::kTag, MatchOperator::kEquals, "team/repo", "repository"),
       true},
      {When(RuleField::kTag, MatchOperator::kPrefix, "renovate/", "branch"),
       false},
      {When(RuleField::kTag, MatchOperator::kPrefix, "renovate/", "branch",
            true),
       true},
      // A missing tag never matches; negated, it holds.
      {When(RuleField::kTag, MatchOperator::kRegex, ".*", "absent"), false},
      {When(RuleField::kTag, MatchOperator::kRegex, ".*", "absent", true),
       true},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    Rule rule;
    rule.name = "case";
    rule.when = {cases[i].when};
    auto trial =
        core_->rules().Test(service_id_, alert, std::vector<Rule>{rule});
    ASSERT_TRUE(trial.ok()) << trial.status();
    EXPECT_EQ(trial->verdict.matched.size(), cases[i].matches ? 1u : 0u)
        << "case " << i;
  }
}

TEST_P(RulesTest, TagsAndSeverityAreSetAtIngestInOrderUntilAStop) {
  Rule team_a;
  team_a.name = "team a";
  team_a.then.set_tags = {{"team", "a"}, {"branch", "overwritten"}};
  team_a.then.add_tags = {{"env", "prod"}, {"repository", "not added"}};
  team_a.then.set_severity = Severity::kCritical;
  Rule team_b;
  team_b.name = "team b";
  team_b.then.set_tags = {{"team", "b"}};
  MustSet({team_a, team_b});
  Incident both = MustIngest(
      MakeAlert("one", "", {{"branch", "main"}, {"repository", "team/repo"}}));
  EXPECT_EQ(both.tags.at("team"), "b");  // Later rules win.
  EXPECT_EQ(both.tags.at("branch"), "overwritten");
  EXPECT_EQ(both.tags.at("env"), "prod");
  EXPECT_EQ(both.tags.at("repository"), "team/repo");
  EXPECT_EQ(both.severity, Severity::kCritical);
  team_a.stop = true;
  MustSet({team_a, team_b});
  EXPECT_EQ(MustIngest(MakeAlert("two")).tags.at("team"), "a");
}

TEST_P(RulesTest, ASuppressedAlertOpensASuppressedIncidentNamingTheRule) {
  MustSet({QuietRenovate()});
  Incident quiet = MustIngest(MakeAlert("push:renovate", "repo:push",
                                        {{"branch", "renovate/lodash-4.x"}}));
  EXPECT_EQ(quiet.state, IncidentState::kSuppressed);
  IncidentWithTimeline got = Get(quiet.id);
  ASSERT_FALSE(got.timeline.empty());
  EXPECT_NE(got.timeline.back().note.find(
                "suppressed by rule \"quiet renovate pushes\""),
            std::string::npos)
      << got.timeline.back().note;
  // Another alert folds into it and it stays quiet; a resolve closes it.
  Incident again = MustIngest(MakeAlert("push:renovate", "repo:push",
                                        {{"branch", "renovate/lodash-4.x"}}));
  EXPECT_EQ(again.id, quiet.id);
  EXPECT_EQ(again.state, IncidentState::kSuppressed);
  EXPECT_EQ(again.alert_count, 2);
  Alert resolve = MakeAlert("push:renovate", "repo:push");
  resolve.action = Action::kResolve;
  EXPECT_EQ(MustIngest(resolve).state, IncidentState::kResolved);
  // Pushes to other branches, and other events, are not suppressed.
  EXPECT_EQ(
      MustIngest(MakeAlert("push:main", "repo:push", {{"branch", "main"}}))
          .state,
      IncidentState::kTriggered);
  EXPECT_EQ(MustIngest(MakeAlert("pr:renovate", "pullrequest:created",
                                 {{"branch", "renovate/x"}}))
                .state,
            IncidentState::kTriggered);
}

TEST_P(RulesTest, ARoutedAlertOpensItsIncidentInTheOtherService) {
  auto payments = catalog_->CreateService("payments", "Payments");
  ASSERT_TRUE(payments.ok()) << payments.status();
  Rule route;
  route.name = "payments repository";
  route.when = {When(RuleField::kTag, MatchOperator::kEquals, "team/payments",
                     "repository")};
  route.then.route_to_service_id = payments->id;
  MustSet({route});
  Incident routed = MustIngest(
      MakeAlert("pr:team/payments:3", "", {{"repository", "team/payments"}}));
  EXPECT_EQ(routed.service_id, payments->id);
  Incident stays =
      MustIngest(MakeAlert("pr:team/web:4", "", {{"repository", "team/web"}}));
  EXPECT_EQ(stays.service_id, service_id_);
  // The routed incident acts as the other service's: its dedup key and
  // resolution are there.
  Alert resolve = MakeAlert("pr:team/payments:3");
  resolve.action = Action::kResolve;
  resolve.tags = {{"repository", "team/payments"}};
  Incident closed = MustIngest(resolve);
  EXPECT_EQ(closed.id, routed.id);
  EXPECT_EQ(closed.state, IncidentState::kResolved);
  // The source still shows as receiving for the service whose webhook it
  // used.
  auto activity = store_->ListSourceActivity(service_id_);
  ASSERT_TRUE(activity.ok());
  ASSERT_EQ(activity->size(), 1u);
  EXPECT_TRUE(activity->front().last_incident_at.has_value());
}

TEST_P(RulesTest, ADedupWindowClosesAQuietIncidentAndOpensANewOne) {
  Rule window;
  window.name = "pushes fold for 10 minutes";
  window.when = {When(RuleField::kEvent, MatchOperator::kEquals, "repo:push")};
  window.then.dedup_window_minutes = 10;
  MustSet({window});
  Incident first = MustIngest(MakeAlert("push:main", "repo:push"));
  clock_.Advance(absl::Minutes(6));
  EXPECT_EQ(MustIngest(MakeAlert("push:main", "repo:push")).id, first.id);
  clock_.Advance(absl::Minutes(6));  // 6 minutes since the last alert.
  EXPECT_EQ(MustIngest(MakeAlert("push:main", "repo:push")).id, first.id);
  clock_.Advance(absl::Minutes(11));
  Incident second = MustIngest(MakeAlert("push:main", "repo:push"));
  EXPECT_NE(second.id, first.id);
  EXPECT_EQ(second.state, IncidentState::kTriggered);
  IncidentWithTimeline old = Get(first.id);
  EXPECT_EQ(old.incident.state, IncidentState::kResolved);
  EXPECT_EQ(old.incident.resolved_by, "rule:pushes fold for 10 minutes");
  ASSERT_FALSE(old.timeline.empty());
  EXPECT_NE(old.timeline.front().note.find("no alert for more than 10"),
            std::string::npos)
      << old.timeline.front().note;
  // Alerts the rule does not match keep folding however old the incident.
  Incident other = MustIngest(MakeAlert("build:main", "build:failed"));
  clock_.Advance(absl::Hours(5));
  EXPECT_EQ(MustIngest(MakeAlert("build:main", "build:failed")).id, other.id);
}

TEST_P(RulesTest, ASaveOnOneCoreReachesAnotherSharingTheStore) {
  // On PostgreSQL the other core has a store of its own, as another process
  // would; a SQLite file belongs to one process, so there it shares ours.
  std::unique_ptr<IncidentStore> second = SecondStore();
  IncidentCore other(second ? second.get() : store_.get(), &clock_, &ids_);
  // The other core has read (and cached) "no rules".
  ASSERT_TRUE(other.Ingest(MakeAlert("warm-up")).ok());
  MustSet({QuietRenovate()});
  const absl::Time deadline = absl::Now() + RuleBook::kRecheckEvery * 3;
  IncidentState state = IncidentState::kTriggered;
  for (int n = 0; state != IncidentState::kSuppressed && absl::Now() < deadline;
       ++n) {
    absl::SleepFor(absl::Milliseconds(100));
    Alert push = MakeAlert("push:" + std::to_string(n), "repo:push",
                           {{"branch", "renovate/x"}});
    auto result = other.Ingest(push);
    ASSERT_TRUE(result.ok()) << result.status();
    state = result->incident->state;
  }
  EXPECT_EQ(state, IncidentState::kSuppressed);
}

MaintenanceWindow Window(const std::string& name, const std::string& starts,
                         absl::Duration duration, Repeat repeat = Repeat::kNone,
                         const std::string& zone = "UTC") {
  MaintenanceWindow w;
  w.name = name;
  EXPECT_TRUE(absl::ParseCivilTime(starts, &w.starts)) << starts;
  w.time_zone = zone;
  w.duration = duration;
  w.repeat = repeat;
  return w;
}

// The fixture's clock starts at 2026-01-01T00:00:00Z.
TEST_P(RulesTest, AMaintenanceWindowSuppressesNewIncidentsWhileItIsOpen) {
  auto saved = core_->rules().SetMaintenance(
      service_id_,
      {Window("database upgrade", "2026-01-01T01:00", absl::Hours(2))}, -1,
      "ops");
  ASSERT_TRUE(saved.ok()) << saved.status();
  Incident before = MustIngest(MakeAlert("disk"));
  EXPECT_EQ(before.state, IncidentState::kTriggered);
  clock_.Advance(absl::Minutes(90));
  Incident during = MustIngest(MakeAlert("latency"));
  EXPECT_EQ(during.state, IncidentState::kSuppressed);
  IncidentWithTimeline got = Get(during.id);
  ASSERT_FALSE(got.timeline.empty());
  EXPECT_NE(
      got.timeline.back().note.find("maintenance window \"database upgrade\""),
      std::string::npos)
      << got.timeline.back().note;
  // What was open before stays as it was.
  EXPECT_EQ(MustIngest(MakeAlert("disk")).state, IncidentState::kTriggered);
  auto trial = core_->rules().Test(service_id_, MakeAlert("x"), std::nullopt);
  ASSERT_TRUE(trial.ok());
  EXPECT_EQ(trial->verdict.maintenance_window, "database upgrade");
  clock_.Advance(absl::Minutes(91));  // 03:01, past the window.
  EXPECT_EQ(MustIngest(MakeAlert("cpu")).state, IncidentState::kTriggered);
}

TEST(MaintenanceScheduleTest, RepeatingWindowsKeepTheirLocalHour) {
  auto at = [](const std::string& utc) {
    absl::Time t;
    std::string error;
    EXPECT_TRUE(absl::ParseTime(absl::RFC3339_full, utc, &t, &error)) << error;
    return t;
  };
  // Sundays 01:00-02:00 in Berlin, from 2026-03-22; summer time starts on
  // 2026-03-29 at 02:00 (UTC+1 before, UTC+2 after).
  auto weekly = MaintenanceSchedule::Compile(
      {Window("sunday deploys", "2026-03-22T01:00", absl::Hours(1),
              Repeat::kWeekly, "Europe/Berlin")});
  ASSERT_TRUE(weekly.ok()) << weekly.status();
  EXPECT_EQ(weekly->OpenAt(at("2026-03-22T00:30:00Z")), "sunday deploys");
  EXPECT_EQ(weekly->OpenAt(at("2026-03-29T00:30:00Z")), "sunday deploys");
  EXPECT_EQ(weekly->OpenAt(at("2026-04-04T23:30:00Z")), "sunday deploys");
  EXPECT_EQ(weekly->OpenAt(at("2026-04-05T00:30:00Z")), "");  // 02:30 local.
  EXPECT_EQ(weekly->OpenAt(at("2026-03-25T00:30:00Z")), "");  // A Wednesday.
  EXPECT_EQ(weekly->OpenAt(at("2026-03-15T00:30:00Z")), "");  // Before it.
  // Every night 23:00-01:00 UTC, the last one starting 2026-01-02.
  MaintenanceWindow nightly =
      Window("backups", "2026-01-01T23:00", absl::Hours(2), Repeat::kDaily);
  nightly.repeat_until = absl::CivilMinute(2026, 1, 3, 23, 0);
  auto daily = MaintenanceSchedule::Compile({nightly});
  ASSERT_TRUE(daily.ok()) << daily.status();
  EXPECT_EQ(daily->OpenAt(at("2026-01-02T00:30:00Z")), "backups");
  EXPECT_EQ(daily->OpenAt(at("2026-01-02T23:30:00Z")), "backups");
  EXPECT_EQ(daily->OpenAt(at("2026-01-02T12:00:00Z")), "");
  EXPECT_EQ(daily->OpenAt(at("2026-01-03T23:30:00Z")), "");  // Series over.
}

TEST(MaintenanceScheduleTest, WindowsThatMakeNoSenseAreRefusedWithTheReason) {
  auto refused = [](MaintenanceWindow w, const std::string& words) {
    auto compiled = MaintenanceSchedule::Compile({w});
    EXPECT_EQ(compiled.status().code(), absl::StatusCode::kInvalidArgument)
        << words;
    EXPECT_NE(compiled.status().message().find(words), std::string::npos)
        << compiled.status();
  };
  refused(Window("a", "2026-01-01T00:00", absl::Hours(1), Repeat::kNone,
                 "Mars/Base"),
          "windows[0].time_zone: unknown time zone \"Mars/Base\"");
  refused(Window("a", "2026-01-01T00:00", absl::ZeroDuration()),
          "windows[0].duration");
  refused(Window("a", "2026-01-01T00:00", absl::Hours(25), Repeat::kDaily),
          "at most the repeat period");
  refused(Window("", "2026-01-01T00:00", absl::Hours(1)), "windows[0].name");
  MaintenanceWindow backwards =
      Window("a", "2026-01-02T00:00", absl::Hours(1), Repeat::kDaily);
  backwards.repeat_until = absl::CivilMinute(2026, 1, 1, 0, 0);
  refused(backwards, "windows[0].repeat_until");
  auto twice = MaintenanceSchedule::Compile(
      {Window("a", "2026-01-01T00:00", absl::Hours(1)),
       Window("a", "2026-01-02T00:00", absl::Hours(1))});
  EXPECT_EQ(twice.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_P(RulesTest, RulesWindowsAndAutoResolveAreOneDocumentOfRevisions) {
  MustSet({QuietRenovate()});
  ASSERT_TRUE(
      core_->rules()
          .SetMaintenance(service_id_,
                          {Window("nightly", "2026-01-01T02:00", absl::Hours(1),
                                  Repeat::kDaily, "Europe/Berlin")},
                          1, "ops")
          .ok());
  ASSERT_TRUE(core_->rules()
                  .SetAutoResolve(service_id_, {{"bitbucket", absl::Hours(1)}},
                                  2, "ops")
                  .ok());
  EXPECT_EQ(
      core_->rules()
          .SetAutoResolve(service_id_, {{"", absl::Seconds(30)}}, 3, "ops")
          .status()
          .code(),
      absl::StatusCode::kInvalidArgument);  // Under a minute.
  EXPECT_EQ(
      core_->rules()
          .SetAutoResolve(service_id_,
                          {{"git", absl::Hours(1)}, {"git", absl::Hours(2)}}, 3,
                          "ops")
          .status()
          .code(),
      absl::StatusCode::kInvalidArgument);  // A source twice.
  Restart();
  auto got = core_->rules().Get(service_id_);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->revision, 3);
  EXPECT_EQ(got->rules.size(), 1u);
  ASSERT_EQ(got->maintenance.size(), 1u);
  EXPECT_EQ(got->maintenance[0].time_zone, "Europe/Berlin");
  EXPECT_EQ(got->maintenance[0].starts, absl::CivilMinute(2026, 1, 1, 2, 0));
  EXPECT_EQ(got->maintenance[0].repeat, Repeat::kDaily);
  ASSERT_EQ(got->auto_resolve.size(), 1u);
  EXPECT_EQ(got->auto_resolve[0].source, "bitbucket");
  EXPECT_EQ(got->auto_resolve[0].quiet, absl::Hours(1));
}

TEST_P(RulesTest, QuietIncidentsResolveByThemselvesOnceAcrossARestart) {
  ASSERT_TRUE(
      core_->rules()
          .SetAutoResolve(service_id_, {{"", absl::Minutes(60)}}, -1, "ops")
          .ok());
  Incident a = MustIngest(MakeAlert("a"));
  Incident b = MustIngest(MakeAlert("b"));
  Alert manual = MakeAlert("c");
  manual.source = "manual";
  Incident c = MustIngest(manual);
  ASSERT_TRUE(core_->Acknowledge(c.id, "ana", "").ok());
  clock_.Advance(absl::Minutes(30));
  MustIngest(MakeAlert("a"));  // a is not quiet.
  clock_.Advance(absl::Minutes(31));
  {
    AutoResolver resolver(core_.get(), store_.get(), &clock_,
                          absl::ZeroDuration());
    auto resolved = resolver.RunOnce();
    ASSERT_TRUE(resolved.ok()) << resolved.status();
    EXPECT_EQ(*resolved, 2);  // b, and c although acknowledged.
  }
  EXPECT_EQ(Get(a.id).incident.state, IncidentState::kTriggered);
  IncidentWithTimeline quiet = Get(b.id);
  EXPECT_EQ(quiet.incident.state, IncidentState::kResolved);
  EXPECT_EQ(quiet.incident.resolved_by, "timer:auto-resolve");
  EXPECT_NE(quiet.timeline.front().note.find("no alert for 1h"),
            std::string::npos)
      << quiet.timeline.front().note;
  EXPECT_EQ(Get(c.id).incident.state, IncidentState::kResolved);
  // The timer is the stored last alert: it survives a restart.
  Restart();
  clock_.Advance(absl::Minutes(30));
  AutoResolver resolver(core_.get(), store_.get(), &clock_,
                        absl::ZeroDuration());
  auto resolved = resolver.RunOnce();
  ASSERT_TRUE(resolved.ok());
  EXPECT_EQ(*resolved, 1);
  EXPECT_EQ(Get(a.id).incident.state, IncidentState::kResolved);
  EXPECT_EQ(*resolver.RunOnce(), 0);
  // One resolution each: the timelines have one RESOLVED entry.
  for (const std::string& id : {a.id, b.id, c.id}) {
    int resolutions = 0;
    for (const IncidentEvent& e : Get(id).timeline) {
      resolutions += e.kind == ChangeKind::kResolved;
    }
    EXPECT_EQ(resolutions, 1) << id;
  }
}

TEST_P(RulesTest, AutoResolveOfOneSourceLeavesTheOthersOpen) {
  ASSERT_TRUE(core_->rules()
                  .SetAutoResolve(service_id_,
                                  {{"bitbucket", absl::Minutes(10)}}, -1, "ops")
                  .ok());
  Incident push = MustIngest(MakeAlert("push"));
  Alert page = MakeAlert("page");
  page.source = "generic";
  Incident paged = MustIngest(page);
  clock_.Advance(absl::Hours(2));
  AutoResolver resolver(core_.get(), store_.get(), &clock_,
                        absl::ZeroDuration());
  ASSERT_EQ(*resolver.RunOnce(), 1);
  EXPECT_EQ(Get(push.id).incident.state, IncidentState::kResolved);
  EXPECT_EQ(Get(paged.id).incident.state, IncidentState::kTriggered);
}

TEST_P(RulesTest, AutoResolveOfADedupKeyPrefixResolvesPushesOnly) {
  // docs/rules.md: Bitbucket pushes are news for an hour; pull requests
  // stay open. A prefix is matched as it is written ("%" is no wildcard).
  ASSERT_TRUE(core_->rules()
                  .SetAutoResolve(service_id_,
                                  {{"bitbucket", absl::Minutes(60), "push:"},
                                   {"", absl::Minutes(60), "50%"}},
                                  -1, "ops")
                  .ok());
  Incident push = MustIngest(MakeAlert("push:acme/web:refs/heads/main@1"));
  Incident pr = MustIngest(MakeAlert("pr:acme/web:7"));
  Incident literal = MustIngest(MakeAlert("50%-disk"));
  Incident wildcard = MustIngest(MakeAlert("50-disk"));
  clock_.Advance(absl::Minutes(61));
  AutoResolver resolver(core_.get(), store_.get(), &clock_,
                        absl::ZeroDuration());
  ASSERT_EQ(*resolver.RunOnce(), 2);
  EXPECT_EQ(Get(push.id).incident.state, IncidentState::kResolved);
  EXPECT_NE(Get(push.id).timeline.front().note.find("dedup keys push:*"),
            std::string::npos);
  EXPECT_EQ(Get(pr.id).incident.state, IncidentState::kTriggered);
  EXPECT_EQ(Get(literal.id).incident.state, IncidentState::kResolved);
  EXPECT_EQ(Get(wildcard.id).incident.state, IncidentState::kTriggered);
}

TEST_P(RulesTest, TwoResolversAtOnceResolveEachQuietIncidentOnce) {
  ASSERT_TRUE(
      core_->rules()
          .SetAutoResolve(service_id_, {{"", absl::Minutes(1)}}, -1, "ops")
          .ok());
  std::vector<std::string> ids;
  for (int i = 0; i < 30; ++i) {
    ids.push_back(MustIngest(MakeAlert("k" + std::to_string(i))).id);
  }
  clock_.Advance(absl::Minutes(5));
  AutoResolver one(core_.get(), store_.get(), &clock_, absl::ZeroDuration());
  std::unique_ptr<IncidentStore> other_store = SecondStore();
  IncidentStore* other = other_store ? other_store.get() : store_.get();
  IncidentCore other_core(other, &clock_, &ids_);
  AutoResolver two(&other_core, other, &clock_, absl::ZeroDuration());
  absl::StatusOr<int> first = 0, second = 0;
  std::thread racing([&] { second = two.RunOnce(); });
  first = one.RunOnce();
  racing.join();
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(*first + *second, 30);
  for (const std::string& id : ids) {
    int resolutions = 0;
    for (const IncidentEvent& e : Get(id).timeline) {
      resolutions += e.kind == ChangeKind::kResolved;
    }
    EXPECT_EQ(resolutions, 1) << id;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Stores, RulesTest,
    ::testing::Values(::alertgate::testing::StoreKind::kSqlite,
                      ::alertgate::testing::StoreKind::kPostgres),
    ::alertgate::testing::StoreName);

}  // namespace
}  // namespace alertgate
