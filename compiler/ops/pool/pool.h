// The pool family: pooling (max, average, adaptive average) and its backward.
#ifndef AOTD_COMPILER_OPS_POOL_POOL_H_
#define AOTD_COMPILER_OPS_POOL_POOL_H_

#include "absl/status/status.h"
#include "compiler/ops/core/registry.h"

namespace aotd::ops::internal {

// Adds the family's ops to `registry`; errors name the signature at fault.
absl::Status RegisterPoolOps(OpRegistry& registry);

}  // namespace aotd::ops::internal

#endif  // AOTD_COMPILER_OPS_POOL_POOL_H_
