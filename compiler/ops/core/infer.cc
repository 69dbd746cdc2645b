#include "compiler/ops/core/infer.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "compiler/ir/text.h"
#include "compiler/ir/verify.h"
#include "compiler/ops/core/registry.h"

namespace aotd::ops {
namespace {

std::string DescribeTypes(const std::vector<ir::TensorType>& types) {
  std::vector<std::string> parts;
  for (const ir::TensorType& t : types) parts.push_back(ir::PrintType(t));
  return absl::StrJoin(parts, ", ");
}

// The argument types of a node, for messages: "(f32[2,3], f32[4])".
std::string DescribeOperands(const ir::Graph& graph, const ir::Node& node) {
  std::vector<std::string> parts;
  for (const ir::Argument& a : node.args) {
    if (a.is_value()) parts.push_back(ir::PrintType(graph.type(a.AsValue())));
  }
  return absl::StrCat("(", absl::StrJoin(parts, ", "), ")");
}

}  // namespace

absl::StatusOr<std::vector<ir::TensorType>> InferTypes(const OpDef& def, const ir::Graph& graph,
                                                       const std::vector<ir::Argument>& args) {
  if (!def.infer) {
    return absl::UnimplementedError(absl::StrCat(def.schema.name, " has no shape inference"));
  }
  TypeCall call(args, [&graph](ir::ValueId v) -> const ir::TensorType& { return graph.type(v); });
  absl::StatusOr<std::vector<ir::TensorType>> types = def.infer(call);
  if (!types.ok()) return types;
  for (const ir::TensorType& t : *types) {
    absl::Status s = ir::VerifyTensorType(t, "result");
    if (!s.ok()) return s;
  }
  return types;
}

absl::Status CheckNodeTypes(const ir::Graph& graph, const ir::Node& node) {
  const OpDef* def = OpRegistry::Global().Find(node.op);
  if (def == nullptr || !def->infer) return absl::OkStatus();
  absl::StatusOr<std::vector<ir::TensorType>> inferred = InferTypes(*def, graph, node.args);
  if (!inferred.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(ir::DescribeNode(node), " on ",
                                                   DescribeOperands(graph, node), ": ",
                                                   inferred.status().message()));
  }
  std::vector<ir::TensorType> declared;
  for (ir::ValueId v : node.outputs) declared.push_back(graph.type(v));
  bool same = inferred->size() == declared.size();
  for (size_t i = 0; same && i < declared.size(); ++i) {
    same = (*inferred)[i].dtype == declared[i].dtype && (*inferred)[i].shape == declared[i].shape;
  }
  if (!same) {
    return absl::InvalidArgumentError(absl::StrCat(
        ir::DescribeNode(node), " on ", DescribeOperands(graph, node), " declares results (",
        DescribeTypes(declared), ") but computes (", DescribeTypes(*inferred), ")"));
  }
  return absl::OkStatus();
}

}  // namespace aotd::ops
