// The creation family: factory functions (zeros, ones, full, empty, arange,
// *_like, new_*).
#ifndef AOTD_COMPILER_OPS_CREATION_CREATION_H_
#define AOTD_COMPILER_OPS_CREATION_CREATION_H_

#include "absl/status/status.h"
#include "compiler/ops/core/registry.h"

namespace aotd::ops::internal {

// Adds the family's ops to `registry`; errors name the signature at fault.
absl::Status RegisterCreationOps(OpRegistry& registry);

}  // namespace aotd::ops::internal

#endif  // AOTD_COMPILER_OPS_CREATION_CREATION_H_
