// Activations: inference, kernels and finite-difference gradients.
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

TEST(PointwiseGradientTest, Activations) {
  ExpectGradients({
      {"aten.relu.default", Make({Transposed(kF64, {2, 3})}, {X(0)})},
      {"aten.gelu.default", Make({Transposed(kF64, {2, 3})}, {X(0)}, {}, "erf")},
      {"aten.gelu.default",
       Make({T(kF64, {6})}, {X(0)}, {{"approximate", S("tanh")}}, "tanh approximation", -3, 3)},
      {"aten.silu.default", Make({Transposed(kF64, {2, 3})}, {X(0)})},
      {"aten.softplus.default",
       Make({Transposed(kF64, {2, 3})}, {X(0), F(2), F(1)}, {}, "beta 2, threshold 1: both sides")},
      {"aten.softplus.default", Make({T(kF64, {4})}, {X(0)}, {}, "defaults")},
      {"aten.elu.default",
       Make({Transposed(kF64, {2, 3})}, {X(0), F(1.5), F(2), F(0.5)}, {}, "alpha, scales")},
      {"aten.leaky_relu.default", Make({Transposed(kF64, {2, 3})}, {X(0), F(0.2)})},
      {"aten.hardtanh.default", Make({Transposed(kF64, {2, 3})}, {X(0), F(-0.5), F(1.5)})},
      {"aten.clamp.default", Make({Transposed(kF64, {2, 3})}, {X(0), F(-1), F(1)}, {}, "both")},
      {"aten.clamp.default", Make({T(kF64, {6})}, {X(0), I(0)}, {}, "min only")},
      {"aten.clamp.default", Make({T(kF64, {6})}, {X(0), None(), F(0.5)}, {}, "max")},
      {"aten.clamp.Tensor", Make({Transposed(kF64, {2, 3}), T(kF64, {3}), T(kF64, {2, 1})},
                                 {X(0), X(1), X(2)}, {}, "broadcast bounds, some min > max")},
      {"aten.clamp.Tensor", Make({T(kF64, {2, 3}), T(kF64, {3})}, {X(0), X(1)}, {}, "min only")},
      {"aten.clamp.Tensor",
       Make({T(kF64, {2, 3}), T(kF64, {2, 3})}, {X(0), None(), X(1)}, {}, "max only")},
  });
}

TEST(PointwiseGradientTest, BackwardOpsHaveDoubleBackward) {
  auto pair = [](TensorType a, TensorType b) { return std::vector<TensorType>{a, b}; };
  ExpectGradients({
      {"aten.threshold_backward.default",
       Make(pair(Transposed(kF64, {2, 3}), T(kF64, {3})), {X(0), X(1), F(0.5)}, {}, "broadcast")},
      {"aten.gelu_backward.default",
       Make(pair(T(kF64, {2, 1}), Transposed(kF64, {2, 3})), {X(0), X(1)}, {}, "erf, broadcast")},
      {"aten.gelu_backward.default",
       Make(pair(T(kF64, {2, 3}), Transposed(kF64, {2, 3})), {X(0), X(1)},
            {{"approximate", S("tanh")}}, "tanh", -3, 3)},
      {"aten.sigmoid_backward.default",
       Make(pair(Transposed(kF64, {2, 3}), T(kF64, {3})), {X(0), X(1)}, {}, "broadcast")},
      {"aten.tanh_backward.default",
       Make(pair(T(kF64, {3}), Transposed(kF64, {2, 3})), {X(0), X(1)}, {}, "broadcast")},
      {"aten.elu_backward.default",
       Make(pair(Transposed(kF64, {2, 3}), T(kF64, {2, 1})),
            {X(0), F(1.5), F(2), F(0.5), B(false), X(1)}, {}, "input, broadcast")},
      {"aten.elu_backward.default",
       Make(pair(T(kF64, {2, 3}), Transposed(kF64, {2, 3})),
            {X(0), F(1.5), F(2), F(0.5), B(true), X(1)}, {}, "result")},
      {"aten.leaky_relu_backward.default", Make(pair(Transposed(kF64, {2, 3}), T(kF64, {3})),
                                                {X(0), X(1), F(0.1), B(false)}, {}, "broadcast")},
      {"aten.hardtanh_backward.default", Make(pair(Transposed(kF64, {2, 3}), T(kF64, {1, 3})),
                                              {X(0), X(1), F(-1), F(1)}, {}, "broadcast")},
      {"aten.softplus_backward.default",
       Make(pair(T(kF64, {3}), Transposed(kF64, {2, 3})), {X(0), X(1), F(2), F(1)}, {},
            "broadcast, beta 2, threshold 1")},
      {"aten.silu_backward.default",
       Make(pair(Transposed(kF64, {2, 3}), T(kF64, {2, 1})), {X(0), X(1)}, {}, "broadcast")},
  });
}

