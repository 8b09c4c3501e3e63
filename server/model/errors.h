// Errors of the alertgate core, as absl::Status values with the most specific
// code. Every error the core returns is made here, so the codes stay
// consistent and the gRPC layer can map them in one place.
#ifndef ALERTGATE_SERVER_MODEL_ERRORS_H_
#define ALERTGATE_SERVER_MODEL_ERRORS_H_

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace alertgate::errors {

// A required field is missing or malformed. `field` names it as the API does.
inline absl::Status InvalidField(absl::string_view field,
                                 absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", why));
}

inline absl::Status IncidentNotFound(absl::string_view id) {
  return absl::NotFoundError(absl::StrCat("incident ", id, " not found"));
}

inline absl::Status ServiceNotFound(absl::string_view id_or_name) {
  return absl::NotFoundError(
      absl::StrCat("service ", id_or_name, " not found"));
}

inline absl::Status ServiceNameTaken(absl::string_view name) {
  return absl::AlreadyExistsError(
      absl::StrCat("a service named ", name, " exists already"));
}

inline absl::Status TokenNameTaken(absl::string_view name) {
  return absl::AlreadyExistsError(
      absl::StrCat("a token named \"", name, "\" exists"));
}

inline absl::Status WebhookKeyUnknown(absl::string_view source) {
  return absl::NotFoundError(
      absl::StrCat("no service has this webhook key for source ", source,
                   " (unknown or revoked)"));
}

// The change is not allowed in the incident's current state.
inline absl::Status IllegalTransition(absl::string_view reason) {
  return absl::FailedPreconditionError(reason);
}

// The store failed; the change did not happen and may be retried.
inline absl::Status StoreUnavailable(absl::string_view what) {
  return absl::UnavailableError(absl::StrCat("store: ", what));
}

// The store holds something this code cannot read (corruption or a newer
// schema).
inline absl::Status StoreCorrupt(absl::string_view what) {
  return absl::DataLossError(absl::StrCat("store: ", what));
}

}  // namespace alertgate::errors

#endif  // ALERTGATE_SERVER_MODEL_ERRORS_H_
