// The conversion family: dtype conversions and copies (to, _to_copy, fill,
// copy_).
#ifndef AOTD_COMPILER_OPS_CONVERSION_CONVERSION_H_
#define AOTD_COMPILER_OPS_CONVERSION_CONVERSION_H_

#include "absl/status/status.h"
#include "compiler/ops/core/registry.h"

namespace aotd::ops::internal {

// Adds the family's ops to `registry`; errors name the signature at fault.
absl::Status RegisterConversionOps(OpRegistry& registry);

}  // namespace aotd::ops::internal

#endif  // AOTD_COMPILER_OPS_CONVERSION_CONVERSION_H_
