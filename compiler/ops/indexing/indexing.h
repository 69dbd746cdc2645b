// The indexing family: indexing (gather, scatter, index_select, index_add,
// index_copy, index, index_put, cumsum, flip, topk).
#ifndef AOTD_COMPILER_OPS_INDEXING_INDEXING_H_
#define AOTD_COMPILER_OPS_INDEXING_INDEXING_H_

#include "absl/status/status.h"
#include "compiler/ops/core/registry.h"

namespace aotd::ops::internal {

// Adds the family's ops to `registry`; errors name the signature at fault.
absl::Status RegisterIndexingOps(OpRegistry& registry);

// Parts of the family in files of their own, which RegisterIndexingOps calls.
void DefineAdvancedIndexing(OpRegistry& r);  // advanced_indexing.cc

}  // namespace aotd::ops::internal

#endif  // AOTD_COMPILER_OPS_INDEXING_INDEXING_H_
