// Pointwise ops: inference, kernels and finite-difference gradients.
#include <cmath>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
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
constexpr DType kI32 = DType::kInt32;
constexpr DType kBool = DType::kBool;
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

Argument V(int i) { return Argument::Value(i); }
Argument F(double x) { return Argument::Float(x); }
Argument I(int64_t x) { return Argument::Int(x); }
Argument B(bool x) { return Argument::Bool(x); }
Argument S(const char* s) { return Argument::String(s); }
Argument D(DType d) { return Argument::DTypeArg(d); }

Sample Make(std::vector<TensorType> tensors, std::vector<Argument> args, Kwargs kwargs = {},
            std::string note = "", double low = -2, double high = 2) {
  return Sample{std::move(tensors), std::move(args), std::move(kwargs), low, high, std::move(note)};
}

// Samples with inputs in [0.5, 2): for log, sqrt, division, pow.
Sample Positive(std::vector<TensorType> tensors, std::vector<Argument> args, Kwargs kwargs = {},
                std::string note = "") {
  return Make(std::move(tensors), std::move(args), std::move(kwargs), std::move(note), 0.5, 2);
}

void ExpectGradients(const std::vector<std::pair<const char*, Sample>>& cases) {
  for (const auto& [op, sample] : cases) {
    absl::Status s = CheckGradients(op, sample);
    EXPECT_TRUE(s.ok()) << op << " (" << sample.note << "): " << s;
  }
}

HostTensor H(DType dtype, Dims shape, std::vector<double> values) {
  HostTensor h(dtype, std::move(shape));
  h.data = std::move(values);
  return h;
}

// Evaluates one call of `op` on `inputs`; Argument::Value(i) is inputs[i].
absl::StatusOr<HostTensor> Eval(absl::string_view op, const std::vector<HostTensor>& inputs,
                                std::vector<Argument> args, Kwargs kwargs = {}) {
  Sample sample;
  for (const HostTensor& h : inputs) sample.tensors.push_back(T(h.dtype, h.shape));
  sample.args = std::move(args);
  sample.kwargs = std::move(kwargs);
  absl::StatusOr<ir::Graph> g = testing::OneNodeGraph(op, sample);
  if (!g.ok()) return g.status();
  absl::StatusOr<std::vector<HostTensor>> outs = reference::Evaluate(*g, inputs);
  if (!outs.ok()) return outs.status();
  return (*outs)[0];
}

// The result type inference gives one call of `op`, with its own errors
// (a GraphBuilder would make them INTERNAL).
absl::StatusOr<TensorType> Infer(absl::string_view op, std::vector<TensorType> tensors,
                                 std::vector<Argument> args, Kwargs kwargs = {}) {
  const OpDef* def = OpRegistry::Global().Find(op);
  if (def == nullptr) return absl::NotFoundError(op);
  ir::Graph g;
  std::vector<ir::ValueId> inputs;
  for (size_t i = 0; i < tensors.size(); ++i) {
    inputs.push_back(g.AddInput(absl::StrCat("x", i), tensors[i], false));
  }
  auto remap = [&](Argument a) { return a.is_value() ? Argument::Value(inputs[a.AsValue()]) : a; };
  for (Argument& a : args) a = remap(a);
  for (auto& [name, a] : kwargs) a = remap(a);
  absl::StatusOr<std::vector<Argument>> bound =
      BindArguments(def->schema, std::move(args), std::move(kwargs));
  if (!bound.ok()) return bound.status();
  absl::StatusOr<std::vector<TensorType>> types = InferTypes(*def, g, *bound);
  if (!types.ok()) return types.status();
  return (*types)[0];
}

// Expects `result` to hold `values` (NaNs match NaNs, infs equal infs).
void ExpectValues(const absl::StatusOr<HostTensor>& result, DType dtype, Dims shape,
                  std::vector<double> values) {
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->dtype, dtype) << ir::DTypeName(result->dtype);
  HostTensor expected = H(dtype, std::move(shape), std::move(values));
  reference::Closeness c = reference::CompareClose(*result, expected, 1e-6, 1e-6);
  EXPECT_TRUE(c.close) << "got " << reference::DescribeTensor(*result) << " values "
                       << ::testing::PrintToString(result->data) << ", expected "
                       << ::testing::PrintToString(expected.data);
}

// Expects an INVALID_ARGUMENT whose message contains `text`.
template <typename T>
void ExpectInvalid(const absl::StatusOr<T>& result, const std::string& text) {
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument) << result.status();
  EXPECT_NE(result.status().message().find(text), std::string::npos) << result.status();
}

// ---------------------------------------------------------------------------
// Gradients.

TEST(PointwiseGradientTest, UnaryMath) {
  ExpectGradients({
      {"aten.neg.default", Make({Transposed(kF64, {2, 3})}, {V(0)})},
      {"aten.exp.default", Make({Transposed(kF64, {3, 2})}, {V(0)}, {}, "non-contiguous")},
      {"aten.abs.default", Make({Transposed(kF64, {2, 3})}, {V(0)})},
      {"aten.sgn.default", Make({Transposed(kF64, {2, 3})}, {V(0)})},
      {"aten.log.default", Positive({Transposed(kF64, {2, 3})}, {V(0)})},
      {"aten.log1p.default", Positive({Transposed(kF64, {2, 3})}, {V(0)})},
      {"aten.sqrt.default", Positive({Transposed(kF64, {2, 3})}, {V(0)})},
      {"aten.rsqrt.default", Positive({Transposed(kF64, {2, 3})}, {V(0)})},
      {"aten.reciprocal.default", Positive({Transposed(kF64, {2, 3})}, {V(0)})},
      {"aten.sin.default", Make({Transposed(kF64, {2, 3})}, {V(0)})},
      {"aten.cos.default", Make({Transposed(kF64, {2, 3})}, {V(0)})},
      {"aten.tanh.default", Make({Transposed(kF64, {2, 3})}, {V(0)})},
      {"aten.sigmoid.default", Make({Transposed(kF64, {2, 3})}, {V(0)})},
      {"aten.erf.default", Make({Transposed(kF64, {2, 3})}, {V(0)})},
  });
}

