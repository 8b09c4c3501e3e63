// The Bitbucket source adapter plugin, registered as "bitbucket": Bitbucket
// Cloud and Data Center webhooks → alerts (mapping: docs/bitbucket.md).
#include <string>

#include "adapters/bitbucket/bitbucket_events.h"
#include "alertgate/adapter_sdk.h"
#include "alertgate/json_fields.h"

namespace alertgate::bitbucket {
namespace {

constexpr const char* kEventHeader = "X-Event-Key";

}  // namespace

bool IsBitbucketEventKey(const std::string& event) {
  for (const char* family : {"repo:", "pullrequest:", "pr:", "issue:",
                             "project:", "mirror:", "diagnostics:"}) {
    const std::string prefix(family);
    if (event.size() > prefix.size() &&
        event.compare(0, prefix.size(), prefix) == 0) {
      return true;
    }
  }
  return false;
}

std::string FirstLine(const std::string& text) {
  return text.substr(0, text.find('\n'));
}

sdk::Alert PullRequestAlert(const PullRequestFacts& pr) {
  sdk::Alert alert;
  alert.action = pr.action;
  alert.severity = sdk::Severity::kInfo;
  alert.dedup_key = "pr:" + pr.repo + ":" + pr.id;
  alert.summary = pr.actor + " " + pr.verb + " pull request #" + pr.id + " \"" +
                  pr.title + "\" in " + pr.repo + " (" + pr.source_branch +
                  " → " + pr.target_branch + ")";
  std::string description = pr.description;
  if (!pr.author.empty())
    description = "Author: " + pr.author + "\n" + description;
  if (!pr.source_commit.empty())
    description += "\nSource commit: " + pr.source_commit;
  if (!pr.merge_commit.empty())
    description += "\nMerge commit: " + pr.merge_commit;
  alert.description = description;
  alert.tags = {{"repository", pr.repo},
                {"branch", pr.source_branch},
                {"target_branch", pr.target_branch},
                {"event", pr.event},
                {"actor", pr.actor},
                {"pull_request", pr.id}};
  if (!pr.source_repo.empty() && pr.source_repo != pr.repo) {
    alert.tags.emplace_back("source_repository", pr.source_repo);
  }
  if (!pr.link.empty())
    alert.links.emplace_back(pr.link, "Pull request #" + pr.id);
  alert.occurred_at_unix_micros = pr.occurred_at_unix_micros;
  return alert;
}

std::string CountOf(size_t n, const char* singular, const char* plural) {
  return std::to_string(n) + " " + (n == 1 ? singular : plural);
}

sdk::Conversion Convert(const sdk::Delivery& delivery) {
  const std::string event(delivery.Header(kEventHeader));
  if (event.empty()) {
    return sdk::Conversion::UnknownEvent(
        "", "missing X-Event-Key header: Bitbucket names every event there");
  }
  if (!IsBitbucketEventKey(event)) {
    return sdk::Conversion::UnknownEvent(
        event, "X-Event-Key \"" + event + "\" is not a Bitbucket event");
  }
  std::string delivery_id(delivery.Header("X-Request-UUID"));
  if (delivery_id.empty())
    delivery_id = std::string(delivery.Header("X-Request-Id"));

  std::string error;
  const std::optional<sdk::json::Json> parsed =
      sdk::json::Parse(delivery.body(), &error);
  if (!parsed) {
    return sdk::Conversion::BadPayload(event,
                                       "body is not valid JSON: " + error);
  }
  const sdk::json::Json body = *parsed;
  if (!body.is_object()) {
    return sdk::Conversion::BadPayload(event, "body is not a JSON object");
  }
  return sdk::json::ConvertOrRefuse(event, [&] {
    if (auto cloud = ConvertCloudEvent(event, body)) return *std::move(cloud);
    if (auto dc = ConvertDataCenterEvent(event, body, delivery_id)) {
      return *std::move(dc);
    }
    return sdk::Conversion::Ignored(
        event, "event " + event + " does not open or resolve incidents");
  });
}

}  // namespace alertgate::bitbucket

ALERTGATE_ADAPTER(alertgate::bitbucket::Convert, [] {
  alertgate::sdk::AdapterInfo info;
  info.source_name = "bitbucket";
  info.display_name = "Bitbucket";
  // Where each of Bitbucket's two editions keeps its webhook settings
  // (Cloud: support.atlassian.com "Manage webhooks"; Data Center: the
  // "Manage webhooks" page of the Bitbucket Data Center documentation).
  info.setup_steps =
      "Bitbucket Cloud: open the repository, then Repository settings > "
      "Webhooks > Add webhook.\n"
      "Title: alertgate. URL: {webhook_url}\n"
      "Secret: optional; if you set one, set the same secret in alertgate "
      "(alertctl services set-secret).\n"
      "Triggers: choose from a full list; tick Repository > Push and Pull "
      "Request > Created, Updated, Merged and Declined. Save.\n"
      "Bitbucket Data Center: Repository settings > Webhooks > Create "
      "webhook, with the same URL and secret; tick Repository > Push and "
      "Pull request > Opened, Source branch updated, Merged, Declined and "
      "Deleted.\n"
      "Press Test connection (Data Center) or push a commit (Cloud): the "
      "source turns to Receiving alerts.";
  info.plugin_version = "1.0.0";
  info.signature_scheme = AG_SIGNATURE_HMAC_SHA256_PREFIXED_HEX;
  info.signature_header = "X-Hub-Signature";
  info.delivery_id_headers = "X-Request-UUID,X-Request-Id";
  info.event_headers = "X-Event-Key";
  // "Test connection" sends the ping unsigned even with a secret set; it
  // only ever produces a test alert that resolves at once.
  info.unsigned_events = "diagnostics:ping";
  // The events this plugin acts on, Cloud then Data Center: the metrics'
  // event labels. Other Bitbucket events are ignored and counted as "other".
  info.events =
      "repo:push,pullrequest:created,pullrequest:updated,"
      "pullrequest:fulfilled,pullrequest:rejected,repo:commit_status_created,"
      "repo:commit_status_updated,repo:refs_changed,pr:opened,pr:modified,"
      "pr:from_ref_updated,pr:merged,pr:declined,pr:deleted,diagnostics:ping";
  return info;
}())
