// nn ops: inference, kernels and finite-difference gradients.
#include <cmath>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "compiler/ir/graph.h"
#include "compiler/ir/text.h"
#include "compiler/ops/core/builder.h"
#include "compiler/ops/testing/op_check.h"
#include "compiler/passes/autograd.h"
#include "compiler/reference/host_tensor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace aotd::ops::testing {
namespace {

using ::testing::HasSubstr;

Argument Mask(bool a, bool b, bool c) { return Argument::List({B(a), B(b), B(c)}); }

void ExpectType(const TensorType& t, DType dtype, const Dims& shape) {
  EXPECT_EQ(t.dtype, dtype) << ir::PrintType(t);
  EXPECT_EQ(t.shape, shape) << ir::PrintType(t);
  EXPECT_EQ(t.strides, ir::ContiguousStrides(shape)) << ir::PrintType(t);
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

// ---- Matrix products ----

TEST(NnTest, MatmulInference) {
  absl::StatusOr<std::vector<TensorType>> r =
      Infer("aten.mm.default", {{T(kF32, {2, 3}), Transposed(kF32, {3, 4})}, {X(0), X(1)}});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectType((*r)[0], kF32, {2, 4});
  r = Infer(
      "aten.addmm.default",
      {{T(kF32, {4}), T(kF32, {2, 3}), T(kF32, {3, 4})}, {X(0), X(1), X(2)}, {{"beta", F(0.5)}}});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectType((*r)[0], kF32, {2, 4});
  r = Infer("aten.bmm.default", {{T(kI64, {5, 2, 3}), T(kI64, {5, 3, 4})}, {X(0), X(1)}});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectType((*r)[0], kI64, {5, 2, 4});

  EXPECT_THAT(ErrorOf("aten.mm.default", {{T(kF32, {2, 3}), T(kF32, {4, 5})}, {X(0), X(1)}}),
              HasSubstr("mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)"));
  EXPECT_THAT(ErrorOf("aten.mm.default", {{T(kF32, {2, 3}), T(kF32, {3})}, {X(0), X(1)}}),
              HasSubstr("[2,3] and [3]"));
  EXPECT_THAT(ErrorOf("aten.mm.default", {{T(kF32, {2, 3}), T(kF64, {3, 2})}, {X(0), X(1)}}),
              HasSubstr("float32 and float64"));
  EXPECT_THAT(ErrorOf("aten.addmm.default",
                      {{T(kF32, {3}), T(kF32, {2, 3}), T(kF32, {3, 4})}, {X(0), X(1), X(2)}}),
              HasSubstr("self of size [3] does not broadcast to the product's size [2,4]"));
  EXPECT_THAT(ErrorOf("aten.bmm.default", {{T(kF32, {5, 2, 3}), T(kF32, {4, 3, 4})}, {X(0), X(1)}}),
              HasSubstr("[5,2,3] and [4,3,4]"));
}

TEST(NnTest, AddmmKernelScalesAndIgnoresSelfWhenBetaIsZero) {
  HostTensor self = Values(kF64, {2}, {10, 20});
  HostTensor a = Values(kF64, {2, 2}, {1, 2, 3, 4}), b = Values(kF64, {2, 2}, {5, 6, 7, 8});
  absl::StatusOr<std::vector<HostTensor>> r = Evaluate(
      "aten.addmm.default", {self, a, b}, {X(0), X(1), X(2)}, {{"beta", F(0.5)}, {"alpha", I(2)}});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectValues((*r)[0], {2, 2}, {43, 54, 91, 110});
  r = Evaluate("aten.addmm.default", {Values(kF64, {2}, {kNaN, kNaN}), a, b}, {X(0), X(1), X(2)},
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
  absl::StatusOr<std::vector<TensorType>> r =
      Infer("aten.convolution.default",
            {{T(kF32, {2, 3, 8, 8}), T(kF32, {4, 3, 3, 3}), T(kF32, {4})},
             {X(0), X(1), X(2), L({1, 1}), L({1, 1}), L({1, 1}), B(false), L({0, 0}), I(1)}});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectType((*r)[0], kF32, {2, 4, 8, 8});
  // Stride 2, padding 1, dilation 2, groups 2, no bias: (7 + 2 - 5) / 2 + 1.
  r = Infer("aten.convolution.default",
            {{T(kF64, {1, 4, 7, 6}), T(kF64, {6, 2, 3, 2})},
             {X(0), X(1), None(), L({2}), L({1}), L({2}), B(false), L({0}), I(2)}});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectType((*r)[0], kF64, {1, 6, 3, 3});
  r = Infer("aten.convolution.default",
            {{T(kF32, {2, 3, 9}), T(kF32, {5, 3, 4})},
             {X(0), X(1), None(), L({2}), L({0}), L({1}), B(false), L({0}), I(1)}});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectType((*r)[0], kF32, {2, 5, 3});

  std::vector<Argument> args = {X(0),      X(1),     None(),    L({1, 1}), L({0, 0}),
                                L({1, 1}), B(false), L({0, 0}), I(1)};
  EXPECT_THAT(
      ErrorOf("aten.convolution.default", {{T(kF32, {2, 5, 8, 8}), T(kF32, {4, 3, 3, 3})}, args}),
      HasSubstr("Given groups=1, weight of size [4,3,3,3], expected input[2,5,8,8] to have 3 "
                "channels, but got 5 channels instead"));
  EXPECT_THAT(
      ErrorOf("aten.convolution.default", {{T(kF32, {2, 3, 2, 2}), T(kF32, {4, 3, 3, 3})}, args}),
      HasSubstr("Kernel size can't be greater than actual input size"));
  EXPECT_THAT(
      ErrorOf("aten.convolution.default", {{T(kF32, {2, 3, 8}), T(kF32, {4, 3, 3, 3})}, args}),
      HasSubstr("expected weight of rank 3"));
  EXPECT_THAT(
      ErrorOf("aten.convolution.default",
              {{T(kF32, {2, 3, 8, 8}), T(kF32, {4, 3, 3, 3}), T(kF32, {5})},
               {X(0), X(1), X(2), L({1, 1}), L({0, 0}), L({1, 1}), B(false), L({0, 0}), I(1)}}),
      HasSubstr("expected bias to be 1-dimensional with 4 elements, but got bias of size [5]"));
  EXPECT_THAT(ErrorOf("aten.convolution.default", {{T(kF32, {2, 4, 8, 8}), T(kF32, {3, 2, 3, 3})},
                                                   {X(0), X(1), None(), L({1, 1}), L({0, 0}),
                                                    L({1, 1}), B(false), L({0, 0}), I(2)}}),
              HasSubstr("expected weight to be divisible by 2"));
  EXPECT_THAT(ErrorOf("aten.convolution.default", {{T(kF32, {2, 3, 8, 8}), T(kF32, {4, 3, 3, 3})},
                                                   {X(0), X(1), None(), L({0, 1}), L({0, 0}),
                                                    L({1, 1}), B(false), L({0, 0}), I(1)}}),
              HasSubstr("non-positive stride"));
  EXPECT_THAT(
      ErrorOf("aten.convolution.default", {{T(kF32, {2, 3, 8, 8}), T(kF64, {4, 3, 3, 3})}, args}),
      HasSubstr("float32 and float64"));
  EXPECT_THAT(
      ErrorOf("aten.convolution.default", {{T(kI64, {2, 3, 8, 8}), T(kI64, {4, 3, 3, 3})}, args}),
      HasSubstr("must be floating point"));
}

TEST(NnTest, TransposedConvolutionInference) {
  // ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2):
  // (3 - 1) * 2 - 2 + 2 + 1 + 1.
  absl::StatusOr<std::vector<TensorType>> r =
      Infer("aten.convolution.default",
            {{T(kF32, {2, 4, 3, 3}), T(kF32, {4, 3, 3, 3}), T(kF32, {6})},
             {X(0), X(1), X(2), L({2, 2}), L({1, 1}), L({1, 1}), B(true), L({1, 1}), I(2)}});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectType((*r)[0], kF32, {2, 6, 6, 6});
  // Output padding below the dilation, one-value lists, 1-d: 4 + 4 + 1 + 1.
  r = Infer("aten.convolution.default",
            {{T(kF64, {1, 3, 5}), T(kF64, {3, 2, 3})},
             {X(0), X(1), None(), L({1}), L({0}), L({2}), B(true), L({1}), I(1)}});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectType((*r)[0], kF64, {1, 2, 10});
  r = Infer("aten.convolution_backward.default",
            {{T(kF32, {2, 6, 6, 6}), T(kF32, {2, 4, 3, 3}), T(kF32, {4, 3, 3, 3})},
             {X(0), X(1), X(2), L({6}), L({2, 2}), L({1, 1}), L({1, 1}), B(true), L({1, 1}), I(2),
              Mask(true, true, true)}});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectType((*r)[0], kF32, {2, 4, 3, 3});
  ExpectType((*r)[1], kF32, {4, 3, 3, 3});
  ExpectType((*r)[2], kF32, {6});

  auto transposed = [](Dims stride, Dims padding, Dims output_padding, int64_t groups) {
    return std::vector<Argument>{X(0),    X(1),    None(),            L(stride),  L(padding),
                                 L({1, 1}), B(true), L(output_padding), I(groups)};
  };
  // The messages are PyTorch 1.13's.
  EXPECT_THAT(ErrorOf("aten.convolution.default", {{T(kF32, {1, 4, 3, 3}), T(kF32, {3, 2, 3, 3})},
                                                   transposed({1, 1}, {0, 0}, {0, 0}, 1)}),
              HasSubstr("Given transposed=1, weight of size [3,2,3,3], expected input[1,4,3,3] "
                        "to have 3 channels, but got 4 channels instead"));
  EXPECT_THAT(ErrorOf("aten.convolution.default", {{T(kF32, {1, 3, 3, 3}), T(kF32, {3, 2, 3, 3})},
                                                   transposed({1, 1}, {0, 0}, {0, 0}, 2)}),
              HasSubstr("Given groups=2, expected weight to be divisible by 2 at dimension 0"));
  EXPECT_THAT(ErrorOf("aten.convolution.default",
                      {{T(kF32, {1, 4, 3, 3}), T(kF32, {4, 2, 3, 3}), T(kF32, {3})},
                       {X(0), X(1), X(2), L({1, 1}), L({0, 0}), L({1, 1}), B(true), L({0, 0}),
                        I(1)}}),
              HasSubstr("Given transposed=1, Given weight of size [4,2,3,3], expected bias to be "
                        "1-dimensional with 2 elements, but got bias of size [3] instead"));
  EXPECT_THAT(ErrorOf("aten.convolution.default", {{T(kF32, {1, 4, 3, 3}), T(kF32, {4, 2, 3, 3})},
                                                   transposed({2, 2}, {0, 0}, {2, 2}, 1)}),
              HasSubstr("output padding must be smaller than either stride or dilation"));
  EXPECT_THAT(ErrorOf("aten.convolution.default", {{T(kF32, {1, 4, 3, 3}), T(kF32, {4, 2, 3, 3})},
                                                   transposed({1, 1}, {0, 0}, {-1, 0}, 1)}),
              HasSubstr("negative output_padding is not supported"));
  EXPECT_THAT(ErrorOf("aten.convolution.default", {{T(kF32, {1, 4, 1, 1}), T(kF32, {4, 2, 1, 1})},
                                                   transposed({1, 1}, {1, 1}, {0, 0}, 1)}),
              HasSubstr("Given input size per channel: (1 x 1). Calculated output size per "
                        "channel: (-1 x -1). Output size is too small"));
  EXPECT_THAT(ErrorOf("aten.convolution.default", {{T(kF32, {1, 4, 3, 3}), T(kF32, {4, 2, 3, 3})},
                                                   transposed({1, 1}, {0, 0}, {0, 0, 0}, 1)}),
              HasSubstr("expected output_padding to have 2 values"));
}

TEST(NnTest, ConvolutionBackwardInferenceFollowsMask) {
  absl::StatusOr<std::vector<TensorType>> r =
      Infer("aten.convolution_backward.default",
            {{T(kF32, {2, 4, 8, 8}), T(kF32, {2, 3, 8, 8}), T(kF32, {4, 3, 3, 3})},
             {X(0), X(1), X(2), L({4}), L({1, 1}), L({1, 1}), L({1, 1}), B(false), L({0, 0}), I(1),
              Mask(false, true, true)}});
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->size(), 3u);
  ExpectType((*r)[0], kF32, {0});
  ExpectType((*r)[1], kF32, {4, 3, 3, 3});
  ExpectType((*r)[2], kF32, {4});
  EXPECT_THAT(
      ErrorOf("aten.convolution_backward.default",
              {{T(kF32, {2, 4, 6, 6}), T(kF32, {2, 3, 8, 8}), T(kF32, {4, 3, 3, 3})},
               {X(0), X(1), X(2), None(), L({1, 1}), L({1, 1}), L({1, 1}), B(false), L({0, 0}),
                I(1), Mask(true, true, false)}}),
      HasSubstr("grad_output of size [2,4,6,6] does not match the convolution's output size "
                "[2,4,8,8]"));
}

TEST(NnTest, ConvolutionKernel) {
  HostTensor x = Values(kF64, {1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  HostTensor w = Values(kF64, {1, 1, 2, 2}, {1, 1, 1, 1});
  auto conv = [&](Argument bias, Dims stride, Dims padding, Dims dilation) {
    std::vector<HostTensor> in = {x, w};
    if (bias.is_value()) in.push_back(Values(kF64, {1}, {0.5}));
    absl::StatusOr<std::vector<HostTensor>> r =
        Evaluate("aten.convolution.default", in,
                 {X(0), X(1), bias, L(stride), L(padding), L(dilation), B(false), L({0, 0}), I(1)});
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? (*r)[0] : HostTensor();
  };
  ExpectValues(conv(X(2), {1, 1}, {0, 0}, {1, 1}), {1, 1, 2, 2}, {12.5, 16.5, 24.5, 28.5});
  ExpectValues(conv(None(), {2, 2}, {1, 1}, {1, 1}), {1, 1, 2, 2}, {1, 5, 11, 28});
  ExpectValues(conv(None(), {1, 1}, {0, 0}, {2, 2}), {1, 1, 1, 1}, {1 + 3 + 7 + 9});

  // Groups: each output channel sees only its group's input channel.
  absl::StatusOr<std::vector<HostTensor>> r =
      Evaluate("aten.convolution.default",
               {Values(kF64, {1, 2, 1, 1}, {2, 3}), Values(kF64, {2, 1, 1, 1}, {10, 100})},
               {X(0), X(1), None(), L({1, 1}), L({0, 0}), L({1, 1}), B(false), L({0, 0}), I(2)});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectValues((*r)[0], {1, 2, 1, 1}, {20, 300});

  // Backward: each input pixel collects one term per window covering it.
  r = Evaluate("aten.convolution_backward.default",
               {Values(kF64, {1, 1, 2, 2}, {1, 1, 1, 1}), x, w},
               {X(0), X(1), X(2), L({1}), L({1, 1}), L({0, 0}), L({1, 1}), B(false), L({0, 0}),
                I(1), Mask(true, true, true)});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectValues((*r)[0], {1, 1, 3, 3}, {1, 2, 1, 2, 4, 2, 1, 2, 1});
  ExpectValues((*r)[1], {1, 1, 2, 2}, {12, 16, 24, 28});
  ExpectValues((*r)[2], {1}, {4});
  r = Evaluate("aten.convolution_backward.default",
               {Values(kF64, {1, 1, 2, 2}, {1, 1, 1, 1}), x, w},
               {X(0), X(1), X(2), None(), L({1, 1}), L({0, 0}), L({1, 1}), B(false), L({0, 0}),
                I(1), Mask(true, false, false)});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectValues((*r)[1], {0}, {});
  ExpectValues((*r)[2], {0}, {});
}

// Values from torch.nn.functional.conv_transpose{1,2}d (PyTorch 1.13).
TEST(NnTest, TransposedConvolutionKernelMatchesPyTorch) {
  HostTensor x = Values(kF64, {1, 1, 2, 2}, {0, 1, 2, 3});
  HostTensor w = Values(kF64, {1, 1, 2, 2}, {1, 2, 3, 4});
  // stride 2, padding 1, output_padding 1, bias 0.5.
  absl::StatusOr<std::vector<HostTensor>> r =
      Evaluate("aten.convolution.default", {x, w, Values(kF64, {1}, {0.5})},
               {X(0), X(1), X(2), L({2, 2}), L({1, 1}), L({1, 1}), B(true), L({1, 1}), I(1)});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectValues((*r)[0], {1, 1, 3, 3}, {0.5, 3.5, 4.5, 4.5, 3.5, 6.5, 8.5, 9.5, 12.5});
  // dilation 2, output_padding 1 (below the dilation, not the stride).
  r = Evaluate("aten.convolution.default", {x, w},
               {X(0), X(1), None(), L({1, 1}), L({0, 0}), L({2, 2}), B(true), L({1, 1}), I(1)});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectValues((*r)[0], {1, 1, 5, 5}, {0, 1, 0, 2, 0, 2, 3, 4, 6, 0, 0, 3, 0, 4, 0,
                                       6, 9, 8, 12, 0, 0, 0, 0, 0, 0});
  // 1-d, groups 2, stride 2.
  r = Evaluate("aten.convolution.default",
               {Values(kF64, {1, 2, 3}, {0, 1, 2, 3, 4, 5}),
                Values(kF64, {2, 1, 3}, {1, 2, 3, 4, 5, 6})},
               {X(0), X(1), None(), L({2}), L({0}), L({1}), B(true), L({0}), I(2)});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectValues((*r)[0], {1, 2, 7}, {0, 0, 1, 2, 5, 4, 6, 12, 15, 34, 20, 44, 25, 30});

  // Backward: grad_input is the convolution of grad_output, grad_bias its
  // channel sums.
  r = Evaluate("aten.convolution_backward.default",
               {Values(kF64, {1, 1, 3, 3}, {1, 1, 1, 1, 1, 1, 1, 1, 1}), x, w},
               {X(0), X(1), X(2), L({1}), L({2, 2}), L({1, 1}), L({1, 1}), B(true), L({1, 1}),
                I(1), Mask(true, true, true)});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectValues((*r)[0], {1, 1, 2, 2}, {4, 7, 6, 10});
  ExpectValues((*r)[1], {1, 1, 2, 2}, {3, 5, 4, 6});
  ExpectValues((*r)[2], {1}, {9});
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

TEST(NnTest, TransposedConvolutionGradients) {
  ExpectGradients({
      {"aten.convolution.default",
       {{T(kF64, {2, 4, 3, 2}), Transposed(kF64, {4, 3, 3, 2}), T(kF64, {6})},
        {X(0), X(1), X(2), L({2, 3}), L({1, 0}), L({1, 2}), B(true), L({1, 2}), I(2)},
        {},
        -2,
        2,
        "stride, padding, output_padding, dilation, groups, non-contiguous weight"}},
      {"aten.convolution.default",
       {{Transposed(kF64, {2, 3, 4}), T(kF64, {3, 2, 3})},
        {X(0), X(1), None(), L({1}), L({0}), L({2}), B(true), L({1}), I(1)},
        {},
        -2,
        2,
        "1-d, output_padding below the dilation, non-contiguous input"}},
      {"aten.convolution.default",
       {{T(kF64, {1, 2, 2, 2, 2}), T(kF64, {2, 1, 2, 2, 2}), T(kF64, {1})},
        {X(0), X(1), X(2), L({2}), L({1}), L({1}), B(true), L({1}), I(1)},
        {},
        -2,
        2,
        "3-d"}},
      {"aten.convolution_backward.default",
       {{T(kF64, {1, 4, 3, 3}), T(kF64, {1, 2, 2, 2}), T(kF64, {2, 2, 2, 2})},
        {X(0), X(1), X(2), L({4}), L({2, 2}), L({1, 1}), L({1, 1}), B(true), L({1, 1}), I(2),
         Mask(true, true, true)},
        {},
        -2,
        2,
        "double backward, groups, output_padding"}},
      {"aten.convolution_backward.default",
       {{Transposed(kF64, {2, 2, 5, 4}), T(kF64, {2, 3, 2, 2}), T(kF64, {3, 2, 3, 2})},
        {X(0), X(1), X(2), None(), L({2, 2}), L({0, 1}), L({1, 2}), B(true), L({0, 1}), I(1),
         Mask(true, false, true)},
        {},
        -2,
        2,
        "double backward, mask, non-contiguous"}},
  });
}

// ---- Pooling ----

TEST(NnTest, PoolingInference) {
  // The c_cnn workload: stride defaults to the kernel size.
  absl::StatusOr<std::vector<TensorType>> r =
      Infer("aten.max_pool2d_with_indices.default", {{T(kF32, {2, 4, 8, 8})}, {X(0), L({2, 2})}});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectType((*r)[0], kF32, {2, 4, 4, 4});
  ExpectType((*r)[1], kI64, {2, 4, 4, 4});
  // ceil_mode: (5 + 2 - 3 + 1) / 2 + 1 = 3 windows; 3-d input.
  r = Infer("aten.max_pool2d_with_indices.default",
            {{T(kF32, {3, 5, 6})}, {X(0), L({3, 3}), L({2, 2}), L({1, 1}), L({1, 1}), B(true)}});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectType((*r)[0], kF32, {3, 3, 4});
  // The last window would start in the right padding: dropped.
  r = Infer("aten.avg_pool2d.default",
            {{T(kF32, {1, 1, 5, 5})}, {X(0), L({2, 2}), L({3, 3}), L({1, 1}), B(true)}});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectType((*r)[0], kF32, {1, 1, 2, 2});
  r = Infer("aten._adaptive_avg_pool2d.default", {{T(kF32, {2, 3, 7, 5})}, {X(0), L({3, 2})}});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectType((*r)[0], kF32, {2, 3, 3, 2});

  EXPECT_THAT(ErrorOf("aten.max_pool2d_with_indices.default",
                      {{T(kF32, {2, 4, 8, 8})}, {X(0), L({2, 2}), L({}), L({2, 2})}}),
              HasSubstr("pad should be"));
  EXPECT_THAT(
      ErrorOf("aten.max_pool2d_with_indices.default", {{T(kF32, {2, 4, 2, 2})}, {X(0), L({3, 3})}}),
      HasSubstr("Output size is too small"));
  EXPECT_THAT(
      ErrorOf("aten.max_pool2d_with_indices.default", {{T(kF32, {8, 8})}, {X(0), L({2, 2})}}),
      HasSubstr("got input of size [8,8]"));
  EXPECT_THAT(
      ErrorOf("aten.max_pool2d_with_indices.default", {{T(kI64, {1, 8, 8})}, {X(0), L({2, 2})}}),
      HasSubstr("must be floating point"));
  EXPECT_THAT(ErrorOf("aten.avg_pool2d.default",
                      {{T(kF32, {1, 1, 4, 4})},
                       {X(0), L({2, 2}), L({}), L({0, 0}), B(false), B(true), I(0)}}),
              HasSubstr("divisor must be not zero"));
  EXPECT_THAT(
      ErrorOf("aten.avg_pool2d.default", {{T(kF32, {1, 1, 4, 4})}, {X(0), L({2, 2}), L({0, 1})}}),
      HasSubstr("stride should be greater than zero"));
  EXPECT_THAT(ErrorOf("aten.max_pool2d_with_indices_backward.default",
                      {{T(kF32, {1, 1, 3, 3}), T(kF32, {1, 1, 4, 4}), T(kI64, {1, 1, 2, 2})},
                       {X(0), X(1), L({2, 2}), L({}), L({0, 0}), L({1, 1}), B(false), X(2)}}),
              HasSubstr("grad_output of size [1,1,3,3] does not match the size [1,1,2,2]"));
  EXPECT_THAT(
      ErrorOf("aten._adaptive_avg_pool2d.default", {{T(kF32, {2, 0, 7, 5})}, {X(0), L({3, 2})}}),
      HasSubstr("got input of size [2,0,7,5]"));
}

TEST(NnTest, MaxPoolKernel) {
  HostTensor x = Values(kF64, {1, 1, 3, 3}, {1, 5, 2, 7, 3, 9, 4, 8, 6});
  auto pool = [&](const HostTensor& in, std::vector<Argument> args) {
    absl::StatusOr<std::vector<HostTensor>> r =
        Evaluate("aten.max_pool2d_with_indices.default", {in}, args);
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
  r = pool(Values(kF64, {1, 2, 2}, {1, kNaN, 3, 2}), {X(0), L({2, 2})});
  ExpectValues(r[0], {1, 1, 1}, {kNaN});
  ExpectValues(r[1], {1, 1, 1}, {1});

  absl::StatusOr<std::vector<HostTensor>> g = Evaluate(
      "aten.max_pool2d_with_indices_backward.default",
      {Values(kF64, {1, 1, 2, 2}, {1, 2, 3, 4}), x, Values(kI64, {1, 1, 2, 2}, {3, 5, 7, 5})},
      {X(0), X(1), L({3, 3}), L({2, 2}), L({1, 1}), L({1, 1}), B(false), X(2)});
  ASSERT_TRUE(g.ok()) << g.status();
  ExpectValues((*g)[0], {1, 1, 3, 3}, {0, 0, 0, 1, 0, 2 + 4, 0, 3, 0});
}

TEST(NnTest, AvgPoolKernel) {
  HostTensor x = Values(kF64, {1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  auto pool = [&](const HostTensor& in, std::vector<Argument> args) {
    absl::StatusOr<std::vector<HostTensor>> r = Evaluate("aten.avg_pool2d.default", {in}, args);
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
  ExpectValues(pool(Values(kI64, {1, 2, 2}, {1, 2, 4, 6}), {X(0), L({2, 2})}), {1, 1, 1}, {3});

  absl::StatusOr<std::vector<HostTensor>> g =
      Evaluate("aten.avg_pool2d_backward.default", {Values(kF64, {1, 1, 2, 2}, {1, 1, 1, 1}), x},
               {X(0), X(1), L({2, 2}), L({2, 2}), L({1, 1}), B(false), B(false), None()});
  ASSERT_TRUE(g.ok()) << g.status();
  ExpectValues((*g)[0], {1, 1, 3, 3}, {1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.5, 0.25, 0.25});

  // Adaptive windows overlap: [0, 2) and [1, 3).
  absl::StatusOr<std::vector<HostTensor>> a =
      Evaluate("aten._adaptive_avg_pool2d.default", {Values(kF64, {1, 1, 1, 3}, {1, 2, 4})},
               {X(0), L({1, 2})});
  ASSERT_TRUE(a.ok()) << a.status();
  ExpectValues((*a)[0], {1, 1, 1, 2}, {1.5, 3});
  a = Evaluate("aten._adaptive_avg_pool2d_backward.default",
               {Values(kF64, {1, 1, 1, 2}, {1, 1}), Values(kF64, {1, 1, 1, 3}, {1, 2, 4})},
               {X(0), X(1)});
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
      Infer("aten.native_layer_norm.default", {{T(kF32, {64, 512}), T(kF32, {512}), T(kF32, {512})},
                                               {X(0), L({512}), X(1), X(2), F(1e-5)}});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectType((*r)[0], kF32, {64, 512});
  ExpectType((*r)[1], kF32, {64, 1});
  ExpectType((*r)[2], kF32, {64, 1});
  EXPECT_EQ((*r)[1].strides, (Dims{1, 1}));
  r = Infer("aten.native_layer_norm.default",
            {{T(kF64, {2, 3, 4, 5})}, {X(0), L({4, 5}), None(), None(), F(1e-5)}});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectType((*r)[1], kF64, {2, 3, 1, 1});
  r = Infer("aten.native_layer_norm_backward.default",
            {{T(kF32, {6, 4}), T(kF32, {6, 4}), T(kF32, {6, 1}), T(kF32, {6, 1}), T(kF32, {4})},
             {X(0), X(1), L({4}), X(2), X(3), X(4), None(), Mask(true, true, false)}});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectType((*r)[0], kF32, {6, 4});
  ExpectType((*r)[1], kF32, {4});
  ExpectType((*r)[2], kF32, {0});

  // Batch norm: saved statistics per channel when training, empty in eval.
  std::vector<TensorType> bn = {T(kF32, {2, 4, 8, 8}), T(kF32, {4}), T(kF32, {4}), T(kF32, {4}),
                                T(kF32, {4})};
  r = Infer("aten.native_batch_norm.default",
            {bn, {X(0), X(1), X(2), X(3), X(4), B(true), F(0.1), F(1e-5)}});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectType((*r)[0], kF32, {2, 4, 8, 8});
  ExpectType((*r)[1], kF32, {4});
  ExpectType((*r)[2], kF32, {4});
  r = Infer("aten.native_batch_norm.default",
            {bn, {X(0), X(1), X(2), X(3), X(4), B(false), F(0.1), F(1e-5)}});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectType((*r)[1], kF32, {0});
  ExpectType((*r)[2], kF32, {0});
  r = Infer("aten.native_batch_norm_backward.default",
            {{T(kF32, {2, 4, 3}), T(kF32, {2, 4, 3}), T(kF32, {4}), T(kF32, {4})},
             {X(0), X(1), None(), None(), None(), X(2), X(3), B(true), F(1e-5),
              Mask(true, false, true)}});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectType((*r)[0], kF32, {2, 4, 3});
  ExpectType((*r)[1], kF32, {0});
  ExpectType((*r)[2], kF32, {4});

  EXPECT_THAT(
      ErrorOf("aten.native_layer_norm.default",
              {{T(kF32, {64, 256})}, {X(0), L({512}), None(), None(), F(1e-5)}}),
      HasSubstr("Given normalized_shape=[512], expected input with shape [*, 512], but got input "
                "of size [64,256]"));
  EXPECT_THAT(ErrorOf("aten.native_layer_norm.default", {{T(kF32, {64, 512}), T(kF32, {256})},
                                                         {X(0), L({512}), X(1), None(), F(1e-5)}}),
              HasSubstr("weight of shape [256]"));
  EXPECT_THAT(ErrorOf("aten.native_batch_norm.default",
                      {{T(kF32, {2, 4, 8}), T(kF32, {5})},
                       {X(0), X(1), None(), None(), None(), B(true), F(0.1), F(1e-5)}}),
              HasSubstr("weight should contain 4 elements not 5"));
  EXPECT_THAT(ErrorOf("aten.native_batch_norm.default",
                      {{T(kF32, {2, 4, 8})},
                       {X(0), None(), None(), None(), None(), B(false), F(0.1), F(1e-5)}}),
              HasSubstr("must be defined in evaluation mode"));
}

TEST(NnTest, NormalizationKernels) {
  absl::StatusOr<std::vector<HostTensor>> r = Evaluate(
      "aten.native_layer_norm.default",
      {Values(kF64, {2, 2}, {1, 3, 2, 2}), Values(kF64, {2}, {2, 1}), Values(kF64, {2}, {0, 10})},
      {X(0), L({2}), X(1), X(2), F(1e-5)});
  ASSERT_TRUE(r.ok()) << r.status();
  double r0 = 1 / std::sqrt(1 + 1e-5), r1 = 1 / std::sqrt(1e-5);
  ExpectValues((*r)[0], {2, 2}, {-2 * r0, r0 + 10, 0, 10});
  ExpectValues((*r)[1], {2, 1}, {2, 2});
  ExpectValues((*r)[2], {2, 1}, {r0, r1}, 1e-6);

  HostTensor x = Values(kF64, {2, 2}, {1, 10, 3, 30});
  HostTensor w = Values(kF64, {2}, {2, 3}), b = Values(kF64, {2}, {0, 1});
  HostTensor rm = Values(kF64, {2}, {1, 10}), rv = Values(kF64, {2}, {4, 100});
  r = Evaluate("aten.native_batch_norm.default", {x, w, b, rm, rv},
               {X(0), X(1), X(2), X(3), X(4), B(true), F(0.1), F(0)});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectValues((*r)[0], {2, 2}, {-2, -2, 2, 4});
  ExpectValues((*r)[1], {2}, {2, 20});
  ExpectValues((*r)[2], {2}, {1, 0.1});
  // Eval normalizes with the running statistics and saves nothing.
  r = Evaluate("aten.native_batch_norm.default", {x, rm, rv},
               {X(0), None(), None(), X(1), X(2), B(false), F(0.1), F(0)});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectValues((*r)[0], {2, 2}, {0, 0, 1, 2});
  ExpectValues((*r)[1], {0}, {});

  // Eval backward scales by weight * invstd; training subtracts the
  // gradient's projection on the batch statistics.
  r = Evaluate(
      "aten.native_batch_norm_backward.default", {Values(kF64, {2, 2}, {1, 1, 1, 2}), x, w, rm, rv},
      {X(0), X(1), X(2), X(3), X(4), None(), None(), B(false), F(0), Mask(true, true, true)});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectValues((*r)[0], {2, 2}, {1, 0.3, 1, 0.6});
  ExpectValues((*r)[1], {2}, {0 + 1, 0 + 2 * 2});
  ExpectValues((*r)[2], {2}, {2, 3});
  r = Evaluate(
      "aten.native_batch_norm_backward.default",
      {Values(kF64, {2, 2}, {1, 1, 1, 1}), x, Values(kF64, {2}, {2, 20}),
       Values(kF64, {2}, {1, 0.1})},
      {X(0), X(1), None(), None(), None(), X(2), X(3), B(true), F(0), Mask(true, true, false)});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectValues((*r)[0], {2, 2}, {0, 0, 0, 0});  // A constant shift normalizes away.
  ExpectValues((*r)[1], {2}, {0, 0});
}

TEST(NnTest, NormalizationGradients) {
  // Gradients flow from the normalized output to input, weight and bias
  // only (not to mean and rstd or the running statistics), as in PyTorch.
  ExpectGradients({
      {"aten.native_layer_norm.default",
       {{T(kF64, {3, 4, 5}), T(kF64, {4, 5}), T(kF64, {4, 5})},
        {X(0), L({4, 5}), X(1), X(2), F(1e-5)},
        {},
        -2,
        2,
        "affine, two normalized dims",
        /*tangent_outputs=*/{0}}},
      {"aten.native_layer_norm.default",
       {{Transposed(kF64, {3, 4})},
        {X(0), L({4}), None(), None(), F(1e-3)},
        {},
        -2,
        2,
        "no affine, non-contiguous",
        /*tangent_outputs=*/{0}}},
      {"aten.native_batch_norm.default",
       {{T(kF64, {4, 3, 2, 2}), T(kF64, {3}), T(kF64, {3}), T(kF64, {3}), T(kF64, {3})},
        {X(0), X(1), X(2), X(3), X(4), B(true), F(0.1), F(1e-5)},
        {},
        0.5,
        2,
        "training",
        /*tangent_outputs=*/{0},
        /*no_grad_inputs=*/{3, 4}}},
      {"aten.native_batch_norm.default",
       {{Transposed(kF64, {5, 2})},
        {X(0), None(), None(), None(), None(), B(true), F(0.1), F(1e-5)},
        {},
        -2,
        2,
        "training, no affine, no running stats, non-contiguous",
        /*tangent_outputs=*/{0}}},
      {"aten.native_batch_norm.default",
       {{T(kF64, {4, 3, 5}), T(kF64, {3}), T(kF64, {3}), T(kF64, {3}), T(kF64, {3})},
        {X(0), X(1), X(2), X(3), X(4), B(false), F(0.1), F(1e-5)},
        {},
        0.5,
        2,
        "eval",
        /*tangent_outputs=*/{0},
        /*no_grad_inputs=*/{3, 4}}},
  });
}

// ---- Softmax ----

TEST(NnTest, SoftmaxInferenceAndKernels) {
  absl::StatusOr<std::vector<TensorType>> r =
      Infer("aten._softmax.default", {{T(kF32, {8, 8, 8})}, {X(0), I(-1), B(false)}});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectType((*r)[0], kF32, {8, 8, 8});
  r = Infer("aten._log_softmax_backward_data.default",
            {{T(kF32, {8, 10}), T(kF32, {8, 10})}, {X(0), X(1), I(1), D(kF32)}});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectType((*r)[0], kF32, {8, 10});
  EXPECT_THAT(ErrorOf("aten._softmax.default", {{T(kF32, {8, 8})}, {X(0), I(2), B(false)}}),
              HasSubstr("dim 2 out of range for a tensor of rank 2"));
  EXPECT_THAT(ErrorOf("aten._softmax.default", {{T(kF32, {8, 8})}, {X(0), I(1), B(true)}}),
              HasSubstr("half to float"));
  EXPECT_THAT(ErrorOf("aten._log_softmax.default", {{T(kI64, {8, 8})}, {X(0), I(1), B(false)}}),
              HasSubstr("must be floating point"));
  EXPECT_THAT(ErrorOf("aten._softmax_backward_data.default",
                      {{T(kF32, {8, 8}), T(kF32, {8, 4})}, {X(0), X(1), I(1), D(kF32)}}),
              HasSubstr("grad_output of size [8,8] does not match output of size [8,4]"));

  const double ln3 = std::log(3.0);
  HostTensor x = Values(kF64, {2, 2}, {0, ln3, ln3, 0});
  absl::StatusOr<std::vector<HostTensor>> v =
      Evaluate("aten._softmax.default", {x}, {X(0), I(0), B(false)});
  ASSERT_TRUE(v.ok()) << v.status();
  ExpectValues((*v)[0], {2, 2}, {0.25, 0.75, 0.75, 0.25});
  v = Evaluate("aten._log_softmax.default", {x}, {X(0), I(-1), B(false)});
  ASSERT_TRUE(v.ok()) << v.status();
  ExpectValues((*v)[0], {2, 2}, {std::log(0.25), std::log(0.75), std::log(0.75), std::log(0.25)});

  HostTensor g = Values(kF64, {2}, {1, 0});
  v = Evaluate("aten._softmax_backward_data.default", {g, Values(kF64, {2}, {0.25, 0.75})},
               {X(0), X(1), I(0), D(kF64)});
  ASSERT_TRUE(v.ok()) << v.status();
  ExpectValues((*v)[0], {2}, {0.1875, -0.1875});
  v = Evaluate("aten._log_softmax_backward_data.default",
               {g, Values(kF64, {2}, {std::log(0.25), std::log(0.75)})},
               {X(0), X(1), I(0), D(kF64)});
  ASSERT_TRUE(v.ok()) << v.status();
  ExpectValues((*v)[0], {2}, {0.75, -0.75});
}

TEST(NnTest, SoftmaxGradients) {
  Argument f64 = D(kF64);
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
      Infer("aten.nll_loss_forward.default",
            {{T(kF32, {8, 10}), T(kI64, {8})}, {X(0), X(1), None(), I(1), I(-100)}});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectType((*r)[0], kF32, {});
  ExpectType((*r)[1], kF32, {});
  r = Infer("aten.nll_loss_forward.default",
            {{T(kF32, {8, 10}), T(kI64, {8})}, {X(0), X(1), None(), I(0), I(-100)}});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectType((*r)[0], kF32, {8});
  r = Infer("aten.nll_loss_forward.default",
            {{T(kF32, {10}), T(kI64, {})}, {X(0), X(1), None(), I(0), I(-100)}});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectType((*r)[0], kF32, {});
  r = Infer("aten.mse_loss.default", {{T(kF32, {3, 4}), T(kF64, {4})}, {X(0), X(1), I(0)}});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectType((*r)[0], kF64, {3, 4});
  r = Infer("aten.smooth_l1_loss.default", {{T(kF32, {3, 4}), T(kF32, {3, 4})}, {X(0), X(1)}});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectType((*r)[0], kF32, {});
  r = Infer("aten.mse_loss_backward.default",
            {{T(kF32, {}), T(kF32, {4}), T(kF32, {3, 4})}, {X(0), X(1), X(2), I(1)}});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectType((*r)[0], kF32, {3, 4});

  EXPECT_THAT(ErrorOf("aten.nll_loss_forward.default",
                      {{T(kF32, {8, 10}), T(kI64, {7})}, {X(0), X(1), None(), I(1), I(-100)}}),
              HasSubstr("size mismatch (got input: [8,10], target: [7])"));
  EXPECT_THAT(ErrorOf("aten.nll_loss_forward.default",
                      {{T(kF32, {8, 10}), T(kF32, {8})}, {X(0), X(1), None(), I(1), I(-100)}}),
              HasSubstr("int64 target"));
  EXPECT_THAT(
      ErrorOf("aten.nll_loss_forward.default",
              {{T(kF32, {8, 10}), T(kI64, {8}), T(kF32, {9})}, {X(0), X(1), X(2), I(1), I(-100)}}),
      HasSubstr("all 10 classes"));
  EXPECT_THAT(ErrorOf("aten.nll_loss_forward.default",
                      {{T(kF32, {8, 10}), T(kI64, {8})}, {X(0), X(1), None(), I(3), I(-100)}}),
              HasSubstr("reduction"));
  EXPECT_THAT(ErrorOf("aten.mse_loss.default", {{T(kF32, {3, 4}), T(kF32, {3})}, {X(0), X(1)}}),
              HasSubstr("shapes [3,4] and [3] do not broadcast"));
  EXPECT_THAT(ErrorOf("aten.smooth_l1_loss.default",
                      {{T(kF32, {3}), T(kF32, {3})}, {X(0), X(1), I(1), F(-1)}}),
              HasSubstr("negative values for beta"));
}

TEST(NnTest, NllLossKernel) {
  HostTensor x = Values(kF64, {3, 3}, {-1, -2, -3, -4, -5, -6, -7, -8, -9});
  HostTensor t = Values(kI64, {3}, {0, 2, 1});
  HostTensor w = Values(kF64, {3}, {1, 2, 3});
  auto nll = [&](int64_t reduction) {
    absl::StatusOr<std::vector<HostTensor>> r = Evaluate("aten.nll_loss_forward.default", {x, t, w},
                                                         {X(0), X(1), X(2), I(reduction), I(1)});
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
  absl::StatusOr<std::vector<HostTensor>> v = Evaluate(
      "aten.nll_loss_forward.default", {Values(kF64, {3}, {-1, -2, -3}), Values(kI64, {}, {2})},
      {X(0), X(1), None(), I(1), I(-100)});
  ASSERT_TRUE(v.ok()) << v.status();
  ExpectValues((*v)[0], {}, {3});
  ExpectValues((*v)[1], {}, {1});
  // Every target ignored: the mean is 0 / 0.
  v = Evaluate("aten.nll_loss_forward.default", {x, Values(kI64, {3}, {1, 1, 1})},
               {X(0), X(1), None(), I(1), I(1)});
  ASSERT_TRUE(v.ok()) << v.status();
  ExpectValues((*v)[0], {}, {kNaN});
  v = Evaluate("aten.nll_loss_forward.default", {x, Values(kI64, {3}, {0, 3, 1})},
               {X(0), X(1), None(), I(1), I(-100)});
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.status().message().find("Target 3 is out of bounds"), std::string::npos)
      << v.status();

  v = Evaluate("aten.nll_loss_backward.default",
               {Values(kF64, {}, {1}), x, t, w, Values(kF64, {}, {4})},
               {X(0), X(1), X(2), X(3), I(1), I(1), X(4)});
  ASSERT_TRUE(v.ok()) << v.status();
  ExpectValues((*v)[0], {3, 3}, {-0.25, 0, 0, 0, 0, -0.75, 0, 0, 0});
  v = Evaluate("aten.nll_loss_backward.default",
               {Values(kF64, {3}, {1, 2, 3}), x, t, w, Values(kF64, {}, {0})},
               {X(0), X(1), X(2), X(3), I(0), I(1), X(4)});
  ASSERT_TRUE(v.ok()) << v.status();
  ExpectValues((*v)[0], {3, 3}, {-1, 0, 0, 0, 0, -6, 0, 0, 0});
}

TEST(NnTest, PointwiseLossKernels) {
  HostTensor x = Values(kF64, {2}, {1, 2}), t = Values(kF64, {2, 2}, {0, 0, 1, 1});
  absl::StatusOr<std::vector<HostTensor>> r =
      Evaluate("aten.mse_loss.default", {x, t}, {X(0), X(1), I(0)});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectValues((*r)[0], {2, 2}, {1, 4, 0, 1});
  r = Evaluate("aten.mse_loss.default", {x, t}, {X(0), X(1)});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectValues((*r)[0], {}, {1.5});
  // ATen normalizes the mean by self's own element count, even broadcast.
  r = Evaluate("aten.mse_loss_backward.default", {Values(kF64, {}, {1}), x, t},
               {X(0), X(1), X(2), I(1)});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectValues((*r)[0], {2, 2}, {1, 2, 0, 1});

  HostTensor d = Values(kF64, {4}, {0, 0.5, 2, -3}), zero = Values(kF64, {}, {0});
  r = Evaluate("aten.smooth_l1_loss.default", {d, zero}, {X(0), X(1), I(0), F(1)});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectValues((*r)[0], {4}, {0, 0.125, 1.5, 2.5});
  r = Evaluate("aten.smooth_l1_loss.default", {d, zero}, {X(0), X(1), I(1), F(1)});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectValues((*r)[0], {}, {4.125 / 4});
  r = Evaluate("aten.smooth_l1_loss.default", {d, zero}, {X(0), X(1), I(2), F(0)});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectValues((*r)[0], {}, {5.5});
  r = Evaluate("aten.smooth_l1_loss_backward.default", {Values(kF64, {}, {1}), d, zero},
               {X(0), X(1), X(2), I(2), F(1)});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectValues((*r)[0], {4}, {0, 0.5, 1, -1});
  r = Evaluate("aten.smooth_l1_loss_backward.default", {Values(kF64, {}, {1}), d, zero},
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
  ExpectGradients({
      {"aten.nll_loss_forward.default",
       {{T(kF64, {5, 4}), T(kI64, {5}), T(kF64, {4})},
        {X(0), X(1), X(2), I(1), I(1)},
        {},
        -2,
        4,
        "mean, weight, ignore_index",
        /*tangent_outputs=*/{0},
        /*no_grad_inputs=*/{2}}},
      {"aten.nll_loss_forward.default",
       {{Transposed(kF64, {5, 4}), T(kI64, {5})},
        {X(0), X(1), None(), I(0), I(-100)},
        {},
        -2,
        4,
        "none, non-contiguous",
        /*tangent_outputs=*/{0}}},
      {"aten.nll_loss_forward.default",
       {{T(kF64, {4}), T(kI64, {})},
        {X(0), X(1), None(), I(2), I(-100)},
        {},
        -2,
        4,
        "1-d, sum",
        /*tangent_outputs=*/{0}}},
      {"aten.nll_loss_backward.default",
       {{T(kF64, {}), T(kF64, {5, 4}), T(kI64, {5}), T(kF64, {4}), T(kF64, {})},
        {X(0), X(1), X(2), X(3), I(1), I(1), X(4)},
        {},
        1,
        4,
        "mean, weight, any total_weight",
        /*tangent_outputs=*/{0},
        /*no_grad_inputs=*/{3, 4}}},
      {"aten.nll_loss_backward.default",
       {{T(kF64, {5}), T(kF64, {5, 4}), T(kI64, {5}), T(kF64, {})},
        {X(0), X(1), X(2), None(), I(0), I(-100), X(3)},
        {},
        -2,
        4,
        "none",
        /*tangent_outputs=*/{0},
        /*no_grad_inputs=*/{3}}},
  });
}

// ---- Embedding ----

TEST(NnTest, EmbeddingInferenceAndKernels) {
  absl::StatusOr<std::vector<TensorType>> r =
      Infer("aten.embedding.default", {{T(kF32, {10, 3}), T(kI64, {2, 4})}, {X(0), X(1)}});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectType((*r)[0], kF32, {2, 4, 3});
  r = Infer("aten.embedding_dense_backward.default",
            {{T(kF32, {2, 4, 3}), T(kI64, {2, 4})}, {X(0), X(1), I(10), I(-1), B(false)}});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectType((*r)[0], kF32, {10, 3});
  EXPECT_THAT(ErrorOf("aten.embedding.default", {{T(kF32, {10}), T(kI64, {2})}, {X(0), X(1)}}),
              HasSubstr("'weight' must be 2-D, got weight of size [10]"));
  EXPECT_THAT(ErrorOf("aten.embedding.default", {{T(kF32, {10, 3}), T(kF32, {2})}, {X(0), X(1)}}),
              HasSubstr("int64 or int32"));
  EXPECT_THAT(
      ErrorOf("aten.embedding_dense_backward.default",
              {{T(kF32, {2, 3, 3}), T(kI64, {2, 4})}, {X(0), X(1), I(10), I(-1), B(false)}}),
      HasSubstr("[2,3,3]"));

  HostTensor w = Values(kF64, {3, 2}, {0, 1, 2, 3, 4, 5});
  HostTensor idx = Values(kI64, {2, 2}, {2, 0, 1, 2});
  absl::StatusOr<std::vector<HostTensor>> v =
      Evaluate("aten.embedding.default", {w, idx}, {X(0), X(1)});
  ASSERT_TRUE(v.ok()) << v.status();
  ExpectValues((*v)[0], {2, 2, 2}, {4, 5, 0, 1, 2, 3, 4, 5});
  v = Evaluate("aten.embedding.default", {w, Values(kI64, {1}, {3})}, {X(0), X(1)});
  EXPECT_FALSE(v.ok());

  HostTensor g = Values(kF64, {2, 2, 2}, {1, 1, 2, 2, 3, 3, 4, 4});
  auto backward = [&](int64_t padding_idx, bool scale) {
    absl::StatusOr<std::vector<HostTensor>> r =
        Evaluate("aten.embedding_dense_backward.default", {g, idx},
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

TEST(NnTest, BaddbmmAndBceWithLogits) {
  ExpectGradients({
      {"aten.baddbmm.default",
       {{T(kF64, {3, 1}), Transposed(kF64, {2, 3, 4}), T(kF64, {2, 4, 2})},
        {X(0), X(1), X(2)},
        {{"beta", F(0.5)}, {"alpha", F(2)}}}},
      {"aten.baddbmm.default",
       {{T(kF64, {2, 3, 2}), T(kF64, {2, 3, 4}), Transposed(kF64, {2, 4, 2})}, {X(0), X(1), X(2)}}},
      {"aten.binary_cross_entropy_with_logits.default",
       {{Transposed(kF64, {3, 4}), T(kF64, {3, 4})}, {X(0), X(1)}, {}, -2, 2, "mean"}},
      {"aten.binary_cross_entropy_with_logits.default",
       {{T(kF64, {3, 4}), T(kF64, {3, 4}), T(kF64, {4}), T(kF64, {4})},
        {X(0), X(1), X(2), X(3), I(0)},
        {},
        0.1,
        2,
        "weights, none",
        {},
        {2, 3}}},
      {"aten.binary_cross_entropy_with_logits.default",
       {{T(kF64, {3, 4}), T(kF64, {3, 4}), T(kF64, {4})},
        {X(0), X(1), None(), X(2), I(2)},
        {},
        0.1,
        2,
        "pos_weight, sum",
        {},
        {2}}},
  });
  HostTensor loss = EvaluateOne("aten.binary_cross_entropy_with_logits.default",
                                {Values(kF64, {2}, {0.5, -1}), Values(kF64, {2}, {1, 0})},
                                {X(0), X(1), None(), None(), I(0)});
  EXPECT_NEAR(loss.data[0], -std::log(1 / (1 + std::exp(-0.5))), 1e-12);
  EXPECT_NEAR(loss.data[1], -std::log(1 - 1 / (1 + std::exp(1.0))), 1e-12);
  EXPECT_NE(ErrorOf("aten.baddbmm.default",
                    {{T(kF64, {2, 3, 3}), T(kF64, {2, 3, 4}), T(kF64, {2, 4, 2})}, {X(0), X(1), X(2)}}),
            "");
}

TEST(NnTest, GroupNorm) {
  // [N, C, H, W] = [2, 6, 2, 3] in 3 groups: statistics per (sample, group).
  std::vector<TensorType> gn = {T(kF32, {2, 6, 2, 3}), T(kF32, {6}), T(kF32, {6})};
  absl::StatusOr<std::vector<TensorType>> r = Infer(
      "aten.native_group_norm.default", {gn, {X(0), X(1), X(2), I(2), I(6), I(6), I(3), F(1e-5)}});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectType((*r)[0], kF32, {2, 6, 2, 3});
  ExpectType((*r)[1], kF32, {2, 3});
  ExpectType((*r)[2], kF32, {2, 3});
  r = Infer("aten.native_group_norm_backward.default",
            {{T(kF32, {2, 6, 6}), T(kF32, {2, 6, 6}), T(kF32, {2, 3}), T(kF32, {2, 3})},
             {X(0), X(1), X(2), X(3), None(), I(2), I(6), I(6), I(3), Mask(true, false, true)}});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectType((*r)[0], kF32, {2, 6, 6});
  ExpectType((*r)[1], kF32, {0});
  ExpectType((*r)[2], kF32, {6});

  auto error = [](std::vector<TensorType> tensors, int64_t c, int64_t hxw, int64_t group) {
    std::vector<Argument> args = {X(0), tensors.size() > 1 ? X(1) : None(), None(), I(2), I(c),
                                  I(hxw), I(group), F(1e-5)};
    return ErrorOf("aten.native_group_norm.default", {tensors, args});
  };
  EXPECT_THAT(error({T(kF32, {2, 6, 4})}, 6, 4, 4),
              HasSubstr("Expected number of channels in input to be divisible by num_groups, but "
                        "got input of shape [2,6,4] and num_groups=4"));
  EXPECT_THAT(error({T(kF32, {2, 6, 4}), T(kF32, {4})}, 6, 4, 3),
              HasSubstr("weight of shape [4] and input of shape [2,6,4]"));
  EXPECT_THAT(error({T(kF32, {2, 6, 4}), T(kF64, {6})}, 6, 4, 3), HasSubstr("same dtype"));
  EXPECT_THAT(error({T(kF32, {2, 6, 4})}, 6, 5, 3), HasSubstr("HxW=5"));
  EXPECT_THAT(error({T(kF32, {2, 6, 4})}, 6, 4, 0), HasSubstr("num_groups must be positive"));
  EXPECT_THAT(error({T(kI64, {2, 6, 4})}, 6, 4, 3), HasSubstr("must be floating point"));

  // One group without affine is layer norm over all but the batch dim.
  HostTensor x = Values(kF64, {2, 2, 2}, {1, 2, 4, 8, -1, 0, 3, 5});
  std::vector<HostTensor> g = *Evaluate("aten.native_group_norm.default", {x},
                                        {X(0), None(), None(), I(2), I(2), I(2), I(1), F(1e-5)});
  std::vector<HostTensor> l = *Evaluate("aten.native_layer_norm.default", {x},
                                        {X(0), L({2, 2}), None(), None(), F(1e-5)});
  ExpectValues(g[0], {2, 2, 2}, l[0].data);
  ExpectValues(g[1], {2, 1}, l[1].data);
  ExpectValues(g[2], {2, 1}, l[2].data);
  // Two groups of one channel: each channel normalized alone, then scaled.
  g = *Evaluate("aten.native_group_norm.default",
                {x, Values(kF64, {2}, {2, 1}), Values(kF64, {2}, {0, 10})},
                {X(0), X(1), X(2), I(2), I(2), I(2), I(2), F(0)});
  ExpectValues(g[0], {2, 2, 2}, {-2, 2, 9, 11, -2, 2, 9, 11});
  ExpectValues(g[1], {2, 2}, {1.5, 6, -0.5, 4});
  ExpectValues(g[2], {2, 2}, {2, 0.5, 2, 1});

  // Gradients flow to input, weight and bias, not from mean and rstd.
  ExpectGradients({
      {"aten.native_group_norm.default",
       {{T(kF64, {2, 6, 2, 2}), T(kF64, {6}), T(kF64, {6})},
        {X(0), X(1), X(2), I(2), I(6), I(4), I(3), F(1e-5)},
        {},
        -2,
        2,
        "affine",
        /*tangent_outputs=*/{0}}},
      {"aten.native_group_norm.default",
       {{Transposed(kF64, {3, 4})},
        {X(0), None(), None(), I(3), I(4), I(1), I(2), F(1e-3)},
        {},
        -2,
        2,
        "no affine, non-contiguous, HxW=1",
        /*tangent_outputs=*/{0}}},
  });
}

TEST(NnTest, UpsampleNearest2d) {
  auto vec = [](std::vector<Argument> args) { return args; };
  const Argument scales = Argument::List({F(1.7), F(2.3)});
  TensorType t = InferOne("aten.upsample_nearest2d.vec",
                          {{Transposed(kF32, {2, 3, 5, 7})}, vec({X(0), None(), scales})});
  ExpectType(t, kF32, {2, 3, 8, 16});
  t = InferOne("aten.upsample_nearest2d.vec",
               {{T(DType::kUInt8, {2, 3, 5, 7})}, vec({X(0), L({4, 9}), None()})});
  ExpectType(t, DType::kUInt8, {2, 3, 4, 9});
  t = InferOne("aten.upsample_nearest2d_backward.vec",
               {{T(kF64, {2, 3, 8, 16})}, vec({X(0), None(), L({2, 3, 5, 7}), scales})});
  ExpectType(t, kF64, {2, 3, 5, 7});

  auto error = [](TensorType x, Argument size, Argument scale) {
    return ErrorOf("aten.upsample_nearest2d.vec", {{x}, {X(0), size, scale}});
  };
  EXPECT_THAT(error(T(kF32, {2, 3, 5, 7}), L({4, 9}), scales),
              HasSubstr("Must specify exactly one of output_size and scale_factors"));
  EXPECT_THAT(error(T(kF32, {2, 3, 5, 7}), None(), None()), HasSubstr("exactly one"));
  EXPECT_THAT(error(T(kF32, {3, 5, 7}), None(), scales), HasSubstr("4-d input"));
  EXPECT_THAT(error(T(kF32, {2, 3, 5, 7}), None(), Argument::List({F(0.1), F(2)})),
              HasSubstr("Input and output sizes should be greater than 0, but got input (H: 5, W: "
                        "7) output (H: 0, W: 14)"));
  EXPECT_THAT(error(T(kF32, {2, 3, 5, 7}), L({3}), None()), HasSubstr("2 elements"));
  EXPECT_THAT(error(T(kI64, {2, 3, 5, 7}), L({3, 3}), None()), HasSubstr("not implemented for int64"));
  EXPECT_THAT(ErrorOf("aten.upsample_nearest2d_backward.vec",
                      {{T(kF32, {2, 3, 8, 15})}, {X(0), None(), L({2, 3, 5, 7}), scales}}),
              HasSubstr("output.size(3) = 16 but got grad_output.size(3) = 15"));

  // PyTorch 1.13's values: scales 1.7 and 2.3 read rows 0,0,1,1,2,2,3,4 and
  // columns 0,0,0,1,1,2,2,3,3,3,4,4,5,5,6,6.
  HostTensor ones(kF64, {1, 1, 8, 16});
  ones.data.assign(ones.data.size(), 1.0);
  HostTensor g = EvaluateOne("aten.upsample_nearest2d_backward.vec", {ones},
                             {X(0), None(), L({1, 1, 5, 7}), scales});
  std::vector<double> wide = {6, 4, 4, 6, 4, 4, 4}, narrow = {3, 2, 2, 3, 2, 2, 2};
  std::vector<double> expected;
  for (int row = 0; row < 5; ++row) {
    expected.insert(expected.end(), (row < 3 ? wide : narrow).begin(), (row < 3 ? wide : narrow).end());
  }
  ExpectValues(g, {1, 1, 5, 7}, expected);
  HostTensor x = Values(kF64, {1, 1, 2, 2}, {1, 2, 3, 4});
  ExpectValues(EvaluateOne("aten.upsample_nearest2d.vec", {x}, {X(0), L({3, 4}), None()}),
               {1, 1, 3, 4}, {1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4});

  ExpectGradients({
      {"aten.upsample_nearest2d.vec",
       {{Transposed(kF64, {2, 2, 3, 4})}, {X(0), None(), Argument::List({F(2), F(1.5)})}}},
      {"aten.upsample_nearest2d.vec", {{T(kF64, {1, 2, 5, 3})}, {X(0), L({3, 7}), None()}}},
      {"aten.upsample_nearest2d_backward.vec",
       {{T(kF64, {2, 2, 6, 6})}, {X(0), None(), L({2, 2, 3, 4}), Argument::List({F(2), F(1.5)})}}},
  });
}

// ---- PReLU ----

// Values from torch.nn.functional.prelu and its backward (PyTorch 1.13).
TEST(NnTest, Prelu) {
  HostTensor x = Values(kF64, {2, 2}, {-2, 3, 1, -4});
  HostTensor w = Values(kF64, {2}, {0.5, 0.25});
  ExpectValues(EvaluateOne("aten.prelu.default", {x, w}, {X(0), X(1)}), {2, 2}, {-1, 3, 1, -1});
  absl::StatusOr<std::vector<HostTensor>> r =
      Evaluate("aten.prelu_backward.default", {Values(kF64, {2, 2}, {1, 2, 3, 4}), x, w},
               {X(0), X(1), X(2)});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectValues((*r)[0], {2, 2}, {0.5, 2, 3, 1});
  ExpectValues((*r)[1], {2}, {-2, -16});

  absl::StatusOr<std::vector<TensorType>> t =
      Infer("aten.prelu.default", {{Transposed(kF32, {2, 3, 4}), T(kF32, {})}, {X(0), X(1)}});
  ASSERT_TRUE(t.ok()) << t.status();
  ExpectType((*t)[0], kF32, {2, 3, 4});
  t = Infer("aten.prelu_backward.default",
            {{T(kF64, {2, 3, 4}), T(kF64, {2, 3, 4}), T(kF64, {3})}, {X(0), X(1), X(2)}});
  ASSERT_TRUE(t.ok()) << t.status();
  ExpectType((*t)[0], kF64, {2, 3, 4});
  ExpectType((*t)[1], kF64, {3});
  EXPECT_THAT(ErrorOf("aten.prelu.default", {{T(kF32, {2, 3}), T(kF32, {2})}, {X(0), X(1)}}),
              HasSubstr("Mismatch of parameter numbers and input channel size. Found parameter "
                        "numbers = 2 and channel size = 3."));
  EXPECT_THAT(ErrorOf("aten.prelu.default", {{T(kF32, {2, 3}), T(kF32, {3, 1})}, {X(0), X(1)}}),
              HasSubstr("Expected `weight` to be a scalar or 1D tensor, but got: ndim = 2"));
  EXPECT_THAT(ErrorOf("aten.prelu.default", {{T(kI64, {2, 3}), T(kI64, {3})}, {X(0), X(1)}}),
              HasSubstr("must be floating point"));
  EXPECT_THAT(ErrorOf("aten.prelu.default", {{T(kF32, {2, 3}), T(kF64, {3})}, {X(0), X(1)}}),
              HasSubstr("float32 and float64"));
  EXPECT_THAT(ErrorOf("aten.prelu_backward.default",
                      {{T(kF32, {2, 4}), T(kF32, {2, 3}), T(kF32, {3})}, {X(0), X(1), X(2)}}),
              HasSubstr("grad_output of size [2,4] does not match the input's size [2,3]"));

  ExpectGradients({
      {"aten.prelu.default", {{Transposed(kF64, {2, 3, 4}), T(kF64, {3})}, {X(0), X(1)}}},
      {"aten.prelu.default", {{T(kF64, {5}), T(kF64, {1})}, {X(0), X(1)}, {}, -2, 2, "one weight"}},
      {"aten.prelu.default", {{T(kF64, {3, 2}), T(kF64, {})}, {X(0), X(1)}, {}, -2, 2, "0-d"}},
      {"aten.prelu_backward.default",
       {{T(kF64, {2, 3, 2}), Transposed(kF64, {2, 3, 2}), T(kF64, {3})},
        {X(0), X(1), X(2)},
        {},
        -2,
        2,
        "double backward, non-contiguous"}},
      {"aten.prelu_backward.default",
       {{T(kF64, {4, 2}), T(kF64, {4, 2}), T(kF64, {1})}, {X(0), X(1), X(2)}, {}, -2, 2,
        "double backward, one weight"}},
  });
}

TEST(NnTest, UpsampleBilinear2d) {
  const Argument scales = Argument::List({F(1.7), F(2.3)});
  TensorType t = InferOne("aten.upsample_bilinear2d.vec",
                          {{Transposed(kF32, {2, 3, 5, 7})}, {X(0), None(), B(false), scales}});
  ExpectType(t, kF32, {2, 3, 8, 16});
  t = InferOne("aten.upsample_bilinear2d.vec",
               {{T(kF64, {2, 3, 5, 7})}, {X(0), L({4, 9}), B(true), None()}});
  ExpectType(t, kF64, {2, 3, 4, 9});
  t = InferOne("aten.upsample_bilinear2d_backward.vec",
               {{T(kF32, {2, 3, 8, 16})}, {X(0), None(), L({2, 3, 5, 7}), B(false), scales}});
  ExpectType(t, kF32, {2, 3, 5, 7});

  auto error = [](TensorType x, Argument size, Argument scale) {
    return ErrorOf("aten.upsample_bilinear2d.vec", {{x}, {X(0), size, B(false), scale}});
  };
  EXPECT_THAT(error(T(kF32, {2, 3, 5, 7}), L({4, 9}), scales),
              HasSubstr("Must specify exactly one of output_size and scale_factors"));
  EXPECT_THAT(error(T(kF32, {3, 5, 7}), None(), scales),
              HasSubstr("upsample_bilinear2d: expected a 4-d input"));
  EXPECT_THAT(error(T(kF32, {2, 3, 5, 7}), L({0, 3}), None()),
              HasSubstr("Input and output sizes should be greater than 0, but got input (H: 5, W: "
                        "7) output (H: 0, W: 3)"));
  EXPECT_THAT(error(T(DType::kUInt8, {2, 3, 5, 7}), L({3, 3}), None()),
              HasSubstr("not implemented for uint8"));
  EXPECT_THAT(ErrorOf("aten.upsample_bilinear2d_backward.vec",
                      {{T(kF32, {1, 1, 3, 4})},
                       {X(0), L({4, 5}), L({1, 1, 3, 4}), B(false), None()}}),
              HasSubstr("output.size(2) = 4 but got grad_output.size(2) = 3"));

  // PyTorch 1.13's values for x = arange(12)^2 / 7 as [1, 1, 3, 4], float32.
  std::vector<double> squares;
  for (int i = 0; i < 12; ++i) squares.push_back(i * i / 7.0);
  HostTensor x = Values(kF32, {1, 1, 3, 4}, squares);
  ExpectValues(EvaluateOne("aten.upsample_bilinear2d.vec", {x},
                           {X(0), L({4, 5}), B(false), None()}),
               {1, 1, 4, 5},
               {0.0, 0.100000009, 0.357142866, 0.785714328, 1.28571427, 1.42857146, 2.02857137,
                2.85714293, 3.85714269, 4.85714293, 4.85714293, 6.05714273, 7.5714283, 9.25714302,
                10.8571434, 9.14285755, 10.8428574, 12.9285717, 15.1857147, 17.2857151},
               1e-5);
  ExpectValues(EvaluateOne("aten.upsample_bilinear2d.vec", {x},
                           {X(0), L({4, 5}), B(true), None()}),
               {1, 1, 4, 5},
               {0.0, 0.107142866, 0.357142866, 0.75, 1.28571427, 1.52380967, 2.2023809,
                3.02380967, 3.98809528, 5.09523821, 4.57142925, 5.82142878, 7.21428585, 8.75,
                10.4285717, 9.14285755, 10.9642859, 12.9285717, 15.0357141, 17.2857151},
               1e-5);
  ExpectValues(EvaluateOne("aten.upsample_bilinear2d.vec", {x},
                           {X(0), None(), B(false), Argument::List({F(0.6), F(0.7)})}),
               {1, 1, 1, 2}, {0.87414968, 1.80612242}, 1e-5);
  std::vector<double> ramp;
  for (int i = 0; i < 45; ++i) ramp.push_back(i);
  ExpectValues(EvaluateOne("aten.upsample_bilinear2d_backward.vec",
                           {Values(kF32, {1, 1, 5, 9}, ramp)},
                           {X(0), None(), L({1, 1, 3, 4}), B(false), scales}),
               {1, 1, 3, 4},
               {16.5217361, 25.9200764, 33.7691765, 37.8772316, 77.2129135, 90.2973251,
                96.5696869, 95.9200668, 118.113174, 131.934784, 135.421997, 130.441818},
               1e-4);

  ExpectGradients({
      {"aten.upsample_bilinear2d.vec",
       {{Transposed(kF64, {2, 2, 3, 4})}, {X(0), None(), B(false), scales}}},
      {"aten.upsample_bilinear2d.vec",
       {{T(kF64, {1, 2, 5, 3})}, {X(0), L({3, 7}), B(true), None()}}},
      {"aten.upsample_bilinear2d.vec",
       {{T(kF64, {1, 1, 4, 3})}, {X(0), L({4, 5}), B(false), None()}}},
      {"aten.upsample_bilinear2d_backward.vec",
       {{T(kF64, {2, 2, 5, 9})}, {X(0), None(), L({2, 2, 3, 4}), B(false), scales}}},
      {"aten.upsample_bilinear2d_backward.vec",
       {{Transposed(kF64, {1, 2, 3, 7})}, {X(0), L({3, 7}), L({1, 2, 5, 3}), B(true), None()}}},
  });
}

// Checks a norm's double backward on a graph running its forward node, then
// its backward node on the forward's saved statistics, so that they move
// with the input under finite differences. `forward_args` and
// `backward_args` use X(i) for input i and X(kSaved + k) for the forward's
// result k; the outputs are the backward's results the mask asks for.
// Inputs from `first_no_grad` on do not require grad; values lie in [low,
// high).
constexpr int kSaved = 100;

absl::Status CheckNormDoubleBackward(const std::string& forward_op, const std::string& backward_op,
                                     const std::vector<TensorType>& inputs,
                                     const std::vector<Argument>& forward_args,
                                     const std::vector<Argument>& backward_args,
                                     const std::string& label, size_t first_no_grad = 100,
                                     double low = -2, double high = 2) {
  ir::Graph g;
  GraphBuilder b(g);
  std::vector<ir::ValueId> values;
  for (size_t i = 0; i < inputs.size(); ++i) {
    values.push_back(g.AddInput("x" + std::to_string(i), inputs[i], i < first_no_grad));
  }
  std::vector<ir::ValueId> saved;
  auto resolve = [&](std::vector<Argument> args) {
    for (Argument& a : args) {
      if (!a.is_value()) continue;
      const int i = a.AsValue();
      a = Argument::Value(i >= kSaved ? saved.at(i - kSaved) : values.at(i));
    }
    return args;
  };
  saved = b.MultiOp(forward_op, resolve(forward_args));
  std::vector<ir::ValueId> grads = b.MultiOp(backward_op, resolve(backward_args));
  if (!b.ok()) return b.status();
  std::vector<ir::ValueId> outputs;
  for (size_t k = 0; k < grads.size(); ++k) {
    if (backward_args.back().AsList()[k].AsBool()) outputs.push_back(grads[k]);
  }
  g.SetOutputs(outputs);
  return CheckGraphGradients(g, label, low, high);
}

Argument Mask3(bool a, bool b, bool c) { return Argument::List({B(a), B(b), B(c)}); }

TEST(NnTest, LayerNormDoubleBackward) {
  auto check = [](const std::string& note, TensorType x, Dims normalized, bool weight,
                  Argument mask) {
    std::vector<TensorType> inputs = {x, T(kF64, x.shape)};
    Argument w = None();
    if (weight) {
      inputs.push_back(T(kF64, normalized));
      w = X(2);
    }
    absl::Status status = CheckNormDoubleBackward(
        "aten.native_layer_norm.default", "aten.native_layer_norm_backward.default", inputs,
        {X(0), L(normalized), w, None(), F(1e-5)},
        {X(1), X(0), L(normalized), X(kSaved + 1), X(kSaved + 2), w, None(), mask},
        "layer norm double backward, " + note);
    EXPECT_TRUE(status.ok()) << status;
  };
  check("all results", T(kF64, {3, 4}), {4}, true, Mask3(true, true, true));
  check("non-contiguous, two normalized dims", Transposed(kF64, {2, 3, 4}), {3, 4}, true,
        Mask3(true, true, false));
  check("no weight", T(kF64, {2, 5}), {5}, false, Mask3(true, false, false));
  check("weight and bias gradients only", T(kF64, {2, 2, 3}), {3}, true, Mask3(false, true, true));
}

TEST(NnTest, BatchNormDoubleBackward) {
  // Inputs: x, grad_out, weight, then (eval) running mean and var.
  auto check = [](const std::string& note, TensorType x, bool weight, bool training,
                  Argument mask) {
    const int64_t c = x.shape[1];
    std::vector<TensorType> inputs = {x, T(kF64, x.shape), T(kF64, {c})};
    const Argument w = weight ? X(2) : None();
    Argument running_mean = None(), running_var = None();
    if (!training) {
      inputs.push_back(T(kF64, {c}));
      inputs.push_back(T(kF64, {c}));
      running_mean = X(3);
      running_var = X(4);
    }
    absl::Status status = CheckNormDoubleBackward(
        "aten.native_batch_norm.default", "aten.native_batch_norm_backward.default", inputs,
        {X(0), w, None(), running_mean, running_var, B(training), F(0.1), F(1e-5)},
        {X(1), X(0), w, running_mean, running_var, X(kSaved + 1), X(kSaved + 2), B(training),
         F(1e-5), mask},
        "batch norm double backward, " + note, /*first_no_grad=*/3, training ? -2 : 0.5, 2);
    EXPECT_TRUE(status.ok()) << status;
  };
  check("training", T(kF64, {3, 2, 2}), true, true, Mask3(true, true, true));
  check("training, non-contiguous 4-d", Transposed(kF64, {2, 2, 2, 3}), true, true,
        Mask3(true, true, false));
  check("training, no weight", T(kF64, {4, 3}), false, true, Mask3(true, false, false));
  check("eval", T(kF64, {3, 2, 2}), true, false, Mask3(true, true, true));
}

TEST(NnTest, GroupNormDoubleBackward) {
  auto check = [](const std::string& note, TensorType x, int64_t group, bool weight,
                  Argument mask) {
    const int64_t n = x.shape[0], c = x.shape[1], hxw = x.NumElements() / (n * c);
    std::vector<TensorType> inputs = {x, T(kF64, x.shape), T(kF64, {c})};
    const Argument w = weight ? X(2) : None();
    absl::Status status = CheckNormDoubleBackward(
        "aten.native_group_norm.default", "aten.native_group_norm_backward.default", inputs,
        {X(0), w, None(), I(n), I(c), I(hxw), I(group), F(1e-5)},
        {X(1), X(0), X(kSaved + 1), X(kSaved + 2), w, I(n), I(c), I(hxw), I(group), mask},
        "group norm double backward, " + note, /*first_no_grad=*/weight ? 3 : 2);
    EXPECT_TRUE(status.ok()) << status;
  };
  check("all results", T(kF64, {2, 4, 3}), 2, true, Mask3(true, true, true));
  check("non-contiguous 4-d", Transposed(kF64, {2, 6, 2, 3}), 3, true, Mask3(true, true, false));
  check("no weight", T(kF64, {2, 4, 2}), 2, false, Mask3(true, false, true));
}

}  // namespace
}  // namespace aotd::ops::testing
