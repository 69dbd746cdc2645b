// Unary math ops: inference, kernels and finite-difference gradients.
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

TEST(PointwiseGradientTest, UnaryMath) {
  ExpectGradients({
      {"aten.neg.default", Make({Transposed(kF64, {2, 3})}, {X(0)})},
      {"aten.exp.default", Make({Transposed(kF64, {3, 2})}, {X(0)}, {}, "non-contiguous")},
      {"aten.abs.default", Make({Transposed(kF64, {2, 3})}, {X(0)})},
      {"aten.sgn.default", Make({Transposed(kF64, {2, 3})}, {X(0)})},
      {"aten.log.default", Positive({Transposed(kF64, {2, 3})}, {X(0)})},
      {"aten.log1p.default", Positive({Transposed(kF64, {2, 3})}, {X(0)})},
      {"aten.sqrt.default", Positive({Transposed(kF64, {2, 3})}, {X(0)})},
      {"aten.rsqrt.default", Positive({Transposed(kF64, {2, 3})}, {X(0)})},
      {"aten.reciprocal.default", Positive({Transposed(kF64, {2, 3})}, {X(0)})},
      {"aten.sin.default", Make({Transposed(kF64, {2, 3})}, {X(0)})},
      {"aten.cos.default", Make({Transposed(kF64, {2, 3})}, {X(0)})},
      {"aten.tanh.default", Make({Transposed(kF64, {2, 3})}, {X(0)})},
      {"aten.sigmoid.default", Make({Transposed(kF64, {2, 3})}, {X(0)})},
      {"aten.erf.default", Make({Transposed(kF64, {2, 3})}, {X(0)})},
      {"aten.expm1.default", Make({Transposed(kF64, {2, 3})}, {X(0)})},
      {"aten.sign.default", Make({Transposed(kF64, {2, 3})}, {X(0)})},
      {"aten.acos.default", Make({Transposed(kF64, {2, 3})}, {X(0)}, {}, "", -0.9, 0.9)},
      {"aten.asin.default", Make({Transposed(kF64, {2, 3})}, {X(0)}, {}, "", -0.9, 0.9)},
      {"aten.atan.default", Make({Transposed(kF64, {2, 3})}, {X(0)})},
      {"aten.sinh.default", Make({Transposed(kF64, {2, 3})}, {X(0)})},
      {"aten.cosh.default", Make({Transposed(kF64, {2, 3})}, {X(0)})},
      {"aten.acosh.default", Make({Transposed(kF64, {2, 3})}, {X(0)}, {}, "", 1.2, 3)},
      {"aten.asinh.default", Make({Transposed(kF64, {2, 3})}, {X(0)})},
      {"aten.atanh.default", Make({Transposed(kF64, {2, 3})}, {X(0)}, {}, "", -0.9, 0.9)},
      {"aten.atan2.default", Make({Transposed(kF64, {2, 3}), T(kF64, {3})}, {X(0), X(1)})},
      {"aten.atan2.default", Make({T(kF64, {2, 3}), T(kF64, {})}, {X(0), X(1)}, {}, "0-d other")},
      {"aten.lift_fresh_copy.default", Make({Transposed(kF64, {2, 3})}, {X(0)})},
  });
}

TEST(PointwiseKernelTest, SignExpm1AndBitwiseNot) {
  ExpectValues(EvaluateOne("aten.sign.default", {Values(kF64, {4}, {-2, 0, 3, kNaN})}, {X(0)}),
               kF64, {4}, {-1, 0, 1, 0});
  ExpectValues(EvaluateOne("aten.sign.default", {Values(kBool, {2}, {0, 1})}, {X(0)}), kBool, {2},
               {0, 1});
  ExpectValues(EvaluateOne("aten.expm1.default", {Values(kI64, {2}, {0, 1})}, {X(0)}), kF32, {2},
               {0, static_cast<float>(std::expm1(1.0))});
  ExpectValues(EvaluateOne("aten.bitwise_not.default", {Values(kI32, {3}, {0, 5, -1})}, {X(0)}),
               kI32, {3}, {-1, -6, 0});
  ExpectValues(EvaluateOne("aten.bitwise_not.default", {Values(ir::DType::kUInt8, {2}, {0, 200})},
                           {X(0)}),
               ir::DType::kUInt8, {2}, {255, 55});
  ExpectValues(EvaluateOne("aten.bitwise_not.default", {Values(kBool, {2}, {0, 1})}, {X(0)}), kBool,
               {2}, {1, 0});
  ExpectValues(EvaluateOne("aten.lift_fresh_copy.default", {Values(kI64, {2}, {7, 8})}, {X(0)}),
               kI64, {2}, {7, 8});
}

TEST(PointwiseKernelTest, InverseAndHyperbolicTrigonometry) {
  ExpectValues(EvaluateOne("aten.acos.default", {Values(kF64, {3}, {1, 0, 2})}, {X(0)}), kF64, {3},
               {0, std::acos(0.0), kNaN});
  ExpectValues(EvaluateOne("aten.atanh.default", {Values(kF64, {2}, {0.5, 1})}, {X(0)}), kF64, {2},
               {std::atanh(0.5), kInf});
  ExpectValues(EvaluateOne("aten.cosh.default", {Values(kI64, {2}, {0, 1})}, {X(0)}), kF32, {2},
               {1, static_cast<float>(std::cosh(1.0))});
  // atan2 promotes to a floating dtype and takes the quadrant from both signs.
  ExpectValues(EvaluateOne("aten.atan2.default",
                           {Values(kI64, {4}, {1, 1, -1, 0}), Values(kI32, {4}, {1, -1, -1, 0})},
                           {X(0), X(1)}),
               kF32, {4},
               {static_cast<float>(std::atan2(1.0, 1.0)), static_cast<float>(std::atan2(1.0, -1.0)),
                static_cast<float>(std::atan2(-1.0, -1.0)), 0});
}

TEST(PointwiseInferTest, InPlaceAndBitwiseErrors) {
  EXPECT_THAT(ErrorOf("aten.sigmoid_.default", Make({T(kI64, {3})}, {X(0)})),
              HasSubstr("can't be cast to the desired output type"));
  EXPECT_THAT(ErrorOf("aten.div_.Scalar", Make({T(kI32, {3})}, {X(0), I(2)})),
              HasSubstr("can't be cast"));
  EXPECT_THAT(ErrorOf("aten.sub_.Tensor", Make({T(kF32, {3}), T(kF32, {2, 3})}, {X(0), X(1)})),
              HasSubstr("doesn't match the broadcast shape"));
  EXPECT_THAT(ErrorOf("aten.bitwise_not.default", Make({T(kF32, {3})}, {X(0)})),
              HasSubstr("integer and bool"));
  EXPECT_EQ(InferOne("aten.mul_.Scalar", Make({Transposed(kF32, {2, 3})}, {X(0), F(0.5)})),
            Transposed(kF32, {2, 3}));
  EXPECT_EQ(InferOne("aten.transpose_.default", Make({T(kF32, {2, 3})}, {X(0), I(0), I(1)})).shape,
            Dims({3, 2}));
}

}  // namespace
}  // namespace aotd::ops::testing
