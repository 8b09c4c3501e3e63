// Rules of a service, as plain values: each a list of conditions on an
// incoming alert (all must hold) and the actions to take when they do.
// server/core/rule_set.h compiles and applies them; server/grpc/ translates
// them to and from the API (rules.proto).
#ifndef ALERTGATE_SERVER_MODEL_RULE_H_
#define ALERTGATE_SERVER_MODEL_RULE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "server/model/incident_model.h"
#include "server/model/outbound_webhook.h"

namespace alertgate {

// What a condition looks at. The numeric values equal the API's.
enum class RuleField {
  kSource = 1,  // The alert source ("bitbucket").
  kEvent = 2,   // The sender's event name ("repo:push"); empty for API alerts.
  kDedupKey = 3,
  kSummary = 4,
  kSeverity = 5,  // "info", "warning", "error", "critical", or "".
  kTag = 6,       // The value of the tag named in RuleCondition::tag.
};

enum class MatchOperator {
  kEquals = 1,
  kPrefix = 2,
  kRegex = 3,  // RE2 syntax, matched against the whole value.
};

struct RuleCondition {
  RuleField field = RuleField::kSource;
  std::string tag;  // For kTag: the tag's name.
  MatchOperator op = MatchOperator::kEquals;
  std::string value;
  bool negate = false;  // Holds when the match does not.
};

struct RuleActions {
  Tags set_tags;  // Set, replacing a value the alert had.
  Tags add_tags;  // Set only where the alert has no such tag.
  std::optional<Severity> set_severity;
  // Ingest into this service instead (its rules are not applied again).
  std::string route_to_service_id;
  // A new incident opens SUPPRESSED: recorded, notifying no one.
  bool suppress = false;
  // Fold only into an incident whose last alert came within this many
  // minutes; an older one is resolved and a new one opened. 0: no window.
  int dedup_window_minutes = 0;
};

struct Rule {
  std::string name;                 // 1 to 64 characters, unique per service.
  std::vector<RuleCondition> when;  // All must hold; none: every alert.
  RuleActions then;
  bool stop = false;  // When it matched, later rules are not evaluated.
};

// A time when the service's new incidents open SUPPRESSED: once, or
// repeating every day or week at the same local time.
enum class Repeat { kNone = 0, kDaily = 1, kWeekly = 2 };

struct MaintenanceWindow {
  std::string name;  // 1 to 64 characters, unique per service.
  // The first (or only) start, as a civil time in `time_zone`, so a
  // repeating window keeps its local hour across daylight-saving changes.
  absl::CivilMinute starts;
  std::string time_zone = "UTC";  // An IANA name, e.g. "Europe/Berlin".
  absl::Duration duration;        // > 0; at most the repeat period.
  Repeat repeat = Repeat::kNone;
  // A repeating window's last occurrence starts before this; unset: never
  // ends.
  std::optional<absl::CivilMinute> repeat_until;
};

// An open incident of the service (of one source, and with one dedup key
// prefix, when set) with no alert for `quiet` resolves by itself (actor
// "timer:auto-resolve").
struct AutoResolve {
  std::string source;  // "": every source.
  absl::Duration quiet;
  // Only incidents whose dedup key starts with this, e.g. "push:"; "": all.
  std::string dedup_key_prefix;
};

// The rules of one service, in evaluation order, with its maintenance
// windows, auto-resolve settings and outbound webhooks: one document, one
// revision.
struct ServiceRules {
  std::string service_id;
  std::vector<Rule> rules;
  std::vector<MaintenanceWindow> maintenance;
  std::vector<AutoResolve> auto_resolve;
  std::vector<WebhookSubscription> webhooks;
  int64_t revision = 0;  // 0: never set; each save adds one.
  absl::Time updated_at;
  std::string updated_by;
};

}  // namespace alertgate

#endif  // ALERTGATE_SERVER_MODEL_RULE_H_
