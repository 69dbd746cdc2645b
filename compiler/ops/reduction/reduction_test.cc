// Reductions: result types, kernels, gradients (ties and zeros included).
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "compiler/ir/graph.h"
#include "compiler/ops/testing/op_check.h"
#include "compiler/passes/autograd.h"
#include "compiler/reference/evaluate.h"
#include "compiler/reference/host_tensor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace aotd::ops::testing {
namespace {

using ::testing::HasSubstr;

// The gradient of `input` when the result's gradient is all ones.
HostTensor GradientOf(const char* op, const HostTensor& input, std::vector<Argument> args) {
  absl::StatusOr<passes::JointGraph> joint =
      OneNodeJointGraph(op, {{T(input.dtype, input.shape)}, std::move(args)});
  EXPECT_TRUE(joint.ok()) << op << ": " << joint.status();
  if (!joint.ok()) return {};
  // The joint graph's first output is the forward's.
  const TensorType& out = joint->graph.type(joint->graph.outputs()[0]);
  HostTensor ones = HostTensor::Full(out.dtype, out.shape, 1);
  absl::StatusOr<std::vector<HostTensor>> values = reference::Evaluate(joint->graph, {input, ones});
  EXPECT_TRUE(values.ok()) << op << ": " << values.status();
  return values.ok() ? values->back() : HostTensor{};
}

TEST(ReductionTest, ResultTypes) {
  TensorType t =
      InferOne("aten.sum.dim_IntList", {{T(kF32, {2, 3, 4})}, {X(0), L({0, -1}), B(true)}});
  EXPECT_EQ(t.shape, (Dims{1, 3, 1}));
  EXPECT_EQ(t.dtype, kF32);
  t = InferOne("aten.sum.dim_IntList", {{T(kF32, {2, 3, 4})}, {X(0), L({-2})}});
  EXPECT_EQ(t.shape, (Dims{2, 4}));
  EXPECT_EQ(t.strides, (Dims{4, 1}));
  // None and [] reduce every dim.
  EXPECT_EQ(InferOne("aten.sum.dim_IntList", {{T(kF32, {2, 3})}, {X(0), None()}}).shape, Dims{});
  EXPECT_EQ(InferOne("aten.sum.dim_IntList", {{T(kF32, {2, 3})}, {X(0), L({}), B(true)}}).shape,
            (Dims{1, 1}));
  // Integer and bool sums and products are int64; dtype overrides.
  EXPECT_EQ(InferOne("aten.sum.dim_IntList", {{T(kI32, {2})}, {X(0), L({0})}}).dtype, kI64);
  EXPECT_EQ(InferOne("aten.sum.default", {{T(kBool, {2})}, {X(0)}}).dtype, kI64);
  EXPECT_EQ(InferOne("aten.prod.default", {{T(DType::kUInt8, {2})}, {X(0)}}).dtype, kI64);
  EXPECT_EQ(InferOne("aten.prod.dim_int", {{T(DType::kInt8, {2, 3})}, {X(0), I(-1)}}).shape,
            (Dims{2}));
  EXPECT_EQ(InferOne("aten.sum.default", {{T(kI32, {2})}, {X(0)}, WithDType(kF64)}).dtype, kF64);
  EXPECT_EQ(InferOne("aten.sum.default", {{T(DType::kFloat16, {2})}, {X(0)}}).dtype,
            DType::kFloat16);
  // mean needs a floating dtype, the input's or the one asked for.
  EXPECT_EQ(InferOne("aten.mean.dim", {{T(kI64, {2, 3})}, {X(0), L({1})}, WithDType(kF32)}).dtype,
            kF32);
  EXPECT_THAT(ErrorOf("aten.mean.default", {{T(kI64, {2})}, {X(0)}}), HasSubstr("int64"));
  EXPECT_THAT(
      ErrorOf("aten.var.correction", {{T(kI64, {2})}, {X(0), None()}, {{"correction", I(1)}}}),
      HasSubstr("int64"));
  EXPECT_EQ(InferOne("aten.var.dim", {{T(kF64, {2, 3})}, {X(0), L({0}), B(true), B(true)}}).shape,
            (Dims{1, 3}));
  EXPECT_EQ(InferOne("aten.amax.default", {{T(kI32, {2, 3})}, {X(0), L({1})}}).dtype, kI32);
  EXPECT_EQ(InferOne("aten.amin.default", {{T(kF32, {2, 3})}, {X(0)}}).shape, Dims{});
  // argmax: int64; dim None flattens, and keepdim keeps every dim as 1.
  t = InferOne("aten.argmax.default", {{T(kF32, {2, 3})}, {X(0), None(), B(true)}});
  EXPECT_EQ(t.dtype, kI64);
  EXPECT_EQ(t.shape, (Dims{1, 1}));
  EXPECT_EQ(InferOne("aten.argmax.default", {{T(kF32, {2, 3})}, {X(0), I(0)}}).shape, (Dims{3}));
  // 0-dim inputs accept dim 0 and -1.
  EXPECT_EQ(InferOne("aten.sum.dim_IntList", {{T(kF32, {})}, {X(0), L({-1}), B(true)}}).shape,
            Dims{});
}

TEST(ReductionTest, Errors) {
  std::string e = ErrorOf("aten.sum.dim_IntList", {{T(kF32, {2, 3})}, {X(0), L({2})}});
  EXPECT_THAT(e, HasSubstr("dim 2 out of range for a tensor of rank 2"));
  e = ErrorOf("aten.mean.dim", {{T(kF32, {2, 3})}, {X(0), L({1, -1})}});
  EXPECT_THAT(e, HasSubstr("twice"));
  e = ErrorOf("aten.amax.default", {{T(kF32, {2, 0})}, {X(0), L({1})}});
  EXPECT_THAT(e, HasSubstr("[2,0]"));
  e = ErrorOf("aten.argmax.default", {{T(kF32, {0, 3})}, {X(0)}});
  EXPECT_THAT(e, HasSubstr("[0,3]"));
}

TEST(ReductionTest, Kernels) {
  HostTensor x = Values(kF32, {2, 3}, {1, 5, 3, 4, 2, 6});
  HostTensor s = EvaluateOne("aten.sum.dim_IntList", {x}, {X(0), L({-1}), B(true)});
  EXPECT_EQ(s.shape, (Dims{2, 1}));
  EXPECT_EQ(s.data, (std::vector<double>{9, 12}));
  EXPECT_EQ(EvaluateOne("aten.sum.default", {Values(kBool, {3}, {1, 0, 1})}, {X(0)}).data,
            (std::vector<double>{2}));
  EXPECT_EQ(EvaluateOne("aten.mean.dim", {x}, {X(0), L({0})}).data,
            (std::vector<double>{2.5, 3.5, 4.5}));
  // Variance of {1, 5, 3}: squares sum to 8.
  HostTensor v = EvaluateOne("aten.var.correction", {x}, {X(0), L({1})}, {{"correction", I(0)}});
  EXPECT_NEAR(v.data[0], 8.0 / 3, 1e-6);
  v = EvaluateOne("aten.var.correction", {x}, {X(0), L({1})}, {{"correction", I(2)}});
  EXPECT_NEAR(v.data[0], 8.0, 1e-6);
  v = EvaluateOne("aten.var.correction", {x}, {X(0), L({1})}, {{"correction", None()}});  // 1.
  EXPECT_NEAR(v.data[0], 4.0, 1e-6);
  v = EvaluateOne("aten.var.dim", {x}, {X(0), L({1}), B(false)});
  EXPECT_NEAR(v.data[0], 8.0 / 3, 1e-6);
  EXPECT_EQ(EvaluateOne("aten.amax.default", {x}, {X(0), L({0})}).data,
            (std::vector<double>{4, 5, 6}));
  EXPECT_EQ(EvaluateOne("aten.amin.default", {x}, {X(0)}).data, (std::vector<double>{1}));
  EXPECT_TRUE(std::isnan(
      EvaluateOne("aten.amax.default", {Values(kF32, {3}, {1, kNaN, 2})}, {X(0)}).data[0]));
  // argmax: the first maximum; NaN counts as the maximum.
  EXPECT_EQ(EvaluateOne("aten.argmax.default", {Values(kF32, {4}, {1, 3, 3, 2})}, {X(0)}).data,
            (std::vector<double>{1}));
  EXPECT_EQ(EvaluateOne("aten.argmax.default", {Values(kF32, {3}, {1, kNaN, 2})}, {X(0)}).data,
            (std::vector<double>{1}));
  EXPECT_EQ(EvaluateOne("aten.argmax.default", {x}, {X(0), I(0), B(true)}).data,
            (std::vector<double>{1, 0, 1}));
  EXPECT_EQ(EvaluateOne("aten.argmax.default", {x}, {X(0)}).data, (std::vector<double>{5}));
  EXPECT_EQ(EvaluateOne("aten.prod.dim_int", {x}, {X(0), I(1)}).data,
            (std::vector<double>{15, 48}));
  EXPECT_EQ(EvaluateOne("aten.prod.default", {Values(kI32, {3}, {2, -3, 4})}, {X(0)}).data,
            (std::vector<double>{-24}));
}

TEST(ReductionTest, Gradients) {
  ExpectGradients({
      {"aten.sum.dim_IntList", {{T(kF64, {2, 3, 4})}, {X(0), L({0, -1})}}},
      {"aten.sum.dim_IntList",
       {{Transposed(kF64, {3, 4})}, {X(0), L({-2}), B(true)}, {}, -2, 2, "keepdim"}},
      {"aten.sum.dim_IntList", {{T(kF64, {2, 3})}, {X(0), None()}, {}, -2, 2, "all dims"}},
      {"aten.sum.default", {{Transposed(kF64, {2, 3})}, {X(0)}}},
      {"aten.mean.dim", {{T(kF64, {2, 3, 4})}, {X(0), L({1}), B(true)}}},
      {"aten.mean.dim", {{Transposed(kF64, {3, 4})}, {X(0), L({-1, 0})}}},
      {"aten.mean.default", {{Transposed(kF64, {2, 4})}, {X(0)}}},
      {"aten.amax.default", {{T(kF64, {3, 4})}, {X(0), L({-1})}}},
      {"aten.amax.default",
       {{Transposed(kF64, {3, 4})}, {X(0), L({0}), B(true)}, {}, -2, 2, "keepdim"}},
      {"aten.amin.default", {{Transposed(kF64, {2, 3})}, {X(0)}}},
      {"aten.var.correction", {{T(kF64, {3, 4})}, {X(0), L({1})}, {{"correction", None()}}}},
      {"aten.var.correction",
       {{Transposed(kF64, {3, 4})},
        {X(0), None()},
        {{"correction", I(0)}, {"keepdim", B(true)}},
        -2,
        2,
        "correction 0"}},
      {"aten.var.dim", {{T(kF64, {3, 4})}, {X(0), L({-2}), B(false), B(true)}}},
      {"aten.var.dim", {{Transposed(kF64, {3, 4})}, {X(0), L({0, 1})}}},
      {"aten.prod.default", {{Transposed(kF64, {2, 3})}, {X(0)}, {}, 0.5, 1.5}},
      {"aten.prod.dim_int",
       {{Transposed(kF64, {3, 4})}, {X(0), I(-1)}, {}, -2, 2, "non-contiguous"}},
      {"aten.prod.dim_int", {{T(kF64, {3, 4})}, {X(0), I(0), B(true)}, {}, -2, 2, "keepdim"}},
  });
}

TEST(ReductionTest, ExtremumGradientIsSharedAmongTies) {
  HostTensor g = GradientOf("aten.amax.default", Values(kF64, {4}, {1, 3, 3, 2}), {X(0)});
  EXPECT_EQ(g.data, (std::vector<double>{0, 0.5, 0.5, 0}));
  g = GradientOf("aten.amin.default", Values(kF64, {2, 3}, {1, 1, 1, 4, 2, 2}), {X(0), L({1})});
  EXPECT_EQ(g.data, (std::vector<double>{1.0 / 3, 1.0 / 3, 1.0 / 3, 0, 0.5, 0.5}));
}

TEST(ReductionTest, ProdGradientWithZeros) {
  // One zero: only it gets the product of the others. Two: nothing.
  HostTensor g = GradientOf("aten.prod.default", Values(kF64, {3}, {2, 0, 3}), {X(0)});
  EXPECT_EQ(g.data, (std::vector<double>{0, 6, 0}));
  g = GradientOf("aten.prod.default", Values(kF64, {3}, {0, 0, 3}), {X(0)});
  EXPECT_EQ(g.data, (std::vector<double>{0, 0, 0}));
  g = GradientOf("aten.prod.dim_int", Values(kF64, {2, 3}, {2, 0, 3, 1, 2, 3}), {X(0), I(-1)});
  EXPECT_EQ(g.data, (std::vector<double>{0, 6, 0, 6, 3, 2}));
}

TEST(ReductionTest, ArgmaxIsNotDifferentiable) {
  absl::StatusOr<passes::JointGraph> joint =
      OneNodeJointGraph("aten.argmax.default", {{T(kF64, {3})}, {X(0)}});
  ASSERT_TRUE(joint.ok()) << joint.status();
  EXPECT_TRUE(joint->tangent_outputs.empty());
}

TEST(ReductionTest, LogSumExpStdNormAndMaxDim) {
  ExpectGradients({
      {"aten.logsumexp.default", {{Transposed(kF64, {3, 4})}, {X(0), L({1})}}},
      {"aten.logsumexp.default", {{T(kF64, {2, 3, 2})}, {X(0), L({0, 2}), B(true)}}},
      {"aten.std.correction", {{Transposed(kF64, {3, 4})}, {X(0), L({1})}, {{"correction", I(1)}}}},
      {"aten.std.correction", {{T(kF64, {2, 5})}, {X(0), None()}, {{"correction", I(0)}}}},
      {"aten.norm.ScalarOpt_dim", {{Transposed(kF64, {3, 4})}, {X(0), F(2), L({1})}}},
      {"aten.norm.ScalarOpt_dim", {{T(kF64, {3, 4})}, {X(0), None(), L({}), B(true)}}},
      {"aten.norm.ScalarOpt_dim", {{T(kF64, {3, 4})}, {X(0), I(1), L({0})}}},
      {"aten.norm.ScalarOpt_dim", {{T(kF64, {3, 4})}, {X(0), F(3), L({0})}}},
      {"aten.norm.ScalarOpt_dim", {{T(kF64, {3, 4})}, {X(0), F(1.5), L({1})}}},
      {"aten.norm.ScalarOpt_dim", {{T(kF64, {3, 4})}, {X(0), F(kInf), L({1})}}},
      {"aten.max.dim", {{Transposed(kF64, {3, 4})}, {X(0), I(1)}, {}, -2, 2, "", {0}}},
      {"aten.max.dim", {{T(kF64, {3, 4})}, {X(0), I(0), B(true)}, {}, -2, 2, "", {0}}},
  });
  HostTensor x = Values(kF64, {2, 3}, {1, 5, 5, -kInf, -kInf, -kInf});
  std::vector<HostTensor> max = *Evaluate("aten.max.dim", {x}, {X(0), I(1)});
  EXPECT_EQ(max[0].data, std::vector<double>({5, -kInf}));
  EXPECT_EQ(max[1].data, std::vector<double>({1, 0}));
  HostTensor lse = EvaluateOne("aten.logsumexp.default", {x}, {X(0), L({1})});
  EXPECT_NEAR(lse.data[0], std::log(std::exp(1) + 2 * std::exp(5)), 1e-12);
  EXPECT_EQ(lse.data[1], -kInf);
  EXPECT_EQ(InferOne("aten.logsumexp.default", {{T(kI64, {2, 3})}, {X(0), L({0})}}),
            T(kF32, {3}));
  HostTensor n = EvaluateOne("aten.norm.ScalarOpt_dim", {Values(kF64, {2}, {3, -4})},
                             {X(0), None(), L({0})});
  EXPECT_EQ(n.data[0], 5);
  EXPECT_NE(ErrorOf("aten.norm.ScalarOpt_dim", {{T(kI64, {2})}, {X(0), None(), L({0})}}), "");
}

}  // namespace
}  // namespace aotd::ops::testing
