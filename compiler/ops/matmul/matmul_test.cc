// Matrix products: inference, kernels and finite-difference gradients.
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

}  // namespace
}  // namespace aotd::ops::testing
