#include "server/model/alert_limits.h"

#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "server/model/webhook_key.h"

namespace alertgate {
namespace {

// The start of a UTF-8 sequence (not a continuation byte 10xxxxxx).
bool IsCharStart(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
}

// Cuts to at most `max` bytes at a character boundary, without a marker.
void CutAtBoundary(std::string& text, size_t max) {
  if (text.size() <= max) return;
  size_t end = max;
  while (end > 0 && !IsCharStart(text[end])) --end;
  text.resize(end);
}

// True when BoundAlert() would leave the tags as they are: the common case,
// checked without copying a string.
bool TagsWithinLimits(const Tags& tags) {
  if (tags.size() > kMaxTags - 1) return false;
  for (const auto& [key, value] : tags) {
    if (key.size() > kMaxTagKeyBytes || value.size() > kMaxTagValueBytes)
      return false;
  }
  return true;
}

bool LinksWithinLimits(const std::vector<Link>& links) {
  if (links.size() > kMaxLinks) return false;
  for (const Link& link : links) {
    if (link.href.size() > kMaxLinkHrefBytes ||
        link.text.size() > kMaxLinkTextBytes) {
      return false;
    }
  }
  return true;
}

}  // namespace

bool TruncateText(std::string& text, size_t max) {
  if (text.size() <= max) return false;
  const size_t marker = sizeof(kTruncatedMarker) - 1;
  CutAtBoundary(text, max > marker ? max - marker : 0);
  text += kTruncatedMarker;
  return true;
}

void BoundAlert(Alert& alert) {
  TruncateText(alert.summary, kMaxSummaryBytes);
  TruncateText(alert.description, kMaxDescriptionBytes);

  if (alert.dedup_key.size() > kMaxDedupKeyBytes) {
    // 64 hex digits of SHA-256 of the whole key keep long keys distinct.
    const std::string digest =
        absl::BytesToHexString(HashWebhookKey(alert.dedup_key));
    CutAtBoundary(alert.dedup_key, kMaxDedupKeyBytes - digest.size() - 1);
    absl::StrAppend(&alert.dedup_key, "#", digest);
  }

  // Every ingest passes here: nothing is copied unless a limit is passed.
  const bool tags_fit = TagsWithinLimits(alert.tags);
  const bool links_fit = LinksWithinLimits(alert.links);
  if (tags_fit && links_fit) return;

  std::vector<std::string> left_out;
  const size_t given_tags = alert.tags.size();
  if (!tags_fit) {
    Tags bounded;
    bool cut = false;
    for (auto& [key, value] : alert.tags) {
      if (bounded.size() == kMaxTags - 1) break;
      std::string k = key;
      std::string v = value;
      cut |= TruncateText(k, kMaxTagKeyBytes);
      cut |= TruncateText(v, kMaxTagValueBytes);
      bounded.emplace(std::move(k), std::move(v));
    }
    if (given_tags > bounded.size()) {
      left_out.push_back(absl::StrCat("tags: ", given_tags, " given, ",
                                      bounded.size(), " kept"));
    } else if (cut) {
      left_out.push_back("tags: long keys or values cut");
    }
    alert.tags = std::move(bounded);
  }
  const size_t given_links = alert.links.size();
  if (!links_fit) {
    std::vector<Link> links;
    for (Link& link : alert.links) {
      if (links.size() == kMaxLinks) break;
      // A cut URL would lead somewhere else: a link too long is left out.
      if (link.href.size() > kMaxLinkHrefBytes) continue;
      TruncateText(link.text, kMaxLinkTextBytes);
      links.push_back(std::move(link));
    }
    if (links.size() < given_links) {
      left_out.push_back(absl::StrCat("links: ", given_links, " given, ",
                                      links.size(), " kept"));
    }
    alert.links = std::move(links);
  }
  if (!left_out.empty()) {
    // Makes room if the tags are full, so the marker is always there.
    if (alert.tags.size() >= kMaxTags)
      alert.tags.erase(std::prev(alert.tags.end()));
    alert.tags[kTruncatedTag] = absl::StrJoin(left_out, "; ");
  }
}

}  // namespace alertgate