TEST(PointwiseGradientTest, Activations) {
  ExpectGradients({
      {"aten.relu.default", Make({Transposed(kF64, {2, 3})}, {V(0)})},
      {"aten.gelu.default", Make({Transposed(kF64, {2, 3})}, {V(0)}, {}, "erf")},
      {"aten.gelu.default",
       Make({T(kF64, {6})}, {V(0)}, {{"approximate", S("tanh")}}, "tanh approximation", -3, 3)},
      {"aten.silu.default", Make({Transposed(kF64, {2, 3})}, {V(0)})},
      {"aten.softplus.default",
       Make({Transposed(kF64, {2, 3})}, {V(0), F(2), F(1)}, {}, "beta 2, threshold 1: both sides")},
      {"aten.softplus.default", Make({T(kF64, {4})}, {V(0)}, {}, "defaults")},
      {"aten.elu.default",
       Make({Transposed(kF64, {2, 3})}, {V(0), F(1.5), F(2), F(0.5)}, {}, "alpha, scales")},
      {"aten.leaky_relu.default", Make({Transposed(kF64, {2, 3})}, {V(0), F(0.2)})},
      {"aten.hardtanh.default", Make({Transposed(kF64, {2, 3})}, {V(0), F(-0.5), F(1.5)})},
      {"aten.clamp.default", Make({Transposed(kF64, {2, 3})}, {V(0), F(-1), F(1)}, {}, "both")},
      {"aten.clamp.default", Make({T(kF64, {6})}, {V(0), I(0)}, {}, "min only")},
      {"aten.clamp.default", Make({T(kF64, {6})}, {V(0), Argument::None(), F(0.5)}, {}, "max")},
      {"aten.clamp.Tensor", Make({Transposed(kF64, {2, 3}), T(kF64, {3}), T(kF64, {2, 1})},
                                 {V(0), V(1), V(2)}, {}, "broadcast bounds, some min > max")},
      {"aten.clamp.Tensor", Make({T(kF64, {2, 3}), T(kF64, {3})}, {V(0), V(1)}, {}, "min only")},
      {"aten.clamp.Tensor",
       Make({T(kF64, {2, 3}), T(kF64, {2, 3})}, {V(0), Argument::None(), V(1)}, {}, "max only")},
  });
}

TEST(PointwiseGradientTest, Arithmetic) {
  ExpectGradients({
      {"aten.add.Tensor", Make({T(kF64, {2, 3}), T(kF64, {3})}, {V(0), V(1)}, {{"alpha", F(0.5)}},
                               "broadcast, alpha")},
      {"aten.add.Tensor",
       Make({T(kF64, {2, 1}), T(kF64, {1, 3})}, {V(0), V(1)}, {}, "both broadcast")},
      {"aten.add.Tensor", Make({Transposed(kF64, {2, 3})}, {F(1.5), V(0)}, {}, "number self")},
      {"aten.add.Scalar", Make({Transposed(kF64, {2, 3})}, {V(0), F(2), I(3)})},
      {"aten.sub.Tensor", Make({Transposed(kF64, {2, 3}), T(kF64, {2, 1})}, {V(0), V(1)},
                               {{"alpha", I(2)}}, "broadcast, alpha")},
      {"aten.sub.Tensor", Make({T(kF64, {4})}, {V(0), F(0.25)}, {}, "wrapped number")},
      {"aten.sub.Scalar", Make({Transposed(kF64, {2, 3})}, {V(0), F(1), F(3)})},
      {"aten.rsub.Tensor", Make({T(kF64, {3}), Transposed(kF64, {2, 3})}, {V(0), V(1)},
                                {{"alpha", F(-2)}}, "broadcast, alpha")},
      {"aten.rsub.Scalar", Make({Transposed(kF64, {2, 3})}, {V(0), F(1), F(0.5)})},
      {"aten.mul.Tensor", Make({Transposed(kF64, {2, 3}), T(kF64, {2, 3})}, {V(0), V(1)})},
      {"aten.mul.Tensor", Make({T(kF64, {4})}, {V(0), F(0.25)}, {}, "wrapped number")},
      {"aten.mul.Scalar", Make({Transposed(kF64, {2, 3})}, {V(0), F(-3)})},
      {"aten.div.Tensor",
       Positive({Transposed(kF64, {2, 3}), T(kF64, {3})}, {V(0), V(1)}, {}, "broadcast")},
      {"aten.div.Tensor", Positive({T(kF64, {4})}, {F(2), V(0)}, {}, "number self")},
      {"aten.div.Scalar", Make({Transposed(kF64, {2, 3})}, {V(0), F(4)})},
      {"aten.div.Tensor_mode", Positive({Transposed(kF64, {2, 3}), T(kF64, {2, 1})}, {V(0), V(1)},
                                        {{"rounding_mode", Argument::None()}}, "true division")},
      {"aten.div.Tensor_mode", Positive({T(kF64, {2, 3}), T(kF64, {3})}, {V(0), V(1)},
                                        {{"rounding_mode", S("floor")}}, "floor: zero gradient")},
      {"aten.pow.Tensor_Scalar", Make({Transposed(kF64, {2, 3})}, {V(0), I(3)}, {}, "cube")},
      {"aten.pow.Tensor_Scalar", Positive({T(kF64, {4})}, {V(0), F(-1.5)}, {}, "negative float")},
      {"aten.pow.Tensor_Scalar", Make({T(kF64, {4})}, {V(0), I(0)}, {}, "zero exponent")},
      {"aten.pow.Tensor_Tensor",
       Positive({Transposed(kF64, {2, 3}), T(kF64, {3})}, {V(0), V(1)}, {}, "broadcast")},
      {"aten.pow.Scalar", Make({Transposed(kF64, {2, 3})}, {F(2.5), V(0)})},
      {"aten.maximum.default",
       Make({Transposed(kF64, {2, 3}), T(kF64, {3})}, {V(0), V(1)}, {}, "broadcast")},
      {"aten.minimum.default",
       Make({T(kF64, {2, 1}), Transposed(kF64, {2, 3})}, {V(0), V(1)}, {}, "broadcast")},
  });
}

