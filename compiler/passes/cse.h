// Common subexpression elimination: two calls of the same op on the same
// arguments become one. Any place in the pipeline; graphs here are
// functional and hold no random ops.
#ifndef AOTD_COMPILER_PASSES_CSE_H_
#define AOTD_COMPILER_PASSES_CSE_H_

#include "compiler/ir/graph.h"

namespace aotd::passes {

// Returns whether any node was merged into an earlier one.
bool EliminateCommonSubexpressions(ir::Graph& graph);

}  // namespace aotd::passes

#endif  // AOTD_COMPILER_PASSES_CSE_H_
