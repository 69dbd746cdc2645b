#include "compiler/ops/testing/op_check.h"

#include <algorithm>
#include <cmath>
#include <functional>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "compiler/ir/text.h"
#include "compiler/ops/core/infer.h"
#include "compiler/ops/core/registry.h"
#include "compiler/ops/core/schema.h"
#include "compiler/reference/evaluate.h"
#include "gtest/gtest.h"

namespace aotd::ops::testing {

ir::Argument X(int i) { return ir::Argument::Value(i); }
ir::Argument I(int64_t v) { return ir::Argument::Int(v); }
ir::Argument F(double v) { return ir::Argument::Float(v); }
ir::Argument B(bool v) { return ir::Argument::Bool(v); }
ir::Argument S(std::string v) { return ir::Argument::String(std::move(v)); }
ir::Argument D(ir::DType v) { return ir::Argument::DTypeArg(v); }
ir::Argument L(const ir::Dims& v) { return ir::Argument::IntList(v); }
ir::Argument None() { return ir::Argument::None(); }

Kwargs WithDType(ir::DType dtype) { return {{"dtype", D(dtype)}}; }
Kwargs WithFormat(absl::string_view format) {
  return {{"memory_format", ir::Argument::MemoryFormat(std::string(format))}};
}

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

namespace {

// A sample's call in a graph: its arguments with X(i) replaced by the value
// of graph input i.
struct GraphCall {
  std::vector<ir::Argument> args;
  Kwargs kwargs;
};

// Adds one input per sample tensor to `g`; with `grads`, the floating ones
// not in no_grad_inputs require grad.
GraphCall AddSampleInputs(ir::Graph& g, const Sample& sample, bool grads) {
  std::vector<ir::ValueId> inputs;
  for (size_t i = 0; i < sample.tensors.size(); ++i) {
    const ir::TensorType& t = sample.tensors[i];
    const std::vector<int>& no_grad = sample.no_grad_inputs;
    bool requires_grad =
        grads && ir::IsFloatingPoint(t.dtype) &&
        std::find(no_grad.begin(), no_grad.end(), static_cast<int>(i)) == no_grad.end();
    inputs.push_back(g.AddInput(absl::StrCat("x", i), t, requires_grad));
  }
  std::function<ir::Argument(const ir::Argument&)> remap = [&](const ir::Argument& a) {
    if (a.is_value()) return ir::Argument::Value(inputs.at(a.AsValue()));
    if (!a.is_list()) return a;
    std::vector<ir::Argument> items;
    for (const ir::Argument& item : a.AsList()) items.push_back(remap(item));
    return ir::Argument::List(std::move(items));
  };
  GraphCall call;
  for (const ir::Argument& a : sample.args) call.args.push_back(remap(a));
  for (const auto& [name, a] : sample.kwargs) call.kwargs.emplace_back(name, remap(a));
  return call;
}

}  // namespace

absl::StatusOr<std::vector<ir::TensorType>> Infer(absl::string_view op, const Sample& sample) {
  const OpDef* def = OpRegistry::Global().Find(op);
  if (def == nullptr) return absl::NotFoundError(op);
  ir::Graph g;
  GraphCall call = AddSampleInputs(g, sample, /*grads=*/false);
  ASSIGN_OR_RETURN(std::vector<ir::Argument> bound,
                   BindArguments(def->schema, std::move(call.args), std::move(call.kwargs)));
  return InferTypes(*def, g, bound);
}

ir::TensorType InferOne(absl::string_view op, const Sample& sample) {
  absl::StatusOr<std::vector<ir::TensorType>> t = Infer(op, sample);
  EXPECT_TRUE(t.ok()) << op << ": " << t.status();
  if (!t.ok()) return {};
  EXPECT_EQ(t->size(), 1u) << op;
  return t->size() == 1 ? (*t)[0] : ir::TensorType{};
}

std::string ErrorOf(absl::string_view op, const Sample& sample) {
  absl::StatusOr<std::vector<ir::TensorType>> t = Infer(op, sample);
  EXPECT_FALSE(t.ok()) << op << " should fail";
  if (t.ok()) return "";
  EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument) << t.status();
  return std::string(t.status().message());
}

HostTensor Values(ir::DType dtype, ir::Dims shape, std::vector<double> data) {
  HostTensor h(dtype, std::move(shape));
  EXPECT_EQ(static_cast<int64_t>(data.size()), h.NumElements());
  h.data = std::move(data);
  return h;
}

absl::StatusOr<std::vector<HostTensor>> Evaluate(absl::string_view op,
                                                 const std::vector<HostTensor>& inputs,
                                                 std::vector<ir::Argument> args, Kwargs kwargs) {
  Sample sample;
  for (const HostTensor& h : inputs) sample.tensors.push_back(T(h.dtype, h.shape));
  sample.args = std::move(args);
  sample.kwargs = std::move(kwargs);
  ASSIGN_OR_RETURN(ir::Graph g, OneNodeGraph(op, sample));
  return reference::Evaluate(g, inputs);
}

