// GitLab project and group webhooks, registered as "gitlab" (mapping:
// docs/gitlab.md). The event is X-Gitlab-Event, the delivery id
// Idempotency-Key (equal across retries) or X-Gitlab-Event-UUID, the secret
// token X-Gitlab-Token.
//
//   Push Hook, Tag Push Hook          TRIGGER per ref and new head
//   Merge Request Hook open / reopen  TRIGGER, keyed on the merge request
//   Merge Request Hook merge / close  RESOLVE of the same
//   Pipeline Hook failed              TRIGGER, keyed on the project and ref
//   Pipeline Hook success             RESOLVE of the same
//   anything else                     ignored, with the reason
#include <string>
#include <vector>

#include "alertgate/adapter_sdk.h"
#include "alertgate/json_fields.h"

namespace alertgate::gitlab {
namespace {

namespace sdk = ::alertgate::sdk;
using sdk::json::Json;
using sdk::json::RequireId;
using sdk::json::RequireString;
using sdk::json::String;
using sdk::json::TimeMicros;

// What GitLab writes as the "before" of a new ref and the "after" of a
// deleted one.
constexpr char kNoCommit[] = "0000000000000000000000000000000000000000";

std::string ProjectOf(const Json& body) {
  return RequireString(body, {"project", "path_with_namespace"});
}

// "jsmith", else the display name, else "someone".
std::string UserOf(const Json& body) {
  std::string name = String(body, {"user", "username"});
  if (name.empty()) name = String(body, {"user_username"});
  if (name.empty()) name = String(body, {"user", "name"});
  if (name.empty()) name = String(body, {"user_name"});
  return name.empty() ? "someone" : name;
}

sdk::Conversion Push(const std::string& event, const Json& body) {
  const std::string project = ProjectOf(body);
  const std::string ref = RequireString(body, {"ref"});
  const std::string before = String(body, {"before"});
  const std::string after = RequireString(body, {"after"});
  const bool deleted = after == kNoCommit;
  const bool created = before == kNoCommit;
  std::string kind = "branch", name = ref;
  if (ref.rfind("refs/heads/", 0) == 0) {
    name = ref.substr(11);
  } else if (ref.rfind("refs/tags/", 0) == 0) {
    kind = "tag";
    name = ref.substr(10);
  }
  // GitLab lists at most 20 commits; the count is of them all.
  size_t listed = 0;
  std::string description;
  int64_t head_time = 0;
  if (auto commits = sdk::json::OptionalArray(body, {"commits"})) {
    for (Json commit : *commits) {
      ++listed;
      std::string message = String(commit, {"message"});
      message = message.substr(0, message.find('\n'));
      description += String(commit, {"id"}).substr(0, 12) + " " + message +
                     " (" + String(commit, {"author", "name"}) + ")\n";
      if (String(commit, {"id"}) == after) {
        head_time = TimeMicros(commit, {"timestamp"});
      }
    }
  }
  int64_t total = static_cast<int64_t>(listed);
  if (auto count = sdk::json::Find(body, {"total_commits_count"})) {
    int64_t value;
    if (count->get(value) == simdjson::SUCCESS && value >= total) total = value;
  }
  if (total > static_cast<int64_t>(listed)) {
    description +=
        std::to_string(total - listed) + " more commits not listed\n";
  }
  const std::string pusher = UserOf(body);
  sdk::Alert alert;
  alert.action = sdk::Action::kTrigger;
  alert.severity = sdk::Severity::kInfo;
  alert.dedup_key =
      "push:" + project + ":" + ref + "@" + (deleted ? "deleted" : after);
  if (deleted) {
    alert.summary = pusher + " deleted " + kind + " " + name + " in " + project;
  } else if (created && total == 0) {
    alert.summary = pusher + " created " + kind + " " + name + " in " + project;
  } else {
    alert.summary = pusher + " pushed " + std::to_string(total) +
                    (total == 1 ? " commit to " : " commits to ") + kind + " " +
                    name + " in " + project;
  }
  alert.description = description;
  alert.tags = {{"project", project}, {kind, name}};
  const std::string web_url = String(body, {"project", "web_url"});
  if (!created && !deleted && !web_url.empty()) {
    alert.AddLink(web_url + "/-/compare/" + before + "..." + after, "Compare");
  }
  alert.AddLink(web_url, "Project");
  alert.occurred_at_unix_micros = head_time;
  return sdk::Conversion::Alerts(event, {std::move(alert)});
}

sdk::Conversion MergeRequest(const std::string& event, const Json& body) {
  const std::string action =
      RequireString(body, {"object_attributes", "action"});
  const bool opens = action == "open" || action == "reopen";
  const bool ends = action == "merge" || action == "close";
  if (!opens && !ends) {
    return sdk::Conversion::Ignored(
        event,
        "merge request " + action + " does not open or resolve incidents");
  }
  const std::string project = ProjectOf(body);
  const std::string iid = RequireId(body, {"object_attributes", "iid"});
  sdk::Alert alert;
  alert.action = opens ? sdk::Action::kTrigger : sdk::Action::kResolve;
  alert.severity = sdk::Severity::kInfo;
  alert.dedup_key = "mr:" + project + ":" + iid;
  const std::string verb = action == "open"     ? "opened"
                           : action == "reopen" ? "reopened"
                           : action == "merge"  ? "merged"
                                                : "closed";
  alert.summary = UserOf(body) + " " + verb + " merge request !" + iid + " \"" +
                  String(body, {"object_attributes", "title"}) + "\" in " +
                  project + " (" +
                  String(body, {"object_attributes", "source_branch"}) + " → " +
                  String(body, {"object_attributes", "target_branch"}) + ")";
  alert.description = String(body, {"object_attributes", "description"});
  alert.tags = {{"project", project}, {"merge_request", iid}};
  alert.AddLink(String(body, {"object_attributes", "url"}),
                "Merge request !" + iid);
  alert.occurred_at_unix_micros =
      TimeMicros(body, {"object_attributes", "updated_at"});
  return sdk::Conversion::Alerts(event, {std::move(alert)});
}

sdk::Conversion Pipeline(const std::string& event, const Json& body) {
  const std::string status =
      RequireString(body, {"object_attributes", "status"});
  const bool failed = status == "failed";
  if (!failed && status != "success") {
    return sdk::Conversion::Ignored(
        event, "pipeline " + status + " neither fails nor recovers");
  }
  const std::string project = ProjectOf(body);
  const std::string ref = RequireString(body, {"object_attributes", "ref"});
  const std::string id = RequireId(body, {"object_attributes", "id"});
  sdk::Alert alert;
  alert.action = failed ? sdk::Action::kTrigger : sdk::Action::kResolve;
  alert.severity = failed ? sdk::Severity::kError : sdk::Severity::kInfo;
  alert.dedup_key = "pipeline:" + project + ":" + ref;
  alert.summary = "Pipeline #" + id + (failed ? " failed" : " passed") +
                  " on " + ref + " in " + project;
  // The jobs that failed, when the payload lists them.
  if (auto builds = sdk::json::OptionalArray(body, {"builds"})) {
    for (Json build : *builds) {
      if (String(build, {"status"}) != "failed") continue;
      alert.description += "job " + String(build, {"name"}) + " (stage " +
                           String(build, {"stage"}) + ") failed";
      const std::string reason = String(build, {"failure_reason"});
      if (!reason.empty()) alert.description += ": " + reason;
      alert.description += "\n";
    }
  }
  alert.tags = {{"project", project}, {"ref", ref}};
  if (failed) alert.tags.emplace_back("status", status);
  std::string url = String(body, {"object_attributes", "url"});
  if (url.empty()) {
    const std::string web_url = String(body, {"project", "web_url"});
    if (!web_url.empty()) url = web_url + "/-/pipelines/" + id;
  }
  alert.AddLink(url, "Pipeline #" + id);
  alert.occurred_at_unix_micros =
      TimeMicros(body, {"object_attributes", "finished_at"});
  return sdk::Conversion::Alerts(event, {std::move(alert)});
}

sdk::Conversion Convert(const sdk::Delivery& delivery) {
  const std::string event(delivery.Header("X-Gitlab-Event"));
  if (event.empty()) {
    return sdk::Conversion::UnknownEvent(
        "", "no X-Gitlab-Event header: not a GitLab delivery");
  }
  std::string error;
  const std::optional<Json> parsed = sdk::json::Parse(delivery.body(), &error);
  if (!parsed) {
    return sdk::Conversion::BadPayload(event,
                                       "body is not valid JSON: " + error);
  }
  const Json body = *parsed;
  return sdk::json::ConvertOrRefuse(event, [&] {
    if (event == "Push Hook" || event == "Tag Push Hook") {
      return Push(event, body);
    }
    if (event == "Merge Request Hook") return MergeRequest(event, body);
    if (event == "Pipeline Hook") return Pipeline(event, body);
    return sdk::Conversion::Ignored(
        event, "event " + event + " does not open or resolve incidents");
  });
}

}  // namespace
}  // namespace alertgate::gitlab

ALERTGATE_ADAPTER(alertgate::gitlab::Convert, [] {
  alertgate::sdk::AdapterInfo info;
  info.source_name = "gitlab";
  info.display_name = "GitLab";
  info.plugin_version = "1.0.0";
  info.signature_scheme = AG_SIGNATURE_SHARED_TOKEN;
  info.signature_header = "X-Gitlab-Token";
  info.delivery_id_headers = "Idempotency-Key,X-Gitlab-Event-UUID";
  info.event_headers = "X-Gitlab-Event";
  info.events = "Push Hook,Tag Push Hook,Merge Request Hook,Pipeline Hook";
  // Where GitLab keeps webhook settings: docs.gitlab.com, "Webhooks".
  info.setup_steps =
      "In GitLab, open the project (or group), then Settings > Webhooks > "
      "Add new webhook.\n"
      "URL: {webhook_url}.\n"
      "Secret token: optional; if you set one, set the same secret in "
      "alertgate (alertctl services set-secret). GitLab sends it as is, so "
      "use an https:// URL.\n"
      "Trigger: tick Push events, Tag push events, Merge request events and "
      "Pipeline events, then Add webhook.\n"
      "Press Test > Push events: the source turns to Receiving alerts.";
  return info;
}())
