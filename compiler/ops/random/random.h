// The random family: random ops (bernoulli).
#ifndef AOTD_COMPILER_OPS_RANDOM_RANDOM_H_
#define AOTD_COMPILER_OPS_RANDOM_RANDOM_H_

#include "absl/status/status.h"
#include "compiler/ops/core/registry.h"

namespace aotd::ops::internal {

// Adds the family's ops to `registry`; errors name the signature at fault.
absl::Status RegisterRandomOps(OpRegistry& registry);

}  // namespace aotd::ops::internal

#endif  // AOTD_COMPILER_OPS_RANDOM_RANDOM_H_
