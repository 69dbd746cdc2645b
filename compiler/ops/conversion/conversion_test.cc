// Conversions: inference, kernels and finite-difference gradients.
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

TEST(PointwiseGradientTest, Conversions) {
  ExpectGradients({
      {"aten._to_copy.default", Make({Transposed(kF64, {2, 3})}, {X(0)}, WithDType(kF64))},
      {"aten._to_copy.default",
       Make({T(kF32, {2, 3})}, {X(0)}, WithDType(kF64), "float32 to float64")},
      {"aten.to.dtype", Make({Transposed(kF64, {2, 3})}, {X(0), D(kF64), B(false), B(true)})},
      {"aten.fill.Scalar", Make({Transposed(kF64, {2, 3})}, {X(0), F(2)}, {}, "zero gradient")},
  });
}

// The gradient of a float32 value converted to float64 comes back float32.
TEST(PointwiseGradientTest, ConversionGradientKeepsInputDType) {
  absl::StatusOr<passes::JointGraph> joint =
      OneNodeJointGraph("aten._to_copy.default", Make({T(kF32, {2})}, {X(0)}, WithDType(kF64)));
  ASSERT_TRUE(joint.ok()) << joint.status();
  const ir::Graph& j = joint->graph;
  EXPECT_EQ(j.type(j.outputs().back()).dtype, kF32);
}

TEST(PointwiseKernelTest, Conversions) {
  HostTensor x = Values(kF64, {4}, {1.7, -1.7, 0, kNaN});
  ExpectValues(EvaluateOne("aten._to_copy.default", {x}, {X(0)}, WithDType(kBool)), kBool, {4},
               {1, 1, 0, 1});
  ExpectValues(EvaluateOne("aten._to_copy.default", {Values(kF64, {2}, {1.7, -1.7})}, {X(0)},
                           WithDType(kI32)),
               kI32, {2}, {1, -1});
  ExpectValues(EvaluateOne("aten.to.dtype", {Values(kF64, {1}, {0.1})}, {X(0), D(kF32)}), kF32, {1},
               {static_cast<float>(0.1)});
  ExpectValues(EvaluateOne("aten._to_copy.default", {Values(kF32, {1}, {3})}, {X(0)}), kF32, {1},
               {3});
}

}  // namespace
}  // namespace aotd::ops::testing
