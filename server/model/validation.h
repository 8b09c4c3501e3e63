// Input rules of the core: what a valid alert, name or actor looks like.
// Each check returns INVALID_ARGUMENT naming the field, or OK.
#ifndef ALERTGATE_SERVER_MODEL_VALIDATION_H_
#define ALERTGATE_SERVER_MODEL_VALIDATION_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "server/model/alert_limits.h"
#include "server/model/incident_model.h"

namespace alertgate {

// Longest idempotency key or actor accepted (alert content limits are in
// alert_limits.h, applied before validation).
inline constexpr size_t kMaxKeyBytes = 255;

// Service and alert-source names: 1 to 63 of [a-z0-9_-], starting with a
// letter or digit, so they are safe in URLs, logs and metric labels.
absl::Status ValidateName(absl::string_view field, absl::string_view name);

absl::Status ValidateAlert(const Alert& alert);

// A person or tool acting through the API.
absl::Status ValidateActor(absl::string_view actor);

}  // namespace alertgate

#endif  // ALERTGATE_SERVER_MODEL_VALIDATION_H_
