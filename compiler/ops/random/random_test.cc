// Random ops: result types, errors, and the statistics of their values.
#include <cmath>
#include <string>
#include <vector>

#include "compiler/ops/core/registry.h"
#include "compiler/ops/testing/op_check.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace aotd::ops::testing {
namespace {

using ::testing::HasSubstr;

TEST(RandomTest, BernoulliKeepsShapeAndDType) {
  // Any dtype; a new contiguous tensor even for a non-contiguous self.
  for (DType d : {kF32, kF64, kI64, kI32, kBool}) {
    EXPECT_EQ(InferOne("aten.bernoulli.p", {{Transposed(d, {2, 3})}, {X(0), F(0.5)}}),
              TensorType::Contiguous(d, {2, 3}));
  }
  // In place: self's own type.
  TensorType t = Transposed(kF32, {2, 3});
  EXPECT_EQ(InferOne("aten.bernoulli_.float", {{t}, {X(0)}}), t);
  EXPECT_TRUE(OpRegistry::Global().Find("aten.bernoulli.p")->random);
  EXPECT_TRUE(OpRegistry::Global().Find("aten.bernoulli_.float")->random);
  EXPECT_FALSE(OpRegistry::Global().Find("aten.exp.default")->random);
}

TEST(RandomTest, BernoulliRejectsProbabilitiesOutsideZeroOne) {
  EXPECT_THAT(ErrorOf("aten.bernoulli.p", {{T(kF32, {2})}, {X(0), F(1.5)}}),
              HasSubstr("p to be in [0, 1], but got p=1.5"));
  EXPECT_THAT(ErrorOf("aten.bernoulli_.float", {{T(kF32, {2})}, {X(0), F(-0.25)}}),
              HasSubstr("but got p=-0.25"));
  EXPECT_THAT(ErrorOf("aten.bernoulli.p", {{T(kF32, {2})}, {X(0), F(kNaN)}}), HasSubstr("p=nan"));
}

TEST(RandomTest, BernoulliDrawsZerosAndOnesWithMeanP) {
  const int64_t n = 20000;
  HostTensor x(kF32, {n});
  for (double p : {0.0, 0.2, 0.5, 1.0}) {
    HostTensor a = EvaluateOne("aten.bernoulli.p", {x}, {X(0), F(p)});
    double sum = 0;
    for (double v : a.data) {
      EXPECT_TRUE(v == 0 || v == 1) << v;
      sum += v;
    }
    // Five standard deviations of the mean of n draws (at most 0.0035).
    EXPECT_NEAR(sum / n, p, 5 * std::sqrt(p * (1 - p) / n) + 1e-12) << "p=" << p;
  }
  // Two calls draw different values; integer and bool results too.
  HostTensor a = EvaluateOne("aten.bernoulli.p", {x}, {X(0), F(0.5)});
  HostTensor b = EvaluateOne("aten.bernoulli.p", {x}, {X(0), F(0.5)});
  EXPECT_NE(a.data, b.data);
  HostTensor c = EvaluateOne("aten.bernoulli.p", {HostTensor(kBool, {8})}, {X(0), F(1.0)});
  EXPECT_EQ(c.dtype, kBool);
  EXPECT_EQ(c.data, std::vector<double>(8, 1.0));
}

TEST(RandomTest, BernoulliPassesNoGradient) {
  absl::StatusOr<passes::JointGraph> joint =
      OneNodeJointGraph("aten.bernoulli.p", {{T(kF64, {3})}, {X(0), F(0.5)}});
  ASSERT_TRUE(joint.ok()) << joint.status();
  EXPECT_TRUE(joint->tangent_outputs.empty());
}

}  // namespace
}  // namespace aotd::ops::testing
