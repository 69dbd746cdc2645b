// The norm family: normalization (layer, batch, group norm) and its backward.
#ifndef AOTD_COMPILER_OPS_NORM_NORM_H_
#define AOTD_COMPILER_OPS_NORM_NORM_H_

#include "absl/status/status.h"
#include "compiler/ops/core/registry.h"

namespace aotd::ops::internal {

// Adds the family's ops to `registry`; errors name the signature at fault.
absl::Status RegisterNormOps(OpRegistry& registry);

}  // namespace aotd::ops::internal

#endif  // AOTD_COMPILER_OPS_NORM_NORM_H_
