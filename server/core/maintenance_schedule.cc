#include "server/core/maintenance_schedule.h"

#include "absl/strings/str_cat.h"
#include "server/model/errors.h"

namespace alertgate {
namespace {

int PeriodDays(Repeat repeat) {
  return repeat == Repeat::kDaily ? 1 : repeat == Repeat::kWeekly ? 7 : 0;
}

}  // namespace

absl::StatusOr<MaintenanceSchedule> MaintenanceSchedule::Compile(
    const std::vector<MaintenanceWindow>& windows) {
  if (windows.size() > kMaxWindows) {
    return errors::InvalidField("windows",
                                absl::StrCat("more than ", kMaxWindows));
  }
  MaintenanceSchedule schedule;
  for (size_t i = 0; i < windows.size(); ++i) {
    const MaintenanceWindow& w = windows[i];
    const std::string at = absl::StrCat("windows[", i, "]");
    if (w.name.empty() || w.name.size() > 64) {
      return errors::InvalidField(at + ".name", "1 to 64 characters");
    }
    for (size_t j = 0; j < i; ++j) {
      if (windows[j].name == w.name) {
        return errors::InvalidField(
            at + ".name", absl::StrCat("\"", w.name, "\" is used twice"));
      }
    }
    Compiled compiled{w, absl::UTCTimeZone()};
    if (!absl::LoadTimeZone(w.time_zone, &compiled.zone)) {
      return errors::InvalidField(
          at + ".time_zone",
          absl::StrCat("unknown time zone \"", w.time_zone, "\""));
    }
    const int days = PeriodDays(w.repeat);
    const absl::Duration longest =
        days > 0 ? absl::Hours(24 * days) : kMaxOneOff;
    if (w.duration <= absl::ZeroDuration() || w.duration > longest) {
      return errors::InvalidField(
          at + ".duration", days > 0
                                ? "more than zero, at most the repeat period"
                                : "more than zero, at most 31 days");
    }
    if (w.repeat_until && *w.repeat_until <= w.starts) {
      return errors::InvalidField(at + ".repeat_until", "after the start");
    }
    schedule.windows_.push_back(std::move(compiled));
  }
  return schedule;
}

bool MaintenanceSchedule::IsOpen(const Compiled& c, absl::Time now) {
  const MaintenanceWindow& w = c.window;
  const int days = PeriodDays(w.repeat);
  auto open_from = [&](absl::CivilMinute start) {
    const absl::Time begins = absl::FromCivil(start, c.zone);
    return begins <= now && now < begins + w.duration;
  };
  if (days == 0) return open_from(w.starts);
  // The occurrences that could contain `now`: the latest that starts on or
  // before today (local), and the one before it (a window past midnight).
  const absl::CivilDay today = absl::CivilDay(absl::ToCivilMinute(now, c.zone));
  const absl::CivilDay first = absl::CivilDay(w.starts);
  const int64_t since = today - first;
  if (since < 0) return false;
  const int64_t latest = since / days;
  for (int64_t k = latest; k >= latest - 1 && k >= 0; --k) {
    const absl::CivilDay day = first + k * days;
    const absl::CivilMinute start(day.year(), day.month(), day.day(),
                                  w.starts.hour(), w.starts.minute());
    if (w.repeat_until && start >= *w.repeat_until) continue;
    if (open_from(start)) return true;
  }
  return false;
}

std::string MaintenanceSchedule::OpenAt(absl::Time now) const {
  for (const Compiled& c : windows_) {
    if (IsOpen(c, now)) return c.window.name;
  }
  return "";
}

}  // namespace alertgate