TEST(PointwiseGradientTest, Selection) {
  ExpectGradients({
      {"aten.where.self", Make({T(kBool, {2, 1}), Transposed(kF64, {2, 3}), T(kF64, {3})},
                               {V(0), V(1), V(2)}, {}, "broadcast")},
      {"aten.masked_fill.Scalar", Make({Transposed(kF64, {2, 3}), T(kBool, {3})},
                                       {V(0), V(1), F(-3.5)}, {}, "broadcast mask")},
      {"aten.masked_fill.Tensor", Make({Transposed(kF64, {2, 3}), T(kBool, {2, 1}), T(kF64, {})},
                                       {V(0), V(1), V(2)}, {}, "value gradient")},
  });
}

TEST(PointwiseGradientTest, BackwardOpsHaveDoubleBackward) {
  auto pair = [](TensorType a, TensorType b) { return std::vector<TensorType>{a, b}; };
  ExpectGradients({
      {"aten.threshold_backward.default",
       Make(pair(Transposed(kF64, {2, 3}), T(kF64, {3})), {V(0), V(1), F(0.5)}, {}, "broadcast")},
      {"aten.gelu_backward.default",
       Make(pair(T(kF64, {2, 1}), Transposed(kF64, {2, 3})), {V(0), V(1)}, {}, "erf, broadcast")},
      {"aten.gelu_backward.default",
       Make(pair(T(kF64, {2, 3}), Transposed(kF64, {2, 3})), {V(0), V(1)},
            {{"approximate", S("tanh")}}, "tanh", -3, 3)},
      {"aten.sigmoid_backward.default",
       Make(pair(Transposed(kF64, {2, 3}), T(kF64, {3})), {V(0), V(1)}, {}, "broadcast")},
      {"aten.tanh_backward.default",
       Make(pair(T(kF64, {3}), Transposed(kF64, {2, 3})), {V(0), V(1)}, {}, "broadcast")},
      {"aten.elu_backward.default",
       Make(pair(Transposed(kF64, {2, 3}), T(kF64, {2, 1})),
            {V(0), F(1.5), F(2), F(0.5), B(false), V(1)}, {}, "input, broadcast")},
      {"aten.elu_backward.default",
       Make(pair(T(kF64, {2, 3}), Transposed(kF64, {2, 3})),
            {V(0), F(1.5), F(2), F(0.5), B(true), V(1)}, {}, "result")},
      {"aten.leaky_relu_backward.default", Make(pair(Transposed(kF64, {2, 3}), T(kF64, {3})),
                                                {V(0), V(1), F(0.1), B(false)}, {}, "broadcast")},
      {"aten.hardtanh_backward.default", Make(pair(Transposed(kF64, {2, 3}), T(kF64, {1, 3})),
                                              {V(0), V(1), F(-1), F(1)}, {}, "broadcast")},
      {"aten.softplus_backward.default",
       Make(pair(T(kF64, {3}), Transposed(kF64, {2, 3})), {V(0), V(1), F(2), F(1)}, {},
            "broadcast, beta 2, threshold 1")},
      {"aten.silu_backward.default",
       Make(pair(Transposed(kF64, {2, 3}), T(kF64, {2, 1})), {V(0), V(1)}, {}, "broadcast")},
  });
}

TEST(PointwiseGradientTest, Conversions) {
  ExpectGradients({
      {"aten._to_copy.default", Make({Transposed(kF64, {2, 3})}, {V(0)}, {{"dtype", D(kF64)}})},
      {"aten._to_copy.default",
       Make({T(kF32, {2, 3})}, {V(0)}, {{"dtype", D(kF64)}}, "float32 to float64")},
      {"aten.to.dtype", Make({Transposed(kF64, {2, 3})}, {V(0), D(kF64), B(false), B(true)})},
      {"aten.fill.Scalar", Make({Transposed(kF64, {2, 3})}, {V(0), F(2)}, {}, "zero gradient")},
  });
}

// The gradient of a float32 value converted to float64 comes back float32.
TEST(PointwiseGradientTest, ConversionGradientKeepsInputDType) {
  absl::StatusOr<ir::Graph> g = testing::OneNodeGraph(
      "aten._to_copy.default", Make({T(kF32, {2})}, {V(0)}, {{"dtype", D(kF64)}}));
  ASSERT_TRUE(g.ok()) << g.status();
  absl::StatusOr<passes::JointGraph> joint = passes::BuildJointGraph(*g, 1);
  ASSERT_TRUE(joint.ok()) << joint.status();
  const ir::Graph& j = joint->graph;
  EXPECT_EQ(j.type(j.outputs().back()).dtype, kF32);
}

// Ops used in joint graphs, as functorch's graphs use them.
TEST(PointwiseGradientTest, FormulasUseTheATenBackwardOps) {
  auto joint_ops = [](const char* op, const Sample& sample) {
    std::vector<std::string> ops;
    absl::StatusOr<ir::Graph> g = testing::OneNodeGraph(op, sample);
    EXPECT_TRUE(g.ok()) << g.status();
    if (!g.ok()) return ops;
    absl::StatusOr<passes::JointGraph> joint = passes::BuildJointGraph(*g, 1);
    EXPECT_TRUE(joint.ok()) << joint.status();
    if (!joint.ok()) return ops;
    for (const ir::Node& n : joint->graph.nodes()) ops.push_back(n.op);
    return ops;
  };
  using Ops = std::vector<std::string>;
  EXPECT_EQ(joint_ops("aten.relu.default", Make({T(kF32, {3})}, {V(0)})),
            (Ops{"aten.relu.default", "aten.threshold_backward.default"}));
  EXPECT_EQ(joint_ops("aten.gelu.default", Make({T(kF32, {3})}, {V(0)})),
            (Ops{"aten.gelu.default", "aten.gelu_backward.default"}));
  EXPECT_EQ(joint_ops("aten.sigmoid.default", Make({T(kF32, {3})}, {V(0)})),
            (Ops{"aten.sigmoid.default", "aten.sigmoid_backward.default"}));
  // alpha 1 multiplies nothing; sub negates.
  EXPECT_EQ(joint_ops("aten.sub.Tensor", Make({T(kF32, {3}), T(kF32, {3})}, {V(0), V(1)})),
            (Ops{"aten.sub.Tensor", "aten.neg.default"}));
}

