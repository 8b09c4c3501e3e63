// Early-return helpers for absl::Status and absl::StatusOr<T>.
#ifndef ALERTGATE_SERVER_MODEL_STATUS_MACROS_H_
#define ALERTGATE_SERVER_MODEL_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

// Returns from the enclosing function with the status of `expr` when it is
// not OK.
#define AG_RETURN_IF_ERROR(expr)             \
  do {                                       \
    absl::Status ag_status_ = (expr);        \
    if (!ag_status_.ok()) return ag_status_; \
  } while (0)

// Evaluates the StatusOr `rexpr`: returns its status on error, else moves its
// value into `lhs` (which may be a declaration).
#define AG_ASSIGN_OR_RETURN(lhs, rexpr) \
  AG_ASSIGN_OR_RETURN_IMPL(AG_CONCAT(ag_statusor_, __LINE__), lhs, rexpr)

#define AG_CONCAT_INNER(a, b) a##b
#define AG_CONCAT(a, b) AG_CONCAT_INNER(a, b)
#define AG_ASSIGN_OR_RETURN_IMPL(var, lhs, rexpr) \
  auto var = (rexpr);                             \
  if (!var.ok()) return var.status();             \
  lhs = std::move(*var)

#endif  // ALERTGATE_SERVER_MODEL_STATUS_MACROS_H_
