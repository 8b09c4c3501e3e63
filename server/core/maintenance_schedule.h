// MaintenanceSchedule: a service's maintenance windows, checked when saved
// (names, time zones, durations) and asked at ingest whether one is open.
// A repeating window repeats at the same local time in its time zone, so
// "every Tuesday 02:00 Europe/Berlin" stays 02:00 across daylight-saving
// changes.
//
// Thread safety: immutable after Compile().
#ifndef ALERTGATE_SERVER_CORE_MAINTENANCE_SCHEDULE_H_
#define ALERTGATE_SERVER_CORE_MAINTENANCE_SCHEDULE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/model/rule.h"

namespace alertgate {

class MaintenanceSchedule {
 public:
  static constexpr size_t kMaxWindows = 100;
  // A one-off window lasts at most this long.
  static constexpr absl::Duration kMaxOneOff = absl::Hours(24 * 31);

  // INVALID_ARGUMENT naming the window and field
  // ("windows[1].time_zone: unknown time zone \"Mars/Base\"").
  static absl::StatusOr<MaintenanceSchedule> Compile(
      const std::vector<MaintenanceWindow>& windows);

  // The name of a window open at `now`; "" when none is.
  std::string OpenAt(absl::Time now) const;

  bool empty() const { return windows_.empty(); }

 private:
  struct Compiled {
    MaintenanceWindow window;
    absl::TimeZone zone;
  };
  static bool IsOpen(const Compiled& w, absl::Time now);

  std::vector<Compiled> windows_;
};

}  // namespace alertgate

#endif  // ALERTGATE_SERVER_CORE_MAINTENANCE_SCHEDULE_H_
