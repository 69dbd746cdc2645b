// Common subexpression elimination: two calls of the same op on the same
// arguments become one, except calls of random ops (bernoulli), which draw
// different values. Any place in the pipeline; graphs here are functional.
#ifndef AOTD_COMPILER_PASSES_CSE_H_
#define AOTD_COMPILER_PASSES_CSE_H_

#include "compiler/ir/graph.h"

namespace aotd::passes {

// Returns whether any node was merged into an earlier one.
bool EliminateCommonSubexpressions(ir::Graph& graph);

}  // namespace aotd::passes

#endif  // AOTD_COMPILER_PASSES_CSE_H_
