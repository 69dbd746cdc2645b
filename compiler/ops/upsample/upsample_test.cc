// Upsampling: inference, kernels and finite-difference gradients.
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

}  // namespace
}  // namespace aotd::ops::testing
