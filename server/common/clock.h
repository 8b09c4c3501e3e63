// Clock: where alertgate reads the time, so tests can set it.
//
// Thread safety: implementations are safe to call from any thread.
#ifndef ALERTGATE_SERVER_COMMON_CLOCK_H_
#define ALERTGATE_SERVER_COMMON_CLOCK_H_

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace alertgate {

// Clock is the source of "now" for the core. Production uses SystemClock;
// tests inject one they control (e.g. to step 30 days ahead).
class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;
};

// SystemClock reads the wall clock.
class SystemClock final : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
};

}  // namespace alertgate

#endif  // ALERTGATE_SERVER_COMMON_CLOCK_H_
