// The embedding family: embedding and its backward.
#ifndef AOTD_COMPILER_OPS_EMBEDDING_EMBEDDING_H_
#define AOTD_COMPILER_OPS_EMBEDDING_EMBEDDING_H_

#include "absl/status/status.h"
#include "compiler/ops/core/registry.h"

namespace aotd::ops::internal {

// Adds the family's ops to `registry`; errors name the signature at fault.
absl::Status RegisterEmbeddingOps(OpRegistry& registry);

}  // namespace aotd::ops::internal

#endif  // AOTD_COMPILER_OPS_EMBEDDING_EMBEDDING_H_
