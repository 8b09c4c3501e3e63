// AlertLimits: the bounds on everything a sender controls in an alert, so
// that no sender can make an alert (and so an incident, an answer, a page)
// arbitrarily large. Enforced in the core, where every entrance (webhooks,
// IngestAlert, IngestAlerts) passes.
//
// Text that is valid in the sender's world but too long here (a 100 KB pull
// request title) is cut at a UTF-8 character boundary and marked, never
// refused: refusing would make a webhook sender retry and then drop a real
// delivery. Collections beyond their count keep their first entries and a
// marker tag says what was left out. A dedup key too long to store keeps
// its start and gets a digest of the whole, so equal keys stay equal and
// different keys stay different.
//
// After BoundAlert(), an alert's content is at most about 180 KB:
//   summary 1 KiB, description 64 KiB, 64 tags of 128 B keys and 1 KiB
//   values, 16 links of 2 KiB URLs and 256 B texts, dedup key 255 B.
#ifndef ALERTGATE_SERVER_MODEL_ALERT_LIMITS_H_
#define ALERTGATE_SERVER_MODEL_ALERT_LIMITS_H_

#include <cstddef>
#include <string>

#include "server/model/incident_model.h"

namespace alertgate {

inline constexpr size_t kMaxSummaryBytes = 1024;
inline constexpr size_t kMaxDescriptionBytes = 64 * 1024;
inline constexpr size_t kMaxTags = 64;  // The marker tag included.
inline constexpr size_t kMaxTagKeyBytes = 128;
inline constexpr size_t kMaxTagValueBytes = 1024;
inline constexpr size_t kMaxLinks = 16;
inline constexpr size_t kMaxLinkHrefBytes = 2048;
inline constexpr size_t kMaxLinkTextBytes = 256;
inline constexpr size_t kMaxDedupKeyBytes = 255;

// Appended to text that was cut.
inline constexpr char kTruncatedMarker[] = " [truncated]";
// The tag that says what BoundAlert() left out of tags and links.
inline constexpr char kTruncatedTag[] = "alertgate.truncated";

// Cuts `text` to at most `max` bytes, marker included, at a UTF-8 boundary.
// Returns true when it cut.
bool TruncateText(std::string& text, size_t max);

// Brings every sender-controlled field of `alert` within the limits above.
void BoundAlert(Alert& alert);

}  // namespace alertgate

#endif  // ALERTGATE_SERVER_MODEL_ALERT_LIMITS_H_
