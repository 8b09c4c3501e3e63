// The incident model of alertgate as plain C++ values: alerts, incidents,
// incident events, services and alert-source activity. No gRPC or protobuf
// types appear here; server/grpc/ translates between these and the API.
#ifndef ALERTGATE_SERVER_MODEL_INCIDENT_MODEL_H_
#define ALERTGATE_SERVER_MODEL_INCIDENT_MODEL_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace alertgate {

// The numeric values equal the API's enum numbers, so conversion is a cast
// and stored values stay stable.
enum class Action { kTrigger = 1, kAcknowledge = 2, kResolve = 3 };

enum class IncidentState {
  kTriggered = 1,
  kAcknowledged = 2,
  kResolved = 3,
  kSuppressed = 4,  // Opened by an alert a rule suppressed: notifies no one.
};

enum class Severity {
  kUnspecified = 0,
  kInfo = 1,
  kWarning = 2,
  kError = 3,
  kCritical = 4
};

enum class ChangeKind {
  kOpened = 1,
  kAlertFolded = 2,
  kAcknowledged = 3,
  kResolved = 4
};

// What ingesting an alert did.
enum class IngestOutcome {
  kOpened = 1,
  kFolded = 2,
  kAcknowledged = 3,
  kResolved = 4,
  kAlreadyAcknowledged = 5,
  kNothingOpen = 6,
};

struct Link {
  std::string href;
  std::string text;
  bool operator==(const Link& o) const {
    return href == o.href && text == o.text;
  }
};

using Tags = std::map<std::string, std::string>;

// One normalized event from an alert source.
struct Alert {
  std::string service_id;
  std::string source;
  Action action = Action::kTrigger;
  std::string dedup_key;
  std::string summary;
  std::string description;
  Severity severity = Severity::kUnspecified;
  Tags tags;
  std::vector<Link> links;
  std::optional<absl::Time> occurred_at;  // Unset: when it was received.
  std::string idempotency_key;            // Empty: none.
  std::string event;  // The sender's event name, for rules; not stored.
};

struct Incident {
  std::string id;
  std::string service_id;
  std::string source;
  std::string dedup_key;
  IncidentState state = IncidentState::kTriggered;
  std::string summary;
  std::string description;
  Severity severity = Severity::kUnspecified;
  Tags tags;
  std::vector<Link> links;
  int64_t alert_count = 0;
  // All incident times are alertgate's clock when it recorded the change,
  // never the sender's (that stays with each event's occurred_at).
  absl::Time opened_at;
  absl::Time last_seen_at;
  std::optional<absl::Time> acknowledged_at;
  std::string acknowledged_by;
  std::optional<absl::Time> resolved_at;
  std::string resolved_by;
  // How many entries its timeline has (every change is one); the core
  // counts each one it appends.
  int64_t event_count = 0;
};

// One change to an incident; an entry in its timeline and in the global log.
struct IncidentEvent {
  int64_t sequence = 0;  // Assigned by the store when appended.
  absl::Time at;
  ChangeKind kind = ChangeKind::kOpened;
  std::string incident_id;
  std::string service_id;
  std::string source;
  std::string dedup_key;
  IncidentState state = IncidentState::kTriggered;  // After the change.
  std::string actor;
  std::string note;
  // When the alert behind the change happened at its source, as the sender
  // said; unset for API actions and alerts without a time.
  std::optional<absl::Time> occurred_at;
};

struct Service {
  std::string id;
  std::string name;
  std::string description;
  absl::Time created_at;
};

// The webhook credential of one (service, alert source) pair. Only a hash of
// the key is kept.
struct WebhookCredential {
  std::string service_id;
  std::string source;
  std::string key_hash;  // SHA-256 of the key, 32 raw bytes.
  std::string secret;    // Empty: deliveries need no signature.
  absl::Time issued_at;
};

// How many incidents of a service are open, by state.
struct OpenIncidentCount {
  std::string service_id;
  int64_t triggered = 0;
  int64_t acknowledged = 0;
};

// What one (service, alert source) pair has been doing.
struct SourceActivity {
  std::string service_id;
  std::string source;
  std::optional<absl::Time> last_alert_at;
  std::optional<absl::Time> last_incident_at;
};

// The answer to IngestAlert, and what an idempotency key remembers.
struct IngestResult {
  IngestOutcome outcome = IngestOutcome::kNothingOpen;
  std::optional<Incident> incident;  // Unset for kNothingOpen.
  int64_t sequence = 0;              // 0 when nothing changed.
  bool replayed = false;
};

}  // namespace alertgate

#endif  // ALERTGATE_SERVER_MODEL_INCIDENT_MODEL_H_
