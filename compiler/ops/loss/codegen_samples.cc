// The loss family's codegen samples (codegen_sample.h).
#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "compiler/ops/testing/codegen_sample.h"
#include "compiler/ops/testing/op_check.h"

namespace aotd::ops::testing {

void AddLossSamples(SampleTable& t) {
  // Targets and indices are drawn from [0, high).
  t.Add("aten.nll_loss_forward.default", {T(kF32, {5, 4}), T(kI64, {5}), T(kF32, {4})},
        {X(0), X(1), X(2), I(1), I(1)}, "mean, weight, ignore_index")
      .Range(-2, 4)
      .NoGrad({2});
  t.Add("aten.nll_loss_forward.default", {Transposed(kF32, {5, 4}), T(kI64, {5})},
        {X(0), X(1), None(), I(0), I(-100)}, "none, non-contiguous")
      .Range(-2, 4);
  t.Add("aten.nll_loss_forward.default", {T(kF32, {4}), T(kI64, {})},
        {X(0), X(1), None(), I(2), I(-100)}, "1-d, sum")
      .Range(-2, 4);
  t.Add("aten.nll_loss_forward.default", {T(kF32, {6, 3}), T(kI64, {6}), T(kF32, {3})},
        {X(0), X(1), X(2), I(2), I(-100)}, "sum, weight")
      .Range(-2, 3)
      .NoGrad({2});
  t.Add("aten.nll_loss_backward.default",
        {T(kF32, {}), T(kF32, {5, 4}), T(kI64, {5}), T(kF32, {4}), T(kF32, {})},
        {X(0), X(1), X(2), X(3), I(1), I(1), X(4)}, "mean, weight, any total_weight")
      .Range(1, 4)
      .NoGrad({3, 4});
  t.Add("aten.nll_loss_backward.default",
        {T(kF32, {5}), Transposed(kF32, {5, 4}), T(kI64, {5}), T(kF32, {})},
        {X(0), X(1), X(2), None(), I(0), I(-100), X(3)}, "none, non-contiguous")
      .Range(-2, 4)
      .NoGrad({3});
  t.Add("aten.mse_loss.default", {T(kF32, {3, 4}), T(kF32, {3, 4})}, {X(0), X(1)}, "mean");
  t.Add("aten.mse_loss.default", {Transposed(kF32, {3, 4}), T(kF32, {1, 4})}, {X(0), X(1), I(0)},
        "none, broadcast, non-contiguous");
  t.Add("aten.mse_loss.default", {T(kF32, {2}), T(kF32, {3, 2})}, {X(0), X(1), I(2)},
        "sum, broadcast self");
  t.Add("aten.mse_loss_backward.default", {T(kF32, {}), T(kF32, {3, 4}), T(kF32, {3, 4})},
        {X(0), X(1), X(2), I(1)}, "double backward, mean");
  t.Add("aten.mse_loss_backward.default", {T(kF32, {3, 4}), Transposed(kF32, {3, 4}), T(kF32, {4})},
        {X(0), X(1), X(2), I(0)}, "double backward, none, broadcast, non-contiguous");
  t.Add("aten.smooth_l1_loss.default", {T(kF32, {3, 4}), T(kF32, {3, 4})},
        {X(0), X(1), I(1), F(0.5)}, "beta 0.5");
  t.Add("aten.smooth_l1_loss.default", {Transposed(kF32, {3, 4}), T(kF32, {4})}, {X(0), X(1), I(0)},
        "none, broadcast, non-contiguous");
  t.Add("aten.smooth_l1_loss.default", {T(kF32, {5}), T(kF32, {5})}, {X(0), X(1), I(2), F(0)},
        "beta 0, sum");
  t.Add("aten.smooth_l1_loss_backward.default", {T(kF32, {}), T(kF32, {3, 4}), T(kF32, {3, 4})},
        {X(0), X(1), X(2), I(1), F(0.7)}, "double backward, mean");
  t.Add("aten.smooth_l1_loss_backward.default",
        {T(kF32, {3, 4}), Transposed(kF32, {3, 4}), T(kF32, {3, 4})},
        {X(0), X(1), X(2), I(0), F(1.5)}, "double backward, none, non-contiguous");
  t.Add("aten.binary_cross_entropy_with_logits.default",
        {Transposed(kF32, {3, 4}), T(kF32, {3, 4})}, {X(0), X(1)}, "mean, non-contiguous")
      .Range(0, 1);
  t.Add("aten.binary_cross_entropy_with_logits.default",
        {T(kF32, {3, 4}), T(kF32, {3, 4}), T(kF32, {4}), T(kF32, {4})},
        {X(0), X(1), X(2), X(3), I(0)}, "weights, none")
      .Range(0.1, 1)
      .NoGrad({2, 3});
  t.Add("aten.binary_cross_entropy_with_logits.default",
        {T(kF32, {3, 4}), T(kF32, {3, 4}), T(kF32, {4})}, {X(0), X(1), None(), X(2), I(2)},
        "pos_weight, sum")
      .Range(0.1, 1)
      .NoGrad({2});
}

}  // namespace aotd::ops::testing
