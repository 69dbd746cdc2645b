// The op families OpRegistry::Global() is built from, one registration
// function each.
#ifndef AOTD_COMPILER_OPS_FAMILIES_H_
#define AOTD_COMPILER_OPS_FAMILIES_H_

#include "absl/status/status.h"
#include "compiler/ops/core/registry.h"

namespace aotd::ops::internal {

// Each adds one family of ops; errors name the signature at fault.
absl::Status RegisterPointwiseOps(OpRegistry& registry);  // pointwise.cc
absl::Status RegisterReductionOps(OpRegistry& registry);  // reduction.cc
absl::Status RegisterShapeOps(OpRegistry& registry);      // shape.cc
absl::Status RegisterCreationOps(OpRegistry& registry);   // creation.cc
absl::Status RegisterNnOps(OpRegistry& registry);         // nn.cc
absl::Status RegisterIndexingOps(OpRegistry& registry);   // indexing.cc
absl::Status RegisterRandomOps(OpRegistry& registry);     // random.cc

}  // namespace aotd::ops::internal

#endif  // AOTD_COMPILER_OPS_FAMILIES_H_
