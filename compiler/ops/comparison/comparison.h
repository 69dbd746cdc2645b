// The comparison family: comparisons, logical ops and selection (where,
// masked_fill, clamp).
#ifndef AOTD_COMPILER_OPS_COMPARISON_COMPARISON_H_
#define AOTD_COMPILER_OPS_COMPARISON_COMPARISON_H_

#include "absl/status/status.h"
#include "compiler/ops/core/registry.h"

namespace aotd::ops::internal {

// Adds the family's ops to `registry`; errors name the signature at fault.
absl::Status RegisterComparisonOps(OpRegistry& registry);

}  // namespace aotd::ops::internal

#endif  // AOTD_COMPILER_OPS_COMPARISON_COMPARISON_H_
