// The partitioner: splits a joint forward/backward graph into a forward
// program and a backward program, deciding which forward values are saved
// for the backward and which the backward recomputes.
//
// Two strategies, after functorch's partitioners:
//   kDefault: the forward computes what the user's forward computes; every
//     forward value the backward uses is saved.
//   kMinCut: a minimum cut over the joint graph (each value an in/out pair
//     whose capacity is its size in bytes; values backward needs tied to the
//     sink, inputs and values too expensive to recompute tied to the source),
//     solved with Boost.Graph's max-flow. Cheap fusible ops (pointwise,
//     views, cheap reductions) are recomputed; matmul, convolution and other
//     heavy ops are not, nor reductions that shrink their input 4x or more.
//     Recomputing a transcendental pointwise op (exp, tanh, erf, ...) costs
//     its RecomputeBytes (cost.h), so the cut saves such a value when that
//     is cheaper than recomputing it. Saving a view saves its base. With a
//     memory budget below 1, more is recomputed (heavy ops included, and
//     recomputation then costs nothing) until the saved bytes fit.
//
// Programs: forward(primals) -> (user outputs, write-backs, saved values);
// backward(saved values, tangents) -> gradients. Deterministic; thread-safe
// (no shared state).
#ifndef AOTD_COMPILER_PARTITION_PARTITION_H_
#define AOTD_COMPILER_PARTITION_PARTITION_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "compiler/ir/graph.h"
#include "compiler/pipeline/trace.h"

namespace aotd::partition {

enum class Strategy { kDefault, kMinCut };

struct Options {
  Strategy strategy = Strategy::kMinCut;
  // 0..1: the saved bytes may be at most this fraction of what the default
  // strategy saves. 1 is the runtime-optimal cut; 0 saves only inputs (and
  // views of them). Only kMinCut honours it.
  double memory_budget = 1.0;
  // kMinCut: recomputing a transcendental op costs its RecomputeBytes. False
  // counts saved bytes only (functorch's cost model: the least memory).
  bool weigh_recompute = true;
};

struct SavedValue {
  std::string name;        // The value's name in the joint graph.
  ir::TensorType type;
  int64_t bytes = 0;
  bool new_storage = false;  // Not a graph input or a view of one.
  std::string reason;
};

struct RecomputedValue {
  std::string name;
  std::string op;
  std::string reason;
};

struct Report {
  std::vector<SavedValue> saved;
  std::vector<RecomputedValue> recomputed;
  int64_t saved_bytes = 0;
  int saved_new_storage_tensors = 0;
  int64_t saved_new_storage_bytes = 0;
  double recompute_flops = 0;  // Estimated work the backward repeats.
};

struct Partitioned {
  ir::Graph forward;
  ir::Graph backward;
  int num_user_outputs = 0;
  std::vector<int> write_back_inputs;  // Forward outputs after the user's.
  std::vector<int> tangent_outputs;    // Which user outputs take a tangent.
  std::vector<int> grad_inputs;        // Which primal each gradient is for.
  int num_saved = 0;                   // Trailing forward outputs, leading backward inputs.
  Report report;
};

// INVALID_ARGUMENT for a budget outside [0, 1]; INTERNAL if the cut leaves
// the backward needing a value it cannot get (a bug).
absl::StatusOr<Partitioned> Partition(const pipeline::Traced& traced, const Options& options);

absl::StatusOr<Strategy> ParseStrategy(absl::string_view name);  // "default", "min_cut"

}  // namespace aotd::partition

#endif  // AOTD_COMPILER_PARTITION_PARTITION_H_