// ---------------------------------------------------------------------------
// Kernels.

TEST(PointwiseKernelTest, DivisionRoundingModes) {
  HostTensor a = H(kF64, {6}, {7, -7, 7, -7, 1, 0});
  HostTensor b = H(kF64, {6}, {2, 2, -2, -2, 0.1, 0});
  ExpectValues(Eval("aten.div.Tensor_mode", {a, b}, {V(0), V(1)}, {{"rounding_mode", S("trunc")}}),
               kF64, {6}, {3, -3, -3, 3, 10, kNaN});
  // Floor division is Python's //: 1 // 0.1 is 9.
  ExpectValues(Eval("aten.div.Tensor_mode", {a, b}, {V(0), V(1)}, {{"rounding_mode", S("floor")}}),
               kF64, {6}, {3, -4, -4, 3, 9, kNaN});
  ExpectValues(
      Eval("aten.div.Tensor_mode", {a, b}, {V(0), V(1)}, {{"rounding_mode", Argument::None()}}),
      kF64, {6}, {3.5, -3.5, -3.5, 3.5, 10, kNaN});
  ExpectValues(Eval("aten.div.Tensor", {H(kF32, {2}, {1, -1})}, {V(0), I(0)}), kF32, {2},
               {kInf, -kInf});

  HostTensor ia = H(kI64, {4}, {7, -7, 7, -7});
  HostTensor ib = H(kI64, {4}, {2, 2, -2, -2});
  ExpectValues(
      Eval("aten.div.Tensor_mode", {ia, ib}, {V(0), V(1)}, {{"rounding_mode", S("trunc")}}), kI64,
      {4}, {3, -3, -3, 3});
  ExpectValues(
      Eval("aten.div.Tensor_mode", {ia, ib}, {V(0), V(1)}, {{"rounding_mode", S("floor")}}), kI64,
      {4}, {3, -4, -4, 3});
  ExpectValues(Eval("aten.div.Tensor", {ia, ib}, {V(0), V(1)}), kF32, {4}, {3.5, -3.5, -3.5, 3.5});
  absl::StatusOr<HostTensor> by_zero = Eval("aten.div.Tensor_mode", {ia, H(kI64, {}, {0})},
                                            {V(0), V(1)}, {{"rounding_mode", S("floor")}});
  ASSERT_FALSE(by_zero.ok());
  EXPECT_NE(by_zero.status().message().find("ZeroDivisionError"), std::string::npos);
}

TEST(PointwiseKernelTest, MaskedFillKeepsInfinityForSoftmax) {
  HostTensor scores = H(kF32, {2, 3}, {1, 2, 3, 4, 5, 6});
  HostTensor mask = H(kBool, {1, 3}, {0, 1, 1});
  ExpectValues(Eval("aten.masked_fill.Scalar", {scores, mask}, {V(0), V(1), F(-kInf)}), kF32,
               {2, 3}, {1, -kInf, -kInf, 4, -kInf, -kInf});
  // The result has the broadcast shape of self and mask.
  ExpectValues(Eval("aten.masked_fill.Scalar", {H(kF32, {3}, {1, 2, 3}), H(kBool, {2, 1}, {1, 0})},
                    {V(0), V(1), F(kNaN)}),
               kF32, {2, 3}, {kNaN, kNaN, kNaN, 1, 2, 3});
  // The value is cast to self's dtype.
  ExpectValues(Eval("aten.masked_fill.Tensor",
                    {H(kI64, {3}, {1, 2, 3}), H(kBool, {3}, {1, 0, 1}), H(kF64, {}, {2.7})},
                    {V(0), V(1), V(2)}),
               kI64, {3}, {2, 2, 2});
}

TEST(PointwiseKernelTest, WherePromotesAndBroadcasts) {
  ExpectValues(Eval("aten.where.self",
                    {H(kBool, {2, 1}, {1, 0}), H(kI64, {3}, {1, 2, 3}), H(kF32, {}, {-kInf})},
                    {V(0), V(1), V(2)}),
               kF32, {2, 3}, {1, 2, 3, -kInf, -kInf, -kInf});
}

TEST(PointwiseKernelTest, ComparisonsComputeInThePromotedType) {
  // 0.1 as a Python float becomes float32 next to a float32 tensor.
  HostTensor tenth = H(kF32, {1}, {static_cast<float>(0.1)});
  ExpectValues(Eval("aten.eq.Scalar", {tenth}, {V(0), F(0.1)}), kBool, {1}, {1});
  // An integer tensor compared with 2.5 compares as float.
  ExpectValues(Eval("aten.lt.Scalar", {H(kI64, {3}, {2, 3, -1})}, {V(0), F(2.5)}), kBool, {3},
               {1, 0, 1});
  HostTensor x = H(kF64, {3}, {kNaN, 1, 2});
  HostTensor y = H(kF64, {3}, {kNaN, 1, 3});
  ExpectValues(Eval("aten.eq.Tensor", {x, y}, {V(0), V(1)}), kBool, {3}, {0, 1, 0});
  ExpectValues(Eval("aten.ne.Tensor", {x, y}, {V(0), V(1)}), kBool, {3}, {1, 0, 1});
  ExpectValues(Eval("aten.le.Tensor", {x, y}, {V(0), V(1)}), kBool, {3}, {0, 1, 1});
  ExpectValues(Eval("aten.gt.Scalar", {x}, {V(0), I(1)}), kBool, {3}, {0, 0, 1});
  ExpectValues(Eval("aten.ge.Tensor", {x, H(kF64, {1}, {1})}, {V(0), V(1)}), kBool, {3}, {0, 1, 1});
  // NaN is true for logic.
  ExpectValues(Eval("aten.logical_and.default", {x, H(kBool, {3}, {1, 1, 0})}, {V(0), V(1)}), kBool,
               {3}, {1, 1, 0});
  ExpectValues(
      Eval("aten.logical_or.default", {H(kF64, {2}, {0, 0}), H(kI64, {2}, {0, 5})}, {V(0), V(1)}),
      kBool, {2}, {0, 1});
  ExpectValues(Eval("aten.logical_not.default", {x}, {V(0)}), kBool, {3}, {0, 0, 0});
}

