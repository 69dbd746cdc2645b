// Dead code elimination: drops nodes none of whose results reaches a graph
// output. Any place in the pipeline; graphs here have no side effects.
#ifndef AOTD_COMPILER_PASSES_DCE_H_
#define AOTD_COMPILER_PASSES_DCE_H_

#include "compiler/ir/graph.h"

namespace aotd::passes {

// Returns whether anything was removed. Inputs are kept, used or not.
bool EliminateDeadCode(ir::Graph& graph);

}  // namespace aotd::passes

#endif  // AOTD_COMPILER_PASSES_DCE_H_
