// Decomposition: every call of an op that declares a decomposition
// (OpDef::decompose) becomes that decomposition's calls, repeatedly, until
// only ops without one are left: the core set that code generation lowers.
// Runs on the joint graph after autograd, so derivatives are the ops' own
// formulas (derivatives.yaml's), as AOTAutograd traces them before it
// decomposes.
#ifndef AOTD_COMPILER_PASSES_DECOMPOSE_H_
#define AOTD_COMPILER_PASSES_DECOMPOSE_H_

#include "absl/status/statusor.h"
#include "compiler/ir/graph.h"

namespace aotd::passes {

// Returns whether anything was decomposed. Inputs and outputs keep their
// positions. INTERNAL naming the op if a decomposition fails to build or
// its results differ from the call's in dtype, shape or strides.
absl::StatusOr<bool> Decompose(ir::Graph& graph);

}  // namespace aotd::passes

#endif  // AOTD_COMPILER_PASSES_DECOMPOSE_H_