TEST(PointwiseKernelTest, MaximumMinimumAndClampPropagateNaN) {
  HostTensor x = H(kF32, {3}, {kNaN, 1, 5});
  HostTensor y = H(kF32, {3}, {0, kNaN, 2});
  ExpectValues(Eval("aten.maximum.default", {x, y}, {V(0), V(1)}), kF32, {3}, {kNaN, kNaN, 5});
  ExpectValues(Eval("aten.minimum.default", {x, y}, {V(0), V(1)}), kF32, {3}, {kNaN, kNaN, 2});
  ExpectValues(Eval("aten.clamp.default", {x}, {V(0), I(0), I(2)}), kF32, {3}, {kNaN, 1, 2});
  // min > max gives max.
  ExpectValues(Eval("aten.clamp.default", {x}, {V(0), I(3), I(2)}), kF32, {3}, {kNaN, 2, 2});
  // Bounds promote an integer tensor.
  ExpectValues(Eval("aten.clamp.default", {H(kI64, {3}, {-1, 0, 2})}, {V(0), F(-0.5)}), kF32, {3},
               {-0.5, 0, 2});
  ExpectValues(Eval("aten.clamp.Tensor",
                    {H(kF64, {3}, {-3, 0, 3}), H(kF64, {3}, {-1, -1, 5}), H(kF64, {}, {1})},
                    {V(0), V(1), V(2)}),
               kF64, {3}, {-1, 0, 1});
  // A missing bound clamps nothing, whatever the dtype.
  ExpectValues(Eval("aten.clamp.Tensor", {H(kI64, {3}, {-3, 0, 5}), H(kI64, {}, {2})},
                    {V(0), Argument::None(), V(1)}),
               kI64, {3}, {-3, 0, 2});
  // hardtanh keeps an integer dtype, truncating its bounds.
  ExpectValues(Eval("aten.hardtanh.default", {H(kI64, {3}, {-5, 0, 5})}, {V(0), F(-1.5), F(2.5)}),
               kI64, {3}, {-1, 0, 2});
}

TEST(PointwiseKernelTest, PowFollowsATenForIntegers) {
  ExpectValues(Eval("aten.pow.Tensor_Scalar", {H(kI64, {3}, {2, 3, -2})}, {V(0), I(2)}), kI64, {3},
               {4, 9, 4});
  ExpectValues(Eval("aten.pow.Tensor_Scalar", {H(kI64, {2}, {4, 9})}, {V(0), F(0.5)}), kF32, {2},
               {2, 3});
  ExpectValues(
      Eval("aten.pow.Tensor_Tensor",
           {H(kI64, {5}, {2, 1, -1, -1, 0}), H(kI64, {5}, {-1, -3, -3, -2, 0})}, {V(0), V(1)}),
      kI64, {5}, {0, 1, -1, 1, 1});
  ExpectValues(Eval("aten.pow.Scalar", {H(kI64, {3}, {0, 1, 3})}, {I(2), V(0)}), kI64, {3},
               {1, 2, 8});
  ExpectValues(Eval("aten.pow.Scalar", {H(kI64, {2}, {-1, 2})}, {F(2), V(0)}), kF32, {2}, {0.5, 4});
  ExpectValues(Eval("aten.pow.Tensor_Scalar", {H(kF64, {2}, {kNaN, 0})}, {V(0), I(0)}), kF64, {2},
               {1, 1});
}

TEST(PointwiseKernelTest, ActivationValues) {
  HostTensor x = H(kF64, {4}, {-1, 0, 1, kNaN});
  ExpectValues(Eval("aten.relu.default", {x}, {V(0)}), kF64, {4}, {0, 0, 1, kNaN});
  ExpectValues(Eval("aten.gelu.default", {x}, {V(0)}), kF64, {4},
               {-0.15865525393145707, 0, 0.8413447460685429, kNaN});
  ExpectValues(Eval("aten.gelu.default", {x}, {V(0)}, {{"approximate", S("tanh")}}), kF64, {4},
               {-0.15880800939172324, 0, 0.8411919906082768, kNaN});
  ExpectValues(Eval("aten.silu.default", {x}, {V(0)}), kF64, {4},
               {-0.2689414213699951, 0, 0.7310585786300049, kNaN});
  ExpectValues(Eval("aten.sigmoid.default", {H(kF32, {2}, {-kInf, kInf})}, {V(0)}), kF32, {2},
               {0, 1});
  ExpectValues(Eval("aten.elu.default", {x}, {V(0), F(2), F(3), F(0.5)}), kF64, {4},
               {6 * std::expm1(-0.5), 0, 3, kNaN});
  ExpectValues(Eval("aten.leaky_relu.default", {x}, {V(0), F(0.1)}), kF64, {4}, {-0.1, 0, 1, kNaN});
  // Above the threshold softplus is the identity.
  ExpectValues(Eval("aten.softplus.default", {H(kF64, {2}, {30, 0})}, {V(0)}), kF64, {2},
               {30, std::log(2.0)});
  ExpectValues(Eval("aten.softplus.default", {H(kF64, {2}, {3, 0})}, {V(0), I(2), I(5)}), kF64, {2},
               {3, std::log(2.0) / 2});
  ExpectValues(Eval("aten.sgn.default", {H(kF64, {4}, {-0.5, 0, 3, kNaN})}, {V(0)}), kF64, {4},
               {-1, 0, 1, 0});
  ExpectValues(Eval("aten.sigmoid.default", {H(kI64, {1}, {0})}, {V(0)}), kF32, {1}, {0.5});
  ExpectValues(Eval("aten.rsqrt.default", {H(kF32, {2}, {0, 4})}, {V(0)}), kF32, {2}, {kInf, 0.5});
  ExpectValues(Eval("aten.log.default", {H(kF32, {2}, {0, -1})}, {V(0)}), kF32, {2}, {-kInf, kNaN});
}

