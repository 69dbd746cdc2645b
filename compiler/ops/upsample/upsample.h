// The upsample family: upsampling (nearest and bilinear 2-d) and its backward.
#ifndef AOTD_COMPILER_OPS_UPSAMPLE_UPSAMPLE_H_
#define AOTD_COMPILER_OPS_UPSAMPLE_UPSAMPLE_H_

#include "absl/status/status.h"
#include "compiler/ops/core/registry.h"

namespace aotd::ops::internal {

// Adds the family's ops to `registry`; errors name the signature at fault.
absl::Status RegisterUpsampleOps(OpRegistry& registry);

}  // namespace aotd::ops::internal

#endif  // AOTD_COMPILER_OPS_UPSAMPLE_UPSAMPLE_H_
