#include "server/model/validation.h"

#include "absl/strings/str_cat.h"
#include "server/model/errors.h"

namespace alertgate {
namespace {

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

absl::Status ValidateLength(absl::string_view field, absl::string_view value,
                            size_t max) {
  if (value.size() > max) {
    return errors::InvalidField(field,
                                absl::StrCat("longer than ", max, " bytes"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateName(absl::string_view field, absl::string_view name) {
  if (name.empty()) return errors::InvalidField(field, "required");
  if (name.size() > 63) {
    return errors::InvalidField(field, "longer than 63 characters");
  }
  if (name[0] == '-' || name[0] == '_') {
    return errors::InvalidField(field, "must start with a letter or digit");
  }
  for (char c : name) {
    if (!IsNameChar(c)) {
      return errors::InvalidField(
          field, "only lower-case letters, digits, '-' and '_' are allowed");
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateAlert(const Alert& alert) {
  if (alert.service_id.empty()) {
    return errors::InvalidField("alert.service_id", "required");
  }
  if (absl::Status s = ValidateName("alert.source", alert.source); !s.ok()) {
    return s;
  }
  switch (alert.action) {
    case Action::kTrigger:
    case Action::kAcknowledge:
    case Action::kResolve:
      break;
    default:
      return errors::InvalidField("alert.action",
                                  "must be TRIGGER, ACKNOWLEDGE or RESOLVE");
  }
  if (alert.dedup_key.empty()) {
    return errors::InvalidField("alert.dedup_key", "required");
  }
  if (alert.action == Action::kTrigger && alert.summary.empty()) {
    return errors::InvalidField("alert.summary", "required for TRIGGER");
  }
  for (auto [field, value, max] :
       {std::make_tuple("alert.dedup_key", absl::string_view(alert.dedup_key),
                        kMaxKeyBytes),
        std::make_tuple("alert.idempotency_key",
                        absl::string_view(alert.idempotency_key), kMaxKeyBytes),
        std::make_tuple("alert.event", absl::string_view(alert.event),
                        kMaxKeyBytes),
        std::make_tuple("alert.summary", absl::string_view(alert.summary),
                        kMaxSummaryBytes),
        std::make_tuple("alert.description",
                        absl::string_view(alert.description),
                        kMaxDescriptionBytes)}) {
    if (absl::Status s = ValidateLength(field, value, max); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status ValidateActor(absl::string_view actor) {
  if (actor.empty()) return errors::InvalidField("actor", "required");
  return ValidateLength("actor", actor, kMaxKeyBytes);
}

}  // namespace alertgate
