// The Bitbucket adapter's two halves: Bitbucket Cloud and Bitbucket Data
// Center (Server) deliveries, told apart by their event key. Each returns
// the alerts of one delivery, or throws sdk::PayloadError for a body
// that lacks what its event must carry.
//
// Dedup keys are built from stable identities only, so a merge finds the
// incident its pull request's creation opened:
//   pull request   pr:<repository>:<id>
//   push (a ref)   push:<repository>:<ref>@<new commit | deleted>
//   build status   build:<repository>:<ref>:<status key>
// where <repository> is "workspace/slug" on Cloud and "PROJECT/slug" on Data
// Center (the target repository for pull requests).
#ifndef ALERTGATE_ADAPTERS_BITBUCKET_BITBUCKET_EVENTS_H_
#define ALERTGATE_ADAPTERS_BITBUCKET_BITBUCKET_EVENTS_H_

#include <string>

#include "alertgate/adapter_sdk.h"
#include "alertgate/json_fields.h"

namespace alertgate::bitbucket {

// The event families Bitbucket sends; an event key outside them is not a
// Bitbucket event at all.
bool IsBitbucketEventKey(const std::string& event);

// Converts Cloud events; returns nullopt for an event that is not Cloud's.
std::optional<sdk::Conversion> ConvertCloudEvent(const std::string& event,
                                                 const sdk::json::Json& body);

// Converts Data Center events; nullopt for an event that is not Data
// Center's. `delivery_id` makes the ping's test alert unique.
std::optional<sdk::Conversion> ConvertDataCenterEvent(
    const std::string& event, const sdk::json::Json& body,
    const std::string& delivery_id);

// What both flavours know about a pull request event, whatever the field
// names of their payloads.
struct PullRequestFacts {
  std::string event;
  sdk::Action action = sdk::Action::kTrigger;
  std::string verb;  // "opened", "merged", ...
  std::string repo;  // The target repository.
  std::string id;
  std::string title;
  std::string actor;
  std::string author;
  std::string description;
  std::string source_branch;
  std::string target_branch;
  std::string source_repo;  // Differs from `repo` for forks.
  std::string source_commit;
  std::string merge_commit;
  std::string link;
  int64_t occurred_at_unix_micros = 0;
};

// The alert of a pull request event: dedup key pr:<repo>:<id>, a summary of
// who did what where, tags and links.
sdk::Alert PullRequestAlert(const PullRequestFacts& pr);

// The first line of a commit message, for summaries.
std::string FirstLine(const std::string& text);

// "1 commit" / "3 commits".
std::string CountOf(size_t n, const char* singular, const char* plural);

}  // namespace alertgate::bitbucket

#endif  // ALERTGATE_ADAPTERS_BITBUCKET_BITBUCKET_EVENTS_H_
