// RuleBook: the rules of every service. Saving checks and compiles them
// (a rule that does not compile is refused with the reason, never at
// ingest), stores them with a revision and writes the audit log; ingest
// finds each service's compiled rules here.
//
// The compiled rules are cached per service. A save through this book takes
// effect at once; a save through another core sharing the store (several
// cores on PostgreSQL) takes effect here within kRecheckEvery, when the
// cached revision is compared with the stored one.
//
// Thread safety: all methods are safe to call concurrently.
#ifndef ALERTGATE_SERVER_CORE_RULE_BOOK_H_
#define ALERTGATE_SERVER_CORE_RULE_BOOK_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/common/clock.h"
#include "server/core/rule_set.h"
#include "server/model/rule.h"
#include "server/store/incident_store.h"

namespace alertgate {

// What rules would do to one alert (RuleBook::Test).
struct RuleTrial {
  Alert alert;  // After the rules; service_id is the target when routed.
  RuleVerdict verdict;
};

class RuleBook {
 public:
  static constexpr absl::Duration kRecheckEvery = absl::Seconds(1);

  // REQUIRES: both outlive the book.
  RuleBook(IncidentStore* store, const Clock* clock);

  // The service's rules (none, revision 0, if never set). NOT_FOUND for an
  // unknown service.
  absl::StatusOr<ServiceRules> Get(const std::string& service_id);

  // Replaces the service's rules on behalf of `actor`. With
  // `expected_revision` >= 0, ABORTED unless the stored revision is that one
  // (someone else saved in between). INVALID_ARGUMENT naming the rule and
  // field when one does not compile or routes to an unknown service.
  absl::StatusOr<ServiceRules> Set(const std::string& service_id,
                                   std::vector<Rule> rules,
                                   int64_t expected_revision,
                                   const std::string& actor);
  // The same for the maintenance windows and the auto-resolve settings,
  // each replaced whole; the rest of the document stays.
  absl::StatusOr<ServiceRules> SetMaintenance(
      const std::string& service_id, std::vector<MaintenanceWindow> windows,
      int64_t expected_revision, const std::string& actor);
  absl::StatusOr<ServiceRules> SetAutoResolve(const std::string& service_id,
                                              std::vector<AutoResolve> settings,
                                              int64_t expected_revision,
                                              const std::string& actor);

  static constexpr absl::Duration kMaxQuiet = absl::Hours(24 * 30);

  // Adds the outbound webhook subscription, or replaces the one with its
  // name. Saved without a secret, it keeps the secret of the one it
  // replaces, or gets a new random one. The answer carries the secrets.
  absl::StatusOr<ServiceRules> PutWebhook(const std::string& service_id,
                                          WebhookSubscription webhook,
                                          int64_t expected_revision,
                                          const std::string& actor);
  // NOT_FOUND when the service has no subscription named `name`. Its
  // pending messages are dead-lettered when next due.
  absl::StatusOr<ServiceRules> RemoveWebhook(const std::string& service_id,
                                             const std::string& name,
                                             int64_t expected_revision,
                                             const std::string& actor);

  // A dry run: applies the service's saved rules, or `candidate` when set,
  // to `alert` (its service_id set to `service_id`). Changes nothing.
  // NOT_FOUND for an unknown service; INVALID_ARGUMENT as Set() for
  // candidate rules that do not compile.
  absl::StatusOr<RuleTrial> Test(
      const std::string& service_id, Alert alert,
      const std::optional<std::vector<Rule>>& candidate);

  // Inside an ingest transaction: the service's compiled rules, nullptr when
  // it has none.
  absl::StatusOr<std::shared_ptr<const RuleSet>> ForIngest(
      StoreTransaction& tx, const std::string& service_id);

 private:
  struct Cached {
    int64_t revision = 0;
    std::shared_ptr<const RuleSet> rules;  // nullptr: none.
    absl::Time checked_at;                 // By the wall clock, not clock_.
  };

  // Reads the stored document, lets `change` edit it (its error saves
  // nothing), checks and compiles the result, and saves it as the next
  // revision, audited as `action`.
  absl::StatusOr<ServiceRules> Save(
      const std::string& service_id, int64_t expected_revision,
      const std::string& actor, const std::string& action,
      const std::function<absl::Status(ServiceRules&)>& change);

  void Remember(const std::string& service_id, int64_t revision,
                std::shared_ptr<const RuleSet> rules);

  IncidentStore* store_;
  const Clock* clock_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Cached> cache_ ABSL_GUARDED_BY(mu_);
};

}  // namespace alertgate

#endif  // ALERTGATE_SERVER_CORE_RULE_BOOK_H_
