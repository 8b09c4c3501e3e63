#include "server/model/state_machine.h"

namespace alertgate {
namespace {

using S = IncidentState;

struct Row {
  std::optional<IncidentState> current;
  Action action;
  Transition transition;
};

// The table documented in state_machine.h, row for row.
constexpr Row kTable[] = {
    {std::nullopt,
     Action::kTrigger,
     {Effect::kOpen, S::kTriggered, "a new problem"}},
    {std::nullopt,
     Action::kAcknowledge,
     {Effect::kNone, std::nullopt, "no open incident to acknowledge"}},
    {std::nullopt,
     Action::kResolve,
     {Effect::kNone, std::nullopt, "no open incident to resolve"}},
    {S::kTriggered,
     Action::kTrigger,
     {Effect::kFold, S::kTriggered, "same problem again"}},
    {S::kTriggered,
     Action::kAcknowledge,
     {Effect::kAcknowledge, S::kAcknowledged, "someone took it"}},
    {S::kTriggered,
     Action::kResolve,
     {Effect::kResolve, S::kResolved, "it is over"}},
    {S::kAcknowledged,
     Action::kTrigger,
     {Effect::kFold, S::kAcknowledged, "still being handled"}},
    {S::kAcknowledged,
     Action::kAcknowledge,
     {Effect::kNone, S::kAcknowledged, "already acknowledged"}},
    {S::kAcknowledged,
     Action::kResolve,
     {Effect::kResolve, S::kResolved, "it is over"}},
    {S::kResolved,
     Action::kTrigger,
     {Effect::kOpen, S::kTriggered, "resolved is final: a new incident"}},
    {S::kResolved,
     Action::kAcknowledge,
     {Effect::kRejected, S::kResolved,
      "the incident is resolved; a resolved incident cannot be acknowledged"}},
    {S::kResolved,
     Action::kResolve,
     {Effect::kNone, S::kResolved, "already resolved"}},
    {S::kSuppressed,
     Action::kTrigger,
     {Effect::kFold, S::kSuppressed, "stays quiet"}},
    {S::kSuppressed,
     Action::kAcknowledge,
     {Effect::kAcknowledge, S::kAcknowledged, "someone took it anyway"}},
    {S::kSuppressed,
     Action::kResolve,
     {Effect::kResolve, S::kResolved, "it is over"}},
};

}  // namespace

Transition NextTransition(std::optional<IncidentState> current, Action action) {
  for (const Row& row : kTable) {
    if (row.current == current && row.action == action) return row.transition;
  }
  // Unreachable while the table covers every pair (state_machine_test walks
  // them all); refusing is the safe answer for a value outside the enums.
  return {Effect::kRejected, current, "unknown state or action"};
}

bool IsOpen(IncidentState state) {
  switch (state) {
    case IncidentState::kTriggered:
    case IncidentState::kAcknowledged:
    case IncidentState::kSuppressed:
      return true;
    case IncidentState::kResolved:
      return false;
  }
  return false;
}

absl::string_view StateName(IncidentState state) {
  switch (state) {
    case IncidentState::kTriggered:
      return "TRIGGERED";
    case IncidentState::kAcknowledged:
      return "ACKNOWLEDGED";
    case IncidentState::kResolved:
      return "RESOLVED";
    case IncidentState::kSuppressed:
      return "SUPPRESSED";
  }
  return "UNKNOWN";
}

absl::string_view ActionName(Action action) {
  switch (action) {
    case Action::kTrigger:
      return "TRIGGER";
    case Action::kAcknowledge:
      return "ACKNOWLEDGE";
    case Action::kResolve:
      return "RESOLVE";
  }
  return "UNKNOWN";
}

}  // namespace alertgate