TEST(PointwiseKernelTest, BackwardOpValues) {
  HostTensor g = H(kF64, {3}, {2, 2, 2});
  HostTensor x = H(kF64, {3}, {-1, 0.5, 2});
  ExpectValues(Eval("aten.threshold_backward.default", {g, x}, {V(0), V(1), F(0.5)}), kF64, {3},
               {0, 0, 2});
  ExpectValues(Eval("aten.leaky_relu_backward.default", {g, x}, {V(0), V(1), F(0.1), B(false)}),
               kF64, {3}, {0.2, 2, 2});
  ExpectValues(Eval("aten.hardtanh_backward.default", {g, x}, {V(0), V(1), F(-1), F(1)}), kF64, {3},
               {0, 2, 0});
  ExpectValues(Eval("aten.sigmoid_backward.default", {g, x}, {V(0), V(1)}), kF64, {3},
               {-4, 0.5, -4});
  ExpectValues(Eval("aten.tanh_backward.default", {g, x}, {V(0), V(1)}), kF64, {3}, {0, 1.5, -6});
  ExpectValues(Eval("aten.elu_backward.default", {g, x}, {V(0), F(1), F(1), F(1), B(false), V(1)}),
               kF64, {3}, {2 * std::exp(-1.0), 2, 2});
  // With is_result, self_or_result is elu's output: d = input_scale (y + alpha scale).
  ExpectValues(Eval("aten.elu_backward.default", {g, x}, {V(0), F(1), F(1), F(1), B(true), V(1)}),
               kF64, {3}, {0, 2, 2});
}

TEST(PointwiseKernelTest, InPlaceOpsComputeTheNewValue) {
  // aten.add_.Tensor(num_batches_tracked, 1), as in the CNN workload.
  ExpectValues(Eval("aten.add_.Tensor", {H(kI64, {}, {4})}, {V(0), I(1)}), kI64, {}, {5});
  // float32 self with a float64 tensor: computed in float64, stored as float32.
  HostTensor self = H(kF32, {2}, {1, 1});
  HostTensor tiny = H(kF64, {2}, {1e-8, 3});
  ExpectValues(Eval("aten.add_.Tensor", {self, tiny}, {V(0), V(1)}, {{"alpha", I(2)}}), kF32, {2},
               {1, 7});
  ExpectValues(Eval("aten.mul_.Tensor", {H(kF32, {2, 2}, {1, 2, 3, 4}), H(kF32, {2}, {10, -1})},
                    {V(0), V(1)}),
               kF32, {2, 2}, {10, -2, 30, -4});
  ExpectValues(Eval("aten.relu_.default", {H(kF32, {2}, {-1, 1})}, {V(0)}), kF32, {2}, {0, 1});
  ExpectValues(Eval("aten.copy_.default",
                    {H(kI32, {2, 2}, {0, 0, 0, 0}), H(kF64, {2}, {1.9, -2.5})}, {V(0), V(1)}),
               kI32, {2, 2}, {1, -2, 1, -2});
  ExpectValues(Eval("aten.fill.Scalar", {H(kI64, {3}, {1, 2, 3})}, {V(0), F(2.5)}), kI64, {3},
               {2, 2, 2});
}

TEST(PointwiseKernelTest, Conversions) {
  HostTensor x = H(kF64, {4}, {1.7, -1.7, 0, kNaN});
  ExpectValues(Eval("aten._to_copy.default", {x}, {V(0)}, {{"dtype", D(kBool)}}), kBool, {4},
               {1, 1, 0, 1});
  ExpectValues(
      Eval("aten._to_copy.default", {H(kF64, {2}, {1.7, -1.7})}, {V(0)}, {{"dtype", D(kI32)}}),
      kI32, {2}, {1, -1});
  ExpectValues(Eval("aten.to.dtype", {H(kF64, {1}, {0.1})}, {V(0), D(kF32)}), kF32, {1},
               {static_cast<float>(0.1)});
  ExpectValues(Eval("aten._to_copy.default", {H(kF32, {1}, {3})}, {V(0)}), kF32, {1}, {3});
}

// ---------------------------------------------------------------------------
// Inference.

