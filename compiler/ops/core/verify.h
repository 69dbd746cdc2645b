// Verifying a whole graph against the op library.
#ifndef AOTD_COMPILER_OPS_CORE_VERIFY_H_
#define AOTD_COMPILER_OPS_CORE_VERIFY_H_

#include "absl/status/status.h"
#include "compiler/ir/graph.h"

namespace aotd::ops {

// Checks the structure (ir::VerifyGraph) and every node against its op: a
// known op, arguments bound to its schema (one per schema argument, of the
// right kinds), the right number of results, and result dtypes and shapes
// that agree with inference. INVALID_ARGUMENT naming the node. What every
// pass may assume of its input.
absl::Status VerifyNodes(const ir::Graph& graph);

}  // namespace aotd::ops

#endif  // AOTD_COMPILER_OPS_CORE_VERIFY_H_
