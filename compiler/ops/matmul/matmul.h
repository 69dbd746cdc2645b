// The matmul family: matrix products (mm, addmm, bmm, baddbmm).
#ifndef AOTD_COMPILER_OPS_MATMUL_MATMUL_H_
#define AOTD_COMPILER_OPS_MATMUL_MATMUL_H_

#include "absl/status/status.h"
#include "compiler/ops/core/registry.h"

namespace aotd::ops::internal {

// Adds the family's ops to `registry`; errors name the signature at fault.
absl::Status RegisterMatmulOps(OpRegistry& registry);

}  // namespace aotd::ops::internal

#endif  // AOTD_COMPILER_OPS_MATMUL_MATMUL_H_