HostTensor EvaluateOne(absl::string_view op, const std::vector<HostTensor>& inputs,
                       std::vector<ir::Argument> args, Kwargs kwargs) {
  absl::StatusOr<std::vector<HostTensor>> out =
      Evaluate(op, inputs, std::move(args), std::move(kwargs));
  EXPECT_TRUE(out.ok()) << op << ": " << out.status();
  if (!out.ok()) return {};
  EXPECT_EQ(out->size(), 1u) << op;
  return out->size() == 1 ? (*out)[0] : HostTensor{};
}

absl::StatusOr<ir::Graph> OneNodeGraph(absl::string_view op, const Sample& sample) {
  ir::Graph g;
  GraphCall call = AddSampleInputs(g, sample, /*grads=*/true);
  GraphBuilder b(g);
  std::vector<ir::ValueId> outs = b.MultiOp(op, std::move(call.args), std::move(call.kwargs));
  if (!b.ok()) return b.status();
  g.SetOutputs(outs);
  return g;
}

absl::StatusOr<passes::JointGraph> OneNodeJointGraph(absl::string_view op, const Sample& sample) {
  ASSIGN_OR_RETURN(ir::Graph forward, OneNodeGraph(op, sample));
  return passes::BuildJointGraph(forward, static_cast<int>(forward.outputs().size()));
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
  ASSIGN_OR_RETURN(ir::Graph forward, OneNodeGraph(op, sample));
  if (!sample.tangent_outputs.empty()) {
    std::vector<ir::ValueId> selected;
    for (int o : sample.tangent_outputs) {
      if (o < 0 || o >= static_cast<int>(forward.outputs().size())) {
        return absl::InvalidArgumentError(
            absl::StrCat(op, " (", sample.note, "): no output ", o, " to take a tangent"));
      }
      selected.push_back(forward.outputs()[o]);
    }
    forward.SetOutputs(std::move(selected));
  }
  return CheckGraphGradients(forward, absl::StrCat(op, " (", sample.note, ")"), sample.low,
                             sample.high, seed);
}

absl::Status CheckGraphGradients(const ir::Graph& forward, absl::string_view label, double low,
                                 double high, uint32_t seed) {
  std::mt19937 rng(seed);
  Sample range;
  range.low = low;
  range.high = high;
  std::vector<HostTensor> inputs = RandomInputs(forward, range, rng);
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
  ASSIGN_OR_RETURN(std::vector<HostTensor> joint_outs,
                   reference::Evaluate(joint.graph, joint_inputs));
  if (joint.grad_inputs.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(label, ": no input takes a gradient"));
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
        return absl::InternalError(absl::StrCat(label, ": gradient of input ", input, " element ",
                                                i, " is ", a, ", finite differences give ",
                                                numeric, "\njoint graph:\n",
                                                ir::PrintGraph(joint.graph)));
      }
    }
  }
  return absl::OkStatus();
}

void ExpectGradients(const std::vector<std::pair<const char*, Sample>>& cases) {
  for (const auto& [op, sample] : cases) {
    absl::Status s = CheckGradients(op, sample);
    EXPECT_TRUE(s.ok()) << op << " (" << sample.note << "): " << s;
  }
}

Sample Make(std::vector<TensorType> tensors, std::vector<Argument> args, Kwargs kwargs,
            std::string note, double low, double high) {
  return Sample{std::move(tensors), std::move(args), std::move(kwargs), low, high, std::move(note)};
}

Sample Positive(std::vector<TensorType> tensors, std::vector<Argument> args, Kwargs kwargs,
                std::string note) {
  return Make(std::move(tensors), std::move(args), std::move(kwargs), std::move(note), 0.5, 2);
}

void ExpectValues(const HostTensor& result, DType dtype, Dims shape, std::vector<double> values) {
  EXPECT_EQ(result.dtype, dtype) << ir::DTypeName(result.dtype);
  HostTensor expected = Values(dtype, std::move(shape), std::move(values));
  reference::Closeness c = reference::CompareClose(result, expected, 1e-6, 1e-6);
  EXPECT_TRUE(c.close) << "got " << reference::DescribeTensor(result) << " values "
                       << ::testing::PrintToString(result.data) << ", expected "
                       << ::testing::PrintToString(expected.data);
}

void ExpectType(const TensorType& t, DType dtype, const Dims& shape) {
  EXPECT_EQ(t.dtype, dtype) << ir::PrintType(t);
  EXPECT_EQ(t.shape, shape) << ir::PrintType(t);
  EXPECT_EQ(t.strides, ir::ContiguousStrides(shape)) << ir::PrintType(t);
}

void ExpectValues(const HostTensor& t, const Dims& shape, const std::vector<double>& expected,
                  double tol) {
  ASSERT_EQ(t.shape, shape) << reference::DescribeTensor(t);
  ASSERT_EQ(t.data.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    if (std::isnan(expected[i])) {
      EXPECT_TRUE(std::isnan(t.data[i])) << "element " << i << " is " << t.data[i];
    } else {
      EXPECT_NEAR(t.data[i], expected[i], tol) << "element " << i;
    }
  }
}

TensorType Strided(DType dtype, Dims shape, Dims strides) {
  return TensorType{dtype, std::move(shape), std::move(strides)};
}

HostTensor Iota(DType dtype, Dims shape) {
  HostTensor h(dtype, std::move(shape));
  for (int64_t i = 0; i < h.NumElements(); ++i) h.data[i] = i;
  return h;
}

}  // namespace aotd::ops::testing
