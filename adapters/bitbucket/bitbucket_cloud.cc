// Bitbucket Cloud: repo:push, pullrequest:*, repo:commit_status_*.
// Field names: ../../tests/fixtures/bitbucket/PROVENANCE.md (appendix).
#include <string>
#include <vector>

#include "adapters/bitbucket/bitbucket_events.h"

namespace alertgate::bitbucket {
namespace {

using sdk::PayloadError;
using sdk::json::Bool;
using sdk::json::Find;
using sdk::json::Json;
using sdk::json::OptionalArray;
using sdk::json::OptionalString;
using sdk::json::RequireArray;
using sdk::json::RequireId;
using sdk::json::RequireObject;
using sdk::json::RequireString;
using sdk::json::String;
using sdk::json::TimeMicros;

std::string ActorName(const Json& body) {
  for (const char* field : {"display_name", "nickname", "username"}) {
    std::string name = String(body, {"actor", field});
    if (!name.empty()) return name;
  }
  return "someone";
}

bool IsAbsent(const std::optional<Json>& value) {
  return !value || value->is_null();
}

sdk::Conversion ConvertPush(const std::string& event, const Json& body) {
  const std::string repo = RequireString(body, {"repository", "full_name"});
  const std::string actor = ActorName(body);
  std::vector<sdk::Alert> alerts;
  for (Json change : RequireArray(body, {"push", "changes"})) {
    if (!change.is_object())
      throw PayloadError("push.changes[]: not an object");
    const std::optional<Json> new_ref = Find(change, {"new"});
    const std::optional<Json> old_ref = Find(change, {"old"});
    const bool deleted = IsAbsent(new_ref);
    const std::optional<Json> ref = deleted ? old_ref : new_ref;
    if (!ref || !ref->is_object()) {
      throw PayloadError("push.changes[]: neither new nor old is an object");
    }
    const std::string type = String(*ref, {"type"}, "branch");
    const std::string name = RequireString(*ref, {"name"});
    const std::string hash = deleted ? "" : String(*ref, {"target", "hash"});
    const bool created = Bool(change, {"created"}, false) || IsAbsent(old_ref);
    const bool forced = Bool(change, {"forced"}, false);
    const bool truncated = Bool(change, {"truncated"}, false);
    const std::optional<simdjson::dom::array> commits =
        OptionalArray(change, {"commits"});
    const size_t commit_count = commits ? commits->size() : 0;

    sdk::Alert alert;
    alert.action = sdk::Action::kTrigger;
    alert.severity = sdk::Severity::kInfo;
    alert.dedup_key = "push:" + repo + ":" + type + "/" + name + "@" +
                      (deleted ? std::string("deleted") : hash);
    if (deleted) {
      alert.summary = actor + " deleted " + type + " " + name + " in " + repo;
    } else if (created) {
      alert.summary = actor + " created " + type + " " + name + " in " + repo;
    } else {
      alert.summary = actor + (forced ? " force-pushed " : " pushed ") +
                      CountOf(commit_count, "commit", "commits") +
                      (truncated ? " (or more)" : "") + " to " + type + " " +
                      name + " in " + repo;
    }
    std::string description;
    if (!hash.empty()) description = "Head: " + hash + "\n";
    if (commits) {
      for (Json commit : *commits) {
        description += "- " + String(commit, {"hash"}).substr(0, 12) + " " +
                       FirstLine(String(commit, {"message"})) + " (" +
                       String(commit, {"author", "raw"}) + ")\n";
      }
      if (truncated) description += "- … more commits not listed\n";
    }
    alert.description = description;
    alert.tags = {{"repository", repo},
                  {type == "tag" ? "tag" : "branch", name},
                  {"event", event},
                  {"actor", actor}};
    alert.AddLink(String(*ref, {"links", "html", "href"}), type + " " + name);
    alert.AddLink(String(*ref, {"target", "links", "html", "href"}),
                  "commit " + hash.substr(0, 12));
    alert.AddLink(String(body, {"repository", "links", "html", "href"}), repo);
    alert.occurred_at_unix_micros = TimeMicros(*ref, {"target", "date"});
    alerts.push_back(std::move(alert));
  }
  if (alerts.empty()) {
    return sdk::Conversion::Ignored(event, "push without changed refs");
  }
  return sdk::Conversion::Alerts(event, std::move(alerts));
}

sdk::Conversion ConvertPullRequest(const std::string& event, const Json& body) {
  const Json pr = RequireObject(body, {"pullrequest"});
  PullRequestFacts facts;
  facts.event = event;
  if (event == "pullrequest:created") {
    facts.verb = "opened";
  } else if (event == "pullrequest:updated") {
    facts.verb = "updated";
  } else if (event == "pullrequest:fulfilled") {
    facts.action = sdk::Action::kResolve;
    facts.verb = "merged";
  } else {
    facts.action = sdk::Action::kResolve;
    facts.verb = "declined";
  }
  facts.repo = OptionalString(body, {"repository", "full_name"}).value_or("");
  if (facts.repo.empty()) {
    facts.repo = RequireString(pr, {"destination", "repository", "full_name"});
  }
  facts.id = RequireId(body, {"pullrequest", "id"});
  facts.title = String(pr, {"title"});
  facts.actor = ActorName(body);
  facts.author = String(pr, {"author", "display_name"});
  facts.description = String(pr, {"description"});
  facts.source_branch = String(pr, {"source", "branch", "name"});
  facts.target_branch = String(pr, {"destination", "branch", "name"});
  facts.source_repo = String(pr, {"source", "repository", "full_name"});
  facts.source_commit = String(pr, {"source", "commit", "hash"});
  facts.merge_commit = String(pr, {"merge_commit", "hash"});
  facts.link = String(pr, {"links", "html", "href"});
  facts.occurred_at_unix_micros = TimeMicros(pr, {"updated_on"});
  if (facts.occurred_at_unix_micros == 0) {
    facts.occurred_at_unix_micros = TimeMicros(pr, {"created_on"});
  }
  return sdk::Conversion::Alerts(event, {PullRequestAlert(facts)});
}

sdk::Conversion ConvertCommitStatus(const std::string& event,
                                    const Json& body) {
  const Json status = RequireObject(body, {"commit_status"});
  const std::string state = RequireString(status, {"state"});
  if (state != "FAILED" && state != "SUCCESSFUL") {
    return sdk::Conversion::Ignored(
        event, "commit status " + state + " neither fails nor passes");
  }
  std::string repo =
      OptionalString(body, {"repository", "full_name"}).value_or("");
  if (repo.empty()) repo = RequireString(status, {"repository", "full_name"});
  const std::string key = RequireString(status, {"key"});
  const std::string ref = String(status, {"refname"}, "(no ref)");
  const std::string name = String(status, {"name"}, key);
  const std::string hash = String(status, {"commit", "hash"});

  sdk::Alert alert;
  alert.dedup_key = "build:" + repo + ":" + ref + ":" + key;
  if (state == "FAILED") {
    alert.action = sdk::Action::kTrigger;
    alert.severity = sdk::Severity::kError;
    alert.summary = name + " failed on " + ref + " in " + repo;
  } else {
    alert.action = sdk::Action::kResolve;
    alert.severity = sdk::Severity::kInfo;
    alert.summary = name + " passed on " + ref + " in " + repo;
  }
  alert.description = String(status, {"description"});
  if (!hash.empty()) {
    alert.description += "\nCommit: " + hash + " " +
                         FirstLine(String(status, {"commit", "message"}));
  }
  alert.tags = {{"repository", repo},
                {"branch", ref},
                {"event", event},
                {"actor", ActorName(body)},
                {"build", key}};
  alert.AddLink(String(status, {"url"}), name);
  alert.occurred_at_unix_micros = TimeMicros(status, {"updated_on"});
  return sdk::Conversion::Alerts(event, {std::move(alert)});
}

}  // namespace

std::optional<sdk::Conversion> ConvertCloudEvent(const std::string& event,
                                                 const Json& body) {
  if (event == "repo:push") return ConvertPush(event, body);
  if (event == "pullrequest:created" || event == "pullrequest:updated" ||
      event == "pullrequest:fulfilled" || event == "pullrequest:rejected") {
    return ConvertPullRequest(event, body);
  }
  if (event == "repo:commit_status_created" ||
      event == "repo:commit_status_updated") {
    return ConvertCommitStatus(event, body);
  }
  return std::nullopt;
}

}  // namespace alertgate::bitbucket
