// The shape family: ops that move data into a new shape (padding, pixel
// shuffle, repeat, tril, triu, clone, cat, stack).
#ifndef AOTD_COMPILER_OPS_SHAPE_SHAPE_H_
#define AOTD_COMPILER_OPS_SHAPE_SHAPE_H_

#include "absl/status/status.h"
#include "compiler/ops/core/registry.h"

namespace aotd::ops::internal {

// Adds the family's ops to `registry`; errors name the signature at fault.
absl::Status RegisterShapeOps(OpRegistry& registry);

}  // namespace aotd::ops::internal

#endif  // AOTD_COMPILER_OPS_SHAPE_SHAPE_H_