TEST(PointwiseInferTest, TypePromotionFollowsPyTorch) {
  auto dtype = [](const char* op, std::vector<TensorType> tensors, std::vector<Argument> args,
                  Kwargs kwargs = {}) {
    absl::StatusOr<TensorType> t = Infer(op, std::move(tensors), std::move(args), kwargs);
    EXPECT_TRUE(t.ok()) << op << ": " << t.status();
    return t.ok() ? t->dtype : DType::kUInt8;
  };
  // A Python float does not widen a float32 tensor; an int tensor becomes
  // float32; a 0-dim float64 tensor does not widen a float32 tensor.
  EXPECT_EQ(dtype("aten.add.Tensor", {T(kF32, {2})}, {V(0), F(1.5)}), kF32);
  EXPECT_EQ(dtype("aten.add.Tensor", {T(kI64, {2})}, {V(0), F(1.5)}), kF32);
  EXPECT_EQ(dtype("aten.add.Tensor", {T(kI32, {2})}, {V(0), I(1)}), kI32);
  EXPECT_EQ(dtype("aten.add.Tensor", {T(kF32, {2}), T(kF64, {})}, {V(0), V(1)}), kF32);
  EXPECT_EQ(dtype("aten.add.Tensor", {T(kF32, {2}), T(kF64, {2})}, {V(0), V(1)}), kF64);
  EXPECT_EQ(dtype("aten.add.Tensor", {T(DType::kUInt8, {2}), T(DType::kInt8, {2})}, {V(0), V(1)}),
            DType::kInt16);
  EXPECT_EQ(dtype("aten.add.Tensor", {T(kBool, {2}), T(kBool, {2})}, {V(0), V(1)}), kBool);
  EXPECT_EQ(dtype("aten.mul.Scalar", {T(kI32, {2})}, {V(0), F(0.5)}), kF32);
  EXPECT_EQ(
      dtype("aten.mul.Tensor", {T(DType::kFloat16, {2}), T(DType::kBFloat16, {2})}, {V(0), V(1)}),
      kF32);
  EXPECT_EQ(dtype("aten.div.Tensor", {T(kI64, {2}), T(kI64, {2})}, {V(0), V(1)}), kF32);
  EXPECT_EQ(dtype("aten.div.Scalar", {T(kI64, {2})}, {V(0), I(2)}), kF32);
  EXPECT_EQ(dtype("aten.div.Tensor_mode", {T(kI64, {2}), T(kI32, {2})}, {V(0), V(1)},
                  {{"rounding_mode", S("floor")}}),
            kI64);
  EXPECT_EQ(dtype("aten.div.Tensor_mode", {T(kI64, {2})}, {V(0), I(2)},
                  {{"rounding_mode", Argument::None()}}),
            kF32);
  EXPECT_EQ(dtype("aten.sigmoid.default", {T(kI64, {2})}, {V(0)}), kF32);
  EXPECT_EQ(dtype("aten.abs.default", {T(kI32, {2})}, {V(0)}), kI32);
  EXPECT_EQ(dtype("aten.reciprocal.default", {T(kBool, {2})}, {V(0)}), kF32);
  EXPECT_EQ(dtype("aten.logical_not.default", {T(kF32, {2})}, {V(0)}), kBool);
  EXPECT_EQ(dtype("aten.lt.Tensor", {T(kF32, {2}), T(kI64, {2})}, {V(0), V(1)}), kBool);
  EXPECT_EQ(dtype("aten.eq.Scalar", {T(kI64, {2})}, {V(0), F(0.5)}), kBool);
  EXPECT_EQ(dtype("aten.pow.Tensor_Scalar", {T(kI64, {2})}, {V(0), F(2)}), kF32);
  EXPECT_EQ(dtype("aten.pow.Tensor_Scalar", {T(kI64, {2})}, {V(0), I(2)}), kI64);
  EXPECT_EQ(dtype("aten.pow.Scalar", {T(kI32, {2})}, {F(2), V(0)}), kF32);
  EXPECT_EQ(dtype("aten.pow.Tensor_Tensor", {T(kF32, {2}), T(kF64, {})}, {V(0), V(1)}), kF32);
  EXPECT_EQ(dtype("aten.maximum.default", {T(kI64, {2}), T(kF32, {2})}, {V(0), V(1)}), kF32);
  EXPECT_EQ(
      dtype("aten.where.self", {T(kBool, {2}), T(kI64, {2}), T(kF32, {})}, {V(0), V(1), V(2)}),
      kF32);
  EXPECT_EQ(dtype("aten.masked_fill.Scalar", {T(kI64, {2}), T(kBool, {2})}, {V(0), V(1), F(0.5)}),
            kI64);
  EXPECT_EQ(dtype("aten.clamp.default", {T(kI64, {2})}, {V(0), I(0), F(0.5)}), kF32);
  EXPECT_EQ(dtype("aten.clamp.default", {T(kF32, {2})}, {V(0), I(0)}), kF32);
  EXPECT_EQ(dtype("aten.clamp.Tensor", {T(kF32, {2}), T(kF64, {2})}, {V(0), V(1)}), kF64);
  EXPECT_EQ(
      dtype("aten.threshold_backward.default", {T(kF32, {2}), T(kF32, {2})}, {V(0), V(1), I(0)}),
      kF32);
  EXPECT_EQ(
      dtype("aten._to_copy.default", {T(kF32, {2})}, {V(0)}, {{"dtype", D(DType::kBFloat16)}}),
      DType::kBFloat16);
  EXPECT_EQ(dtype("aten._to_copy.default", {T(kI32, {2})}, {V(0)}), kI32);
  EXPECT_EQ(dtype("aten.add_.Tensor", {T(kI64, {})}, {V(0), I(1)}), kI64);
  EXPECT_EQ(dtype("aten.add_.Tensor", {T(kF32, {2}), T(kF64, {2})}, {V(0), V(1)}), kF32);
}

TEST(PointwiseInferTest, ShapesAndStrides) {
  auto infer = [](const char* op, std::vector<TensorType> tensors, std::vector<Argument> args,
                  Kwargs kwargs = {}) {
    absl::StatusOr<TensorType> t = Infer(op, std::move(tensors), std::move(args), kwargs);
    EXPECT_TRUE(t.ok()) << op << ": " << t.status();
    return t.ok() ? *t : TensorType();
  };
  EXPECT_EQ(infer("aten.where.self", {T(kBool, {2, 1, 1}), T(kF32, {3, 1}), T(kF32, {4})},
                  {V(0), V(1), V(2)}),
            T(kF32, {2, 3, 4}));
  EXPECT_EQ(
      infer("aten.clamp.Tensor", {T(kF32, {3, 1}), T(kF32, {4})}, {V(0), Argument::None(), V(1)}),
      T(kF32, {3, 4}));
  EXPECT_EQ(infer("aten.masked_fill.Scalar", {T(kF32, {3}), T(kBool, {2, 1})}, {V(0), V(1), I(0)}),
            T(kF32, {2, 3}));
  EXPECT_EQ(infer("aten.eq.Scalar", {Transposed(kF32, {2, 3})}, {V(0), I(0)}), T(kBool, {2, 3}));
  EXPECT_EQ(infer("aten.pow.Scalar", {T(kF32, {2, 3})}, {F(2), V(0)}), T(kF32, {2, 3}));
  EXPECT_EQ(infer("aten.elu_backward.default", {T(kF32, {2, 3}), T(kF32, {3})},
                  {V(0), I(1), I(1), I(1), B(false), V(1)}),
            T(kF32, {2, 3}));
  // New results are contiguous, even from non-contiguous inputs.
  EXPECT_EQ(infer("aten.sigmoid.default", {Transposed(kF32, {2, 3})}, {V(0)}), T(kF32, {2, 3}));
  EXPECT_EQ(
      infer("aten._to_copy.default", {Transposed(kF32, {2, 3})}, {V(0)}, {{"dtype", D(kF64)}}),
      T(kF64, {2, 3}));
  // Explicit channels_last: channels innermost.
  TensorType nhwc = infer("aten._to_copy.default", {T(kF32, {2, 3, 4, 5})}, {V(0)},
                          {{"memory_format", Argument::MemoryFormat("channels_last")}});
  EXPECT_EQ(nhwc.strides, (Dims{60, 1, 15, 3}));
  // In-place ops and a no-op to.dtype return self, strides included.
  EXPECT_EQ(infer("aten.add_.Tensor", {Transposed(kF32, {2, 3}), T(kF32, {3})}, {V(0), V(1)}),
            Transposed(kF32, {2, 3}));
  EXPECT_EQ(infer("aten.relu_.default", {Transposed(kF32, {2, 3})}, {V(0)}),
            Transposed(kF32, {2, 3}));
  EXPECT_EQ(infer("aten.copy_.default", {Transposed(kF32, {2, 3}), T(kF64, {3})}, {V(0), V(1)}),
            Transposed(kF32, {2, 3}));
  EXPECT_EQ(infer("aten.to.dtype", {Transposed(kF32, {2, 3})}, {V(0), D(kF32)}),
            Transposed(kF32, {2, 3}));
  EXPECT_EQ(infer("aten.to.dtype", {Transposed(kF32, {2, 3})}, {V(0), D(kF32), B(false), B(true)}),
            T(kF32, {2, 3}));
}

