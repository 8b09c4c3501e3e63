#include "server/core/rule_set.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "server/model/alert_limits.h"
#include "server/model/errors.h"
#include "server/model/status_macros.h"

namespace alertgate {
namespace {

absl::Status CheckTags(const std::string& where, const Tags& tags) {
  if (tags.size() > kMaxTags) {
    return errors::InvalidField(where,
                                absl::StrCat("more than ", kMaxTags, " tags"));
  }
  for (const auto& [key, value] : tags) {
    if (key.empty() || key.size() > kMaxTagKeyBytes) {
      return errors::InvalidField(
          where,
          absl::StrCat("tag names are 1 to ", kMaxTagKeyBytes, " bytes"));
    }
    if (value.size() > kMaxTagValueBytes) {
      return errors::InvalidField(
          absl::StrCat(where, ".", key),
          absl::StrCat("longer than ", kMaxTagValueBytes, " bytes"));
    }
  }
  return absl::OkStatus();
}

bool IsKnownSeverity(Severity severity) {
  switch (severity) {
    case Severity::kUnspecified:
    case Severity::kInfo:
    case Severity::kWarning:
    case Severity::kError:
    case Severity::kCritical:
      return true;
  }
  return false;
}

// Sets tags while the alert has room for them (kMaxTags).
void PutTags(const Tags& tags, bool replace, Tags& into) {
  for (const auto& [key, value] : tags) {
    auto at = into.find(key);
    if (at != into.end()) {
      if (replace) at->second = value;
    } else if (into.size() < kMaxTags) {
      into.emplace(key, value);
    }
  }
}

// An http:// or https:// URL with a host, no spaces or control characters.
bool IsWebhookUrl(absl::string_view url) {
  absl::string_view rest = url;
  if (!absl::ConsumePrefix(&rest, "https://") &&
      !absl::ConsumePrefix(&rest, "http://")) {
    return false;
  }
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) return false;
  }
  const size_t host_end = rest.find_first_of("/?#");
  const absl::string_view authority = rest.substr(0, host_end);
  return !authority.empty() && authority.front() != ':' &&
         authority.find('@') == absl::string_view::npos;
}

