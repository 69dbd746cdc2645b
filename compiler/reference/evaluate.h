// The reference evaluator: runs any IR graph on the host with each op's
// reference kernel. Slow and simple; the oracle for tests and the engine of
// constant folding.
#ifndef AOTD_COMPILER_REFERENCE_EVALUATE_H_
#define AOTD_COMPILER_REFERENCE_EVALUATE_H_

#include <vector>

#include "absl/status/statusor.h"
#include "compiler/ir/graph.h"
#include "compiler/reference/host_tensor.h"

namespace aotd::reference {

// Values of the graph's outputs given one tensor per graph input.
// INVALID_ARGUMENT if an input's dtype or shape differs from the graph's;
// UNIMPLEMENTED naming the op if one has no kernel; INTERNAL naming the node
// if a kernel's result disagrees with the node's declared dtype or shape.
absl::StatusOr<std::vector<HostTensor>> Evaluate(const ir::Graph& graph,
                                                 const std::vector<HostTensor>& inputs);

}  // namespace aotd::reference

#endif  // AOTD_COMPILER_REFERENCE_EVALUATE_H_
