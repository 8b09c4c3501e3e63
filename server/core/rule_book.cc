#include "server/core/rule_book.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "server/model/errors.h"
#include "server/model/status_macros.h"
#include "server/model/validation.h"
#include "server/model/webhook_key.h"

namespace alertgate {

RuleBook::RuleBook(IncidentStore* store, const Clock* clock)
    : store_(store), clock_(clock) {}

absl::StatusOr<ServiceRules> RuleBook::Get(const std::string& service_id) {
  if (service_id.empty()) return errors::InvalidField("service_id", "required");
  AG_ASSIGN_OR_RETURN(std::optional<ServiceRules> rules,
                      store_->GetServiceRules(service_id));
  if (rules) return *std::move(rules);
  AG_ASSIGN_OR_RETURN(std::optional<Service> service,
                      store_->GetService(service_id));
  if (!service) return errors::ServiceNotFound(service_id);
  ServiceRules none;
  none.service_id = service_id;
  return none;
}

absl::StatusOr<ServiceRules> RuleBook::Set(const std::string& service_id,
                                           std::vector<Rule> rules,
                                           int64_t expected_revision,
                                           const std::string& actor) {
  return Save(service_id, expected_revision, actor, "rules.set",
              [&](ServiceRules& doc) {
                doc.rules = rules;
                return absl::OkStatus();
              });
}

absl::StatusOr<ServiceRules> RuleBook::SetMaintenance(
    const std::string& service_id, std::vector<MaintenanceWindow> windows,
    int64_t expected_revision, const std::string& actor) {
  return Save(service_id, expected_revision, actor, "maintenance.set",
              [&](ServiceRules& doc) {
                doc.maintenance = windows;
                return absl::OkStatus();
              });
}

absl::StatusOr<ServiceRules> RuleBook::SetAutoResolve(
    const std::string& service_id, std::vector<AutoResolve> settings,
    int64_t expected_revision, const std::string& actor) {
  for (size_t i = 0; i < settings.size(); ++i) {
    const std::string at = absl::StrCat("settings[", i, "]");
    if (!settings[i].source.empty()) {
      AG_RETURN_IF_ERROR(ValidateName(at + ".source", settings[i].source));
    }
    if (settings[i].dedup_key_prefix.size() > kMaxKeyBytes) {
      return errors::InvalidField(at + ".dedup_key_prefix",
                                  "longer than 255 bytes");
    }
    for (size_t j = 0; j < i; ++j) {
      if (settings[j].source == settings[i].source &&
          settings[j].dedup_key_prefix == settings[i].dedup_key_prefix) {
        return errors::InvalidField(
            at + ".source",
            absl::StrCat(settings[i].source.empty()
                             ? std::string("every source")
                             : "\"" + settings[i].source + "\"",
                         settings[i].dedup_key_prefix.empty()
                             ? ""
                             : " with dedup key prefix \"" +
                                   settings[i].dedup_key_prefix + "\"",
                         " is set twice"));
      }
    }
    if (settings[i].quiet < absl::Minutes(1) || settings[i].quiet > kMaxQuiet) {
      return errors::InvalidField(at + ".quiet_minutes", "1 minute to 30 days");
    }
  }
  return Save(service_id, expected_revision, actor, "auto_resolve.set",
              [&](ServiceRules& doc) {
                doc.auto_resolve = settings;
                return absl::OkStatus();
              });
}

absl::StatusOr<ServiceRules> RuleBook::PutWebhook(const std::string& service_id,
                                                  WebhookSubscription webhook,
                                                  int64_t expected_revision,
                                                  const std::string& actor) {
  std::string generated;
  if (webhook.secret.empty()) {
    AG_ASSIGN_OR_RETURN(std::string key, GenerateWebhookKey());
    generated = absl::StrCat("agws_", key);
  }
  return Save(service_id, expected_revision, actor, "webhook.put",
              [&](ServiceRules& doc) {
                WebhookSubscription put = webhook;
                for (WebhookSubscription& existing : doc.webhooks) {
                  if (existing.name != put.name) continue;
                  if (put.secret.empty()) put.secret = existing.secret;
                  existing = std::move(put);
                  return absl::OkStatus();
                }
                if (put.secret.empty()) put.secret = generated;
                doc.webhooks.push_back(std::move(put));
                return absl::OkStatus();
              });
}

absl::StatusOr<ServiceRules> RuleBook::RemoveWebhook(
    const std::string& service_id, const std::string& name,
    int64_t expected_revision, const std::string& actor) {
  return Save(
      service_id, expected_revision, actor, "webhook.remove",
      [&](ServiceRules& doc) -> absl::Status {
        for (auto it = doc.webhooks.begin(); it != doc.webhooks.end(); ++it) {
          if (it->name == name) {
            doc.webhooks.erase(it);
            return absl::OkStatus();
          }
        }
        return absl::NotFoundError(
            absl::StrCat("the service has no webhook named \"", name, "\""));
      });
}

absl::StatusOr<ServiceRules> RuleBook::Save(
    const std::string& service_id, int64_t expected_revision,
    const std::string& actor, const std::string& action,
    const std::function<absl::Status(ServiceRules&)>& change) {
  if (service_id.empty()) return errors::InvalidField("service_id", "required");
  AG_RETURN_IF_ERROR(ValidateActor(actor));
  ServiceRules saved;
  std::shared_ptr<const RuleSet> compiled;
  bool changed = false;
  AG_RETURN_IF_ERROR(store_->Write([&](StoreTransaction& tx) -> absl::Status {
    AG_ASSIGN_OR_RETURN(std::optional<Service> service,
                        tx.FindService(service_id));
    if (!service) return errors::ServiceNotFound(service_id);
    AG_ASSIGN_OR_RETURN(std::optional<ServiceRules> stored,
                        tx.FindServiceRules(service_id));
    const int64_t revision = stored ? stored->revision : 0;
    if (expected_revision >= 0 && expected_revision != revision) {
      return absl::AbortedError(absl::StrCat(
          "the rules are at revision ", revision, ", not ", expected_revision,
          ": someone saved them in between; read them again"));
    }
    // Set afresh on every run: a store may run this work twice.
    saved = stored ? *stored : ServiceRules();
    saved.service_id = service_id;
    AG_RETURN_IF_ERROR(change(saved));
    AG_ASSIGN_OR_RETURN(
        compiled,
        RuleSet::Compile(saved.rules, saved.maintenance, saved.webhooks));
    for (size_t i = 0; i < saved.rules.size(); ++i) {
      const std::string& target = saved.rules[i].then.route_to_service_id;
      if (target.empty()) continue;
      AG_ASSIGN_OR_RETURN(std::optional<Service> routed,
                          tx.FindService(target));
      if (!routed) {
        return errors::InvalidField(
            absl::StrCat("rules[", i, "].then.route_to_service_id"),
            absl::StrCat("no service has the id \"", target, "\""));
      }
    }
    saved.revision = revision + 1;
    saved.updated_at = clock_->Now();
    saved.updated_by = actor;
    AG_RETURN_IF_ERROR(tx.PutServiceRules(saved));
    changed = true;
    return tx
        .AppendAudit(
            {0, saved.updated_at, actor, action, service->name,
             absl::StrCat("revision ", saved.revision, ": ", saved.rules.size(),
                          " rules, ", saved.maintenance.size(),
                          " maintenance windows, ", saved.auto_resolve.size(),
                          " auto-resolve settings, ", saved.webhooks.size(),
                          " webhooks")})
        .status();
  }));
  if (changed) {
    Remember(service_id, saved.revision,
             compiled->empty() ? nullptr : std::move(compiled));
  }
  return saved;
}

absl::StatusOr<RuleTrial> RuleBook::Test(
    const std::string& service_id, Alert alert,
    const std::optional<std::vector<Rule>>& candidate) {
  AG_ASSIGN_OR_RETURN(ServiceRules saved, Get(service_id));
  AG_ASSIGN_OR_RETURN(std::shared_ptr<const RuleSet> rules,
                      RuleSet::Compile(candidate ? *candidate : saved.rules,
                                       saved.maintenance));
  RuleTrial trial;
  alert.service_id = service_id;
  trial.verdict = rules->Apply(alert, alert.event);
  if (alert.action == Action::kTrigger) {
    trial.verdict.maintenance_window = rules->MaintenanceAt(clock_->Now());
  }
  if (!trial.verdict.route_to_service_id.empty()) {
    alert.service_id = trial.verdict.route_to_service_id;
  }
  trial.alert = std::move(alert);
  return trial;
}

absl::StatusOr<std::shared_ptr<const RuleSet>> RuleBook::ForIngest(
    StoreTransaction& tx, const std::string& service_id) {
  const absl::Time now = absl::Now();
  int64_t cached_revision = -1;
  {
    absl::MutexLock lock(&mu_);
    auto at = cache_.find(service_id);
    if (at != cache_.end()) {
      if (now - at->second.checked_at < kRecheckEvery) return at->second.rules;
      cached_revision = at->second.revision;
    }
  }
  AG_ASSIGN_OR_RETURN(std::optional<ServiceRules> stored,
                      tx.FindServiceRules(service_id));
  const int64_t revision = stored ? stored->revision : 0;
  if (revision == cached_revision) {
    absl::MutexLock lock(&mu_);
    Cached& cached = cache_[service_id];
    cached.checked_at = now;
    return cached.rules;
  }
  std::shared_ptr<const RuleSet> rules;
  if (stored && (!stored->rules.empty() || !stored->maintenance.empty() ||
                 !stored->webhooks.empty())) {
    // Checked when saved; a failure here means the stored rules are not
    // what this build saves.
    absl::StatusOr<std::shared_ptr<const RuleSet>> compiled =
        RuleSet::Compile(stored->rules, stored->maintenance, stored->webhooks);
    if (!compiled.ok()) {
      return errors::StoreCorrupt(absl::StrCat(
          "rules of service ", service_id, ": ", compiled.status().message()));
    }
    rules = *std::move(compiled);
  }
  Remember(service_id, revision, rules);
  return rules;
}

void RuleBook::Remember(const std::string& service_id, int64_t revision,
                        std::shared_ptr<const RuleSet> rules) {
  absl::MutexLock lock(&mu_);
  Cached& cached = cache_[service_id];
  // A slower caller must not put back an older revision.
  if (revision < cached.revision) return;
  cached.revision = revision;
  cached.rules = std::move(rules);
  cached.checked_at = absl::Now();
}

}  // namespace alertgate
