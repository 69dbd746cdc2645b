#include "compiler/ops/testing/op_check.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "compiler/ir/text.h"
#include "compiler/passes/autograd.h"
#include "compiler/reference/evaluate.h"

namespace aotd::ops::testing {

using reference::HostTensor;

ir::TensorType T(ir::DType dtype, ir::Dims shape) {
  return ir::TensorType::Contiguous(dtype, std::move(shape));
}

ir::TensorType Transposed(ir::DType dtype, ir::Dims shape) {
  ir::TensorType t = T(dtype, shape);
  int r = t.Rank();
  if (r >= 2) {
    std::swap(shape[r - 1], shape[r - 2]);
    ir::Dims strides = ir::ContiguousStrides(shape);
    std::swap(strides[r - 1], strides[r - 2]);
    t.strides = strides;
  }
  return t;
}

absl::StatusOr<ir::Graph> OneNodeGraph(absl::string_view op, const Sample& sample) {
  ir::Graph g;
  std::vector<ir::ValueId> inputs;
  for (size_t i = 0; i < sample.tensors.size(); ++i) {
    const ir::TensorType& t = sample.tensors[i];
    inputs.push_back(g.AddInput(absl::StrCat("x", i), t, ir::IsFloatingPoint(t.dtype)));
  }
  std::function<ir::Argument(const ir::Argument&)> remap = [&](const ir::Argument& a) {
    if (a.is_value()) return ir::Argument::Value(inputs.at(a.AsValue()));
    if (!a.is_list()) return a;
    std::vector<ir::Argument> items;
    for (const ir::Argument& item : a.AsList()) items.push_back(remap(item));
    return ir::Argument::List(std::move(items));
  };
  std::vector<ir::Argument> args;
  for (const ir::Argument& a : sample.args) args.push_back(remap(a));
  Kwargs kwargs;
  for (const auto& [name, a] : sample.kwargs) kwargs.emplace_back(name, remap(a));
  GraphBuilder b(g);
  std::vector<ir::ValueId> outs = b.MultiOp(op, std::move(args), std::move(kwargs));
  if (!b.ok()) return b.status();
  g.SetOutputs(outs);
  return g;
}

std::vector<HostTensor> RandomInputs(const ir::Graph& graph, const Sample& sample,
                                     std::mt19937& rng) {
  std::vector<HostTensor> out;
  for (const ir::Input& in : graph.inputs()) {
    const ir::TensorType& t = graph.type(in.value);
    HostTensor h(t.dtype, t.shape);
    for (double& v : h.data) {
      if (ir::IsFloatingPoint(t.dtype)) {
        v = std::uniform_real_distribution<double>(sample.low, sample.high)(rng);
      } else if (t.dtype == ir::DType::kBool) {
        v = rng() % 2;
      } else {
        v = rng() % std::max<int64_t>(2, static_cast<int64_t>(sample.high));
      }
    }
    h.RoundToDType();
    out.push_back(std::move(h));
  }
  return out;
}

absl::Status CheckGradients(absl::string_view op, const Sample& sample, uint32_t seed) {
  std::mt19937 rng(seed);
  ASSIGN_OR_RETURN(ir::Graph forward, OneNodeGraph(op, sample));
  std::vector<HostTensor> inputs = RandomInputs(forward, sample, rng);
  ASSIGN_OR_RETURN(passes::JointGraph joint,
                   passes::BuildJointGraph(forward, static_cast<int>(forward.outputs().size())));
  std::vector<HostTensor> tangents;
  for (int o : joint.tangent_outputs) {
    const ir::TensorType& t = forward.type(forward.outputs()[o]);
    HostTensor h(t.dtype, t.shape);
    for (double& v : h.data) v = std::uniform_real_distribution<double>(-1, 1)(rng);
    h.RoundToDType();
    tangents.push_back(std::move(h));
  }
  // The scalar whose gradient we check: sum_j <out_j, tangent_j>.
  auto loss = [&](const std::vector<HostTensor>& x) -> absl::StatusOr<double> {
    ASSIGN_OR_RETURN(std::vector<HostTensor> outs, reference::Evaluate(forward, x));
    double l = 0;
    for (size_t k = 0; k < tangents.size(); ++k) {
      const HostTensor& out = outs[joint.tangent_outputs[k]];
      for (int64_t i = 0; i < out.NumElements(); ++i) l += out.data[i] * tangents[k].data[i];
    }
    return l;
  };
  std::vector<HostTensor> joint_inputs = inputs;
  joint_inputs.insert(joint_inputs.end(), tangents.begin(), tangents.end());
  ASSIGN_OR_RETURN(std::vector<HostTensor> joint_outs, reference::Evaluate(joint.graph, joint_inputs));
  if (joint.grad_inputs.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(op, " (", sample.note, "): no input takes a gradient"));
  }
  constexpr double kEps = 1e-6, kAtol = 1e-5, kRtol = 1e-3;
  for (size_t k = 0; k < joint.grad_inputs.size(); ++k) {
    int input = joint.grad_inputs[k];
    const HostTensor& analytic = joint_outs[joint.num_forward_outputs + k];
    for (int64_t i = 0; i < inputs[input].NumElements(); ++i) {
      std::vector<HostTensor> x = inputs;
      x[input].data[i] += kEps;
      ASSIGN_OR_RETURN(double up, loss(x));
      x[input].data[i] -= 2 * kEps;
      ASSIGN_OR_RETURN(double down, loss(x));
      double numeric = (up - down) / (2 * kEps);
      double a = analytic.data[i];
      if (!(std::fabs(a - numeric) <= kAtol + kRtol * std::fabs(numeric))) {
        return absl::InternalError(absl::StrCat(
            op, " (", sample.note, "): gradient of input ", input, " element ", i,
            " is ", a, ", finite differences give ", numeric, "\njoint graph:\n",
            ir::PrintGraph(joint.graph)));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace aotd::ops::testing
