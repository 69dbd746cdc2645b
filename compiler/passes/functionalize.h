// Functionalization: the first pass after import. Removes mutation.
//
// In-place ops (add_, mul_, relu_, copy_ ...) become their pure forms, and
// later uses see the new value. native_batch_norm in training mode, which
// updates its running_mean and running_var arguments although its schema
// does not say so, gets those updates as explicit ops. Every graph input
// that ends up with a new value gets a write-back output: "input i now holds
// this value". `detach` and aliases stay as they are (they are pure).
#ifndef AOTD_COMPILER_PASSES_FUNCTIONALIZE_H_
#define AOTD_COMPILER_PASSES_FUNCTIONALIZE_H_

#include <vector>

#include "absl/status/statusor.h"
#include "compiler/ir/graph.h"

namespace aotd::passes {

struct FunctionalGraph {
  // Same inputs as the forward; outputs are the forward's outputs, then one
  // per write-back.
  ir::Graph graph;
  int num_user_outputs = 0;
  std::vector<int> write_back_inputs;  // Output num_user_outputs + k writes this input.
  bool changed = false;  // Whether any mutation was rewritten.
};

// INVALID_ARGUMENT naming the node for mutation it cannot express (an
// in-place update through a view of an input); INTERNAL for a bug.
absl::StatusOr<FunctionalGraph> Functionalize(const ir::Graph& forward);

}  // namespace aotd::passes

#endif  // AOTD_COMPILER_PASSES_FUNCTIONALIZE_H_
