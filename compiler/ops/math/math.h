// The math family: unary math (neg, abs, exp, log, sqrt, sin, cos, tanh, erf,
// sigmoid, relu, ...).
#ifndef AOTD_COMPILER_OPS_MATH_MATH_H_
#define AOTD_COMPILER_OPS_MATH_MATH_H_

#include "absl/status/status.h"
#include "compiler/ops/core/op_def.h"
#include "compiler/ops/core/registry.h"

namespace aotd::ops::internal {

// Adds the family's ops to `registry`; errors name the signature at fault.
absl::Status RegisterMathOps(OpRegistry& registry);

// Within the family: the inverse and hyperbolic trigonometric functions
// (trigonometric.cc), and the inference of float math (integer and bool
// inputs give float32).
void DefineTrigonometric(OpRegistry& registry);
absl::StatusOr<std::vector<ir::TensorType>> FloatOfInput(const TypeCall& call);

}  // namespace aotd::ops::internal

#endif  // AOTD_COMPILER_OPS_MATH_MATH_H_
