// The norm family's codegen samples (codegen_sample.h).
#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "compiler/ops/testing/codegen_sample.h"
#include "compiler/ops/testing/op_check.h"

namespace aotd::ops::testing {

void AddNormSamples(SampleTable& t) {
  t.Add("aten.native_layer_norm.default", {T(kF32, {3, 4, 5}), T(kF32, {4, 5}), T(kF32, {4, 5})},
        {X(0), L({4, 5}), X(1), X(2), F(1e-5)}, "affine, two normalized dims");
  t.Add("aten.native_layer_norm.default", {Transposed(kF32, {3, 4})},
        {X(0), L({4}), None(), None(), F(1e-3)}, "no affine, non-contiguous");
  t.Add("aten.native_layer_norm_backward.default",
        {T(kF32, {3, 4}), T(kF32, {3, 4}), T(kF32, {3, 1}), T(kF32, {3, 1}), T(kF32, {4}),
         T(kF32, {4})},
        {X(0), X(1), L({4}), X(2), X(3), X(4), X(5), Mask(true, true, true)}, "affine")
      .Range(0.5, 2);
  t.Add("aten.native_layer_norm_backward.default",
        {Transposed(kF32, {2, 5}), T(kF32, {2, 5}), T(kF32, {2, 1}), T(kF32, {2, 1})},
        {X(0), X(1), L({5}), X(2), X(3), None(), None(), Mask(true, false, false)},
        "no affine, non-contiguous")
      .Range(0.5, 2);
  t.Add("aten.native_batch_norm.default",
        {T(kF32, {4, 3, 2, 2}), T(kF32, {3}), T(kF32, {3}), T(kF32, {3}), T(kF32, {3})},
        {X(0), X(1), X(2), X(3), X(4), B(true), F(0.1), F(1e-5)}, "training")
      .Range(0.5, 2)
      .NoGrad({3, 4});
  t.Add("aten.native_batch_norm.default", {Transposed(kF32, {5, 2})},
        {X(0), None(), None(), None(), None(), B(true), F(0.1), F(1e-5)},
        "training, no affine, no running stats, non-contiguous");
  t.Add("aten.native_batch_norm.default",
        {T(kF32, {4, 3, 5}), T(kF32, {3}), T(kF32, {3}), T(kF32, {3}), T(kF32, {3})},
        {X(0), X(1), X(2), X(3), X(4), B(false), F(0.1), F(1e-5)}, "eval")
      .Range(0.5, 2)
      .NoGrad({3, 4});
  t.Add("aten.native_batch_norm_backward.default",
        {T(kF32, {4, 3, 2}), T(kF32, {4, 3, 2}), T(kF32, {3}), T(kF32, {3}), T(kF32, {3}),
         T(kF32, {3}), T(kF32, {3})},
        {X(0), X(1), X(2), X(3), X(4), X(5), X(6), B(true), F(1e-5), Mask(true, true, true)},
        "training")
      .Range(0.5, 2);
  t.Add(
       "aten.native_batch_norm_backward.default",
       {Transposed(kF32, {3, 4}), T(kF32, {3, 4}), T(kF32, {4}), T(kF32, {4})},
       {X(0), X(1), None(), X(2), X(3), None(), None(), B(false), F(1e-3), Mask(true, true, false)},
       "eval, non-contiguous")
      .Range(0.5, 2);
  // Group norm (fixed shapes, which leave the table's shape stream as it was).
  t.Add("aten.native_group_norm.default",
        {Transposed(kF32, {2, 6, 3, 4}), T(kF32, {6}), T(kF32, {6})},
        {X(0), X(1), X(2), I(2), I(6), I(12), I(3), F(1e-5)}, "affine, non-contiguous");
  t.Add("aten.native_group_norm.default", {T(kF64, {3, 4})},
        {X(0), None(), None(), I(3), I(4), I(1), I(2), F(1e-3)}, "float64, no affine, HxW=1");
  t.Add("aten.native_group_norm_backward.default",
        {T(kF32, {2, 6, 3, 4}), Transposed(kF32, {2, 6, 3, 4}), T(kF32, {2, 3}), T(kF32, {2, 3}),
         T(kF32, {6})},
        {X(0), X(1), X(2), X(3), X(4), I(2), I(6), I(12), I(3), Mask(true, true, true)},
        "weight, non-contiguous input")
      .Range(0.5, 2);
  t.Add("aten.native_group_norm_backward.default",
        {Transposed(kF64, {4, 2, 5}), T(kF64, {4, 2, 5}), T(kF64, {4, 1}), T(kF64, {4, 1})},
        {X(0), X(1), X(2), X(3), None(), I(4), I(2), I(5), I(1), Mask(true, false, true)},
        "float64, no weight, masked")
      .Range(0.5, 2);
}

}  // namespace aotd::ops::testing
