// The softmax family: softmax and log_softmax and their backward.
#ifndef AOTD_COMPILER_OPS_SOFTMAX_SOFTMAX_H_
#define AOTD_COMPILER_OPS_SOFTMAX_SOFTMAX_H_

#include "absl/status/status.h"
#include "compiler/ops/core/registry.h"

namespace aotd::ops::internal {

// Adds the family's ops to `registry`; errors name the signature at fault.
absl::Status RegisterSoftmaxOps(OpRegistry& registry);

}  // namespace aotd::ops::internal

#endif  // AOTD_COMPILER_OPS_SOFTMAX_SOFTMAX_H_
