// The loss family: losses (nll, mse, smooth l1, binary cross-entropy with
// logits) and their backward.
#ifndef AOTD_COMPILER_OPS_LOSS_LOSS_H_
#define AOTD_COMPILER_OPS_LOSS_LOSS_H_

#include "absl/status/status.h"
#include "compiler/ops/core/registry.h"

namespace aotd::ops::internal {

// Adds the family's ops to `registry`; errors name the signature at fault.
absl::Status RegisterLossOps(OpRegistry& registry);

}  // namespace aotd::ops::internal

#endif  // AOTD_COMPILER_OPS_LOSS_LOSS_H_