absl::Status CheckWebhooks(const std::vector<WebhookSubscription>& webhooks) {
  if (webhooks.size() > RuleSet::kMaxWebhooks) {
    return errors::InvalidField(
        "webhooks", absl::StrCat("more than ", RuleSet::kMaxWebhooks));
  }
  for (size_t i = 0; i < webhooks.size(); ++i) {
    const WebhookSubscription& w = webhooks[i];
    const std::string at = absl::StrCat("webhooks[", i, "]");
    if (w.name.empty() || w.name.size() > RuleSet::kMaxNameBytes) {
      return errors::InvalidField(
          at + ".name",
          absl::StrCat("1 to ", RuleSet::kMaxNameBytes, " bytes"));
    }
    for (size_t j = 0; j < i; ++j) {
      if (webhooks[j].name == w.name) {
        return errors::InvalidField(
            at + ".name", absl::StrCat("\"", w.name, "\" is used twice"));
      }
    }
    if (w.url.size() > RuleSet::kMaxUrlBytes || !IsWebhookUrl(w.url)) {
      return errors::InvalidField(
          at + ".url",
          "an http:// or https:// URL with a host (no user:password@), at "
          "most 2048 bytes");
    }
    if (w.events.empty()) {
      return errors::InvalidField(
          at + ".events",
          "at least one of triggered, acknowledged, resolved, suppressed");
    }
    for (size_t k = 0; k < w.events.size(); ++k) {
      const int value = static_cast<int>(w.events[k]);
      if (value < 1 || value > 4) {
        return errors::InvalidField(absl::StrCat(at, ".events[", k, "]"),
                                    "not an event");
      }
      for (size_t m = 0; m < k; ++m) {
        if (w.events[m] == w.events[k]) {
          return errors::InvalidField(absl::StrCat(at, ".events[", k, "]"),
                                      "listed twice");
        }
      }
    }
    if (w.format != WebhookFormat::kJson && w.format != WebhookFormat::kSlack) {
      return errors::InvalidField(at + ".format", "json or slack");
    }
    if (w.secret.empty() || w.secret.size() > RuleSet::kMaxSecretBytes) {
      return errors::InvalidField(at + ".secret", "1 to 256 bytes");
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::string_view SeverityWord(Severity severity) {
  switch (severity) {
    case Severity::kInfo:
      return "info";
    case Severity::kWarning:
      return "warning";
    case Severity::kError:
      return "error";
    case Severity::kCritical:
      return "critical";
    case Severity::kUnspecified:
      break;
  }
  return "";
}

absl::StatusOr<std::shared_ptr<const RuleSet>> RuleSet::Compile(
    const std::vector<Rule>& rules,
    const std::vector<MaintenanceWindow>& maintenance,
    const std::vector<WebhookSubscription>& webhooks) {
  AG_RETURN_IF_ERROR(CheckWebhooks(webhooks));
  if (rules.size() > kMaxRules) {
    return errors::InvalidField("rules", absl::StrCat("more than ", kMaxRules));
  }
  auto set = std::make_shared<RuleSet>();
  std::vector<std::string> names;
  for (size_t i = 0; i < rules.size(); ++i) {
    const Rule& rule = rules[i];
    const std::string at = absl::StrCat("rules[", i, "]");
    if (rule.name.empty() || rule.name.size() > kMaxNameBytes) {
      return errors::InvalidField(
          at + ".name", absl::StrCat("1 to ", kMaxNameBytes, " bytes"));
    }
    for (const std::string& name : names) {
      if (name == rule.name) {
        return errors::InvalidField(
            at + ".name", absl::StrCat("\"", rule.name, "\" is used twice"));
      }
    }
    names.push_back(rule.name);
    if (rule.when.size() > kMaxConditions) {
      return errors::InvalidField(
          at + ".when",
          absl::StrCat("more than ", kMaxConditions, " conditions"));
    }
    CompiledRule compiled{rule, {}};
    for (size_t j = 0; j < rule.when.size(); ++j) {
      const RuleCondition& spec = rule.when[j];
      const std::string where = absl::StrCat(at, ".when[", j, "]");
      if (spec.field < RuleField::kSource || spec.field > RuleField::kTag) {
        return errors::InvalidField(where + ".field", "unknown field");
      }
      if (spec.field == RuleField::kTag &&
          (spec.tag.empty() || spec.tag.size() > kMaxTagKeyBytes)) {
        return errors::InvalidField(
            where + ".tag", "the tag's name is required for a tag condition");
      }
      if (spec.value.size() > kMaxValueBytes) {
        return errors::InvalidField(
            where + ".value",
            absl::StrCat("longer than ", kMaxValueBytes, " bytes"));
      }
      Condition condition{spec, nullptr};
      switch (spec.op) {
        case MatchOperator::kEquals:
        case MatchOperator::kPrefix:
          break;
        case MatchOperator::kRegex: {
          RE2::Options options;
          options.set_log_errors(false);
          options.set_max_mem(1 << 20);
          condition.regex = std::make_unique<RE2>(spec.value, options);
          if (!condition.regex->ok()) {
            return errors::InvalidField(
                where + ".value",
                absl::StrCat("not a valid regular expression: ",
                             condition.regex->error()));
          }
          break;
        }
        default:
          return errors::InvalidField(where + ".op", "unknown operator");
      }
      compiled.when.push_back(std::move(condition));
    }
    const RuleActions& then = rule.then;
    AG_RETURN_IF_ERROR(CheckTags(at + ".then.set_tags", then.set_tags));
    AG_RETURN_IF_ERROR(CheckTags(at + ".then.add_tags", then.add_tags));
    if (then.set_severity && !IsKnownSeverity(*then.set_severity)) {
      return errors::InvalidField(at + ".then.set_severity",
                                  "unknown severity");
    }
    if (then.dedup_window_minutes < 0 ||
        then.dedup_window_minutes > kMaxDedupWindowMinutes) {
      return errors::InvalidField(
          at + ".then.dedup_window_minutes",
          absl::StrCat("0 to ", kMaxDedupWindowMinutes, " (a week)"));
    }
    set->rules_.push_back(std::move(compiled));
  }
  AG_ASSIGN_OR_RETURN(set->maintenance_,
                      MaintenanceSchedule::Compile(maintenance));
  set->webhooks_ = webhooks;
  return std::shared_ptr<const RuleSet>(std::move(set));
}

bool RuleSet::Holds(const Condition& condition, const Alert& alert,
                    const std::string& event) const {
  const RuleCondition& spec = condition.spec;
  absl::string_view value;
  switch (spec.field) {
    case RuleField::kSource:
      value = alert.source;
      break;
    case RuleField::kEvent:
      value = event;
      break;
    case RuleField::kDedupKey:
      value = alert.dedup_key;
      break;
    case RuleField::kSummary:
      value = alert.summary;
      break;
    case RuleField::kSeverity:
      value = SeverityWord(alert.severity);
      break;
    case RuleField::kTag: {
      auto tag = alert.tags.find(spec.tag);
      // A missing tag matches nothing (and a negated condition holds).
      if (tag == alert.tags.end()) return spec.negate;
      value = tag->second;
      break;
    }
  }
  bool matches = false;
  switch (spec.op) {
    case MatchOperator::kEquals:
      matches = value == spec.value;
      break;
    case MatchOperator::kPrefix:
      matches = absl::StartsWith(value, spec.value);
      break;
    case MatchOperator::kRegex:
      matches = RE2::FullMatch(re2::StringPiece(value.data(), value.size()),
                               *condition.regex);
      break;
  }
  return matches != spec.negate;
}

RuleVerdict RuleSet::Apply(Alert& alert, const std::string& event) const {
  RuleVerdict verdict;
  for (const CompiledRule& compiled : rules_) {
    bool holds = true;
    for (const Condition& condition : compiled.when) {
      if (!Holds(condition, alert, event)) {
        holds = false;
        break;
      }
    }
    if (!holds) continue;
    const Rule& rule = compiled.rule;
    const RuleActions& then = rule.then;
    verdict.matched.push_back(rule.name);
    PutTags(then.set_tags, /*replace=*/true, alert.tags);
    PutTags(then.add_tags, /*replace=*/false, alert.tags);
    if (then.set_severity) alert.severity = *then.set_severity;
    if (then.suppress && verdict.suppressed_by.empty()) {
      verdict.suppressed_by = rule.name;
    }
    if (!then.route_to_service_id.empty()) {
      verdict.route_to_service_id = then.route_to_service_id;
      verdict.routed_by = rule.name;
    }
    if (then.dedup_window_minutes > 0) {
      verdict.dedup_window_minutes = then.dedup_window_minutes;
      verdict.window_rule = rule.name;
    }
    if (rule.stop) break;
  }
  return verdict;
}

}  // namespace alertgate
