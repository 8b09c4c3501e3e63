// The incident state machine: one table of (state, action) → outcome, and one
// pure function that looks it up. Everything that changes an incident's state
// goes through Transition(); nothing else decides.
//
// "No open incident" is a state of its own here (`std::nullopt`): alerts act
// on the open incident with their dedup key, and having none is normal.
//
// The table, with its reasons:
//
//   current       action       effect       next          why
//   (none)        TRIGGER      open         TRIGGERED     a new problem
//   (none)        ACKNOWLEDGE  none         -             nothing open to ack
//   (none)        RESOLVE      none         -             nothing open; sources
//                                                         resolve twice freely
//   TRIGGERED     TRIGGER      fold         TRIGGERED     same problem again
//   TRIGGERED     ACKNOWLEDGE  acknowledge  ACKNOWLEDGED  someone took it
//   TRIGGERED     RESOLVE      resolve      RESOLVED      it is over
//   ACKNOWLEDGED  TRIGGER      fold         ACKNOWLEDGED  still being handled
//   ACKNOWLEDGED  ACKNOWLEDGE  none         ACKNOWLEDGED  already taken
//   ACKNOWLEDGED  RESOLVE      resolve      RESOLVED      it is over
//   RESOLVED      TRIGGER      open         TRIGGERED     final: a new incident
//   RESOLVED      ACKNOWLEDGE  rejected     -             too late to take it
//   RESOLVED      RESOLVE      none         RESOLVED      idempotent
//   SUPPRESSED    TRIGGER      fold         SUPPRESSED    stays quiet
//   SUPPRESSED    ACKNOWLEDGE  acknowledge  ACKNOWLEDGED  someone took it
//   anyway SUPPRESSED    RESOLVE      resolve      RESOLVED      it is over
#ifndef ALERTGATE_SERVER_MODEL_STATE_MACHINE_H_
#define ALERTGATE_SERVER_MODEL_STATE_MACHINE_H_

#include <optional>

#include "absl/strings/string_view.h"
#include "server/model/incident_model.h"

namespace alertgate {

// What a transition does to the incident store.
enum class Effect {
  kOpen,         // Open a new incident in `next`.
  kFold,         // Count one more alert on the current incident.
  kAcknowledge,  // Move the current incident to ACKNOWLEDGED.
  kResolve,      // Move the current incident to RESOLVED.
  kNone,         // Change nothing.
  kRejected,     // Change nothing and report FAILED_PRECONDITION.
};

struct Transition {
  Effect effect;
  std::optional<IncidentState> next;  // Unset when there is no incident.
  absl::string_view reason;           // Why; shown to users for kRejected.
};

// Returns the table row for (current, action). Pure; never fails.
Transition NextTransition(std::optional<IncidentState> current, Action action);

// True for states in which an incident counts as open (alerts with its dedup
// key act on it).
bool IsOpen(IncidentState state);

// Names for messages and logs, e.g. "TRIGGERED", "RESOLVE".
absl::string_view StateName(IncidentState state);
absl::string_view ActionName(Action action);

}  // namespace alertgate

#endif  // ALERTGATE_SERVER_MODEL_STATE_MACHINE_H_
