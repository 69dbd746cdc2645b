// The reduction family: reductions (sum, mean, amax, amin, var, prod, argmax,
// logsumexp, std, norm, max.dim).
#ifndef AOTD_COMPILER_OPS_REDUCTION_REDUCTION_H_
#define AOTD_COMPILER_OPS_REDUCTION_REDUCTION_H_

#include "absl/status/status.h"
#include "compiler/ops/core/registry.h"

namespace aotd::ops::internal {

// Adds the family's ops to `registry`; errors name the signature at fault.
absl::Status RegisterReductionOps(OpRegistry& registry);

}  // namespace aotd::ops::internal

#endif  // AOTD_COMPILER_OPS_REDUCTION_REDUCTION_H_
