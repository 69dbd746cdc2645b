// The view family's codegen samples (codegen_sample.h).
#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "compiler/ops/testing/codegen_sample.h"
#include "compiler/ops/testing/op_check.h"

namespace aotd::ops::testing {

void AddViewSamples(SampleTable& t) {
  t.Add("aten.view.default", {T(kF32, {3, 4})}, {X(0), L({-1, 2})}, "contiguous");
  t.Add("aten.view.default", {Transposed(kF32, {4, 3})}, {X(0), L({2, 2, 3})},
        "non-contiguous, split a dim");
  t.Add("aten.view.default", {T(kI64, {2, 3})}, {X(0), L({6})}, "int64").Integers(Ints::kSigned);
  t.Add("aten._unsafe_view.default", {T(kF32, {3, 4})}, {X(0), L({2, 6})}, "contiguous");
  t.Add("aten._unsafe_view.default", {Transposed(kF32, {4, 3})}, {X(0), L({2, 2, 3})},
        "non-contiguous");
  t.Add("aten.reshape.default", {T(kF32, {3, 4})}, {X(0), L({4, 3})}, "a view");
  t.Add("aten.reshape.default", {Transposed(kF32, {3, 4})}, {X(0), L({12})}, "a copy");
  t.Add("aten.reshape.default", {Transposed(kI32, {2, 3, 4})}, {X(0), L({6, 4})}, "int32, a copy")
      .Integers(Ints::kSigned);
  t.Add("aten._reshape_alias.default", {T(kF32, {3, 4})}, {X(0), L({4, 3}), L({3, 1})},
        "contiguous");
  t.Add("aten._reshape_alias.default", {Transposed(kF32, {3, 4})},
        {X(0), L({3, 2, 2}), L({1, 6, 3})}, "non-contiguous");
  t.Add("aten.flatten.using_ints", {T(kF32, {2, 3, 4})}, {X(0)}, "contiguous");
  t.Add("aten.flatten.using_ints", {Transposed(kF32, {2, 3, 4})}, {X(0), I(1), I(2)},
        "non-contiguous, a copy");
  t.Add("aten.flatten.using_ints", {Transposed(kF32, {2, 3, 4})}, {X(0), I(0), I(1)},
        "non-contiguous, a view");
  t.Add("aten.expand.default", {T(kF32, {3, 1, 4})}, {X(0), L({3, 5, -1})}, "size-1 dim");
  t.Add("aten.expand.default", {Transposed(kF32, {2, 3})}, {X(0), L({4, 2, 3})},
        "new dim, non-contiguous");
  t.Add("aten.expand.default", {T(kI64, {3})}, {X(0), L({2, 3})}, "int64").Integers(Ints::kSigned);
  t.Add("aten.unsqueeze.default", {T(kF32, {3, 4})}, {X(0), I(1)}, "middle");
  t.Add("aten.unsqueeze.default", {Transposed(kF32, {3, 4})}, {X(0), I(-1)},
        "last, non-contiguous");
  t.Add("aten.squeeze.default", {T(kF32, {3, 1, 4, 1})}, {X(0)}, "every size-1 dim");
  t.Add("aten.squeeze.default", {Transposed(kF32, {1, 3, 4})}, {X(0)}, "non-contiguous");
  t.Add("aten.squeeze.dim", {T(kF32, {3, 1, 4})}, {X(0), I(1)}, "dim 1");
  t.Add("aten.squeeze.dim", {Transposed(kF32, {2, 1, 3, 4})}, {X(0), I(1)}, "non-contiguous");
  t.Add("aten.t.default", {T(kF32, {3, 4})}, {X(0)}, "matrix");
  t.Add("aten.t.default", {Transposed(kF32, {3, 4})}, {X(0)}, "non-contiguous");
  t.Add("aten.t.default", {T(kF32, {5})}, {X(0)}, "vector");
  t.Add("aten.transpose.int", {T(kF32, {2, 3, 4})}, {X(0), I(0), I(2)}, "outer dims");
  t.Add("aten.transpose.int", {Transposed(kF32, {2, 3, 4})}, {X(0), I(-1), I(0)}, "non-contiguous");
  t.Add("aten.permute.default", {T(kF32, {2, 3, 4})}, {X(0), L({2, 0, 1})}, "rotate");
  t.Add("aten.permute.default", {Transposed(kF32, {2, 3, 4})}, {X(0), L({1, 2, 0})},
        "non-contiguous");
  t.Add("aten.permute.default", {T(kI64, {2, 3})}, {X(0), L({1, 0})}, "int64")
      .Integers(Ints::kSigned);
  t.Add("aten.select.int", {T(kF32, {3, 4, 2})}, {X(0), I(1), I(-1)}, "negative index");
  t.Add("aten.select.int", {Transposed(kF32, {3, 4})}, {X(0), I(0), I(2)}, "non-contiguous");
  t.Add("aten.slice.Tensor", {T(kF32, {3, 7})}, {X(0), I(1), I(1), I(6), I(2)}, "step 2");
  t.Add("aten.slice.Tensor", {Transposed(kF32, {5, 4})}, {X(0), I(0), I(-3)},
        "negative start, no end, non-contiguous");
  t.Add("aten.split.Tensor", {T(kF32, {3, 5})}, {X(0), I(2), I(1)}, "uneven");
  t.Add("aten.split.Tensor", {Transposed(kF32, {4, 3})}, {X(0), I(2)}, "non-contiguous");
  t.Add("aten.split_with_sizes.default", {T(kF32, {4, 3})}, {X(0), L({1, 3})}, "dim 0");
  t.Add("aten.split_with_sizes.default", {Transposed(kF32, {3, 5})}, {X(0), L({2, 2, 1}), I(1)},
        "non-contiguous, dim 1");
  t.Add("aten.detach.default", {Transposed(kF32, {3, 4})}, {X(0)}, "non-contiguous");
  t.Add("aten.alias.default", {T(kF32, {3, 4})}, {X(0)}, "contiguous");
  t.Add("aten.alias.default", {Transposed(kF32, {3, 4})}, {X(0)}, "non-contiguous");
  // as_strided reads the input's storage: contiguous inputs only (the
  // reference evaluator holds values contiguously).
  t.Add("aten.as_strided.default", {T(kF32, {4, 5})}, {X(0), L({3, 3}), L({1, 5}), I(2)},
        "storage offset");
  t.Add("aten.as_strided.default", {T(kF32, {12})}, {X(0), L({2, 2, 3}), L({6, 3, 1})},
        "no offset");
  t.Add("aten.unbind.int", {Transposed(kF32, {3, 4})}, {X(0), I(1)}, "non-contiguous");
  t.Add("aten.unbind.int", {T(kI64, {2, 3})}, {X(0)}, "int64");
  t.Add("aten.unsafe_split.Tensor", {Transposed(kF32, {5, 4})}, {X(0), I(2)}, "non-contiguous");
}

}  // namespace aotd::ops::testing
