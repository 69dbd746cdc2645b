#include "compiler/passes/autograd.h"

#include "absl/strings/str_cat.h"
#include "compiler/ir/rewrite.h"
#include "compiler/ir/verify.h"
#include "compiler/ops/core/builder.h"
#include "compiler/ops/core/op_def.h"
#include "compiler/ops/core/registry.h"
#include "compiler/passes/dce.h"

namespace aotd::passes {
namespace {

using ir::ValueId;
constexpr ValueId kNone = ops::DerivativeContext::kNoValue;

// Which forward values depend, through differentiable ops, on an input that
// requires grad.
std::vector<bool> RequiresGrad(const ir::Graph& g) {
  std::vector<bool> rg(g.values().size(), false);
  for (const ir::Input& in : g.inputs()) {
    rg[in.value] = in.requires_grad && ir::IsFloatingPoint(g.type(in.value).dtype);
  }
  for (const ir::Node& node : g.nodes()) {
    const ops::OpDef* def = ops::OpRegistry::Global().Find(node.op);
    if (def == nullptr || def->differentiability == ops::Differentiability::kNonDifferentiable) {
      continue;
    }
    bool any = false;
    for (const ir::Argument& a : node.args) {
      ir::ForEachValue(a, [&](ValueId v) { any = any || rg[v]; });
    }
    for (ValueId v : node.outputs) rg[v] = any && ir::IsFloatingPoint(g.type(v).dtype);
  }
  return rg;
}

}  // namespace

absl::StatusOr<JointGraph> BuildJointGraph(const ir::Graph& forward, int num_user_outputs) {
  JointGraph joint;
  ir::Graph& g = joint.graph;
  ir::ValueMap map(forward);
  ir::CopyInputs(forward, g, map);
  joint.num_primals = static_cast<int>(forward.inputs().size());
  std::vector<bool> rg = RequiresGrad(forward);

  // Gradient accumulated so far for each joint value.
  std::vector<ValueId> grad(forward.values().size(), kNone);
  std::vector<ValueId> seeds;
  for (int i = 0; i < num_user_outputs; ++i) {
    ValueId out = forward.outputs()[i];
    if (!rg[out]) continue;
    joint.tangent_outputs.push_back(i);
    // A tangent has the layout its output is stored in.
    seeds.push_back(g.AddInput(absl::StrCat("tangents_", joint.tangent_outputs.size()),
                               forward.type(out).StoredLayout(), false));
  }
  for (const ir::Node& node : forward.nodes()) ir::CopyNode(forward, node, map, g, map);

  ops::GraphBuilder b(g);
  // Adds `value` (a gradient for forward value `target`) into grad[target],
  // cast and summed down to target's type.
  auto accumulate = [&](ValueId target, ValueId value) {
    const ir::TensorType& t = forward.type(target);
    value = b.SumToShape(b.Cast(value, t.dtype), t.shape);
    grad[target] = grad[target] == kNone ? value : b.Add(grad[target], value);
  };
  for (size_t k = 0; k < seeds.size(); ++k) {
    accumulate(forward.outputs()[joint.tangent_outputs[k]], seeds[k]);
  }

  for (int n = static_cast<int>(forward.nodes().size()) - 1; n >= 0 && b.ok(); --n) {
    const ir::Node& node = forward.node(n);
    std::vector<ValueId> output_grads;
    bool any = false;
    for (ValueId v : node.outputs) {
      output_grads.push_back(grad[v]);
      any = any || grad[v] != kNone;
    }
    if (!any) continue;
    const ops::OpDef* def = ops::OpRegistry::Global().Find(node.op);
    if (def->differentiability == ops::Differentiability::kNonDifferentiable) continue;
    if (def->differentiability == ops::Differentiability::kMissing) {
      return absl::UnimplementedError(
          absl::StrCat(ir::DescribeNode(node), ": no derivative for this op yet"));
    }
    // The formula sees the node as it is in the joint graph.
    ir::Node joint_node = node;
    for (ir::Argument& a : joint_node.args) a = ir::RemapArgument(a, map);
    for (ValueId& v : joint_node.outputs) v = map[v];
    // Joint values of forward values: the forward's nodes were copied first.
    ops::DerivativeContext context(b, joint_node, output_grads, [&](ValueId joint_value) {
      for (const ir::Argument& arg : node.args) {
        bool found = false;
        ir::ForEachValue(arg, [&](ValueId v) { found = found || (map[v] == joint_value && rg[v]); });
        if (found) return true;
      }
      return false;
    });
    ops::Grads grads = def->derivative(context);
    for (const ops::InputGrad& ig : grads) {
      if (ig.grad == kNone || !b.ok()) continue;
      const ir::Argument& arg = node.args[ig.arg];
      ValueId target = ig.item < 0 ? arg.AsValue() : arg.AsList()[ig.item].AsValue();
      if (rg[target]) accumulate(target, ig.grad);
    }
  }
  if (!b.ok()) return b.status();

  for (ValueId v : forward.outputs()) g.AddOutput(map[v]);
  joint.num_forward_outputs = static_cast<int>(forward.outputs().size());
  for (size_t i = 0; i < forward.inputs().size(); ++i) {
    ValueId v = forward.inputs()[i].value;
    if (!rg[v]) continue;
    joint.grad_inputs.push_back(static_cast<int>(i));
    g.AddOutput(grad[v] != kNone ? grad[v] : b.Zeros(forward.type(v).shape, forward.type(v).dtype));
  }
  if (!b.ok()) return b.status();
  EliminateDeadCode(g);
  return joint;
}

}  // namespace aotd::passes
