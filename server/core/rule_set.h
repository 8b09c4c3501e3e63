// RuleSet: the rules of one service, checked and compiled once when they are
// saved (regular expressions with RE2), then applied to each alert at
// ingest. A rule that cannot compile is refused when it is saved, with the
// reason; applying never fails.
//
// Thread safety: a RuleSet is immutable; Apply() may run concurrently.
#ifndef ALERTGATE_SERVER_CORE_RULE_SET_H_
#define ALERTGATE_SERVER_CORE_RULE_SET_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "re2/re2.h"
#include "server/core/maintenance_schedule.h"
#include "server/model/incident_model.h"
#include "server/model/rule.h"

namespace alertgate {

// What the rules did to one alert, beyond its tags and severity.
struct RuleVerdict {
  std::vector<std::string> matched;  // Names of the rules that matched.
  std::string suppressed_by;         // The rule that suppressed; "" if none.
  std::string route_to_service_id;   // "" : stays in its service.
  std::string routed_by;
  int dedup_window_minutes = 0;  // The last matching rule's window; 0: none.
  std::string window_rule;
  // The maintenance window open when the alert came; "" if none. An
  // incident the alert opens is SUPPRESSED then.
  std::string maintenance_window;
};

class RuleSet {
 public:
  static constexpr size_t kMaxRules = 200;
  static constexpr size_t kMaxConditions = 20;
  static constexpr size_t kMaxValueBytes = 1024;
  static constexpr size_t kMaxNameBytes = 64;
  static constexpr int kMaxDedupWindowMinutes = 7 * 24 * 60;

  // Checks and compiles `rules`; INVALID_ARGUMENT naming the rule and field
  // ("rules[2].when[0].value: not a valid regular expression: ...").
  // Whether a routing target exists is the caller's to check.
  // The webhook subscriptions are checked too ("webhooks[1].url: ...").
  static absl::StatusOr<std::shared_ptr<const RuleSet>> Compile(
      const std::vector<Rule>& rules,
      const std::vector<MaintenanceWindow>& maintenance = {},
      const std::vector<WebhookSubscription>& webhooks = {});

  static constexpr size_t kMaxWebhooks = 20;
  static constexpr size_t kMaxUrlBytes = 2048;
  static constexpr size_t kMaxSecretBytes = 256;

  // Applies the rules in order to `alert` with the sender's `event`:
  // changes its tags and severity, and returns the rest of what they said.
  RuleVerdict Apply(Alert& alert, const std::string& event) const;

  // The name of the maintenance window open at `now`; "" when none is.
  std::string MaintenanceAt(absl::Time now) const {
    return maintenance_.OpenAt(now);
  }

  // The subscriptions, in the order saved.
  const std::vector<WebhookSubscription>& webhooks() const { return webhooks_; }

  bool empty() const {
    return rules_.empty() && maintenance_.empty() && webhooks_.empty();
  }
  size_t size() const { return rules_.size(); }

 private:
  struct Condition {
    RuleCondition spec;
    std::unique_ptr<RE2> regex;  // For MatchOperator::kRegex.
  };
  struct CompiledRule {
    Rule rule;
    std::vector<Condition> when;
  };

  bool Holds(const Condition& condition, const Alert& alert,
             const std::string& event) const;

  std::vector<CompiledRule> rules_;
  MaintenanceSchedule maintenance_;
  std::vector<WebhookSubscription> webhooks_;
};

// "info", "warning", "error", "critical", or "" for unspecified.
absl::string_view SeverityWord(Severity severity);

}  // namespace alertgate

#endif  // ALERTGATE_SERVER_CORE_RULE_SET_H_
