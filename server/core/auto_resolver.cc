#include "server/core/auto_resolver.h"

#include <stdio.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "server/model/status_macros.h"

namespace alertgate {
namespace {

constexpr char kActor[] = "timer:auto-resolve";

}  // namespace

AutoResolver::AutoResolver(IncidentCore* core, IncidentStore* store,
                           const Clock* clock, absl::Duration interval)
    : core_(core), store_(store), clock_(clock), background_(interval, [this] {
        absl::StatusOr<int> resolved = RunOnce();
        if (!resolved.ok()) {
          fprintf(stderr, "alertgate: auto-resolve: %s\n",
                  std::string(resolved.status().message()).c_str());
        }
      }) {}

absl::StatusOr<int> AutoResolver::RunOnce() {
  int resolved = 0;
  AG_RETURN_IF_ERROR(
      store_->RunExclusive("auto-resolve", [&] { return Sweep(resolved); })
          .status());
  return resolved;
}

absl::Status AutoResolver::Sweep(int& resolved) {
  AG_ASSIGN_OR_RETURN(std::vector<ServiceRules> documents,
                      store_->ListAutoResolveRules());
  for (const ServiceRules& document : documents) {
    for (const AutoResolve& setting : document.auto_resolve) {
      while (true) {
        const absl::Time now = clock_->Now();
        const absl::Time before = now - setting.quiet;
        AG_ASSIGN_OR_RETURN(std::vector<Incident> quiet,
                            store_->ListQuietIncidents(
                                document.service_id, setting.source,
                                setting.dedup_key_prefix, before, kBatch));
        int batch_resolved = 0;
        for (const Incident& found : quiet) {
          AG_ASSIGN_OR_RETURN(
              const bool done,
              core_->ResolveIfQuiet(
                  found.id, before, kActor,
                  absl::StrCat(
                      "no alert for ", absl::FormatDuration(setting.quiet),
                      " (auto-resolve of ",
                      setting.source.empty() ? "every source"
                                             : "source " + setting.source,
                      setting.dedup_key_prefix.empty()
                          ? ""
                          : ", dedup keys " + setting.dedup_key_prefix + "*",
                      ")")));
          if (done) ++batch_resolved;
        }
        resolved += batch_resolved;
        // A full batch may have more behind it; a batch where nothing could
        // be resolved (all woke up meanwhile) ends the round.
        if (static_cast<int>(quiet.size()) < kBatch || batch_resolved == 0) {
          break;
        }
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace alertgate
