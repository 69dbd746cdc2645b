// The activation family: activations (gelu, elu, silu, hardtanh, softplus,
// hardswish, mish, prelu, ...) and their backward ops.
#ifndef AOTD_COMPILER_OPS_ACTIVATION_ACTIVATION_H_
#define AOTD_COMPILER_OPS_ACTIVATION_ACTIVATION_H_

#include "absl/status/status.h"
#include "compiler/ops/core/registry.h"

namespace aotd::ops::internal {

// Adds the family's ops to `registry`; errors name the signature at fault.
absl::Status RegisterActivationOps(OpRegistry& registry);

// Parts of the family in files of their own, which RegisterActivationOps calls.
void DefineActivationBackward(OpRegistry& r);  // activation_backward.cc
void DefinePrelu(OpRegistry& r);               // prelu.cc

}  // namespace aotd::ops::internal

#endif  // AOTD_COMPILER_OPS_ACTIVATION_ACTIVATION_H_
