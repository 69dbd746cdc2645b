// Early-return helpers for absl::Status and absl::StatusOr.
#ifndef AOTD_COMMON_STATUS_MACROS_H_
#define AOTD_COMMON_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define AOTD_CONCAT_INNER_(a, b) a##b
#define AOTD_CONCAT_(a, b) AOTD_CONCAT_INNER_(a, b)

// Returns from the enclosing function if `expr` (an absl::Status) is not OK.
#define RETURN_IF_ERROR(expr)                  \
  do {                                         \
    ::absl::Status aotd_status_ = (expr);      \
    if (!aotd_status_.ok()) return aotd_status_; \
  } while (false)

// `ASSIGN_OR_RETURN(auto x, F());` declares x from an OK StatusOr, or
// returns its error from the enclosing function.
#define ASSIGN_OR_RETURN(lhs, expr) \
  AOTD_ASSIGN_OR_RETURN_IMPL_(AOTD_CONCAT_(aotd_statusor_, __LINE__), lhs, expr)

#define AOTD_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                                \
  if (!statusor.ok()) return statusor.status();          \
  lhs = std::move(statusor).value()

#endif  // AOTD_COMMON_STATUS_MACROS_H_
