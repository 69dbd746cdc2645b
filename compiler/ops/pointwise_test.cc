// Pointwise ops: inference, kernels and finite-difference gradients.
#include "compiler/ops/testing/op_check.h"
#include "compiler/reference/evaluate.h"
#include "gtest/gtest.h"

namespace aotd::ops {
namespace {

using ir::Argument;
using ir::DType;
using testing::CheckGradients;
using testing::Sample;
using testing::T;
using testing::Transposed;

constexpr DType kF64 = DType::kFloat64;

TEST(PointwiseTest, ArithmeticGradients) {
  std::vector<std::pair<const char*, Sample>> cases = {
      {"aten.neg.default", {{T(kF64, {2, 3})}, {Argument::Value(0)}}},
      {"aten.exp.default", {{Transposed(kF64, {3, 2})}, {Argument::Value(0)}, {}, -2, 2, "non-contiguous"}},
      {"aten.add.Tensor", {{T(kF64, {2, 3}), T(kF64, {3})}, {Argument::Value(0), Argument::Value(1)}, {{"alpha", Argument::Float(0.5)}}, -2, 2, "broadcast, alpha"}},
      {"aten.add.Tensor", {{T(kF64, {2, 1}), T(kF64, {1, 3})}, {Argument::Value(0), Argument::Value(1)}, {}, -2, 2, "both broadcast"}},
      {"aten.mul.Tensor", {{T(kF64, {2, 3}), T(kF64, {2, 3})}, {Argument::Value(0), Argument::Value(1)}}},
      {"aten.mul.Tensor", {{T(kF64, {4})}, {Argument::Value(0), Argument::Float(0.25)}, {}, -2, 2, "wrapped number"}},
  };
  for (const auto& [op, sample] : cases) {
    absl::Status s = CheckGradients(op, sample);
    EXPECT_TRUE(s.ok()) << op << " " << sample.note << ": " << s;
  }
}

TEST(PointwiseTest, TypePromotionFollowsPyTorch) {
  auto result = [](std::vector<ir::TensorType> tensors, std::vector<Argument> args) {
    absl::StatusOr<ir::Graph> g = testing::OneNodeGraph("aten.add.Tensor", {tensors, args});
    EXPECT_TRUE(g.ok()) << g.status();
    return g.ok() ? g->type(g->outputs()[0]).dtype : DType::kBool;
  };
  // A Python float does not widen a float32 tensor; an int tensor becomes
  // float32; a 0-dim float64 tensor does not widen a float32 tensor.
  EXPECT_EQ(result({T(DType::kFloat32, {2})}, {Argument::Value(0), Argument::Float(1.5)}), DType::kFloat32);
  EXPECT_EQ(result({T(DType::kInt64, {2})}, {Argument::Value(0), Argument::Float(1.5)}), DType::kFloat32);
  EXPECT_EQ(result({T(DType::kInt32, {2})}, {Argument::Value(0), Argument::Int(1)}), DType::kInt32);
  EXPECT_EQ(result({T(DType::kFloat32, {2}), T(DType::kFloat64, {})}, {Argument::Value(0), Argument::Value(1)}), DType::kFloat32);
  EXPECT_EQ(result({T(DType::kFloat32, {2}), T(DType::kFloat64, {2})}, {Argument::Value(0), Argument::Value(1)}), DType::kFloat64);
  EXPECT_EQ(result({T(DType::kUInt8, {2}), T(DType::kInt8, {2})}, {Argument::Value(0), Argument::Value(1)}), DType::kInt16);
  EXPECT_EQ(result({T(DType::kBool, {2}), T(DType::kBool, {2})}, {Argument::Value(0), Argument::Value(1)}), DType::kBool);
}

TEST(PointwiseTest, BroadcastErrorNamesShapes) {
  absl::StatusOr<ir::Graph> g = testing::OneNodeGraph(
      "aten.mul.Tensor", {{T(kF64, {2, 3}), T(kF64, {4})}, {Argument::Value(0), Argument::Value(1)}});
  ASSERT_FALSE(g.ok());
  EXPECT_NE(g.status().message().find("shapes [2,3] and [4] do not broadcast"), std::string::npos)
      << g.status();
}

}  // namespace
}  // namespace aotd::ops
