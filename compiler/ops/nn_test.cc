// nn ops: inference, kernels and finite-difference gradients.
#include <cmath>
#include <limits>
#include <random>
#include <set>

#include "absl/strings/str_cat.h"
#include "compiler/ir/text.h"
#include "compiler/ops/infer.h"
#include "compiler/ops/registry.h"
#include "compiler/ops/schema.h"
#include "compiler/ops/testing/op_check.h"
#include "compiler/passes/autograd.h"
#include "compiler/reference/evaluate.h"
#include "gtest/gtest.h"

namespace aotd::ops {
namespace {

using ir::Argument;
using ir::Dims;
using ir::DType;
using ir::TensorType;
using reference::HostTensor;
using testing::CheckGradients;
using testing::Sample;
using testing::T;
using testing::Transposed;

constexpr DType kF64 = DType::kFloat64;
constexpr DType kF32 = DType::kFloat32;
constexpr DType kI64 = DType::kInt64;
const double kNaN = std::numeric_limits<double>::quiet_NaN();

Argument X(int i) { return Argument::Value(i); }
Argument I(int64_t v) { return Argument::Int(v); }
Argument F(double v) { return Argument::Float(v); }
Argument B(bool v) { return Argument::Bool(v); }
Argument L(const Dims& v) { return Argument::IntList(v); }
Argument None() { return Argument::None(); }
Argument Mask(bool a, bool b, bool c) { return Argument::List({B(a), B(b), B(c)}); }

// Result types of one call whose tensor i is `tensors[i]` (X(i) in args),
// straight from the op's inference, so errors keep their code.
absl::StatusOr<std::vector<TensorType>> Infer(absl::string_view op,
                                              const std::vector<TensorType>& tensors,
                                              std::vector<Argument> args, Kwargs kwargs = {}) {
  ir::Graph g;
  for (size_t i = 0; i < tensors.size(); ++i) g.AddInput(absl::StrCat("x", i), tensors[i], false);
  const OpDef* def = OpRegistry::Global().Find(op);
  if (def == nullptr) return absl::NotFoundError(op);
  absl::StatusOr<std::vector<Argument>> bound =
      BindArguments(def->schema, std::move(args), std::move(kwargs));
  if (!bound.ok()) return bound.status();
  return InferTypes(*def, g, *bound);
}

void ExpectType(const TensorType& t, DType dtype, const Dims& shape) {
  EXPECT_EQ(t.dtype, dtype) << ir::PrintType(t);
  EXPECT_EQ(t.shape, shape) << ir::PrintType(t);
  EXPECT_EQ(t.strides, ir::ContiguousStrides(shape)) << ir::PrintType(t);
}

// Inference fails with INVALID_ARGUMENT whose message contains `text`.
void ExpectInvalid(absl::string_view op, const std::vector<TensorType>& tensors,
                   std::vector<Argument> args, absl::string_view text, Kwargs kwargs = {}) {
  absl::StatusOr<std::vector<TensorType>> r =
      Infer(op, tensors, std::move(args), std::move(kwargs));
  ASSERT_FALSE(r.ok()) << op << " unexpectedly accepted";
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << r.status();
  EXPECT_NE(r.status().message().find(text), absl::string_view::npos)
      << "expected \"" << text << "\" in: " << r.status().message();
}

HostTensor H(DType dtype, Dims shape, std::vector<double> values) {
  HostTensor t(dtype, std::move(shape));
  EXPECT_EQ(static_cast<int64_t>(values.size()), t.NumElements());
  t.data = std::move(values);
  return t;
}

// Values of one call on `inputs` (X(i) stands for inputs[i]).
absl::StatusOr<std::vector<HostTensor>> RunOp(absl::string_view op,
                                              const std::vector<HostTensor>& inputs,
                                              std::vector<Argument> args, Kwargs kwargs = {}) {
  Sample sample;
  for (const HostTensor& h : inputs) sample.tensors.push_back(T(h.dtype, h.shape));
  sample.args = std::move(args);
  sample.kwargs = std::move(kwargs);
  absl::StatusOr<ir::Graph> g = testing::OneNodeGraph(op, sample);
  if (!g.ok()) return g.status();
  return reference::Evaluate(*g, inputs);
}

void ExpectValues(const HostTensor& t, const Dims& shape, const std::vector<double>& expected,
                  double tol = 1e-9) {
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

// Like testing::CheckGradients, for multi-output ops whose other results
// PyTorch does not differentiate (layer norm's mean and rstd, nll_loss's
// total_weight): only outputs `outputs` are seeded and only the floating
// inputs in `wrt` require grad.
absl::Status CheckSomeGradients(absl::string_view op, const Sample& sample,
                                const std::vector<int>& outputs, const std::set<int>& wrt,
                                uint32_t seed = 1) {
  ir::Graph forward;
  for (size_t i = 0; i < sample.tensors.size(); ++i) {
    const TensorType& t = sample.tensors[i];
    forward.AddInput(absl::StrCat("x", i), t,
                     wrt.count(static_cast<int>(i)) > 0 && ir::IsFloatingPoint(t.dtype));
  }
  GraphBuilder b(forward);
  std::vector<ir::ValueId> outs = b.MultiOp(op, sample.args, sample.kwargs);
  if (!b.ok()) return b.status();
  std::vector<ir::ValueId> selected;
  for (int o : outputs) selected.push_back(outs[o]);
  forward.SetOutputs(selected);

  std::mt19937 rng(seed);
  std::vector<HostTensor> inputs = testing::RandomInputs(forward, sample, rng);
  absl::StatusOr<passes::JointGraph> joint =
      passes::BuildJointGraph(forward, static_cast<int>(selected.size()));
  if (!joint.ok()) return joint.status();
  std::vector<HostTensor> tangents;
  for (int o : joint->tangent_outputs) {
    const TensorType& t = forward.type(forward.outputs()[o]);
    HostTensor h(t.dtype, t.shape);
    for (double& v : h.data) v = std::uniform_real_distribution<double>(-1, 1)(rng);
    tangents.push_back(std::move(h));
  }
  auto loss = [&](const std::vector<HostTensor>& x) -> absl::StatusOr<double> {
    absl::StatusOr<std::vector<HostTensor>> out = reference::Evaluate(forward, x);
    if (!out.ok()) return out.status();
    double l = 0;
    for (size_t k = 0; k < tangents.size(); ++k) {
      const HostTensor& o = (*out)[joint->tangent_outputs[k]];
      for (int64_t i = 0; i < o.NumElements(); ++i) l += o.data[i] * tangents[k].data[i];
    }
    return l;
  };
  std::vector<HostTensor> joint_inputs = inputs;
  joint_inputs.insert(joint_inputs.end(), tangents.begin(), tangents.end());
  absl::StatusOr<std::vector<HostTensor>> joint_outs =
      reference::Evaluate(joint->graph, joint_inputs);
  if (!joint_outs.ok()) return joint_outs.status();
  if (joint->grad_inputs.empty()) return absl::FailedPreconditionError("no input takes a gradient");
  for (size_t k = 0; k < joint->grad_inputs.size(); ++k) {
    int input = joint->grad_inputs[k];
    const HostTensor& analytic = (*joint_outs)[joint->num_forward_outputs + k];
    for (int64_t i = 0; i < inputs[input].NumElements(); ++i) {
      std::vector<HostTensor> x = inputs;
      x[input].data[i] += 1e-6;
      absl::StatusOr<double> up = loss(x);
      x[input].data[i] -= 2e-6;
      absl::StatusOr<double> down = loss(x);
      if (!up.ok()) return up.status();
      if (!down.ok()) return down.status();
      double numeric = (*up - *down) / 2e-6;
      if (!(std::fabs(analytic.data[i] - numeric) <= 1e-5 + 1e-3 * std::fabs(numeric))) {
        return absl::InternalError(absl::StrCat(op, " (", sample.note, "): gradient of input ",
                                                input, " element ", i, " is ", analytic.data[i],
                                                ", finite differences give ", numeric));
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

// ---- Matrix products ----

TEST(NnTest, MatmulInference) {
  absl::StatusOr<std::vector<TensorType>> r =
      Infer("aten.mm.default", {T(kF32, {2, 3}), Transposed(kF32, {3, 4})}, {X(0), X(1)});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectType((*r)[0], kF32, {2, 4});
  r = Infer("aten.addmm.default", {T(kF32, {4}), T(kF32, {2, 3}), T(kF32, {3, 4})},
            {X(0), X(1), X(2)}, {{"beta", F(0.5)}});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectType((*r)[0], kF32, {2, 4});
  r = Infer("aten.bmm.default", {T(kI64, {5, 2, 3}), T(kI64, {5, 3, 4})}, {X(0), X(1)});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectType((*r)[0], kI64, {5, 2, 4});

  ExpectInvalid("aten.mm.default", {T(kF32, {2, 3}), T(kF32, {4, 5})}, {X(0), X(1)},
                "mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)");
  ExpectInvalid("aten.mm.default", {T(kF32, {2, 3}), T(kF32, {3})}, {X(0), X(1)}, "[2,3] and [3]");
  ExpectInvalid("aten.mm.default", {T(kF32, {2, 3}), T(kF64, {3, 2})}, {X(0), X(1)},
                "float32 and float64");
  ExpectInvalid("aten.addmm.default", {T(kF32, {3}), T(kF32, {2, 3}), T(kF32, {3, 4})},
                {X(0), X(1), X(2)},
                "self of size [3] does not broadcast to the product's size [2,4]");
  ExpectInvalid("aten.bmm.default", {T(kF32, {5, 2, 3}), T(kF32, {4, 3, 4})}, {X(0), X(1)},
                "[5,2,3] and [4,3,4]");
}

TEST(NnTest, AddmmKernelScalesAndIgnoresSelfWhenBetaIsZero) {
  HostTensor self = H(kF64, {2}, {10, 20});
  HostTensor a = H(kF64, {2, 2}, {1, 2, 3, 4}), b = H(kF64, {2, 2}, {5, 6, 7, 8});
  absl::StatusOr<std::vector<HostTensor>> r = RunOp(
      "aten.addmm.default", {self, a, b}, {X(0), X(1), X(2)}, {{"beta", F(0.5)}, {"alpha", I(2)}});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectValues((*r)[0], {2, 2}, {43, 54, 91, 110});
  r = RunOp("aten.addmm.default", {H(kF64, {2}, {kNaN, kNaN}), a, b}, {X(0), X(1), X(2)},
            {{"beta", I(0)}});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectValues((*r)[0], {2, 2}, {19, 22, 43, 50});
}

TEST(NnTest, MatmulGradients) {
  ExpectGradients({
      {"aten.mm.default", {{T(kF64, {2, 3}), T(kF64, {3, 4})}, {X(0), X(1)}}},
      {"aten.mm.default",
       {{Transposed(kF64, {2, 3}), Transposed(kF64, {3, 4})},
        {X(0), X(1)},
        {},
        -2,
        2,
        "column-major operands"}},
      {"aten.addmm.default",
       {{T(kF64, {4}), T(kF64, {2, 3}), Transposed(kF64, {3, 4})},
        {X(0), X(1), X(2)},
        {{"beta", F(0.5)}, {"alpha", F(-2)}},
        -2,
        2,
        "broadcast self, beta, alpha, column-major mat2"}},
      {"aten.addmm.default",
       {{T(kF64, {2, 1}), Transposed(kF64, {2, 3}), T(kF64, {3, 4})},
        {X(0), X(1), X(2)},
        {{"beta", I(0)}},
        -2,
        2,
        "beta 0"}},
      {"aten.bmm.default", {{T(kF64, {2, 3, 4}), T(kF64, {2, 4, 2})}, {X(0), X(1)}}},
      {"aten.bmm.default",
       {{Transposed(kF64, {2, 3, 4}), Transposed(kF64, {2, 4, 2})},
        {X(0), X(1)},
        {},
        -2,
        2,
        "non-contiguous"}},
  });
}

TEST(NnTest, LinearBackwardFollowsPyTorchLayout) {
  // addmm(b, x, t(w)) as nn.Linear traces: mat2 is column-major, so its
  // gradient is t(mm(t(grad), x)), as PyTorch's mm_mat2_backward builds it.
  ir::Graph g;
  ir::ValueId bias = g.AddInput("b", T(kF32, {4}), true);
  ir::ValueId x = g.AddInput("x", T(kF32, {2, 3}), false);
  ir::ValueId w = g.AddInput("w", T(kF32, {4, 3}), true);
  GraphBuilder b(g);
  ir::ValueId wt = b.Op("aten.t.default", {GraphBuilder::V(w)});
  ir::ValueId y =
      b.Op("aten.addmm.default", {GraphBuilder::V(bias), GraphBuilder::V(x), GraphBuilder::V(wt)});
  ASSERT_TRUE(b.ok()) << b.status();
  g.AddOutput(y);
  absl::StatusOr<passes::JointGraph> joint = passes::BuildJointGraph(g, 1);
  ASSERT_TRUE(joint.ok()) << joint.status();
  std::vector<const ir::Node*> mms;
  for (const ir::Node& n : joint->graph.nodes()) {
    if (n.op == "aten.mm.default") mms.push_back(&n);
  }
  // Only w's gradient survives (x needs none): mm(t(grad), x).
  ASSERT_EQ(mms.size(), 1u) << ir::PrintGraph(joint->graph);
  EXPECT_EQ(mms[0]->args[1], Argument::Value(x)) << ir::PrintGraph(joint->graph);
}

// ---- Convolution ----

TEST(NnTest, ConvolutionInference) {
  // The c_cnn workload's first layer.
  absl::StatusOr<std::vector<TensorType>> r = Infer(
      "aten.convolution.default", {T(kF32, {2, 3, 8, 8}), T(kF32, {4, 3, 3, 3}), T(kF32, {4})},
      {X(0), X(1), X(2), L({1, 1}), L({1, 1}), L({1, 1}), B(false), L({0, 0}), I(1)});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectType((*r)[0], kF32, {2, 4, 8, 8});
  // Stride 2, padding 1, dilation 2, groups 2, no bias: (7 + 2 - 5) / 2 + 1.
  r = Infer("aten.convolution.default", {T(kF64, {1, 4, 7, 6}), T(kF64, {6, 2, 3, 2})},
            {X(0), X(1), None(), L({2}), L({1}), L({2}), B(false), L({0}), I(2)});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectType((*r)[0], kF64, {1, 6, 3, 3});
  r = Infer("aten.convolution.default", {T(kF32, {2, 3, 9}), T(kF32, {5, 3, 4})},
            {X(0), X(1), None(), L({2}), L({0}), L({1}), B(false), L({0}), I(1)});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectType((*r)[0], kF32, {2, 5, 3});

  std::vector<Argument> args = {X(0),      X(1),     None(),    L({1, 1}), L({0, 0}),
                                L({1, 1}), B(false), L({0, 0}), I(1)};
  ExpectInvalid("aten.convolution.default", {T(kF32, {2, 5, 8, 8}), T(kF32, {4, 3, 3, 3})}, args,
                "Given groups=1, weight of size [4,3,3,3], expected input[2,5,8,8] to have 3 "
                "channels, but got 5 channels instead");
  ExpectInvalid("aten.convolution.default", {T(kF32, {2, 3, 2, 2}), T(kF32, {4, 3, 3, 3})}, args,
                "Kernel size can't be greater than actual input size");
  ExpectInvalid("aten.convolution.default", {T(kF32, {2, 3, 8}), T(kF32, {4, 3, 3, 3})}, args,
                "expected weight of rank 3");
  ExpectInvalid("aten.convolution.default",
                {T(kF32, {2, 3, 8, 8}), T(kF32, {4, 3, 3, 3}), T(kF32, {5})},
                {X(0), X(1), X(2), L({1, 1}), L({0, 0}), L({1, 1}), B(false), L({0, 0}), I(1)},
                "expected bias to be 1-dimensional with 4 elements, but got bias of size [5]");
  ExpectInvalid("aten.convolution.default", {T(kF32, {2, 4, 8, 8}), T(kF32, {3, 2, 3, 3})},
                {X(0), X(1), None(), L({1, 1}), L({0, 0}), L({1, 1}), B(false), L({0, 0}), I(2)},
                "expected weight to be divisible by 2");
  ExpectInvalid("aten.convolution.default", {T(kF32, {2, 3, 8, 8}), T(kF32, {4, 3, 3, 3})},
                {X(0), X(1), None(), L({1, 1}), L({0, 0}), L({1, 1}), B(true), L({0, 0}), I(1)},
                "transposed convolution is not supported");
  ExpectInvalid("aten.convolution.default", {T(kF32, {2, 3, 8, 8}), T(kF32, {4, 3, 3, 3})},
                {X(0), X(1), None(), L({0, 1}), L({0, 0}), L({1, 1}), B(false), L({0, 0}), I(1)},
                "non-positive stride");
  ExpectInvalid("aten.convolution.default", {T(kF32, {2, 3, 8, 8}), T(kF64, {4, 3, 3, 3})}, args,
                "float32 and float64");
  ExpectInvalid("aten.convolution.default", {T(kI64, {2, 3, 8, 8}), T(kI64, {4, 3, 3, 3})}, args,
                "must be floating point");
}

TEST(NnTest, ConvolutionBackwardInferenceFollowsMask) {
  absl::StatusOr<std::vector<TensorType>> r =
      Infer("aten.convolution_backward.default",
            {T(kF32, {2, 4, 8, 8}), T(kF32, {2, 3, 8, 8}), T(kF32, {4, 3, 3, 3})},
            {X(0), X(1), X(2), L({4}), L({1, 1}), L({1, 1}), L({1, 1}), B(false), L({0, 0}), I(1),
             Mask(false, true, true)});
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->size(), 3u);
  ExpectType((*r)[0], kF32, {0});
  ExpectType((*r)[1], kF32, {4, 3, 3, 3});
  ExpectType((*r)[2], kF32, {4});
  ExpectInvalid("aten.convolution_backward.default",
                {T(kF32, {2, 4, 6, 6}), T(kF32, {2, 3, 8, 8}), T(kF32, {4, 3, 3, 3})},
                {X(0), X(1), X(2), None(), L({1, 1}), L({1, 1}), L({1, 1}), B(false), L({0, 0}),
                 I(1), Mask(true, true, false)},
                "grad_output of size [2,4,6,6] does not match the convolution's output size "
                "[2,4,8,8]");
}

TEST(NnTest, ConvolutionKernel) {
  HostTensor x = H(kF64, {1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  HostTensor w = H(kF64, {1, 1, 2, 2}, {1, 1, 1, 1});
  auto conv = [&](Argument bias, Dims stride, Dims padding, Dims dilation) {
    std::vector<HostTensor> in = {x, w};
    if (bias.is_value()) in.push_back(H(kF64, {1}, {0.5}));
    absl::StatusOr<std::vector<HostTensor>> r =
        RunOp("aten.convolution.default", in,
              {X(0), X(1), bias, L(stride), L(padding), L(dilation), B(false), L({0, 0}), I(1)});
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? (*r)[0] : HostTensor();
  };
  ExpectValues(conv(X(2), {1, 1}, {0, 0}, {1, 1}), {1, 1, 2, 2}, {12.5, 16.5, 24.5, 28.5});
  ExpectValues(conv(None(), {2, 2}, {1, 1}, {1, 1}), {1, 1, 2, 2}, {1, 5, 11, 28});
  ExpectValues(conv(None(), {1, 1}, {0, 0}, {2, 2}), {1, 1, 1, 1}, {1 + 3 + 7 + 9});

  // Groups: each output channel sees only its group's input channel.
  absl::StatusOr<std::vector<HostTensor>> r = RunOp(
      "aten.convolution.default", {H(kF64, {1, 2, 1, 1}, {2, 3}), H(kF64, {2, 1, 1, 1}, {10, 100})},
      {X(0), X(1), None(), L({1, 1}), L({0, 0}), L({1, 1}), B(false), L({0, 0}), I(2)});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectValues((*r)[0], {1, 2, 1, 1}, {20, 300});

  // Backward: each input pixel collects one term per window covering it.
  r = RunOp("aten.convolution_backward.default", {H(kF64, {1, 1, 2, 2}, {1, 1, 1, 1}), x, w},
            {X(0), X(1), X(2), L({1}), L({1, 1}), L({0, 0}), L({1, 1}), B(false), L({0, 0}), I(1),
             Mask(true, true, true)});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectValues((*r)[0], {1, 1, 3, 3}, {1, 2, 1, 2, 4, 2, 1, 2, 1});
  ExpectValues((*r)[1], {1, 1, 2, 2}, {12, 16, 24, 28});
  ExpectValues((*r)[2], {1}, {4});
  r = RunOp("aten.convolution_backward.default", {H(kF64, {1, 1, 2, 2}, {1, 1, 1, 1}), x, w},
            {X(0), X(1), X(2), None(), L({1, 1}), L({0, 0}), L({1, 1}), B(false), L({0, 0}), I(1),
             Mask(true, false, false)});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectValues((*r)[1], {0}, {});
  ExpectValues((*r)[2], {0}, {});
}

TEST(NnTest, ConvolutionGradients) {
  ExpectGradients({
      {"aten.convolution.default",
       {{T(kF64, {2, 3, 5, 5}), T(kF64, {4, 3, 3, 3}), T(kF64, {4})},
        {X(0), X(1), X(2), L({1, 1}), L({1, 1}), L({1, 1}), B(false), L({0, 0}), I(1)}}},
      {"aten.convolution.default",
       {{T(kF64, {1, 4, 7, 6}), Transposed(kF64, {6, 2, 3, 2})},
        {X(0), X(1), None(), L({2, 1}), L({1, 0}), L({2, 1}), B(false), L({0, 0}), I(2)},
        {},
        -2,
        2,
        "stride, padding, dilation, groups, no bias, non-contiguous weight"}},
      {"aten.convolution.default",
       {{T(kF64, {2, 2, 7}), T(kF64, {3, 2, 3}), T(kF64, {3})},
        {X(0), X(1), X(2), L({2}), L({1}), L({1}), B(false), L({0}), I(1)},
        {},
        -2,
        2,
        "1-d"}},
      {"aten.convolution.default",
       {{T(kF64, {1, 1, 3, 3, 3}), T(kF64, {2, 1, 2, 2, 2})},
        {X(0), X(1), None(), L({1}), L({0}), L({1}), B(false), L({0}), I(1)},
        {},
        -2,
        2,
        "3-d"}},
      {"aten.convolution_backward.default",
       {{T(kF64, {1, 2, 3, 3}), T(kF64, {1, 2, 4, 4}), T(kF64, {2, 1, 2, 2})},
        {X(0), X(1), X(2), L({2}), L({1, 1}), L({0, 0}), L({1, 1}), B(false), L({0, 0}), I(2),
         Mask(true, true, true)},
        {},
        -2,
        2,
        "double backward, groups"}},
      {"aten.convolution_backward.default",
       {{T(kF64, {2, 3, 3, 2}), T(kF64, {2, 2, 4, 3}), T(kF64, {3, 2, 2, 2})},
        {X(0), X(1), X(2), None(), L({2, 2}), L({1, 1}), L({1, 1}), B(false), L({0, 0}), I(1),
         Mask(true, false, true)},
        {},
        -2,
        2,
        "double backward, stride, padding, mask"}},
  });
}

// ---- Pooling ----

TEST(NnTest, PoolingInference) {
  // The c_cnn workload: stride defaults to the kernel size.
  absl::StatusOr<std::vector<TensorType>> r =
      Infer("aten.max_pool2d_with_indices.default", {T(kF32, {2, 4, 8, 8})}, {X(0), L({2, 2})});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectType((*r)[0], kF32, {2, 4, 4, 4});
  ExpectType((*r)[1], kI64, {2, 4, 4, 4});
  // ceil_mode: (5 + 2 - 3 + 1) / 2 + 1 = 3 windows; 3-d input.
  r = Infer("aten.max_pool2d_with_indices.default", {T(kF32, {3, 5, 6})},
            {X(0), L({3, 3}), L({2, 2}), L({1, 1}), L({1, 1}), B(true)});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectType((*r)[0], kF32, {3, 3, 4});
  // The last window would start in the right padding: dropped.
  r = Infer("aten.avg_pool2d.default", {T(kF32, {1, 1, 5, 5})},
            {X(0), L({2, 2}), L({3, 3}), L({1, 1}), B(true)});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectType((*r)[0], kF32, {1, 1, 2, 2});
  r = Infer("aten._adaptive_avg_pool2d.default", {T(kF32, {2, 3, 7, 5})}, {X(0), L({3, 2})});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectType((*r)[0], kF32, {2, 3, 3, 2});

  ExpectInvalid("aten.max_pool2d_with_indices.default", {T(kF32, {2, 4, 8, 8})},
                {X(0), L({2, 2}), L({}), L({2, 2})}, "pad should be");
  ExpectInvalid("aten.max_pool2d_with_indices.default", {T(kF32, {2, 4, 2, 2})}, {X(0), L({3, 3})},
                "Output size is too small");
  ExpectInvalid("aten.max_pool2d_with_indices.default", {T(kF32, {8, 8})}, {X(0), L({2, 2})},
                "got input of size [8,8]");
  ExpectInvalid("aten.max_pool2d_with_indices.default", {T(kI64, {1, 8, 8})}, {X(0), L({2, 2})},
                "must be floating point");
  ExpectInvalid("aten.avg_pool2d.default", {T(kF32, {1, 1, 4, 4})},
                {X(0), L({2, 2}), L({}), L({0, 0}), B(false), B(true), I(0)},
                "divisor must be not zero");
  ExpectInvalid("aten.avg_pool2d.default", {T(kF32, {1, 1, 4, 4})}, {X(0), L({2, 2}), L({0, 1})},
                "stride should be greater than zero");
  ExpectInvalid("aten.max_pool2d_with_indices_backward.default",
                {T(kF32, {1, 1, 3, 3}), T(kF32, {1, 1, 4, 4}), T(kI64, {1, 1, 2, 2})},
                {X(0), X(1), L({2, 2}), L({}), L({0, 0}), L({1, 1}), B(false), X(2)},
                "grad_output of size [1,1,3,3] does not match the size [1,1,2,2]");
  ExpectInvalid("aten._adaptive_avg_pool2d.default", {T(kF32, {2, 0, 7, 5})}, {X(0), L({3, 2})},
                "got input of size [2,0,7,5]");
}

TEST(NnTest, MaxPoolKernel) {
  HostTensor x = H(kF64, {1, 1, 3, 3}, {1, 5, 2, 7, 3, 9, 4, 8, 6});
  auto pool = [&](const HostTensor& in, std::vector<Argument> args) {
    absl::StatusOr<std::vector<HostTensor>> r =
        RunOp("aten.max_pool2d_with_indices.default", {in}, args);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : std::vector<HostTensor>(2);
  };
  std::vector<HostTensor> r = pool(x, {X(0), L({2, 2})});
  ExpectValues(r[0], {1, 1, 1, 1}, {7});
  ExpectValues(r[1], {1, 1, 1, 1}, {3});
  // ceil_mode keeps the clipped windows on the right and bottom.
  r = pool(x, {X(0), L({2, 2}), L({}), L({0, 0}), L({1, 1}), B(true)});
  ExpectValues(r[0], {1, 1, 2, 2}, {7, 9, 8, 6});
  ExpectValues(r[1], {1, 1, 2, 2}, {3, 5, 7, 8});
  // Padding never wins; indices are into the unpadded plane.
  r = pool(x, {X(0), L({3, 3}), L({2, 2}), L({1, 1})});
  ExpectValues(r[0], {1, 1, 2, 2}, {7, 9, 8, 9});
  ExpectValues(r[1], {1, 1, 2, 2}, {3, 5, 7, 5});
  r = pool(x, {X(0), L({2, 2}), L({1, 1}), L({0, 0}), L({2, 2})});
  ExpectValues(r[0], {1, 1, 1, 1}, {6});  // Taps at the four corners.
  ExpectValues(r[1], {1, 1, 1, 1}, {8});
  r = pool(H(kF64, {1, 2, 2}, {1, kNaN, 3, 2}), {X(0), L({2, 2})});
  ExpectValues(r[0], {1, 1, 1}, {kNaN});
  ExpectValues(r[1], {1, 1, 1}, {1});

  absl::StatusOr<std::vector<HostTensor>> g =
      RunOp("aten.max_pool2d_with_indices_backward.default",
            {H(kF64, {1, 1, 2, 2}, {1, 2, 3, 4}), x, H(kI64, {1, 1, 2, 2}, {3, 5, 7, 5})},
            {X(0), X(1), L({3, 3}), L({2, 2}), L({1, 1}), L({1, 1}), B(false), X(2)});
  ASSERT_TRUE(g.ok()) << g.status();
  ExpectValues((*g)[0], {1, 1, 3, 3}, {0, 0, 0, 1, 0, 2 + 4, 0, 3, 0});
}

TEST(NnTest, AvgPoolKernel) {
  HostTensor x = H(kF64, {1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  auto pool = [&](const HostTensor& in, std::vector<Argument> args) {
    absl::StatusOr<std::vector<HostTensor>> r = RunOp("aten.avg_pool2d.default", {in}, args);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? (*r)[0] : HostTensor();
  };
  ExpectValues(pool(x, {X(0), L({2, 2}), L({2, 2}), L({1, 1})}), {1, 1, 2, 2},
               {0.25, 1.25, 2.75, 7});
  ExpectValues(pool(x, {X(0), L({2, 2}), L({2, 2}), L({1, 1}), B(false), B(false)}), {1, 1, 2, 2},
               {1, 2.5, 5.5, 7});
  ExpectValues(pool(x, {X(0), L({2, 2}), L({2, 2}), L({1, 1}), B(false), B(true), I(3)}),
               {1, 1, 2, 2}, {1.0 / 3, 5.0 / 3, 11.0 / 3, 28.0 / 3});
  // ceil_mode windows past the input divide by their clipped size.
  ExpectValues(pool(x, {X(0), L({2, 2}), L({}), L({0, 0}), B(true)}), {1, 1, 2, 2},
               {3, 4.5, 7.5, 9});
  // Integer pooling truncates: 13 / 4.
  ExpectValues(pool(H(kI64, {1, 2, 2}, {1, 2, 4, 6}), {X(0), L({2, 2})}), {1, 1, 1}, {3});

  absl::StatusOr<std::vector<HostTensor>> g =
      RunOp("aten.avg_pool2d_backward.default", {H(kF64, {1, 1, 2, 2}, {1, 1, 1, 1}), x},
            {X(0), X(1), L({2, 2}), L({2, 2}), L({1, 1}), B(false), B(false), None()});
  ASSERT_TRUE(g.ok()) << g.status();
  ExpectValues((*g)[0], {1, 1, 3, 3}, {1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.5, 0.25, 0.25});

  // Adaptive windows overlap: [0, 2) and [1, 3).
  absl::StatusOr<std::vector<HostTensor>> a = RunOp(
      "aten._adaptive_avg_pool2d.default", {H(kF64, {1, 1, 1, 3}, {1, 2, 4})}, {X(0), L({1, 2})});
  ASSERT_TRUE(a.ok()) << a.status();
  ExpectValues((*a)[0], {1, 1, 1, 2}, {1.5, 3});
  a = RunOp("aten._adaptive_avg_pool2d_backward.default",
            {H(kF64, {1, 1, 1, 2}, {1, 1}), H(kF64, {1, 1, 1, 3}, {1, 2, 4})}, {X(0), X(1)});
  ASSERT_TRUE(a.ok()) << a.status();
  ExpectValues((*a)[0], {1, 1, 1, 3}, {0.5, 1, 0.5});
}

TEST(NnTest, PoolingGradients) {
  ExpectGradients({
      {"aten.max_pool2d_with_indices.default",
       {{T(kF64, {2, 2, 5, 5})},
        {X(0), L({3, 3}), L({2, 2}), L({1, 1}), L({1, 1}), B(true)},
        {},
        -2,
        2,
        "padding, ceil_mode"}},
      {"aten.max_pool2d_with_indices.default",
       {{Transposed(kF64, {2, 6, 5})},
        {X(0), L({2, 2}), L({}), L({0, 0}), L({2, 1})},
        {},
        -2,
        2,
        "3-d, dilation, non-contiguous"}},
      {"aten.max_pool2d_with_indices_backward.default",
       {{T(kF64, {2, 2, 3, 3}), T(kF64, {2, 2, 4, 5}), T(kI64, {2, 2, 3, 3})},
        {X(0), X(1), L({2, 2}), L({}), L({1, 1}), L({1, 1}), B(false), X(2)},
        {},
        -2,
        20,
        "double backward (any indices in the plane)"}},
      {"aten.max_pool2d_with_indices_backward.default",
       {{T(kF64, {3, 1, 2}), T(kF64, {3, 3, 5}), T(kI64, {3, 1, 2})},
        {X(0), X(1), L({3, 3}), L({2, 2}), L({0, 0}), L({1, 1}), B(false), X(2)},
        {},
        -2,
        15,
        "double backward, 3-d"}},
      {"aten.avg_pool2d.default",
       {{T(kF64, {2, 2, 5, 5})},
        {X(0), L({3, 3}), L({2, 2}), L({1, 1}), B(true), B(false)},
        {},
        -2,
        2,
        "padding, ceil_mode, count_include_pad=False"}},
      {"aten.avg_pool2d.default",
       {{Transposed(kF64, {2, 4, 5})},
        {X(0), L({2, 3}), L({1, 2}), L({1, 1}), B(false), B(true), I(5)},
        {},
        -2,
        2,
        "divisor_override, non-contiguous"}},
      {"aten.avg_pool2d_backward.default",
       {{T(kF64, {1, 2, 3, 3}), T(kF64, {1, 2, 5, 5})},
        {X(0), X(1), L({3, 3}), L({2, 2}), L({1, 1}), B(true), B(false), None()},
        {},
        -2,
        2,
        "double backward"}},
      {"aten._adaptive_avg_pool2d.default", {{T(kF64, {2, 2, 5, 7})}, {X(0), L({3, 4})}}},
      {"aten._adaptive_avg_pool2d.default",
       {{Transposed(kF64, {3, 4, 4})}, {X(0), L({1, 1})}, {}, -2, 2, "global, non-contiguous"}},
      {"aten._adaptive_avg_pool2d_backward.default",
       {{T(kF64, {2, 2, 3, 4}), T(kF64, {2, 2, 5, 7})},
        {X(0), X(1)},
        {},
        -2,
        2,
        "double backward"}},
  });
}

// ---- Normalization ----

TEST(NnTest, NormalizationInference) {
  // The a_mlp workload's layer norm: mean and rstd keep the normalized dims.
  absl::StatusOr<std::vector<TensorType>> r =
      Infer("aten.native_layer_norm.default", {T(kF32, {64, 512}), T(kF32, {512}), T(kF32, {512})},
            {X(0), L({512}), X(1), X(2), F(1e-5)});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectType((*r)[0], kF32, {64, 512});
  ExpectType((*r)[1], kF32, {64, 1});
  ExpectType((*r)[2], kF32, {64, 1});
  EXPECT_EQ((*r)[1].strides, (Dims{1, 1}));
  r = Infer("aten.native_layer_norm.default", {T(kF64, {2, 3, 4, 5})},
            {X(0), L({4, 5}), None(), None(), F(1e-5)});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectType((*r)[1], kF64, {2, 3, 1, 1});
  r = Infer("aten.native_layer_norm_backward.default",
            {T(kF32, {6, 4}), T(kF32, {6, 4}), T(kF32, {6, 1}), T(kF32, {6, 1}), T(kF32, {4})},
            {X(0), X(1), L({4}), X(2), X(3), X(4), None(), Mask(true, true, false)});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectType((*r)[0], kF32, {6, 4});
  ExpectType((*r)[1], kF32, {4});
  ExpectType((*r)[2], kF32, {0});

  // Batch norm: saved statistics per channel when training, empty in eval.
  std::vector<TensorType> bn = {T(kF32, {2, 4, 8, 8}), T(kF32, {4}), T(kF32, {4}), T(kF32, {4}),
                                T(kF32, {4})};
  r = Infer("aten.native_batch_norm.default", bn,
            {X(0), X(1), X(2), X(3), X(4), B(true), F(0.1), F(1e-5)});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectType((*r)[0], kF32, {2, 4, 8, 8});
  ExpectType((*r)[1], kF32, {4});
  ExpectType((*r)[2], kF32, {4});
  r = Infer("aten.native_batch_norm.default", bn,
            {X(0), X(1), X(2), X(3), X(4), B(false), F(0.1), F(1e-5)});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectType((*r)[1], kF32, {0});
  ExpectType((*r)[2], kF32, {0});
  r = Infer(
      "aten.native_batch_norm_backward.default",
      {T(kF32, {2, 4, 3}), T(kF32, {2, 4, 3}), T(kF32, {4}), T(kF32, {4})},
      {X(0), X(1), None(), None(), None(), X(2), X(3), B(true), F(1e-5), Mask(true, false, true)});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectType((*r)[0], kF32, {2, 4, 3});
  ExpectType((*r)[1], kF32, {0});
  ExpectType((*r)[2], kF32, {4});

  ExpectInvalid("aten.native_layer_norm.default", {T(kF32, {64, 256})},
                {X(0), L({512}), None(), None(), F(1e-5)},
                "Given normalized_shape=[512], expected input with shape [*, 512], but got input "
                "of size [64,256]");
  ExpectInvalid("aten.native_layer_norm.default", {T(kF32, {64, 512}), T(kF32, {256})},
                {X(0), L({512}), X(1), None(), F(1e-5)}, "weight of shape [256]");
  ExpectInvalid("aten.native_batch_norm.default", {T(kF32, {2, 4, 8}), T(kF32, {5})},
                {X(0), X(1), None(), None(), None(), B(true), F(0.1), F(1e-5)},
                "weight should contain 4 elements not 5");
  ExpectInvalid("aten.native_batch_norm.default", {T(kF32, {2, 4, 8})},
                {X(0), None(), None(), None(), None(), B(false), F(0.1), F(1e-5)},
                "must be defined in evaluation mode");
}

TEST(NnTest, NormalizationKernels) {
  absl::StatusOr<std::vector<HostTensor>> r =
      RunOp("aten.native_layer_norm.default",
            {H(kF64, {2, 2}, {1, 3, 2, 2}), H(kF64, {2}, {2, 1}), H(kF64, {2}, {0, 10})},
            {X(0), L({2}), X(1), X(2), F(1e-5)});
  ASSERT_TRUE(r.ok()) << r.status();
  double r0 = 1 / std::sqrt(1 + 1e-5), r1 = 1 / std::sqrt(1e-5);
  ExpectValues((*r)[0], {2, 2}, {-2 * r0, r0 + 10, 0, 10});
  ExpectValues((*r)[1], {2, 1}, {2, 2});
  ExpectValues((*r)[2], {2, 1}, {r0, r1}, 1e-6);

  HostTensor x = H(kF64, {2, 2}, {1, 10, 3, 30});
  HostTensor w = H(kF64, {2}, {2, 3}), b = H(kF64, {2}, {0, 1});
  HostTensor rm = H(kF64, {2}, {1, 10}), rv = H(kF64, {2}, {4, 100});
  r = RunOp("aten.native_batch_norm.default", {x, w, b, rm, rv},
            {X(0), X(1), X(2), X(3), X(4), B(true), F(0.1), F(0)});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectValues((*r)[0], {2, 2}, {-2, -2, 2, 4});
  ExpectValues((*r)[1], {2}, {2, 20});
  ExpectValues((*r)[2], {2}, {1, 0.1});
  // Eval normalizes with the running statistics and saves nothing.
  r = RunOp("aten.native_batch_norm.default", {x, rm, rv},
            {X(0), None(), None(), X(1), X(2), B(false), F(0.1), F(0)});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectValues((*r)[0], {2, 2}, {0, 0, 1, 2});
  ExpectValues((*r)[1], {0}, {});

  // Eval backward scales by weight * invstd; training subtracts the
  // gradient's projection on the batch statistics.
  r = RunOp("aten.native_batch_norm_backward.default",
            {H(kF64, {2, 2}, {1, 1, 1, 2}), x, w, rm, rv},
            {X(0), X(1), X(2), X(3), X(4), None(), None(), B(false), F(0), Mask(true, true, true)});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectValues((*r)[0], {2, 2}, {1, 0.3, 1, 0.6});
  ExpectValues((*r)[1], {2}, {0 + 1, 0 + 2 * 2});
  ExpectValues((*r)[2], {2}, {2, 3});
  r = RunOp(
      "aten.native_batch_norm_backward.default",
      {H(kF64, {2, 2}, {1, 1, 1, 1}), x, H(kF64, {2}, {2, 20}), H(kF64, {2}, {1, 0.1})},
      {X(0), X(1), None(), None(), None(), X(2), X(3), B(true), F(0), Mask(true, true, false)});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectValues((*r)[0], {2, 2}, {0, 0, 0, 0});  // A constant shift normalizes away.
  ExpectValues((*r)[1], {2}, {0, 0});
}

TEST(NnTest, NormalizationGradients) {
  std::vector<std::pair<const char*, Sample>> cases = {
      {"aten.native_layer_norm.default",
       {{T(kF64, {3, 4, 5}), T(kF64, {4, 5}), T(kF64, {4, 5})},
        {X(0), L({4, 5}), X(1), X(2), F(1e-5)},
        {},
        -2,
        2,
        "affine, two normalized dims"}},
      {"aten.native_layer_norm.default",
       {{Transposed(kF64, {3, 4})},
        {X(0), L({4}), None(), None(), F(1e-3)},
        {},
        -2,
        2,
        "no affine, non-contiguous"}},
      {"aten.native_batch_norm.default",
       {{T(kF64, {4, 3, 2, 2}), T(kF64, {3}), T(kF64, {3}), T(kF64, {3}), T(kF64, {3})},
        {X(0), X(1), X(2), X(3), X(4), B(true), F(0.1), F(1e-5)},
        {},
        0.5,
        2,
        "training"}},
      {"aten.native_batch_norm.default",
       {{Transposed(kF64, {5, 2})},
        {X(0), None(), None(), None(), None(), B(true), F(0.1), F(1e-5)},
        {},
        -2,
        2,
        "training, no affine, no running stats, non-contiguous"}},
      {"aten.native_batch_norm.default",
       {{T(kF64, {4, 3, 5}), T(kF64, {3}), T(kF64, {3}), T(kF64, {3}), T(kF64, {3})},
        {X(0), X(1), X(2), X(3), X(4), B(false), F(0.1), F(1e-5)},
        {},
        0.5,
        2,
        "eval"}},
  };
  for (const auto& [op, sample] : cases) {
    // Gradients flow from the normalized output to input, weight and bias
    // only (not the running statistics), as in PyTorch.
    absl::Status s = CheckSomeGradients(op, sample, {0}, {0, 1, 2});
    EXPECT_TRUE(s.ok()) << op << " (" << sample.note << "): " << s;
  }
}

// ---- Softmax ----

TEST(NnTest, SoftmaxInferenceAndKernels) {
  absl::StatusOr<std::vector<TensorType>> r =
      Infer("aten._softmax.default", {T(kF32, {8, 8, 8})}, {X(0), I(-1), B(false)});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectType((*r)[0], kF32, {8, 8, 8});
  r = Infer("aten._log_softmax_backward_data.default", {T(kF32, {8, 10}), T(kF32, {8, 10})},
            {X(0), X(1), I(1), Argument::DTypeArg(kF32)});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectType((*r)[0], kF32, {8, 10});
  ExpectInvalid("aten._softmax.default", {T(kF32, {8, 8})}, {X(0), I(2), B(false)},
                "dim 2 out of range for a tensor of rank 2");
  ExpectInvalid("aten._softmax.default", {T(kF32, {8, 8})}, {X(0), I(1), B(true)}, "half to float");
  ExpectInvalid("aten._log_softmax.default", {T(kI64, {8, 8})}, {X(0), I(1), B(false)},
                "must be floating point");
  ExpectInvalid("aten._softmax_backward_data.default", {T(kF32, {8, 8}), T(kF32, {8, 4})},
                {X(0), X(1), I(1), Argument::DTypeArg(kF32)},
                "grad_output of size [8,8] does not match output of size [8,4]");

  const double ln3 = std::log(3.0);
  HostTensor x = H(kF64, {2, 2}, {0, ln3, ln3, 0});
  absl::StatusOr<std::vector<HostTensor>> v =
      RunOp("aten._softmax.default", {x}, {X(0), I(0), B(false)});
  ASSERT_TRUE(v.ok()) << v.status();
  ExpectValues((*v)[0], {2, 2}, {0.25, 0.75, 0.75, 0.25});
  v = RunOp("aten._log_softmax.default", {x}, {X(0), I(-1), B(false)});
  ASSERT_TRUE(v.ok()) << v.status();
  ExpectValues((*v)[0], {2, 2}, {std::log(0.25), std::log(0.75), std::log(0.75), std::log(0.25)});

  HostTensor g = H(kF64, {2}, {1, 0});
  v = RunOp("aten._softmax_backward_data.default", {g, H(kF64, {2}, {0.25, 0.75})},
            {X(0), X(1), I(0), Argument::DTypeArg(kF64)});
  ASSERT_TRUE(v.ok()) << v.status();
  ExpectValues((*v)[0], {2}, {0.1875, -0.1875});
  v = RunOp("aten._log_softmax_backward_data.default",
            {g, H(kF64, {2}, {std::log(0.25), std::log(0.75)})},
            {X(0), X(1), I(0), Argument::DTypeArg(kF64)});
  ASSERT_TRUE(v.ok()) << v.status();
  ExpectValues((*v)[0], {2}, {0.75, -0.75});
}

TEST(NnTest, SoftmaxGradients) {
  Argument f64 = Argument::DTypeArg(kF64);
  ExpectGradients({
      {"aten._softmax.default", {{T(kF64, {3, 4})}, {X(0), I(-1), B(false)}}},
      {"aten._softmax.default",
       {{Transposed(kF64, {2, 3, 4})}, {X(0), I(1), B(false)}, {}, -2, 2, "dim 1, non-contiguous"}},
      {"aten._log_softmax.default", {{T(kF64, {3, 4})}, {X(0), I(1), B(false)}}},
      {"aten._log_softmax.default",
       {{Transposed(kF64, {2, 3, 4})},
        {X(0), I(-3), B(false)},
        {},
        -2,
        2,
        "dim -3, non-contiguous"}},
      {"aten._softmax_backward_data.default",
       {{T(kF64, {3, 4}), T(kF64, {3, 4})},
        {X(0), X(1), I(-1), f64},
        {},
        -2,
        2,
        "double backward"}},
      {"aten._log_softmax_backward_data.default",
       {{T(kF64, {3, 4}), Transposed(kF64, {3, 4})},
        {X(0), X(1), I(0), f64},
        {},
        -2,
        2,
        "double backward"}},
  });
}

// ---- Losses ----

TEST(NnTest, LossInference) {
  // The e_loss workload.
  absl::StatusOr<std::vector<TensorType>> r =
      Infer("aten.nll_loss_forward.default", {T(kF32, {8, 10}), T(kI64, {8})},
            {X(0), X(1), None(), I(1), I(-100)});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectType((*r)[0], kF32, {});
  ExpectType((*r)[1], kF32, {});
  r = Infer("aten.nll_loss_forward.default", {T(kF32, {8, 10}), T(kI64, {8})},
            {X(0), X(1), None(), I(0), I(-100)});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectType((*r)[0], kF32, {8});
  r = Infer("aten.nll_loss_forward.default", {T(kF32, {10}), T(kI64, {})},
            {X(0), X(1), None(), I(0), I(-100)});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectType((*r)[0], kF32, {});
  r = Infer("aten.mse_loss.default", {T(kF32, {3, 4}), T(kF64, {4})}, {X(0), X(1), I(0)});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectType((*r)[0], kF64, {3, 4});
  r = Infer("aten.smooth_l1_loss.default", {T(kF32, {3, 4}), T(kF32, {3, 4})}, {X(0), X(1)});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectType((*r)[0], kF32, {});
  r = Infer("aten.mse_loss_backward.default", {T(kF32, {}), T(kF32, {4}), T(kF32, {3, 4})},
            {X(0), X(1), X(2), I(1)});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectType((*r)[0], kF32, {3, 4});

  ExpectInvalid("aten.nll_loss_forward.default", {T(kF32, {8, 10}), T(kI64, {7})},
                {X(0), X(1), None(), I(1), I(-100)},
                "size mismatch (got input: [8,10], target: [7])");
  ExpectInvalid("aten.nll_loss_forward.default", {T(kF32, {8, 10}), T(kF32, {8})},
                {X(0), X(1), None(), I(1), I(-100)}, "int64 target");
  ExpectInvalid("aten.nll_loss_forward.default", {T(kF32, {8, 10}), T(kI64, {8}), T(kF32, {9})},
                {X(0), X(1), X(2), I(1), I(-100)}, "all 10 classes");
  ExpectInvalid("aten.nll_loss_forward.default", {T(kF32, {8, 10}), T(kI64, {8})},
                {X(0), X(1), None(), I(3), I(-100)}, "reduction");
  ExpectInvalid("aten.mse_loss.default", {T(kF32, {3, 4}), T(kF32, {3})}, {X(0), X(1)},
                "shapes [3,4] and [3] do not broadcast");
  ExpectInvalid("aten.smooth_l1_loss.default", {T(kF32, {3}), T(kF32, {3})},
                {X(0), X(1), I(1), F(-1)}, "negative values for beta");
}

TEST(NnTest, NllLossKernel) {
  HostTensor x = H(kF64, {3, 3}, {-1, -2, -3, -4, -5, -6, -7, -8, -9});
  HostTensor t = H(kI64, {3}, {0, 2, 1});
  HostTensor w = H(kF64, {3}, {1, 2, 3});
  auto nll = [&](int64_t reduction) {
    absl::StatusOr<std::vector<HostTensor>> r =
        RunOp("aten.nll_loss_forward.default", {x, t, w}, {X(0), X(1), X(2), I(reduction), I(1)});
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : std::vector<HostTensor>(2);
  };
  std::vector<HostTensor> r = nll(0);
  ExpectValues(r[0], {3}, {1, 18, 0});
  ExpectValues(r[1], {}, {0});
  r = nll(2);
  ExpectValues(r[0], {}, {19});
  ExpectValues(r[1], {}, {4});
  r = nll(1);
  ExpectValues(r[0], {}, {4.75});
  absl::StatusOr<std::vector<HostTensor>> v =
      RunOp("aten.nll_loss_forward.default", {H(kF64, {3}, {-1, -2, -3}), H(kI64, {}, {2})},
            {X(0), X(1), None(), I(1), I(-100)});
  ASSERT_TRUE(v.ok()) << v.status();
  ExpectValues((*v)[0], {}, {3});
  ExpectValues((*v)[1], {}, {1});
  // Every target ignored: the mean is 0 / 0.
  v = RunOp("aten.nll_loss_forward.default", {x, H(kI64, {3}, {1, 1, 1})},
            {X(0), X(1), None(), I(1), I(1)});
  ASSERT_TRUE(v.ok()) << v.status();
  ExpectValues((*v)[0], {}, {kNaN});
  v = RunOp("aten.nll_loss_forward.default", {x, H(kI64, {3}, {0, 3, 1})},
            {X(0), X(1), None(), I(1), I(-100)});
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.status().message().find("Target 3 is out of bounds"), std::string::npos)
      << v.status();

  v = RunOp("aten.nll_loss_backward.default", {H(kF64, {}, {1}), x, t, w, H(kF64, {}, {4})},
            {X(0), X(1), X(2), X(3), I(1), I(1), X(4)});
  ASSERT_TRUE(v.ok()) << v.status();
  ExpectValues((*v)[0], {3, 3}, {-0.25, 0, 0, 0, 0, -0.75, 0, 0, 0});
  v = RunOp("aten.nll_loss_backward.default", {H(kF64, {3}, {1, 2, 3}), x, t, w, H(kF64, {}, {0})},
            {X(0), X(1), X(2), X(3), I(0), I(1), X(4)});
  ASSERT_TRUE(v.ok()) << v.status();
  ExpectValues((*v)[0], {3, 3}, {-1, 0, 0, 0, 0, -6, 0, 0, 0});
}

TEST(NnTest, PointwiseLossKernels) {
  HostTensor x = H(kF64, {2}, {1, 2}), t = H(kF64, {2, 2}, {0, 0, 1, 1});
  absl::StatusOr<std::vector<HostTensor>> r =
      RunOp("aten.mse_loss.default", {x, t}, {X(0), X(1), I(0)});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectValues((*r)[0], {2, 2}, {1, 4, 0, 1});
  r = RunOp("aten.mse_loss.default", {x, t}, {X(0), X(1)});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectValues((*r)[0], {}, {1.5});
  // ATen normalizes the mean by self's own element count, even broadcast.
  r = RunOp("aten.mse_loss_backward.default", {H(kF64, {}, {1}), x, t}, {X(0), X(1), X(2), I(1)});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectValues((*r)[0], {2, 2}, {1, 2, 0, 1});

  HostTensor d = H(kF64, {4}, {0, 0.5, 2, -3}), zero = H(kF64, {}, {0});
  r = RunOp("aten.smooth_l1_loss.default", {d, zero}, {X(0), X(1), I(0), F(1)});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectValues((*r)[0], {4}, {0, 0.125, 1.5, 2.5});
  r = RunOp("aten.smooth_l1_loss.default", {d, zero}, {X(0), X(1), I(1), F(1)});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectValues((*r)[0], {}, {4.125 / 4});
  r = RunOp("aten.smooth_l1_loss.default", {d, zero}, {X(0), X(1), I(2), F(0)});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectValues((*r)[0], {}, {5.5});
  r = RunOp("aten.smooth_l1_loss_backward.default", {H(kF64, {}, {1}), d, zero},
            {X(0), X(1), X(2), I(2), F(1)});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectValues((*r)[0], {4}, {0, 0.5, 1, -1});
  r = RunOp("aten.smooth_l1_loss_backward.default", {H(kF64, {}, {1}), d, zero},
            {X(0), X(1), X(2), I(1), F(0)});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectValues((*r)[0], {4}, {0, 0.25, 0.25, -0.25});
}

TEST(NnTest, LossGradients) {
  ExpectGradients({
      {"aten.mse_loss.default", {{T(kF64, {3, 4}), T(kF64, {3, 4})}, {X(0), X(1)}}},
      {"aten.mse_loss.default",
       {{T(kF64, {3, 4}), T(kF64, {4})}, {X(0), X(1), I(1)}, {}, -2, 2, "broadcast target, mean"}},
      {"aten.mse_loss.default",
       {{Transposed(kF64, {3, 4}), T(kF64, {1, 4})},
        {X(0), X(1), I(0)},
        {},
        -2,
        2,
        "none, broadcast, non-contiguous"}},
      {"aten.mse_loss.default",
       {{T(kF64, {2}), T(kF64, {3, 2})}, {X(0), X(1), I(2)}, {}, -2, 2, "sum"}},
      {"aten.mse_loss_backward.default",
       {{T(kF64, {}), T(kF64, {3, 4}), T(kF64, {3, 4})},
        {X(0), X(1), X(2), I(1)},
        {},
        -2,
        2,
        "double backward, mean"}},
      {"aten.mse_loss_backward.default",
       {{T(kF64, {3, 4}), Transposed(kF64, {3, 4}), T(kF64, {4})},
        {X(0), X(1), X(2), I(0)},
        {},
        -2,
        2,
        "double backward, none"}},
      {"aten.smooth_l1_loss.default",
       {{T(kF64, {3, 4}), T(kF64, {3, 4})}, {X(0), X(1), I(1), F(0.5)}, {}, -2, 2, "beta 0.5"}},
      {"aten.smooth_l1_loss.default",
       {{Transposed(kF64, {3, 4}), T(kF64, {4})},
        {X(0), X(1), I(0)},
        {},
        -2,
        2,
        "none, broadcast, non-contiguous"}},
      {"aten.smooth_l1_loss.default",
       {{T(kF64, {5}), T(kF64, {5})}, {X(0), X(1), I(2), F(0)}, {}, -2, 2, "beta 0, sum"}},
      {"aten.smooth_l1_loss_backward.default",
       {{T(kF64, {}), T(kF64, {3, 4}), T(kF64, {3, 4})},
        {X(0), X(1), X(2), I(1), F(0.7)},
        {},
        -2,
        2,
        "double backward, mean"}},
      {"aten.smooth_l1_loss_backward.default",
       {{T(kF64, {3, 4}), T(kF64, {3, 4}), T(kF64, {3, 4})},
        {X(0), X(1), X(2), I(0), F(1.5)},
        {},
        -2,
        2,
        "double backward, none"}},
  });

  // nll_loss: the class scores take the gradient; weight and total_weight
  // do not (as in PyTorch). Targets are drawn from [0, high).
  std::vector<Sample> nll = {
      {{T(kF64, {5, 4}), T(kI64, {5}), T(kF64, {4})},
       {X(0), X(1), X(2), I(1), I(1)},
       {},
       -2,
       4,
       "mean, weight, ignore_index"},
      {{Transposed(kF64, {5, 4}), T(kI64, {5})},
       {X(0), X(1), None(), I(0), I(-100)},
       {},
       -2,
       4,
       "none, non-contiguous"},
      {{T(kF64, {4}), T(kI64, {})}, {X(0), X(1), None(), I(2), I(-100)}, {}, -2, 4, "1-d, sum"},
  };
  for (const Sample& s : nll) {
    absl::Status st = CheckSomeGradients("aten.nll_loss_forward.default", s, {0}, {0});
    EXPECT_TRUE(st.ok()) << s.note << ": " << st;
  }
  std::vector<Sample> nll_backward = {
      {{T(kF64, {}), T(kF64, {5, 4}), T(kI64, {5}), T(kF64, {4}), T(kF64, {})},
       {X(0), X(1), X(2), X(3), I(1), I(1), X(4)},
       {},
       1,
       4,
       "mean, weight, any total_weight"},
      {{T(kF64, {5}), T(kF64, {5, 4}), T(kI64, {5}), T(kF64, {})},
       {X(0), X(1), X(2), None(), I(0), I(-100), X(3)},
       {},
       -2,
       4,
       "none"},
  };
  for (const Sample& s : nll_backward) {
    absl::Status st = CheckSomeGradients("aten.nll_loss_backward.default", s, {0}, {0, 1});
    EXPECT_TRUE(st.ok()) << s.note << ": " << st;
  }
}

// ---- Embedding ----

TEST(NnTest, EmbeddingInferenceAndKernels) {
  absl::StatusOr<std::vector<TensorType>> r =
      Infer("aten.embedding.default", {T(kF32, {10, 3}), T(kI64, {2, 4})}, {X(0), X(1)});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectType((*r)[0], kF32, {2, 4, 3});
  r = Infer("aten.embedding_dense_backward.default", {T(kF32, {2, 4, 3}), T(kI64, {2, 4})},
            {X(0), X(1), I(10), I(-1), B(false)});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectType((*r)[0], kF32, {10, 3});
  ExpectInvalid("aten.embedding.default", {T(kF32, {10}), T(kI64, {2})}, {X(0), X(1)},
                "'weight' must be 2-D, got weight of size [10]");
  ExpectInvalid("aten.embedding.default", {T(kF32, {10, 3}), T(kF32, {2})}, {X(0), X(1)},
                "int64 or int32");
  ExpectInvalid("aten.embedding_dense_backward.default", {T(kF32, {2, 3, 3}), T(kI64, {2, 4})},
                {X(0), X(1), I(10), I(-1), B(false)}, "[2,3,3]");

  HostTensor w = H(kF64, {3, 2}, {0, 1, 2, 3, 4, 5});
  HostTensor idx = H(kI64, {2, 2}, {2, 0, 1, 2});
  absl::StatusOr<std::vector<HostTensor>> v =
      RunOp("aten.embedding.default", {w, idx}, {X(0), X(1)});
  ASSERT_TRUE(v.ok()) << v.status();
  ExpectValues((*v)[0], {2, 2, 2}, {4, 5, 0, 1, 2, 3, 4, 5});
  v = RunOp("aten.embedding.default", {w, H(kI64, {1}, {3})}, {X(0), X(1)});
  EXPECT_FALSE(v.ok());

  HostTensor g = H(kF64, {2, 2, 2}, {1, 1, 2, 2, 3, 3, 4, 4});
  auto backward = [&](int64_t padding_idx, bool scale) {
    absl::StatusOr<std::vector<HostTensor>> r =
        RunOp("aten.embedding_dense_backward.default", {g, idx},
              {X(0), X(1), I(3), I(padding_idx), B(scale)});
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? (*r)[0] : HostTensor();
  };
  ExpectValues(backward(-1, false), {3, 2}, {2, 2, 3, 3, 5, 5});
  ExpectValues(backward(-1, true), {3, 2}, {2, 2, 3, 3, 2.5, 2.5});
  ExpectValues(backward(0, false), {3, 2}, {0, 0, 3, 3, 5, 5});
}

TEST(NnTest, EmbeddingGradients) {
  ExpectGradients({
      {"aten.embedding.default",
       {{T(kF64, {5, 3}), T(kI64, {2, 4})}, {X(0), X(1)}, {}, -2, 5, "repeated indices"}},
      {"aten.embedding.default",
       {{Transposed(kF64, {5, 3}), T(kI64, {6})}, {X(0), X(1)}, {}, -2, 5, "non-contiguous"}},
      {"aten.embedding_dense_backward.default",
       {{T(kF64, {2, 4, 3}), T(kI64, {2, 4})},
        {X(0), X(1), I(5), I(-1), B(false)},
        {},
        -2,
        5,
        "double backward"}},
      {"aten.embedding_dense_backward.default",
       {{T(kF64, {8, 3}), T(kI64, {2, 4})},
        {X(0), X(1), I(5), I(2), B(true)},
        {},
        -2,
        5,
        "double backward, padding_idx, scale_grad_by_freq"}},
  });
}

}  // namespace
}  // namespace aotd::ops
