// Walks every (current state, action) pair of the incident state machine and
// checks the outcome an operator relies on.
#include "server/model/state_machine.h"

#include <optional>
#include <tuple>

#include "gtest/gtest.h"

namespace alertgate {
namespace {

using S = IncidentState;
using Current = std::optional<IncidentState>;

struct Expected {
  Current current;
  Action action;
  Effect effect;
  std::optional<IncidentState> next;
};

std::string Name(const Current& c) {
  return c ? std::string(StateName(*c)) : std::string("NONE");
}

class EveryPairTest : public ::testing::TestWithParam<Expected> {};

TEST_P(EveryPairTest, GivesTheDocumentedOutcome) {
  const Expected& e = GetParam();
  Transition t = NextTransition(e.current, e.action);
  EXPECT_EQ(t.effect, e.effect);
  EXPECT_EQ(t.next, e.next);
  EXPECT_FALSE(t.reason.empty());
}

// Written out independently of the table in state_machine.cc.
INSTANTIATE_TEST_SUITE_P(
    StateMachine, EveryPairTest,
    ::testing::Values(
        Expected{std::nullopt, Action::kTrigger, Effect::kOpen, S::kTriggered},
        Expected{std::nullopt, Action::kAcknowledge, Effect::kNone,
                 std::nullopt},
        Expected{std::nullopt, Action::kResolve, Effect::kNone, std::nullopt},
        Expected{S::kTriggered, Action::kTrigger, Effect::kFold, S::kTriggered},
        Expected{S::kTriggered, Action::kAcknowledge, Effect::kAcknowledge,
                 S::kAcknowledged},
        Expected{S::kTriggered, Action::kResolve, Effect::kResolve,
                 S::kResolved},
        Expected{S::kAcknowledged, Action::kTrigger, Effect::kFold,
                 S::kAcknowledged},
        Expected{S::kAcknowledged, Action::kAcknowledge, Effect::kNone,
                 S::kAcknowledged},
        Expected{S::kAcknowledged, Action::kResolve, Effect::kResolve,
                 S::kResolved},
        Expected{S::kResolved, Action::kTrigger, Effect::kOpen, S::kTriggered},
        Expected{S::kResolved, Action::kAcknowledge, Effect::kRejected,
                 S::kResolved},
        Expected{S::kResolved, Action::kResolve, Effect::kNone, S::kResolved},
        Expected{S::kSuppressed, Action::kTrigger, Effect::kFold,
                 S::kSuppressed},
        Expected{S::kSuppressed, Action::kAcknowledge, Effect::kAcknowledge,
                 S::kAcknowledged},
        Expected{S::kSuppressed, Action::kResolve, Effect::kResolve,
                 S::kResolved}),
    [](const ::testing::TestParamInfo<Expected>& info) {
      return Name(info.param.current) + "_" +
             std::string(ActionName(info.param.action));
    });

TEST(StateMachineTest, ResolvedIsTheOnlyClosedState) {
  EXPECT_TRUE(IsOpen(S::kTriggered));
  EXPECT_TRUE(IsOpen(S::kAcknowledged));
  EXPECT_TRUE(IsOpen(S::kSuppressed));
  EXPECT_FALSE(IsOpen(S::kResolved));
}

TEST(StateMachineTest, EveryStateReachesResolvedAndStaysThere) {
  for (Current c : {Current(), Current(S::kTriggered),
                    Current(S::kAcknowledged), Current(S::kSuppressed)}) {
    Transition open = NextTransition(c, Action::kTrigger);
    ASSERT_TRUE(open.next.has_value()) << Name(c);
    Transition resolve = NextTransition(*open.next, Action::kResolve);
    EXPECT_EQ(resolve.next, S::kResolved) << Name(c);
    for (Action a : {Action::kAcknowledge, Action::kResolve}) {
      EXPECT_EQ(NextTransition(S::kResolved, a).next, S::kResolved);
    }
  }
}

}  // namespace
}  // namespace alertgate
