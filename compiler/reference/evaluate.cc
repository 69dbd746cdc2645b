#include "compiler/reference/evaluate.h"

#include "absl/strings/str_cat.h"
#include "compiler/ir/text.h"
#include "compiler/ir/verify.h"
#include "compiler/ops/core/op_def.h"
#include "compiler/ops/core/registry.h"

namespace aotd::reference {

absl::StatusOr<std::vector<HostTensor>> Evaluate(const ir::Graph& graph,
                                                 const std::vector<HostTensor>& inputs) {
  if (inputs.size() != graph.inputs().size()) {
    return absl::InvalidArgumentError(absl::StrCat("graph takes ", graph.inputs().size(),
                                                   " inputs, got ", inputs.size()));
  }
  std::vector<HostTensor> values(graph.values().size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    const ir::Input& input = graph.inputs()[i];
    const ir::TensorType& type = graph.type(input.value);
    if (inputs[i].dtype != type.dtype || inputs[i].shape != type.shape) {
      return absl::InvalidArgumentError(absl::StrCat("input ", i, " ('", input.name, "') is ",
                                                     DescribeTensor(inputs[i]), ", expected ",
                                                     ir::PrintType(type)));
    }
    values[input.value] = inputs[i];
  }
  for (const ir::Node& node : graph.nodes()) {
    const ops::OpDef* def = ops::OpRegistry::Global().Find(node.op);
    if (def == nullptr || !def->kernel) {
      return absl::UnimplementedError(absl::StrCat(ir::DescribeNode(node), ": no reference kernel"));
    }
    std::vector<ir::TensorType> types;
    for (ir::ValueId v : node.outputs) types.push_back(graph.type(v));
    ops::KernelCall call(node.args, [&values](ir::ValueId v) -> const HostTensor& { return values[v]; });
    absl::StatusOr<std::vector<HostTensor>> results = def->kernel(call, types);
    if (!results.ok()) {
      return absl::Status(results.status().code(),
                          absl::StrCat(ir::DescribeNode(node), ": ", results.status().message()));
    }
    if (results->size() != node.outputs.size()) {
      return absl::InternalError(absl::StrCat(ir::DescribeNode(node), ": kernel gave ",
                                              results->size(), " results, expected ",
                                              node.outputs.size()));
    }
    for (size_t i = 0; i < node.outputs.size(); ++i) {
      HostTensor& r = (*results)[i];
      if (r.dtype != types[i].dtype || r.shape != types[i].shape) {
        return absl::InternalError(absl::StrCat(ir::DescribeNode(node), ": kernel result ", i,
                                                " is ", DescribeTensor(r), ", declared ",
                                                ir::PrintType(types[i])));
      }
      values[node.outputs[i]] = std::move(r);
    }
  }
  std::vector<HostTensor> outputs;
  for (ir::ValueId v : graph.outputs()) outputs.push_back(values[v]);
  return outputs;
}

}  // namespace aotd::reference
