// Internal to compiler/ops: the per-category op lists that
// OpRegistry::Global() is built from, one .cc file each.
#ifndef AOTD_COMPILER_OPS_OP_CATEGORIES_H_
#define AOTD_COMPILER_OPS_OP_CATEGORIES_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "compiler/ops/registry.h"

namespace aotd::ops::internal {

// Parses each signature and adds the op to `registry`. On failure, the
// status names the signature: INVALID_ARGUMENT if it does not parse,
// ALREADY_EXISTS if its op is already there.
absl::Status AddSignatures(OpRegistry& registry,
                           absl::Span<const absl::string_view> signatures);

// Each adds one category of ops, with the errors of AddSignatures.
absl::Status RegisterPointwiseOps(OpRegistry& registry);  // pointwise.cc
absl::Status RegisterReductionOps(OpRegistry& registry);  // reduction.cc
absl::Status RegisterShapeOps(OpRegistry& registry);      // shape.cc
absl::Status RegisterCreationOps(OpRegistry& registry);   // creation.cc
absl::Status RegisterNnOps(OpRegistry& registry);         // nn.cc

}  // namespace aotd::ops::internal

#endif  // AOTD_COMPILER_OPS_OP_CATEGORIES_H_