// Ops used in joint graphs, as functorch's graphs use them.
TEST(PointwiseGradientTest, FormulasUseTheATenBackwardOps) {
  auto joint_ops = [](const char* op, const Sample& sample) {
    std::vector<std::string> ops;
    absl::StatusOr<passes::JointGraph> joint = OneNodeJointGraph(op, sample);
    EXPECT_TRUE(joint.ok()) << joint.status();
    if (!joint.ok()) return ops;
    for (const ir::Node& n : joint->graph.nodes()) ops.push_back(n.op);
    return ops;
  };
  using Ops = std::vector<std::string>;
  EXPECT_EQ(joint_ops("aten.relu.default", Make({T(kF32, {3})}, {X(0)})),
            (Ops{"aten.relu.default", "aten.threshold_backward.default"}));
  EXPECT_EQ(joint_ops("aten.gelu.default", Make({T(kF32, {3})}, {X(0)})),
            (Ops{"aten.gelu.default", "aten.gelu_backward.default"}));
  EXPECT_EQ(joint_ops("aten.sigmoid.default", Make({T(kF32, {3})}, {X(0)})),
            (Ops{"aten.sigmoid.default", "aten.sigmoid_backward.default"}));
  // alpha 1 multiplies nothing; sub negates.
  EXPECT_EQ(joint_ops("aten.sub.Tensor", Make({T(kF32, {3}), T(kF32, {3})}, {X(0), X(1)})),
            (Ops{"aten.sub.Tensor", "aten.neg.default"}));
}

TEST(PointwiseKernelTest, ActivationValues) {
  HostTensor x = Values(kF64, {4}, {-1, 0, 1, kNaN});
  ExpectValues(EvaluateOne("aten.relu.default", {x}, {X(0)}), kF64, {4}, {0, 0, 1, kNaN});
  ExpectValues(EvaluateOne("aten.gelu.default", {x}, {X(0)}), kF64, {4},
               {-0.15865525393145707, 0, 0.8413447460685429, kNaN});
  ExpectValues(EvaluateOne("aten.gelu.default", {x}, {X(0)}, {{"approximate", S("tanh")}}), kF64,
               {4}, {-0.15880800939172324, 0, 0.8411919906082768, kNaN});
  ExpectValues(EvaluateOne("aten.silu.default", {x}, {X(0)}), kF64, {4},
               {-0.2689414213699951, 0, 0.7310585786300049, kNaN});
  ExpectValues(EvaluateOne("aten.sigmoid.default", {Values(kF32, {2}, {-kInf, kInf})}, {X(0)}),
               kF32, {2}, {0, 1});
  ExpectValues(EvaluateOne("aten.elu.default", {x}, {X(0), F(2), F(3), F(0.5)}), kF64, {4},
               {6 * std::expm1(-0.5), 0, 3, kNaN});
  ExpectValues(EvaluateOne("aten.leaky_relu.default", {x}, {X(0), F(0.1)}), kF64, {4},
               {-0.1, 0, 1, kNaN});
  // Above the threshold softplus is the identity.
  ExpectValues(EvaluateOne("aten.softplus.default", {Values(kF64, {2}, {30, 0})}, {X(0)}), kF64,
               {2}, {30, std::log(2.0)});
  ExpectValues(
      EvaluateOne("aten.softplus.default", {Values(kF64, {2}, {3, 0})}, {X(0), I(2), I(5)}), kF64,
      {2}, {3, std::log(2.0) / 2});
  ExpectValues(EvaluateOne("aten.sgn.default", {Values(kF64, {4}, {-0.5, 0, 3, kNaN})}, {X(0)}),
               kF64, {4}, {-1, 0, 1, 0});
  ExpectValues(EvaluateOne("aten.sigmoid.default", {Values(kI64, {1}, {0})}, {X(0)}), kF32, {1},
               {0.5});
  ExpectValues(EvaluateOne("aten.rsqrt.default", {Values(kF32, {2}, {0, 4})}, {X(0)}), kF32, {2},
               {kInf, 0.5});
  ExpectValues(EvaluateOne("aten.log.default", {Values(kF32, {2}, {0, -1})}, {X(0)}), kF32, {2},
               {-kInf, kNaN});
}

TEST(PointwiseKernelTest, BackwardOpValues) {
  HostTensor g = Values(kF64, {3}, {2, 2, 2});
  HostTensor x = Values(kF64, {3}, {-1, 0.5, 2});
  ExpectValues(EvaluateOne("aten.threshold_backward.default", {g, x}, {X(0), X(1), F(0.5)}), kF64,
               {3}, {0, 0, 2});
  ExpectValues(
      EvaluateOne("aten.leaky_relu_backward.default", {g, x}, {X(0), X(1), F(0.1), B(false)}), kF64,
      {3}, {0.2, 2, 2});
  ExpectValues(EvaluateOne("aten.hardtanh_backward.default", {g, x}, {X(0), X(1), F(-1), F(1)}),
               kF64, {3}, {0, 2, 0});
  ExpectValues(EvaluateOne("aten.sigmoid_backward.default", {g, x}, {X(0), X(1)}), kF64, {3},
               {-4, 0.5, -4});
  ExpectValues(EvaluateOne("aten.tanh_backward.default", {g, x}, {X(0), X(1)}), kF64, {3},
               {0, 1.5, -6});
  ExpectValues(
      EvaluateOne("aten.elu_backward.default", {g, x}, {X(0), F(1), F(1), F(1), B(false), X(1)}),
      kF64, {3}, {2 * std::exp(-1.0), 2, 2});
  // With is_result, self_or_result is elu's output: d = input_scale (y + alpha scale).
  ExpectValues(
      EvaluateOne("aten.elu_backward.default", {g, x}, {X(0), F(1), F(1), F(1), B(true), X(1)}),
      kF64, {3}, {0, 2, 2});
}