TEST(PointwiseInferTest, Errors) {
  ExpectInvalid(Infer("aten.mul.Tensor", {T(kF64, {2, 3}), T(kF64, {4})}, {V(0), V(1)}),
                "shapes [2,3] and [4] do not broadcast");
  ExpectInvalid(
      Infer("aten.where.self", {T(kBool, {2}), T(kF32, {3}), T(kF32, {3})}, {V(0), V(1), V(2)}),
      "shapes [2] and [3] do not broadcast");
  ExpectInvalid(
      Infer("aten.where.self", {T(kF32, {2}), T(kF32, {2}), T(kF32, {2})}, {V(0), V(1), V(2)}),
      "condition to be a boolean tensor");
  ExpectInvalid(Infer("aten.eq.Tensor", {T(kF32, {2, 3}), T(kF32, {2})}, {V(0), V(1)}),
                "shapes [2,3] and [2] do not broadcast");
  ExpectInvalid(Infer("aten.add_.Tensor", {T(kF32, {3}), T(kF32, {2, 3})}, {V(0), V(1)}),
                "output with shape [3] doesn't match the broadcast shape [2,3]");
  ExpectInvalid(Infer("aten.add_.Tensor", {T(kI64, {3}), T(kF32, {3})}, {V(0), V(1)}),
                "result type float32 can't be cast to the desired output type int64");
  ExpectInvalid(Infer("aten.mul_.Tensor", {T(kF32, {3}), T(kF32, {2, 3})}, {V(0), V(1)}),
                "doesn't match the broadcast shape");
  ExpectInvalid(Infer("aten.copy_.default", {T(kF32, {3}), T(kF32, {2, 3})}, {V(0), V(1)}),
                "source of shape [2,3] does not broadcast to self's shape [3]");
  ExpectInvalid(
      Infer("aten.add.Tensor", {T(kI64, {3}), T(kI64, {3})}, {V(0), V(1)}, {{"alpha", F(0.5)}}),
      "alpha must not be a floating point number");
  ExpectInvalid(Infer("aten.sub.Tensor", {T(kBool, {3}), T(kBool, {3})}, {V(0), V(1)}),
                "with a bool tensor is not supported");
  ExpectInvalid(Infer("aten.rsub.Scalar", {T(kF32, {3})}, {V(0), B(true)}),
                "with a bool tensor is not supported");
  ExpectInvalid(Infer("aten.neg.default", {T(kBool, {3})}, {V(0)}), "bool tensor");
  ExpectInvalid(Infer("aten.pow.Tensor_Scalar", {T(kI64, {3})}, {V(0), I(-1)}),
                "negative integer powers");
  ExpectInvalid(
      Infer("aten.masked_fill.Scalar", {T(kF32, {3}), T(DType::kUInt8, {3})}, {V(0), V(1), I(0)}),
      "boolean masks");
  ExpectInvalid(Infer("aten.masked_fill.Scalar", {T(kF32, {3}), T(kBool, {4})}, {V(0), V(1), I(0)}),
                "shapes [3] and [4] do not broadcast");
  ExpectInvalid(Infer("aten.masked_fill.Tensor", {T(kF32, {3}), T(kBool, {3}), T(kF32, {1})},
                      {V(0), V(1), V(2)}),
                "0-dimensional value tensor");
  ExpectInvalid(Infer("aten.gelu.default", {T(kF32, {3})}, {V(0)}, {{"approximate", S("fast")}}),
                "approximate");
  ExpectInvalid(Infer("aten.gelu_backward.default", {T(kF32, {3}), T(kF32, {3})}, {V(0), V(1)},
                      {{"approximate", S("fast")}}),
                "approximate");
  ExpectInvalid(Infer("aten.gelu.default", {T(kI64, {3})}, {V(0)}), "floating-point");
  ExpectInvalid(Infer("aten.silu.default", {T(kI64, {3})}, {V(0)}), "floating-point");
  ExpectInvalid(Infer("aten.clamp.default", {T(kF32, {3})}, {V(0)}), "at least one");
  ExpectInvalid(Infer("aten.clamp.Tensor", {T(kF32, {3})}, {V(0)}), "at least one");
  ExpectInvalid(Infer("aten.clamp.Tensor", {T(kF32, {3}), T(kF32, {2})}, {V(0), V(1)}),
                "shapes [3] and [2] do not broadcast");
  ExpectInvalid(Infer("aten.hardtanh.default", {T(kBool, {3})}, {V(0)}), "bool");
  ExpectInvalid(Infer("aten.div.Tensor_mode", {T(kF32, {3}), T(kF32, {3})}, {V(0), V(1)},
                      {{"rounding_mode", S("round")}}),
                "rounding_mode");
  ExpectInvalid(Infer("aten._to_copy.default", {T(kF32, {2, 3})}, {V(0)},
                      {{"memory_format", Argument::MemoryFormat("channels_last")}}),
                "shape [2,3]");
  ExpectInvalid(Infer("aten._to_copy.default", {T(kF32, {2, 3})}, {V(0)},
                      {{"layout", Argument::Layout("sparse_coo")}}),
                "strided");
}

}  // namespace
}  // namespace aotd::ops
