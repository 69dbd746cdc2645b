// Arithmetic ops and type promotion: inference, kernels and finite-difference gradients.
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "compiler/ir/graph.h"
#include "compiler/ops/core/builder.h"
#include "compiler/ops/testing/op_check.h"
#include "compiler/passes/autograd.h"
#include "compiler/reference/host_tensor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace aotd::ops::testing {
namespace {

using ::testing::HasSubstr;

TEST(PointwiseGradientTest, Arithmetic) {
  ExpectGradients({
      {"aten.add.Tensor", Make({T(kF64, {2, 3}), T(kF64, {3})}, {X(0), X(1)}, {{"alpha", F(0.5)}},
                               "broadcast, alpha")},
      {"aten.add.Tensor",
       Make({T(kF64, {2, 1}), T(kF64, {1, 3})}, {X(0), X(1)}, {}, "both broadcast")},
      {"aten.add.Tensor", Make({Transposed(kF64, {2, 3})}, {F(1.5), X(0)}, {}, "number self")},
      {"aten.add.Scalar", Make({Transposed(kF64, {2, 3})}, {X(0), F(2), I(3)})},
      {"aten.sub.Tensor", Make({Transposed(kF64, {2, 3}), T(kF64, {2, 1})}, {X(0), X(1)},
                               {{"alpha", I(2)}}, "broadcast, alpha")},
      {"aten.sub.Tensor", Make({T(kF64, {4})}, {X(0), F(0.25)}, {}, "wrapped number")},
      {"aten.sub.Scalar", Make({Transposed(kF64, {2, 3})}, {X(0), F(1), F(3)})},
      {"aten.rsub.Tensor", Make({T(kF64, {3}), Transposed(kF64, {2, 3})}, {X(0), X(1)},
                                {{"alpha", F(-2)}}, "broadcast, alpha")},
      {"aten.rsub.Scalar", Make({Transposed(kF64, {2, 3})}, {X(0), F(1), F(0.5)})},
      {"aten.mul.Tensor", Make({Transposed(kF64, {2, 3}), T(kF64, {2, 3})}, {X(0), X(1)})},
      {"aten.mul.Tensor", Make({T(kF64, {4})}, {X(0), F(0.25)}, {}, "wrapped number")},
      {"aten.mul.Scalar", Make({Transposed(kF64, {2, 3})}, {X(0), F(-3)})},
      {"aten.div.Tensor",
       Positive({Transposed(kF64, {2, 3}), T(kF64, {3})}, {X(0), X(1)}, {}, "broadcast")},
      {"aten.div.Tensor", Positive({T(kF64, {4})}, {F(2), X(0)}, {}, "number self")},
      {"aten.div.Scalar", Make({Transposed(kF64, {2, 3})}, {X(0), F(4)})},
      {"aten.div.Tensor_mode", Positive({Transposed(kF64, {2, 3}), T(kF64, {2, 1})}, {X(0), X(1)},
                                        {{"rounding_mode", None()}}, "true division")},
      {"aten.div.Tensor_mode", Positive({T(kF64, {2, 3}), T(kF64, {3})}, {X(0), X(1)},
                                        {{"rounding_mode", S("floor")}}, "floor: zero gradient")},
      {"aten.pow.Tensor_Scalar", Make({Transposed(kF64, {2, 3})}, {X(0), I(3)}, {}, "cube")},
      {"aten.pow.Tensor_Scalar", Positive({T(kF64, {4})}, {X(0), F(-1.5)}, {}, "negative float")},
      {"aten.pow.Tensor_Scalar", Make({T(kF64, {4})}, {X(0), I(0)}, {}, "zero exponent")},
      {"aten.pow.Tensor_Tensor",
       Positive({Transposed(kF64, {2, 3}), T(kF64, {3})}, {X(0), X(1)}, {}, "broadcast")},
      {"aten.pow.Scalar", Make({Transposed(kF64, {2, 3})}, {F(2.5), X(0)})},
      {"aten.maximum.default",
       Make({Transposed(kF64, {2, 3}), T(kF64, {3})}, {X(0), X(1)}, {}, "broadcast")},
      {"aten.minimum.default",
       Make({T(kF64, {2, 1}), Transposed(kF64, {2, 3})}, {X(0), X(1)}, {}, "broadcast")},
  });
}

TEST(PointwiseKernelTest, DivisionRoundingModes) {
  HostTensor a = Values(kF64, {6}, {7, -7, 7, -7, 1, 0});
  HostTensor b = Values(kF64, {6}, {2, 2, -2, -2, 0.1, 0});
  ExpectValues(
      EvaluateOne("aten.div.Tensor_mode", {a, b}, {X(0), X(1)}, {{"rounding_mode", S("trunc")}}),
      kF64, {6}, {3, -3, -3, 3, 10, kNaN});
  // Floor division is Python's //: 1 // 0.1 is 9.
  ExpectValues(
      EvaluateOne("aten.div.Tensor_mode", {a, b}, {X(0), X(1)}, {{"rounding_mode", S("floor")}}),
      kF64, {6}, {3, -4, -4, 3, 9, kNaN});
  ExpectValues(
      EvaluateOne("aten.div.Tensor_mode", {a, b}, {X(0), X(1)}, {{"rounding_mode", None()}}), kF64,
      {6}, {3.5, -3.5, -3.5, 3.5, 10, kNaN});
  ExpectValues(EvaluateOne("aten.div.Tensor", {Values(kF32, {2}, {1, -1})}, {X(0), I(0)}), kF32,
               {2}, {kInf, -kInf});

  HostTensor ia = Values(kI64, {4}, {7, -7, 7, -7});
  HostTensor ib = Values(kI64, {4}, {2, 2, -2, -2});
  ExpectValues(
      EvaluateOne("aten.div.Tensor_mode", {ia, ib}, {X(0), X(1)}, {{"rounding_mode", S("trunc")}}),
      kI64, {4}, {3, -3, -3, 3});
  ExpectValues(
      EvaluateOne("aten.div.Tensor_mode", {ia, ib}, {X(0), X(1)}, {{"rounding_mode", S("floor")}}),
      kI64, {4}, {3, -4, -4, 3});
  ExpectValues(EvaluateOne("aten.div.Tensor", {ia, ib}, {X(0), X(1)}), kF32, {4},
               {3.5, -3.5, -3.5, 3.5});
  absl::StatusOr<std::vector<HostTensor>> by_zero =
      Evaluate("aten.div.Tensor_mode", {ia, Values(kI64, {}, {0})}, {X(0), X(1)},
               {{"rounding_mode", S("floor")}});
  ASSERT_FALSE(by_zero.ok());
  EXPECT_NE(by_zero.status().message().find("ZeroDivisionError"), std::string::npos);
}

TEST(PointwiseKernelTest, MaximumMinimumAndClampPropagateNaN) {
  HostTensor x = Values(kF32, {3}, {kNaN, 1, 5});
  HostTensor y = Values(kF32, {3}, {0, kNaN, 2});
  ExpectValues(EvaluateOne("aten.maximum.default", {x, y}, {X(0), X(1)}), kF32, {3},
               {kNaN, kNaN, 5});
  ExpectValues(EvaluateOne("aten.minimum.default", {x, y}, {X(0), X(1)}), kF32, {3},
               {kNaN, kNaN, 2});
  ExpectValues(EvaluateOne("aten.clamp.default", {x}, {X(0), I(0), I(2)}), kF32, {3}, {kNaN, 1, 2});
  // min > max gives max.
  ExpectValues(EvaluateOne("aten.clamp.default", {x}, {X(0), I(3), I(2)}), kF32, {3}, {kNaN, 2, 2});
  // Bounds promote an integer tensor.
  ExpectValues(EvaluateOne("aten.clamp.default", {Values(kI64, {3}, {-1, 0, 2})}, {X(0), F(-0.5)}),
               kF32, {3}, {-0.5, 0, 2});
  ExpectValues(EvaluateOne("aten.clamp.Tensor",
                           {Values(kF64, {3}, {-3, 0, 3}), Values(kF64, {3}, {-1, -1, 5}),
                            Values(kF64, {}, {1})},
                           {X(0), X(1), X(2)}),
               kF64, {3}, {-1, 0, 1});
  // A missing bound clamps nothing, whatever the dtype.
  ExpectValues(
      EvaluateOne("aten.clamp.Tensor", {Values(kI64, {3}, {-3, 0, 5}), Values(kI64, {}, {2})},
                  {X(0), None(), X(1)}),
      kI64, {3}, {-3, 0, 2});
  // hardtanh keeps an integer dtype, truncating its bounds.
  ExpectValues(EvaluateOne("aten.hardtanh.default", {Values(kI64, {3}, {-5, 0, 5})},
                           {X(0), F(-1.5), F(2.5)}),
               kI64, {3}, {-1, 0, 2});
}

TEST(PointwiseKernelTest, PowFollowsATenForIntegers) {
  ExpectValues(EvaluateOne("aten.pow.Tensor_Scalar", {Values(kI64, {3}, {2, 3, -2})}, {X(0), I(2)}),
               kI64, {3}, {4, 9, 4});
  ExpectValues(EvaluateOne("aten.pow.Tensor_Scalar", {Values(kI64, {2}, {4, 9})}, {X(0), F(0.5)}),
               kF32, {2}, {2, 3});
  ExpectValues(
      EvaluateOne("aten.pow.Tensor_Tensor",
                  {Values(kI64, {5}, {2, 1, -1, -1, 0}), Values(kI64, {5}, {-1, -3, -3, -2, 0})},
                  {X(0), X(1)}),
      kI64, {5}, {0, 1, -1, 1, 1});
  ExpectValues(EvaluateOne("aten.pow.Scalar", {Values(kI64, {3}, {0, 1, 3})}, {I(2), X(0)}), kI64,
               {3}, {1, 2, 8});
  ExpectValues(EvaluateOne("aten.pow.Scalar", {Values(kI64, {2}, {-1, 2})}, {F(2), X(0)}), kF32,
               {2}, {0.5, 4});
  ExpectValues(EvaluateOne("aten.pow.Tensor_Scalar", {Values(kF64, {2}, {kNaN, 0})}, {X(0), I(0)}),
               kF64, {2}, {1, 1});
}

TEST(PointwiseKernelTest, InPlaceOpsComputeTheNewValue) {
  // aten.add_.Tensor(num_batches_tracked, 1), as in the CNN workload.
  ExpectValues(EvaluateOne("aten.add_.Tensor", {Values(kI64, {}, {4})}, {X(0), I(1)}), kI64, {},
               {5});
  // float32 self with a float64 tensor: computed in float64, stored as float32.
  HostTensor self = Values(kF32, {2}, {1, 1});
  HostTensor tiny = Values(kF64, {2}, {1e-8, 3});
  ExpectValues(EvaluateOne("aten.add_.Tensor", {self, tiny}, {X(0), X(1)}, {{"alpha", I(2)}}), kF32,
               {2}, {1, 7});
  ExpectValues(
      EvaluateOne("aten.mul_.Tensor",
                  {Values(kF32, {2, 2}, {1, 2, 3, 4}), Values(kF32, {2}, {10, -1})}, {X(0), X(1)}),
      kF32, {2, 2}, {10, -2, 30, -4});
  ExpectValues(EvaluateOne("aten.relu_.default", {Values(kF32, {2}, {-1, 1})}, {X(0)}), kF32, {2},
               {0, 1});
  ExpectValues(EvaluateOne("aten.copy_.default",
                           {Values(kI32, {2, 2}, {0, 0, 0, 0}), Values(kF64, {2}, {1.9, -2.5})},
                           {X(0), X(1)}),
               kI32, {2, 2}, {1, -2, 1, -2});
  ExpectValues(EvaluateOne("aten.fill.Scalar", {Values(kI64, {3}, {1, 2, 3})}, {X(0), F(2.5)}),
               kI64, {3}, {2, 2, 2});
}

TEST(PointwiseKernelTest, InPlaceFormsOfPureOps) {
  HostTensor x = Values(kF32, {3}, {-1, 0, 2});
  ExpectValues(EvaluateOne("aten.sigmoid_.default", {x}, {X(0)}), kF32, {3},
               {1 / (1 + std::exp(1.0)), 0.5, 1 / (1 + std::exp(-2.0))});
  ExpectValues(EvaluateOne("aten.tanh_.default", {x}, {X(0)}), kF32, {3},
               {std::tanh(-1.0), 0, std::tanh(2.0)});
  ExpectValues(EvaluateOne("aten.div_.Scalar", {x}, {X(0), I(4)}), kF32, {3}, {-0.25, 0, 0.5});
  ExpectValues(EvaluateOne("aten.div_.Tensor", {x, Values(kF64, {1}, {2})}, {X(0), X(1)}), kF32,
               {3}, {-0.5, 0, 1});
  ExpectValues(EvaluateOne("aten.mul_.Scalar", {Values(kI64, {2}, {3, -2})}, {X(0), I(3)}), kI64,
               {2}, {9, -6});
  ExpectValues(EvaluateOne("aten.add_.Scalar", {x}, {X(0), F(1.5), I(2)}), kF32, {3}, {2, 3, 5});
  ExpectValues(EvaluateOne("aten.sub_.Tensor", {x, Values(kF32, {1}, {1})}, {X(0), X(1)}), kF32,
               {3}, {-2, -1, 1});
  HostTensor t = EvaluateOne("aten.transpose_.default", {Values(kI64, {2, 2}, {1, 2, 3, 4})},
                             {X(0), I(0), I(1)});
  ExpectValues(t, kI64, {2, 2}, {1, 3, 2, 4});
}

TEST(PointwiseInferTest, TypePromotionFollowsPyTorch) {
  // A Python float does not widen a float32 tensor; an int tensor becomes
  // float32; a 0-dim float64 tensor does not widen a float32 tensor.
  EXPECT_EQ(InferOne("aten.add.Tensor", {{T(kF32, {2})}, {X(0), F(1.5)}}).dtype, kF32);
  EXPECT_EQ(InferOne("aten.add.Tensor", {{T(kI64, {2})}, {X(0), F(1.5)}}).dtype, kF32);
  EXPECT_EQ(InferOne("aten.add.Tensor", {{T(kI32, {2})}, {X(0), I(1)}}).dtype, kI32);
  EXPECT_EQ(InferOne("aten.add.Tensor", {{T(kF32, {2}), T(kF64, {})}, {X(0), X(1)}}).dtype, kF32);
  EXPECT_EQ(InferOne("aten.add.Tensor", {{T(kF32, {2}), T(kF64, {2})}, {X(0), X(1)}}).dtype, kF64);
  EXPECT_EQ(
      InferOne("aten.add.Tensor", {{T(DType::kUInt8, {2}), T(DType::kInt8, {2})}, {X(0), X(1)}})
          .dtype,
      DType::kInt16);
  EXPECT_EQ(InferOne("aten.add.Tensor", {{T(kBool, {2}), T(kBool, {2})}, {X(0), X(1)}}).dtype,
            kBool);
  EXPECT_EQ(InferOne("aten.mul.Scalar", {{T(kI32, {2})}, {X(0), F(0.5)}}).dtype, kF32);
  EXPECT_EQ(InferOne("aten.mul.Tensor",
                     {{T(DType::kFloat16, {2}), T(DType::kBFloat16, {2})}, {X(0), X(1)}})
                .dtype,
            kF32);
  EXPECT_EQ(InferOne("aten.div.Tensor", {{T(kI64, {2}), T(kI64, {2})}, {X(0), X(1)}}).dtype, kF32);
  EXPECT_EQ(InferOne("aten.div.Scalar", {{T(kI64, {2})}, {X(0), I(2)}}).dtype, kF32);
  EXPECT_EQ(InferOne("aten.div.Tensor_mode",
                     {{T(kI64, {2}), T(kI32, {2})}, {X(0), X(1)}, {{"rounding_mode", S("floor")}}})
                .dtype,
            kI64);
  EXPECT_EQ(
      InferOne("aten.div.Tensor_mode", {{T(kI64, {2})}, {X(0), I(2)}, {{"rounding_mode", None()}}})
          .dtype,
      kF32);
  EXPECT_EQ(InferOne("aten.sigmoid.default", {{T(kI64, {2})}, {X(0)}}).dtype, kF32);
  EXPECT_EQ(InferOne("aten.abs.default", {{T(kI32, {2})}, {X(0)}}).dtype, kI32);
  EXPECT_EQ(InferOne("aten.reciprocal.default", {{T(kBool, {2})}, {X(0)}}).dtype, kF32);
  EXPECT_EQ(InferOne("aten.logical_not.default", {{T(kF32, {2})}, {X(0)}}).dtype, kBool);
  EXPECT_EQ(InferOne("aten.lt.Tensor", {{T(kF32, {2}), T(kI64, {2})}, {X(0), X(1)}}).dtype, kBool);
  EXPECT_EQ(InferOne("aten.eq.Scalar", {{T(kI64, {2})}, {X(0), F(0.5)}}).dtype, kBool);
  EXPECT_EQ(InferOne("aten.pow.Tensor_Scalar", {{T(kI64, {2})}, {X(0), F(2)}}).dtype, kF32);
  EXPECT_EQ(InferOne("aten.pow.Tensor_Scalar", {{T(kI64, {2})}, {X(0), I(2)}}).dtype, kI64);
  EXPECT_EQ(InferOne("aten.pow.Scalar", {{T(kI32, {2})}, {F(2), X(0)}}).dtype, kF32);
  EXPECT_EQ(InferOne("aten.pow.Tensor_Tensor", {{T(kF32, {2}), T(kF64, {})}, {X(0), X(1)}}).dtype,
            kF32);
  EXPECT_EQ(InferOne("aten.maximum.default", {{T(kI64, {2}), T(kF32, {2})}, {X(0), X(1)}}).dtype,
            kF32);
  EXPECT_EQ(
      InferOne("aten.where.self", {{T(kBool, {2}), T(kI64, {2}), T(kF32, {})}, {X(0), X(1), X(2)}})
          .dtype,
      kF32);
  EXPECT_EQ(
      InferOne("aten.masked_fill.Scalar", {{T(kI64, {2}), T(kBool, {2})}, {X(0), X(1), F(0.5)}})
          .dtype,
      kI64);
  EXPECT_EQ(InferOne("aten.clamp.default", {{T(kI64, {2})}, {X(0), I(0), F(0.5)}}).dtype, kF32);
  EXPECT_EQ(InferOne("aten.clamp.default", {{T(kF32, {2})}, {X(0), I(0)}}).dtype, kF32);
  EXPECT_EQ(InferOne("aten.clamp.Tensor", {{T(kF32, {2}), T(kF64, {2})}, {X(0), X(1)}}).dtype,
            kF64);
  EXPECT_EQ(InferOne("aten.threshold_backward.default",
                     {{T(kF32, {2}), T(kF32, {2})}, {X(0), X(1), I(0)}})
                .dtype,
            kF32);
  EXPECT_EQ(InferOne("aten._to_copy.default", {{T(kF32, {2})}, {X(0)}, WithDType(DType::kBFloat16)})
                .dtype,
            DType::kBFloat16);
  EXPECT_EQ(InferOne("aten._to_copy.default", {{T(kI32, {2})}, {X(0)}}).dtype, kI32);
  EXPECT_EQ(InferOne("aten.add_.Tensor", {{T(kI64, {})}, {X(0), I(1)}}).dtype, kI64);
  EXPECT_EQ(InferOne("aten.add_.Tensor", {{T(kF32, {2}), T(kF64, {2})}, {X(0), X(1)}}).dtype, kF32);
}

TEST(PointwiseInferTest, ShapesAndStrides) {
  EXPECT_EQ(InferOne("aten.where.self",
                     {{T(kBool, {2, 1, 1}), T(kF32, {3, 1}), T(kF32, {4})}, {X(0), X(1), X(2)}}),
            T(kF32, {2, 3, 4}));
  EXPECT_EQ(InferOne("aten.clamp.Tensor", {{T(kF32, {3, 1}), T(kF32, {4})}, {X(0), None(), X(1)}}),
            T(kF32, {3, 4}));
  EXPECT_EQ(
      InferOne("aten.masked_fill.Scalar", {{T(kF32, {3}), T(kBool, {2, 1})}, {X(0), X(1), I(0)}}),
      T(kF32, {2, 3}));
  EXPECT_EQ(InferOne("aten.eq.Scalar", {{Transposed(kF32, {2, 3})}, {X(0), I(0)}}),
            T(kBool, {2, 3}));
  EXPECT_EQ(InferOne("aten.pow.Scalar", {{T(kF32, {2, 3})}, {F(2), X(0)}}), T(kF32, {2, 3}));
  EXPECT_EQ(InferOne("aten.elu_backward.default",
                     {{T(kF32, {2, 3}), T(kF32, {3})}, {X(0), I(1), I(1), I(1), B(false), X(1)}}),
            T(kF32, {2, 3}));
  // New results are contiguous, even from non-contiguous inputs.
  EXPECT_EQ(InferOne("aten.sigmoid.default", {{Transposed(kF32, {2, 3})}, {X(0)}}),
            T(kF32, {2, 3}));
  EXPECT_EQ(
      InferOne("aten._to_copy.default", {{Transposed(kF32, {2, 3})}, {X(0)}, WithDType(kF64)}),
      T(kF64, {2, 3}));
  // Explicit channels_last: channels innermost.
  TensorType nhwc = InferOne("aten._to_copy.default",
                             {{T(kF32, {2, 3, 4, 5})}, {X(0)}, WithFormat("channels_last")});
  EXPECT_EQ(nhwc.strides, (Dims{60, 1, 15, 3}));
  // In-place ops and a no-op to.dtype return self, strides included.
  EXPECT_EQ(InferOne("aten.add_.Tensor", {{Transposed(kF32, {2, 3}), T(kF32, {3})}, {X(0), X(1)}}),
            Transposed(kF32, {2, 3}));
  EXPECT_EQ(InferOne("aten.relu_.default", {{Transposed(kF32, {2, 3})}, {X(0)}}),
            Transposed(kF32, {2, 3}));
  EXPECT_EQ(
      InferOne("aten.copy_.default", {{Transposed(kF32, {2, 3}), T(kF64, {3})}, {X(0), X(1)}}),
      Transposed(kF32, {2, 3}));
  EXPECT_EQ(InferOne("aten.to.dtype", {{Transposed(kF32, {2, 3})}, {X(0), D(kF32)}}),
            Transposed(kF32, {2, 3}));
  EXPECT_EQ(
      InferOne("aten.to.dtype", {{Transposed(kF32, {2, 3})}, {X(0), D(kF32), B(false), B(true)}}),
      T(kF32, {2, 3}));
}

TEST(PointwiseInferTest, Errors) {
  EXPECT_THAT(ErrorOf("aten.mul.Tensor", {{T(kF64, {2, 3}), T(kF64, {4})}, {X(0), X(1)}}),
              HasSubstr("shapes [2,3] and [4] do not broadcast"));
  EXPECT_THAT(
      ErrorOf("aten.where.self", {{T(kBool, {2}), T(kF32, {3}), T(kF32, {3})}, {X(0), X(1), X(2)}}),
      HasSubstr("shapes [2] and [3] do not broadcast"));
  EXPECT_THAT(
      ErrorOf("aten.where.self", {{T(kF32, {2}), T(kF32, {2}), T(kF32, {2})}, {X(0), X(1), X(2)}}),
      HasSubstr("condition to be a boolean tensor"));
  EXPECT_THAT(ErrorOf("aten.eq.Tensor", {{T(kF32, {2, 3}), T(kF32, {2})}, {X(0), X(1)}}),
              HasSubstr("shapes [2,3] and [2] do not broadcast"));
  EXPECT_THAT(ErrorOf("aten.add_.Tensor", {{T(kF32, {3}), T(kF32, {2, 3})}, {X(0), X(1)}}),
              HasSubstr("output with shape [3] doesn't match the broadcast shape [2,3]"));
  EXPECT_THAT(ErrorOf("aten.add_.Tensor", {{T(kI64, {3}), T(kF32, {3})}, {X(0), X(1)}}),
              HasSubstr("result type float32 can't be cast to the desired output type int64"));
  EXPECT_THAT(ErrorOf("aten.mul_.Tensor", {{T(kF32, {3}), T(kF32, {2, 3})}, {X(0), X(1)}}),
              HasSubstr("doesn't match the broadcast shape"));
  EXPECT_THAT(ErrorOf("aten.copy_.default", {{T(kF32, {3}), T(kF32, {2, 3})}, {X(0), X(1)}}),
              HasSubstr("source of shape [2,3] does not broadcast to self's shape [3]"));
  EXPECT_THAT(
      ErrorOf("aten.add.Tensor", {{T(kI64, {3}), T(kI64, {3})}, {X(0), X(1)}, {{"alpha", F(0.5)}}}),
      HasSubstr("alpha must not be a floating point number"));
  EXPECT_THAT(ErrorOf("aten.sub.Tensor", {{T(kBool, {3}), T(kBool, {3})}, {X(0), X(1)}}),
              HasSubstr("with a bool tensor is not supported"));
  EXPECT_THAT(ErrorOf("aten.rsub.Scalar", {{T(kF32, {3})}, {X(0), B(true)}}),
              HasSubstr("with a bool tensor is not supported"));
  EXPECT_THAT(ErrorOf("aten.neg.default", {{T(kBool, {3})}, {X(0)}}), HasSubstr("bool tensor"));
  EXPECT_THAT(ErrorOf("aten.pow.Tensor_Scalar", {{T(kI64, {3})}, {X(0), I(-1)}}),
              HasSubstr("negative integer powers"));
  EXPECT_THAT(ErrorOf("aten.masked_fill.Scalar",
                      {{T(kF32, {3}), T(DType::kUInt8, {3})}, {X(0), X(1), I(0)}}),
              HasSubstr("boolean masks"));
  EXPECT_THAT(
      ErrorOf("aten.masked_fill.Scalar", {{T(kF32, {3}), T(kBool, {4})}, {X(0), X(1), I(0)}}),
      HasSubstr("shapes [3] and [4] do not broadcast"));
  EXPECT_THAT(ErrorOf("aten.masked_fill.Tensor",
                      {{T(kF32, {3}), T(kBool, {3}), T(kF32, {1})}, {X(0), X(1), X(2)}}),
              HasSubstr("0-dimensional value tensor"));
  EXPECT_THAT(ErrorOf("aten.gelu.default", {{T(kF32, {3})}, {X(0)}, {{"approximate", S("fast")}}}),
              HasSubstr("approximate"));
  EXPECT_THAT(ErrorOf("aten.gelu_backward.default",
                      {{T(kF32, {3}), T(kF32, {3})}, {X(0), X(1)}, {{"approximate", S("fast")}}}),
              HasSubstr("approximate"));
  EXPECT_THAT(ErrorOf("aten.gelu.default", {{T(kI64, {3})}, {X(0)}}), HasSubstr("floating-point"));
  EXPECT_THAT(ErrorOf("aten.silu.default", {{T(kI64, {3})}, {X(0)}}), HasSubstr("floating-point"));
  EXPECT_THAT(ErrorOf("aten.clamp.default", {{T(kF32, {3})}, {X(0)}}), HasSubstr("at least one"));
  EXPECT_THAT(ErrorOf("aten.clamp.Tensor", {{T(kF32, {3})}, {X(0)}}), HasSubstr("at least one"));
  EXPECT_THAT(ErrorOf("aten.clamp.Tensor", {{T(kF32, {3}), T(kF32, {2})}, {X(0), X(1)}}),
              HasSubstr("shapes [3] and [2] do not broadcast"));
  EXPECT_THAT(ErrorOf("aten.hardtanh.default", {{T(kBool, {3})}, {X(0)}}), HasSubstr("bool"));
  EXPECT_THAT(
      ErrorOf("aten.div.Tensor_mode",
              {{T(kF32, {3}), T(kF32, {3})}, {X(0), X(1)}, {{"rounding_mode", S("round")}}}),
      HasSubstr("rounding_mode"));
  EXPECT_THAT(
      ErrorOf("aten._to_copy.default", {{T(kF32, {2, 3})}, {X(0)}, WithFormat("channels_last")}),
      HasSubstr("shape [2,3]"));
  EXPECT_THAT(ErrorOf("aten._to_copy.default",
                      {{T(kF32, {2, 3})}, {X(0)}, {{"layout", Argument::Layout("sparse_coo")}}}),
              HasSubstr("strided"));
}

}  // namespace
}  // namespace aotd::ops::testing
