// Convolution: inference, kernels and finite-difference gradients.
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

}  // namespace
}  // namespace aotd::ops::testing
