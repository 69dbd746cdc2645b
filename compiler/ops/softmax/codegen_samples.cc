// The softmax family's codegen samples (codegen_sample.h).
#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "compiler/ops/testing/codegen_sample.h"
#include "compiler/ops/testing/op_check.h"

namespace aotd::ops::testing {

void AddSoftmaxSamples(SampleTable& t) {
  t.Add("aten._softmax.default", {T(kF32, {3, 4})}, {X(0), I(-1), B(false)}, "last dim");
  t.Add("aten._softmax.default", {Transposed(kF32, {2, 3, 4})}, {X(0), I(1), B(false)},
        "dim 1, non-contiguous");
  t.Add("aten._log_softmax.default", {T(kF32, {3, 4})}, {X(0), I(1), B(false)}, "last dim");
  t.Add("aten._log_softmax.default", {Transposed(kF32, {2, 3, 4})}, {X(0), I(-3), B(false)},
        "dim -3, non-contiguous");
  t.Add("aten._softmax_backward_data.default", {T(kF32, {3, 4}), T(kF32, {3, 4})},
        {X(0), X(1), I(-1), D(kF32)}, "double backward");
  t.Add("aten._softmax_backward_data.default", {Transposed(kF32, {3, 4}), T(kF32, {3, 4})},
        {X(0), X(1), I(0), D(kF32)}, "double backward, dim 0, non-contiguous");
  t.Add("aten._log_softmax_backward_data.default", {T(kF32, {3, 4}), Transposed(kF32, {3, 4})},
        {X(0), X(1), I(0), D(kF32)}, "double backward, non-contiguous");
  t.Add("aten._log_softmax_backward_data.default", {T(kF32, {2, 5}), T(kF32, {2, 5})},
        {X(0), X(1), I(1), D(kF32)}, "double backward, dim 1");
}

}  // namespace aotd::ops::testing
