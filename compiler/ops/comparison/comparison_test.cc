// Comparisons and selection: inference, kernels and finite-difference gradients.
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

TEST(PointwiseGradientTest, Selection) {
  ExpectGradients({
      {"aten.where.self", Make({T(kBool, {2, 1}), Transposed(kF64, {2, 3}), T(kF64, {3})},
                               {X(0), X(1), X(2)}, {}, "broadcast")},
      {"aten.masked_fill.Scalar", Make({Transposed(kF64, {2, 3}), T(kBool, {3})},
                                       {X(0), X(1), F(-3.5)}, {}, "broadcast mask")},
      {"aten.masked_fill.Tensor", Make({Transposed(kF64, {2, 3}), T(kBool, {2, 1}), T(kF64, {})},
                                       {X(0), X(1), X(2)}, {}, "value gradient")},
  });
}

TEST(PointwiseKernelTest, MaskedFillKeepsInfinityForSoftmax) {
  HostTensor scores = Values(kF32, {2, 3}, {1, 2, 3, 4, 5, 6});
  HostTensor mask = Values(kBool, {1, 3}, {0, 1, 1});
  ExpectValues(EvaluateOne("aten.masked_fill.Scalar", {scores, mask}, {X(0), X(1), F(-kInf)}), kF32,
               {2, 3}, {1, -kInf, -kInf, 4, -kInf, -kInf});
  // The result has the broadcast shape of self and mask.
  ExpectValues(EvaluateOne("aten.masked_fill.Scalar",
                           {Values(kF32, {3}, {1, 2, 3}), Values(kBool, {2, 1}, {1, 0})},
                           {X(0), X(1), F(kNaN)}),
               kF32, {2, 3}, {kNaN, kNaN, kNaN, 1, 2, 3});
  // The value is cast to self's dtype.
  ExpectValues(EvaluateOne("aten.masked_fill.Tensor",
                           {Values(kI64, {3}, {1, 2, 3}), Values(kBool, {3}, {1, 0, 1}),
                            Values(kF64, {}, {2.7})},
                           {X(0), X(1), X(2)}),
               kI64, {3}, {2, 2, 2});
}

TEST(PointwiseKernelTest, WherePromotesAndBroadcasts) {
  ExpectValues(EvaluateOne("aten.where.self",
                           {Values(kBool, {2, 1}, {1, 0}), Values(kI64, {3}, {1, 2, 3}),
                            Values(kF32, {}, {-kInf})},
                           {X(0), X(1), X(2)}),
               kF32, {2, 3}, {1, 2, 3, -kInf, -kInf, -kInf});
}

TEST(PointwiseKernelTest, ComparisonsComputeInThePromotedType) {
  // 0.1 as a Python float becomes float32 next to a float32 tensor.
  HostTensor tenth = Values(kF32, {1}, {static_cast<float>(0.1)});
  ExpectValues(EvaluateOne("aten.eq.Scalar", {tenth}, {X(0), F(0.1)}), kBool, {1}, {1});
  // An integer tensor compared with 2.5 compares as float.
  ExpectValues(EvaluateOne("aten.lt.Scalar", {Values(kI64, {3}, {2, 3, -1})}, {X(0), F(2.5)}),
               kBool, {3}, {1, 0, 1});
  HostTensor x = Values(kF64, {3}, {kNaN, 1, 2});
  HostTensor y = Values(kF64, {3}, {kNaN, 1, 3});
  ExpectValues(EvaluateOne("aten.eq.Tensor", {x, y}, {X(0), X(1)}), kBool, {3}, {0, 1, 0});
  ExpectValues(EvaluateOne("aten.ne.Tensor", {x, y}, {X(0), X(1)}), kBool, {3}, {1, 0, 1});
  ExpectValues(EvaluateOne("aten.le.Tensor", {x, y}, {X(0), X(1)}), kBool, {3}, {0, 1, 1});
  ExpectValues(EvaluateOne("aten.gt.Scalar", {x}, {X(0), I(1)}), kBool, {3}, {0, 0, 1});
  ExpectValues(EvaluateOne("aten.ge.Tensor", {x, Values(kF64, {1}, {1})}, {X(0), X(1)}), kBool, {3},
               {0, 1, 1});
  // NaN is true for logic.
  ExpectValues(
      EvaluateOne("aten.logical_and.default", {x, Values(kBool, {3}, {1, 1, 0})}, {X(0), X(1)}),
      kBool, {3}, {1, 1, 0});
  ExpectValues(EvaluateOne("aten.logical_or.default",
                           {Values(kF64, {2}, {0, 0}), Values(kI64, {2}, {0, 5})}, {X(0), X(1)}),
               kBool, {2}, {0, 1});
  ExpectValues(EvaluateOne("aten.logical_not.default", {x}, {X(0)}), kBool, {3}, {0, 0, 0});
}

}  // namespace
}  // namespace aotd::ops::testing
