// GitHub repository and organization webhooks, registered as "github"
// (mapping: docs/github.md). The event is X-GitHub-Event, the delivery id
// X-GitHub-Delivery, the signature X-Hub-Signature-256.
//
//   ping                                  a test alert, resolved at once
//   push                                  TRIGGER per ref and new head
//   pull_request opened / reopened        TRIGGER, keyed on the pull request
//   pull_request closed (merged or not)   RESOLVE of the same
//   check_run, check_suite, workflow_run  completed: failure, timed_out or
//                                         cancelled TRIGGER, success RESOLVE,
//                                         keyed on the check and the branch
//   anything else                         ignored, with the reason
#include <cstdint>
#include <string>
#include <vector>

#include "alertgate/adapter_sdk.h"
#include "alertgate/json_fields.h"

namespace alertgate::github {
namespace {

namespace sdk = ::alertgate::sdk;
using sdk::PayloadError;
using sdk::json::Bool;
using sdk::json::Json;
using sdk::json::RequireId;
using sdk::json::RequireString;
using sdk::json::String;
using sdk::json::TimeMicros;

// "Codertocat", or "someone" when the sender is missing.
std::string SenderOf(const Json& body) {
  std::string login = String(body, {"sender", "login"});
  return login.empty() ? "someone" : login;
}

sdk::Conversion Ping(const std::string& event, const Json& body,
                     const std::string& delivery_id) {
  const std::string hook = RequireId(body, {"hook_id"});
  sdk::Alert trigger;
  trigger.action = sdk::Action::kTrigger;
  trigger.severity = sdk::Severity::kInfo;
  trigger.dedup_key =
      "ping:" + hook + ":" + (delivery_id.empty() ? "no-id" : delivery_id);
  trigger.summary = "GitHub webhook ping (hook " + hook + ")";
  trigger.description =
      "Sent by GitHub when the webhook is created or when Redeliver is "
      "pressed on a ping. Resolved at once.";
  const std::string repo = String(body, {"repository", "full_name"});
  if (!repo.empty()) trigger.tags.emplace_back("repository", repo);
  sdk::Alert resolve = trigger;
  resolve.action = sdk::Action::kResolve;
  return sdk::Conversion::Alerts(event,
                                 {std::move(trigger), std::move(resolve)});
}

sdk::Conversion Push(const std::string& event, const Json& body) {
  const std::string repo = RequireString(body, {"repository", "full_name"});
  const std::string ref = RequireString(body, {"ref"});
  const bool deleted = Bool(body, {"deleted"}, false);
  const bool created = Bool(body, {"created"}, false);
  const bool forced = Bool(body, {"forced"}, false);
  const std::string after = RequireString(body, {"after"});
  std::string kind = "branch", name = ref;
  if (ref.rfind("refs/heads/", 0) == 0) {
    name = ref.substr(11);
  } else if (ref.rfind("refs/tags/", 0) == 0) {
    kind = "tag";
    name = ref.substr(10);
  }
  const std::string pusher = String(body, {"pusher", "name"}, SenderOf(body));
  sdk::Alert alert;
  alert.action = sdk::Action::kTrigger;
  alert.severity = sdk::Severity::kInfo;
  alert.dedup_key =
      "push:" + repo + ":" + ref + "@" + (deleted ? "deleted" : after);
  size_t commits = 0;
  std::string description;
  if (auto list = sdk::json::OptionalArray(body, {"commits"})) {
    for (Json commit : *list) {
      ++commits;
      if (commits > 20) continue;
      std::string message = String(commit, {"message"});
      message = message.substr(0, message.find('\n'));
      description += String(commit, {"id"}).substr(0, 12) + " " + message +
                     " (" + String(commit, {"author", "name"}) + ")\n";
    }
    if (commits > 20) description += "more commits not listed\n";
  }
  if (deleted) {
    alert.summary = pusher + " deleted " + kind + " " + name + " in " + repo;
  } else if (created && commits == 0) {
    alert.summary = pusher + " created " + kind + " " + name + " in " + repo;
  } else {
    alert.summary = pusher + (forced ? " force-pushed " : " pushed ") +
                    std::to_string(commits) +
                    (commits == 1 ? " commit to " : " commits to ") + kind +
                    " " + name + " in " + repo;
  }
  alert.description = description;
  alert.tags = {{"repository", repo}, {kind, name}};
  if (forced) alert.tags.emplace_back("forced", "true");
  alert.AddLink(String(body, {"compare"}), "Compare");
  alert.AddLink(String(body, {"repository", "html_url"}), "Repository");
  alert.occurred_at_unix_micros =
      TimeMicros(body, {"head_commit", "timestamp"});
  return sdk::Conversion::Alerts(event, {std::move(alert)});
}

sdk::Conversion PullRequest(const std::string& event, const Json& body) {
  const std::string action = RequireString(body, {"action"});
  const bool opens = action == "opened" || action == "reopened";
  if (!opens && action != "closed") {
    return sdk::Conversion::Ignored(
        event,
        "pull_request " + action + " does not open or resolve incidents");
  }
  const std::string repo = RequireString(body, {"repository", "full_name"});
  const std::string number = RequireId(body, {"pull_request", "number"});
  const std::string title = String(body, {"pull_request", "title"});
  const bool merged = Bool(body, {"pull_request", "merged"}, false);
  sdk::Alert alert;
  alert.action = opens ? sdk::Action::kTrigger : sdk::Action::kResolve;
  alert.severity = sdk::Severity::kInfo;
  alert.dedup_key = "pr:" + repo + ":" + number;
  const std::string verb = opens ? action : (merged ? "merged" : "closed");
  alert.summary = SenderOf(body) + " " + verb + " pull request #" + number +
                  " \"" + title + "\" in " + repo + " (" +
                  String(body, {"pull_request", "head", "ref"}) + " → " +
                  String(body, {"pull_request", "base", "ref"}) + ")";
  alert.description = String(body, {"pull_request", "body"});
  alert.tags = {{"repository", repo}, {"pull_request", number}};
  alert.AddLink(String(body, {"pull_request", "html_url"}),
                "Pull request #" + number);
  alert.occurred_at_unix_micros =
      TimeMicros(body, {"pull_request", opens ? "updated_at" : "closed_at"});
  return sdk::Conversion::Alerts(event, {std::move(alert)});
}

// check_run, check_suite and workflow_run: the same rule on three shapes.
struct Check {
  const char* object;                       // The payload's member.
  const char* key_prefix;                   // Of the dedup key.
  std::initializer_list<const char*> name;  // Path of the check's name.
  std::initializer_list<const char*> branch;
};

sdk::Conversion CheckCompleted(const std::string& event, const Json& body,
                               const Check& check) {
  const std::string action = RequireString(body, {"action"});
  if (action != "completed") {
    return sdk::Conversion::Ignored(
        event, event + " " + action + " does not open or resolve incidents");
  }
  const std::string conclusion = String(body, {check.object, "conclusion"});
  const bool failed = conclusion == "failure" || conclusion == "timed_out" ||
                      conclusion == "cancelled";
  if (!failed && conclusion != "success") {
    return sdk::Conversion::Ignored(
        event, event + " concluded " +
                   (conclusion.empty() ? std::string("nothing") : conclusion) +
                   ", which neither fails nor recovers");
  }
  const std::string repo = RequireString(body, {"repository", "full_name"});
  // The check's name; for a run without one, its workflow's, its file's,
  // its app's, or its id.
  std::string name = String(body, check.name);
  if (name.empty()) name = String(body, {"workflow", "name"});
  if (name.empty()) name = String(body, {check.object, "path"});
  if (name.empty()) name = String(body, {check.object, "app", "slug"});
  if (name.empty()) name = RequireId(body, {check.object, "id"});
  std::string branch = String(body, check.branch);
  if (branch.empty()) branch = String(body, {check.object, "head_sha"});
  sdk::Alert alert;
  alert.action = failed ? sdk::Action::kTrigger : sdk::Action::kResolve;
  alert.severity = failed ? sdk::Severity::kError : sdk::Severity::kInfo;
  alert.dedup_key =
      std::string(check.key_prefix) + ":" + repo + ":" + name + ":" + branch;
  alert.summary = name + (failed ? " " + conclusion : std::string(" passed")) +
                  " on " + branch + " in " + repo;
  alert.tags = {{"repository", repo}, {"branch", branch}, {"check", name}};
  if (failed) alert.tags.emplace_back("conclusion", conclusion);
  alert.AddLink(String(body, {check.object, "html_url"}), "Details");
  alert.occurred_at_unix_micros =
      TimeMicros(body, {check.object, "completed_at"});
  if (alert.occurred_at_unix_micros == 0) {
    alert.occurred_at_unix_micros =
        TimeMicros(body, {check.object, "updated_at"});
  }
  return sdk::Conversion::Alerts(event, {std::move(alert)});
}

sdk::Conversion Convert(const sdk::Delivery& delivery) {
  const std::string event(delivery.Header("X-GitHub-Event"));
  if (event.empty()) {
    return sdk::Conversion::UnknownEvent(
        "", "no X-GitHub-Event header: not a GitHub delivery");
  }
  std::string error;
  const std::optional<Json> parsed = sdk::json::Parse(delivery.body(), &error);
  if (!parsed) {
    return sdk::Conversion::BadPayload(event,
                                       "body is not valid JSON: " + error);
  }
  const Json body = *parsed;
  return sdk::json::ConvertOrRefuse(event, [&] {
    if (event == "ping") {
      return Ping(event, body,
                  std::string(delivery.Header("X-GitHub-Delivery")));
    }
    if (event == "push") return Push(event, body);
    if (event == "pull_request") return PullRequest(event, body);
    if (event == "check_run") {
      return CheckCompleted(event, body,
                            {"check_run",
                             "check",
                             {"check_run", "name"},
                             {"check_run", "check_suite", "head_branch"}});
    }
    if (event == "check_suite") {
      return CheckCompleted(event, body,
                            {"check_suite",
                             "suite",
                             {"check_suite", "app", "name"},
                             {"check_suite", "head_branch"}});
    }
    if (event == "workflow_run") {
      return CheckCompleted(event, body,
                            {"workflow_run",
                             "workflow",
                             {"workflow_run", "name"},
                             {"workflow_run", "head_branch"}});
    }
    return sdk::Conversion::Ignored(
        event, "event " + event + " does not open or resolve incidents");
  });
}

}  // namespace
}  // namespace alertgate::github

ALERTGATE_ADAPTER(alertgate::github::Convert, [] {
  alertgate::sdk::AdapterInfo info;
  info.source_name = "github";
  info.display_name = "GitHub";
  info.plugin_version = "1.0.0";
  info.signature_scheme = AG_SIGNATURE_HMAC_SHA256_PREFIXED_HEX;
  info.signature_header = "X-Hub-Signature-256";
  info.delivery_id_headers = "X-GitHub-Delivery";
  info.event_headers = "X-GitHub-Event";
  info.events = "ping,push,pull_request,check_run,check_suite,workflow_run";
  // Where GitHub keeps webhook settings: docs.github.com, "Creating
  // webhooks".
  info.setup_steps =
      "On GitHub, open the repository (or organization), then Settings > "
      "Webhooks > Add webhook.\n"
      "Payload URL: {webhook_url}. Content type: application/json.\n"
      "Secret: optional; if you set one, set the same secret in alertgate "
      "(alertctl services set-secret).\n"
      "Which events: Let me select individual events; tick Pushes, Pull "
      "requests, Check runs, Check suites and Workflow runs. Keep Active "
      "ticked and press Add webhook.\n"
      "GitHub sends a ping at once: the source turns to Receiving alerts.";
  return info;
}())
