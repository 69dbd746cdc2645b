// The arithmetic family: arithmetic (add, sub, rsub, mul, div, pow, maximum,
// minimum) and its in-place forms.
#ifndef AOTD_COMPILER_OPS_ARITHMETIC_ARITHMETIC_H_
#define AOTD_COMPILER_OPS_ARITHMETIC_ARITHMETIC_H_

#include "absl/status/status.h"
#include "compiler/ops/core/registry.h"

namespace aotd::ops::internal {

// Adds the family's ops to `registry`; errors name the signature at fault.
absl::Status RegisterArithmeticOps(OpRegistry& registry);

}  // namespace aotd::ops::internal

#endif  // AOTD_COMPILER_OPS_ARITHMETIC_ARITHMETIC_H_
