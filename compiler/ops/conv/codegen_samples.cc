// The conv family's codegen samples (codegen_sample.h).
#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "compiler/ops/testing/codegen_sample.h"
#include "compiler/ops/testing/op_check.h"

namespace aotd::ops::testing {

void AddConvSamples(SampleTable& t) {
  t.Add("aten.convolution.default", {T(kF32, {2, 3, 5, 5}), T(kF32, {4, 3, 3, 3}), T(kF32, {4})},
        {X(0), X(1), X(2), L({1, 1}), L({1, 1}), L({1, 1}), B(false), L({0, 0}), I(1)},
        "2-d, bias, padding");
  t.Add("aten.convolution.default", {T(kF32, {1, 4, 7, 6}), Transposed(kF32, {6, 2, 3, 2})},
        {X(0), X(1), None(), L({2, 1}), L({1, 0}), L({2, 1}), B(false), L({0, 0}), I(2)},
        "stride, padding, dilation, groups, no bias, non-contiguous weight");
  t.Add("aten.convolution.default", {T(kF32, {2, 2, 7}), T(kF32, {3, 2, 3}), T(kF32, {3})},
        {X(0), X(1), X(2), L({2}), L({1}), L({1}), B(false), L({0}), I(1)}, "1-d");
  t.Add("aten.convolution.default", {T(kF32, {1, 1, 3, 3, 3}), T(kF32, {2, 1, 2, 2, 2})},
        {X(0), X(1), None(), L({1}), L({0}), L({1}), B(false), L({0}), I(1)}, "3-d");
  t.Add("aten.convolution_backward.default",
        {T(kF32, {1, 2, 3, 3}), T(kF32, {1, 2, 4, 4}), T(kF32, {2, 1, 2, 2})},
        {X(0), X(1), X(2), L({2}), L({1, 1}), L({0, 0}), L({1, 1}), B(false), L({0, 0}), I(2),
         Mask(true, true, true)},
        "double backward, groups");
  t.Add("aten.convolution_backward.default",
        {Transposed(kF32, {2, 3, 3, 2}), T(kF32, {2, 2, 4, 3}), T(kF32, {3, 2, 2, 2})},
        {X(0), X(1), X(2), None(), L({2, 2}), L({1, 1}), L({1, 1}), B(false), L({0, 0}), I(1),
         Mask(true, false, true)},
        "double backward, stride, padding, mask, non-contiguous");
  t.Add("aten.convolution.default", {T(kF32, {2, 4, 3, 2}), Transposed(kF32, {4, 3, 3, 2}),
                                     T(kF32, {6})},
        {X(0), X(1), X(2), L({2, 3}), L({1, 0}), L({1, 2}), B(true), L({1, 2}), I(2)},
        "transposed: stride, padding, output_padding, dilation, groups, non-contiguous weight");
  t.Add("aten.convolution.default", {Transposed(kF32, {2, 3, 4}), T(kF32, {3, 2, 3})},
        {X(0), X(1), None(), L({1}), L({0}), L({2}), B(true), L({1}), I(1)},
        "transposed 1-d, output_padding below the dilation, non-contiguous input");
  t.Add("aten.convolution.default", {T(kF32, {1, 2, 2, 2, 2}), T(kF32, {2, 1, 2, 2, 2})},
        {X(0), X(1), None(), L({2}), L({1}), L({1}), B(true), L({1}), I(1)}, "transposed 3-d");
  t.Add("aten.convolution_backward.default",
        {T(kF32, {1, 4, 3, 3}), T(kF32, {1, 2, 2, 2}), T(kF32, {2, 2, 2, 2})},
        {X(0), X(1), X(2), L({4}), L({2, 2}), L({1, 1}), L({1, 1}), B(true), L({1, 1}), I(2),
         Mask(true, true, true)},
        "transposed, double backward, groups, output_padding");
  t.Add("aten.convolution_backward.default",
        {Transposed(kF32, {2, 2, 5, 4}), T(kF32, {2, 3, 2, 2}), T(kF32, {3, 2, 3, 2})},
        {X(0), X(1), X(2), None(), L({2, 2}), L({0, 1}), L({1, 2}), B(true), L({0, 1}), I(1),
         Mask(true, false, true)},
        "transposed, double backward, mask, non-contiguous");
}

}  // namespace aotd::ops::testing