TEST(PointwiseGradientTest, ComposedActivations) {
  ExpectGradients({
      {"aten.hardswish.default", Make({Transposed(kF64, {3, 4})}, {X(0)}, {}, "", -5, 5)},
      {"aten.hardswish_backward.default",
       Make({T(kF64, {4}), Transposed(kF64, {3, 4})}, {X(0), X(1)}, {}, "", -5, 5)},
      {"aten.mish.default", Make({Transposed(kF64, {2, 3})}, {X(0)}, {}, "", -4, 4)},
  });
  // The buffer takes no gradient.
  Sample forward = Make({Transposed(kF64, {2, 3})}, {X(0)}, {}, "", -4, 4);
  forward.tangent_outputs = {0};
  ExpectGradients({{"aten.log_sigmoid_forward.default", forward}});
  // The gradient for grad_output (self's assumes buffer = exp(-|self|),
  // which finite differences of self alone do not keep).
  Sample backward = Make({T(kF64, {2, 3}), Transposed(kF64, {2, 3}), T(kF64, {2, 3})},
                         {X(0), X(1), X(2)}, {}, "", 0.1, 2);
  backward.no_grad_inputs = {1, 2};
  ExpectGradients({{"aten.log_sigmoid_backward.default", backward}});
  std::vector<HostTensor> ls =
      *Evaluate("aten.log_sigmoid_forward.default", {Values(kF64, {2}, {-1, 2})}, {X(0)});
  ExpectValues(ls[0], kF64, {2}, {std::log(1 / (1 + std::exp(1.0))), std::log(1 / (1 + std::exp(-2.0)))});
  ExpectValues(EvaluateOne("aten.hardswish.default", {Values(kF32, {4}, {-4, -1, 1, 4})}, {X(0)}),
               kF32, {4}, {0, -1.0 / 3, 2.0 / 3, 4});
}

TEST(PointwiseGradientTest, HardsigmoidAndOneSidedClamps) {
  ExpectGradients({
      {"aten.hardsigmoid.default", Make({Transposed(kF64, {3, 4})}, {X(0)}, {}, "", -5, 5)},
      {"aten.hardsigmoid_backward.default",
       Make({T(kF64, {4}), Transposed(kF64, {3, 4})}, {X(0), X(1)}, {}, "", -5, 5)},
      {"aten.clamp_min.default", Make({Transposed(kF64, {3, 4})}, {X(0), F(0.3)}, {}, "", -2, 2)},
      {"aten.clamp_max.default", Make({T(kF64, {5})}, {X(0), F(-0.3)}, {}, "", -2, 2)},
  });
  ExpectValues(EvaluateOne("aten.hardsigmoid.default", {Values(kF32, {4}, {-4, -1.5, 1.5, 4})}, {X(0)}),
               kF32, {4}, {0, 0.25, 0.75, 1});
  ExpectValues(EvaluateOne("aten.hardsigmoid_backward.default",
                           {Values(kF64, {4}, {6, 6, 6, 6}), Values(kF64, {4}, {-3, -1, 2.9, 3})},
                           {X(0), X(1)}),
               kF64, {4}, {0, 1, 1, 0});
  EXPECT_THAT(ErrorOf("aten.hardsigmoid.default", Make({T(kI64, {2})}, {X(0)})),
              HasSubstr("hardsigmoid expects a floating-point tensor, got int64"));
  // clamp_min and clamp_max promote self with their bound, as clamp does.
  EXPECT_EQ(InferOne("aten.clamp_min.default", Make({T(kI64, {2})}, {X(0), F(0.5)})).dtype, kF32);
  EXPECT_EQ(InferOne("aten.clamp_max.default", Make({T(kI64, {2})}, {X(0), I(1)})).dtype, kI64);
  ExpectValues(EvaluateOne("aten.clamp_min.default", {Values(kF64, {3}, {-1, 0.5, 3})},
                           {X(0), F(0)}),
               kF64, {3}, {0, 0.5, 3});
  ExpectValues(EvaluateOne("aten.clamp_max.default", {Values(kI64, {3}, {-1, 2, 5})}, {X(0), I(2)}),
               kI64, {3}, {-1, 2, 2});
}

}  // namespace
}  // namespace aotd::ops::testing
