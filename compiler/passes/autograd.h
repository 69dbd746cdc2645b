// Reverse-mode autograd: builds the joint forward/backward graph from a
// functional forward graph (after Functionalize).
//
// The joint graph's inputs are the primals (the forward's inputs) then one
// tangent per differentiable user output; its outputs are the forward's
// outputs (user outputs and write-backs) then the gradient of each input
// that requires grad. Gradients of values used several times accumulate;
// a gradient is cast to its input's dtype and summed down to its shape
// (undoing broadcasting), as PyTorch's engine does. Integer and bool values
// carry no gradient. Code no gradient needs is pruned.
#ifndef AOTD_COMPILER_PASSES_AUTOGRAD_H_
#define AOTD_COMPILER_PASSES_AUTOGRAD_H_

#include <vector>

#include "absl/status/statusor.h"
#include "compiler/ir/graph.h"

namespace aotd::passes {

struct JointGraph {
  ir::Graph graph;
  int num_primals = 0;
  // Input num_primals + k is the tangent of forward output tangent_outputs[k].
  std::vector<int> tangent_outputs;
  int num_forward_outputs = 0;  // User outputs and write-backs.
  // Output num_forward_outputs + k is the gradient of input grad_inputs[k].
  std::vector<int> grad_inputs;
};

// `num_user_outputs`: the forward's first outputs that can take a tangent;
// the rest are write-backs, which never do. A user output takes a tangent
// when it is floating point and depends, through differentiable ops, on an
// input that requires grad. UNIMPLEMENTED naming the node if a gradient must
// flow through an op without a derivative; INTERNAL if a formula is broken.
absl::StatusOr<JointGraph> BuildJointGraph(const ir::Graph& forward, int num_user_outputs);

}  // namespace aotd::passes

#endif  // AOTD_COMPILER_PASSES_AUTOGRAD_H_
