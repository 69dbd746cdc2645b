// The pool family's codegen samples (codegen_sample.h).
#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "compiler/ops/testing/codegen_sample.h"
#include "compiler/ops/testing/op_check.h"

namespace aotd::ops::testing {

void AddPoolSamples(SampleTable& t) {
  t.Add("aten.max_pool2d_with_indices.default", {T(kF32, {2, 2, 5, 5})},
        {X(0), L({3, 3}), L({2, 2}), L({1, 1}), L({1, 1}), B(true)}, "padding, ceil_mode");
  t.Add("aten.max_pool2d_with_indices.default", {Transposed(kF32, {2, 6, 5})},
        {X(0), L({2, 2}), L({}), L({0, 0}), L({2, 1})}, "3-d, dilation, non-contiguous");
  t.Add("aten.max_pool2d_with_indices_backward.default",
        {T(kF32, {2, 2, 3, 3}), T(kF32, {2, 2, 4, 5}), T(kI64, {2, 2, 3, 3})},
        {X(0), X(1), L({2, 2}), L({}), L({1, 1}), L({1, 1}), B(false), X(2)},
        "double backward (any indices in the plane)")
      .Range(-2, 20);
  t.Add("aten.max_pool2d_with_indices_backward.default",
        {T(kF32, {3, 1, 2}), Transposed(kF32, {3, 3, 5}), T(kI64, {3, 1, 2})},
        {X(0), X(1), L({3, 3}), L({2, 2}), L({0, 0}), L({1, 1}), B(false), X(2)},
        "double backward, 3-d, non-contiguous")
      .Range(-2, 15);
  t.Add("aten.avg_pool2d.default", {T(kF32, {2, 2, 5, 5})},
        {X(0), L({3, 3}), L({2, 2}), L({1, 1}), B(true), B(false)},
        "padding, ceil_mode, count_include_pad=False");
  t.Add("aten.avg_pool2d.default", {Transposed(kF32, {2, 4, 5})},
        {X(0), L({2, 3}), L({1, 2}), L({1, 1}), B(false), B(true), I(5)},
        "divisor_override, non-contiguous");
  t.Add("aten.avg_pool2d_backward.default", {T(kF32, {1, 2, 3, 3}), T(kF32, {1, 2, 5, 5})},
        {X(0), X(1), L({3, 3}), L({2, 2}), L({1, 1}), B(true), B(false), None()},
        "double backward");
  t.Add("aten.avg_pool2d_backward.default", {Transposed(kF32, {2, 5, 3}), T(kF32, {2, 4, 5})},
        {X(0), X(1), L({2, 3}), L({1, 2}), L({1, 1}), B(false), B(true), I(5)},
        "double backward, divisor_override, non-contiguous");
  t.Add("aten._adaptive_avg_pool2d.default", {T(kF32, {2, 2, 5, 7})}, {X(0), L({3, 4})}, "3x4");
  t.Add("aten._adaptive_avg_pool2d.default", {Transposed(kF32, {3, 4, 4})}, {X(0), L({1, 1})},
        "global, non-contiguous");
  t.Add("aten._adaptive_avg_pool2d_backward.default",
        {T(kF32, {2, 2, 3, 4}), T(kF32, {2, 2, 5, 7})}, {X(0), X(1)}, "double backward");
  t.Add("aten._adaptive_avg_pool2d_backward.default",
        {Transposed(kF32, {3, 2, 2}), T(kF32, {3, 5, 4})}, {X(0), X(1)},
        "double backward, non-contiguous");
}

}  // namespace aotd::ops::testing
