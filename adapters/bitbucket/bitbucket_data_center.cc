// Bitbucket Data Center / Server: repo:refs_changed, pr:*, diagnostics:ping.
// Field names: ../../tests/fixtures/bitbucket/PROVENANCE.md (appendix).
#include <atomic>
#include <chrono>
#include <string>
#include <vector>

#include "adapters/bitbucket/bitbucket_events.h"

namespace alertgate::bitbucket {
namespace {

using sdk::PayloadError;
using sdk::json::Find;
using sdk::json::Json;
using sdk::json::OptionalArray;
using sdk::json::RequireArray;
using sdk::json::RequireId;
using sdk::json::RequireObject;
using sdk::json::RequireString;
using sdk::json::String;
using sdk::json::TimeMicros;

// "PROJECT/slug": Data Center bodies carry no full name.
std::string RepositoryName(const Json& repository, const char* where) {
  const std::optional<Json> project_key = Find(repository, {"project", "key"});
  const std::optional<Json> slug = Find(repository, {"slug"});
  if (!project_key || !project_key->is_string() || !slug ||
      !slug->is_string()) {
    throw PayloadError(std::string(where) +
                       ": repository needs project.key and slug");
  }
  return String(repository, {"project", "key"}) + "/" +
         String(repository, {"slug"});
}

std::string ActorName(const Json& body) {
  for (const char* field : {"displayName", "name", "slug"}) {
    std::string name = String(body, {"actor", field});
    if (!name.empty()) return name;
  }
  return "someone";
}

// The first links.self[].href of an object, if any.
std::string SelfLink(const Json& object) {
  if (const auto self = OptionalArray(object, {"links", "self"})) {
    for (Json first : *self) return String(first, {"href"});
  }
  return "";
}

bool IsZeroHash(const std::string& hash) {
  return !hash.empty() && hash.find_first_not_of('0') == std::string::npos;
}

sdk::Conversion ConvertRefsChanged(const std::string& event, const Json& body) {
  const std::string repo =
      RepositoryName(RequireObject(body, {"repository"}), "repository");
  const std::string actor = ActorName(body);
  const int64_t at = TimeMicros(body, {"date"});
  std::vector<sdk::Alert> alerts;
  for (Json change : RequireArray(body, {"changes"})) {
    if (!change.is_object()) throw PayloadError("changes[]: not an object");
    std::string ref_id = String(change, {"refId"});
    if (ref_id.empty()) ref_id = RequireString(change, {"ref", "id"});
    std::string display = String(change, {"ref", "displayId"});
    const std::string ref_type = String(change, {"ref", "type"}, "BRANCH");
    if (display.empty()) display = ref_id;
    const std::string type = String(change, {"type"}, "UPDATE");
    const std::string to_hash = String(change, {"toHash"});
    const std::string from_hash = String(change, {"fromHash"});
    const bool deleted = type == "DELETE" || IsZeroHash(to_hash);
    const bool created = type == "ADD" || IsZeroHash(from_hash);
    const std::string kind = ref_type == "TAG" ? "tag" : "branch";

    sdk::Alert alert;
    alert.action = sdk::Action::kTrigger;
    alert.severity = sdk::Severity::kInfo;
    alert.dedup_key = "push:" + repo + ":" + ref_id + "@" +
                      (deleted ? std::string("deleted") : to_hash);
    if (deleted) {
      alert.summary =
          actor + " deleted " + kind + " " + display + " in " + repo;
    } else if (created) {
      alert.summary =
          actor + " created " + kind + " " + display + " in " + repo;
    } else {
      alert.summary = actor +
                      (type == "UPDATE" ? " pushed to " : " force-pushed ") +
                      kind + " " + display + " in " + repo;
    }
    std::string description;
    if (!deleted) description = "Head: " + to_hash + "\n";
    if (!from_hash.empty() && !created)
      description += "Previous: " + from_hash + "\n";
    if (const auto commits = OptionalArray(body, {"commits"})) {
      for (Json commit : *commits) {
        description += "- " + String(commit, {"displayId"}) + " " +
                       FirstLine(String(commit, {"message"})) + " (" +
                       String(commit, {"author", "name"}) + ")\n";
      }
    }
    alert.description = description;
    alert.tags = {{"repository", repo},
                  {kind, display},
                  {"event", event},
                  {"actor", actor}};
    alert.occurred_at_unix_micros = at;
    alerts.push_back(std::move(alert));
  }
  if (alerts.empty()) {
    return sdk::Conversion::Ignored(event, "refs changed without changes");
  }
  return sdk::Conversion::Alerts(event, std::move(alerts));
}

sdk::Conversion ConvertPullRequest(const std::string& event, const Json& body) {
  const Json pr = RequireObject(body, {"pullRequest"});
  PullRequestFacts facts;
  facts.event = event;
  if (event == "pr:opened") {
    facts.verb = "opened";
  } else if (event == "pr:modified") {
    facts.verb = "modified";
  } else if (event == "pr:from_ref_updated") {
    facts.verb = "pushed to";
  } else if (event == "pr:merged") {
    facts.action = sdk::Action::kResolve;
    facts.verb = "merged";
  } else if (event == "pr:declined") {
    facts.action = sdk::Action::kResolve;
    facts.verb = "declined";
  } else {
    facts.action = sdk::Action::kResolve;
    facts.verb = "deleted";
  }
  facts.id = RequireId(body, {"pullRequest", "id"});
  const Json to_ref = RequireObject(pr, {"toRef"});
  facts.repo = RepositoryName(RequireObject(to_ref, {"repository"}),
                              "pullRequest.toRef");
  facts.title = String(pr, {"title"});
  facts.actor = ActorName(body);
  facts.author = String(pr, {"author", "user", "displayName"});
  facts.description = String(pr, {"description"});
  facts.source_branch = String(pr, {"fromRef", "displayId"});
  facts.target_branch = String(to_ref, {"displayId"});
  if (const std::optional<Json> from_repo = Find(pr, {"fromRef", "repository"});
      from_repo && from_repo->is_object()) {
    facts.source_repo = RepositoryName(*from_repo, "pullRequest.fromRef");
  }
  facts.source_commit = String(pr, {"fromRef", "latestCommit"});
  facts.merge_commit = String(pr, {"properties", "mergeCommit", "id"});
  facts.link = SelfLink(pr);
  facts.occurred_at_unix_micros = TimeMicros(body, {"date"});
  if (facts.occurred_at_unix_micros == 0) {
    facts.occurred_at_unix_micros = TimeMicros(pr, {"updatedDate"});
  }
  return sdk::Conversion::Alerts(event, {PullRequestAlert(facts)});
}

// "Test connection": a test alert that opens and resolves at once, so the
// source shows as receiving alerts and nothing stays open.
sdk::Conversion ConvertPing(const std::string& event,
                            const std::string& delivery_id) {
  static std::atomic<uint64_t> counter{0};
  std::string id = delivery_id;
  if (id.empty()) {
    id = std::to_string(
             std::chrono::system_clock::now().time_since_epoch().count()) +
         "-" + std::to_string(counter++);
  }
  sdk::Alert trigger;
  trigger.action = sdk::Action::kTrigger;
  trigger.severity = sdk::Severity::kInfo;
  trigger.dedup_key = "ping:" + id;
  trigger.summary = "Bitbucket test connection (diagnostics:ping)";
  trigger.description =
      "Sent by \"Test connection\" in Bitbucket's webhook settings. Resolved "
      "at once.";
  trigger.tags = {{"event", event}};
  sdk::Alert resolve = trigger;
  resolve.action = sdk::Action::kResolve;
  return sdk::Conversion::Alerts(event,
                                 {std::move(trigger), std::move(resolve)});
}

}  // namespace

std::optional<sdk::Conversion> ConvertDataCenterEvent(
    const std::string& event, const Json& body,
    const std::string& delivery_id) {
  if (event == "diagnostics:ping") return ConvertPing(event, delivery_id);
  if (event == "repo:refs_changed") return ConvertRefsChanged(event, body);
  if (event == "pr:opened" || event == "pr:modified" ||
      event == "pr:from_ref_updated" || event == "pr:merged" ||
      event == "pr:declined" || event == "pr:deleted") {
    return ConvertPullRequest(event, body);
  }
  return std::nullopt;
}

}  // namespace alertgate::bitbucket
