#include "compiler/partition/cost.h"

#include "absl/container/flat_hash_set.h"
#include "compiler/ir/rewrite.h"
#include "compiler/ops/core/op_def.h"
#include "compiler/ops/core/registry.h"

namespace aotd::partition {

double EstimateFlops(const ir::Graph& graph, const ir::Node& node) {
  const ops::OpDef* def = ops::OpRegistry::Global().Find(node.op);
  double out_elements = 0;
  for (ir::ValueId v : node.outputs) out_elements += graph.type(v).NumElements();
  if (def == nullptr || def->kind == ops::OpKind::kView) return 0;
  if (def->kind == ops::OpKind::kMatmul) {
    // The contracted size: the last dim of the first matrix operand (the
    // weight's Cin/groups * kernel area for convolutions).
    if (node.op == "aten.convolution.default" || node.op == "aten.convolution_backward.default") {
      const ir::TensorType& w = graph.type(node.args[1].AsValue());
      double k = 1;
      for (int i = 1; i < w.Rank(); ++i) k *= w.shape[i];
      return 2 * out_elements * k;
    }
    int a = node.op == "aten.addmm.default" ? 1 : 0;
    const ir::TensorType& lhs = graph.type(node.args[a].AsValue());
    return 2 * out_elements * (lhs.Rank() > 0 ? lhs.shape.back() : 1);
  }
  double in_elements = 0;
  for (const ir::Argument& arg : node.args) {
    ir::ForEachValue(arg, [&](ir::ValueId v) { in_elements += graph.type(v).NumElements(); });
  }
  return std::max(in_elements, out_elements);
}

double RecomputeBytes(const ir::Graph& graph, const ir::Node& node) {
  static const auto* const kTranscendental = new absl::flat_hash_set<std::string>({
      "aten.exp.default", "aten.log.default", "aten.log1p.default", "aten.sin.default",
      "aten.cos.default", "aten.tanh.default", "aten.erf.default", "aten.sigmoid.default",
      "aten.silu.default", "aten.gelu.default", "aten.gelu_backward.default",
      "aten.silu_backward.default", "aten.elu.default", "aten.softplus.default",
      "aten.softplus_backward.default", "aten.pow.Tensor_Tensor", "aten.pow.Scalar"});
  if (!kTranscendental->contains(node.op)) return 0;
  double bytes = 0;
  for (ir::ValueId v : node.outputs) bytes += static_cast<double>(graph.type(v).ByteSize());
  return kTranscendentalBytesPerByte * bytes;
}

}  // namespace aotd::partition
