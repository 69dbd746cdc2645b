// The embedding family's codegen samples (codegen_sample.h).
#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "compiler/ops/testing/codegen_sample.h"
#include "compiler/ops/testing/op_check.h"

namespace aotd::ops::testing {

void AddEmbeddingSamples(SampleTable& t) {
  t.Add("aten.embedding.default", {T(kF32, {5, 3}), T(kI64, {2, 4})}, {X(0), X(1)},
        "repeated indices")
      .Range(-2, 5);
  t.Add("aten.embedding.default", {Transposed(kF32, {5, 3}), T(kI32, {6})}, {X(0), X(1)},
        "non-contiguous, int32 indices")
      .Range(-2, 5);
  t.Add("aten.embedding_dense_backward.default", {T(kF32, {2, 4, 3}), T(kI64, {2, 4})},
        {X(0), X(1), I(5), I(-1), B(false)}, "double backward")
      .Range(-2, 5);
  t.Add("aten.embedding_dense_backward.default", {Transposed(kF32, {8, 3}), T(kI64, {2, 4})},
        {X(0), X(1), I(5), I(2), B(true)},
        "double backward, padding_idx, scale_grad_by_freq, non-contiguous")
      .Range(-2, 5);
}

}  // namespace aotd::ops::testing
