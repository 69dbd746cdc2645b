// GraphBuilder: appends op calls to a graph, binding arguments to the op's
// schema and inferring result types, for passes, derivatives and
// decompositions.
//
// Errors are sticky: the first failing call records its status and returns
// kNoValue; later calls do nothing. Check status() once at the end. A
// failure here means a pass or formula built a bad call: an INTERNAL error
// naming the op and the reason.
#ifndef AOTD_COMPILER_OPS_CORE_BUILDER_H_
#define AOTD_COMPILER_OPS_CORE_BUILDER_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "compiler/ir/graph.h"

namespace aotd::ops {

using Kwargs = std::vector<std::pair<std::string, ir::Argument>>;

class GraphBuilder {
 public:
  static constexpr ir::ValueId kNoValue = ir::kNoValue;

  // Appends to `graph`, which must outlive the builder.
  explicit GraphBuilder(ir::Graph& graph) : graph_(graph) {}

  // A call of `op` with one result; its value.
  ir::ValueId Op(absl::string_view op, std::vector<ir::Argument> args, Kwargs kwargs = {});
  // A call with any number of results; their values.
  std::vector<ir::ValueId> MultiOp(absl::string_view op, std::vector<ir::Argument> args,
                                   Kwargs kwargs = {});
  // A call whose arguments are already bound to the schema (as a node's
  // are): one per schema argument, in order. Its results' values.
  std::vector<ir::ValueId> BoundOp(absl::string_view op, std::vector<ir::Argument> bound);

  // A copy: references into the graph move when nodes are added.
  ir::TensorType type(ir::ValueId v) const { return graph_.type(v); }
  ir::Graph& graph() { return graph_; }
  const absl::Status& status() const { return status_; }
  bool ok() const { return status_.ok(); }

  // Shorthands for the calls formulas use most.
  static ir::Argument V(ir::ValueId v) { return ir::Argument::Value(v); }
  ir::ValueId Add(ir::ValueId a, ir::ValueId b);
  ir::ValueId Sub(ir::ValueId a, ir::ValueId b);
  ir::ValueId Mul(ir::ValueId a, ir::ValueId b);
  ir::ValueId Div(ir::ValueId a, ir::ValueId b);
  ir::ValueId Neg(ir::ValueId a);
  ir::ValueId MulScalar(ir::ValueId a, double s);
  ir::ValueId AddScalar(ir::ValueId a, double s);
  // Sums `v` down to `shape`, undoing broadcasting (identity if equal).
  ir::ValueId SumToShape(ir::ValueId v, const ir::Dims& shape);
  ir::ValueId Expand(ir::ValueId v, const ir::Dims& shape);
  ir::ValueId Reshape(ir::ValueId v, const ir::Dims& shape);
  // A copy converted to `dtype` (identity if it already is).
  ir::ValueId Cast(ir::ValueId v, ir::DType dtype);
  ir::ValueId ZerosLike(ir::ValueId v);
  ir::ValueId Zeros(const ir::Dims& shape, ir::DType dtype);

 private:
  ir::Graph& graph_;
  absl::Status status_;
};

}  // namespace aotd::ops

#endif  // AOTD_COMPILER_OPS_CORE_BUILDER_H_
