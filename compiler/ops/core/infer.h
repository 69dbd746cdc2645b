// Running an op's shape and dtype inference on graph values.
#ifndef AOTD_COMPILER_OPS_CORE_INFER_H_
#define AOTD_COMPILER_OPS_CORE_INFER_H_

#include <vector>

#include "absl/status/statusor.h"
#include "compiler/ir/graph.h"
#include "compiler/ops/core/op_def.h"

namespace aotd::ops {

// Result types of calling `def` with bound `args` whose values live in
// `graph`. INVALID_ARGUMENT from the op's inference (shapes, dtypes, dims);
// UNIMPLEMENTED if the op has no inference.
absl::StatusOr<std::vector<ir::TensorType>> InferTypes(const OpDef& def, const ir::Graph& graph,
                                                       const std::vector<ir::Argument>& args);

// Checks that a node's declared result types agree with inference: same
// number, dtypes and shapes (strides are the producer's choice and are not
// compared). INVALID_ARGUMENT naming the node, the op and the shapes.
// Nodes whose op has no inference pass.
absl::Status CheckNodeTypes(const ir::Graph& graph, const ir::Node& node);

}  // namespace aotd::ops

#endif  // AOTD_COMPILER_OPS_CORE_INFER_H_
