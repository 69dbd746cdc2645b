// Test helpers for op definitions: one-node graphs from sample calls, random
// inputs, and a finite-difference gradient check through the real autograd
// pass and reference evaluator.
#ifndef AOTD_COMPILER_OPS_TESTING_OP_CHECK_H_
#define AOTD_COMPILER_OPS_TESTING_OP_CHECK_H_

#include <random>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "compiler/ir/graph.h"
#include "compiler/ops/builder.h"
#include "compiler/reference/host_tensor.h"

namespace aotd::ops::testing {

// One call of an op: tensors are described by their types (strides may be
// non-contiguous) and get random values.
struct Sample {
  std::vector<ir::TensorType> tensors;
  // Bound or unbound arguments; Argument::Value(i) stands for tensors[i].
  std::vector<ir::Argument> args;
  Kwargs kwargs = {};
  double low = -2, high = 2;  // Range of random floating values.
  std::string note;           // What the sample covers, for messages.
};

// Contiguous type shorthand: T(kFloat64, {2, 3}).
ir::TensorType T(ir::DType dtype, ir::Dims shape);
// A transposed (non-contiguous) type of the given logical shape: the last
// two dims have swapped strides.
ir::TensorType Transposed(ir::DType dtype, ir::Dims shape);

// A graph with one input per sample tensor (floating ones require grad) and
// one node of `op`, result types from inference; its outputs are the node's.
absl::StatusOr<ir::Graph> OneNodeGraph(absl::string_view op, const Sample& sample);

// Random values for the graph's inputs: floats uniform in [low, high),
// integers in [0, high) (at least 0..1), bools 0/1.
std::vector<reference::HostTensor> RandomInputs(const ir::Graph& graph, const Sample& sample,
                                                std::mt19937& rng);

// Builds the one-node graph, evaluates it, and checks that the gradients of
// sum_j <out_j, tangent_j> from the joint graph match central differences
// (eps 1e-6, atol 1e-5, rtol 1e-3) for every floating input. Use float64
// tensors. OK, or an error naming the input, element and both values.
absl::Status CheckGradients(absl::string_view op, const Sample& sample, uint32_t seed = 1);

}  // namespace aotd::ops::testing

#endif  // AOTD_COMPILER_OPS_TESTING_OP_CHECK_H_
