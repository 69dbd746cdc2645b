// The indexing family's codegen samples (codegen_sample.h).
#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "compiler/ops/testing/codegen_sample.h"
#include "compiler/ops/testing/op_check.h"

namespace aotd::ops::testing {

void AddIndexingSamples(SampleTable& t) {
  t.Add("aten.gather.default", {T(kF32, {4, 5}), T(kI64, {3, 6})}, {X(0), I(1), X(1)},
        "repeated indices")
      .Range(-2, 4);
  t.Add("aten.gather.default", {Transposed(kF32, {4, 5}), T(kI64, {2, 5})}, {X(0), I(-2), X(1)},
        "non-contiguous, negative dim")
      .Range(-2, 4);
  t.Add("aten.gather.default", {T(kI64, {3, 4}), T(kI64, {3, 4})}, {X(0), I(0), X(1)}, "int64")
      .Range(0, 3);
  t.Add("aten.scatter_add.default", {T(kF32, {4, 5}), T(kI64, {3, 3}), Transposed(kF32, {3, 4})},
        {X(0), I(0), X(1), X(2)}, "non-contiguous src")
      .Range(-2, 4);
  t.Add("aten.scatter_add.default", {T(kI32, {4, 5}), T(kI64, {2, 5}), T(kI32, {2, 5})},
        {X(0), I(-1), X(1), X(2)}, "int32, negative dim")
      .Range(0, 5);
  t.Add("aten.scatter.src", {Transposed(kF32, {4, 5}), T(kI64, {3, 1}), T(kF32, {3, 4})},
        {X(0), I(-1), X(1), X(2)}, "non-contiguous, negative dim")
      .Range(-2, 5);
  t.Add("aten.scatter.value", {Transposed(kF32, {4, 5}), T(kI64, {3, 3})},
        {X(0), I(1), X(1), F(2.5)}, "non-contiguous")
      .Range(-2, 5);
  t.Add("aten.scatter.value", {T(kI64, {6}), T(kI64, {2})}, {X(0), I(0), X(1), I(-3)}, "int64")
      .Range(0, 6);
  t.Add("aten.index_select.default", {T(kF32, {4, 5}), T(kI64, {6})}, {X(0), I(0), X(1)},
        "repeated indices")
      .Range(-2, 4);
  t.Add("aten.index_select.default", {Transposed(kF32, {3, 4, 5}), T(kI32, {3})},
        {X(0), I(-2), X(1)}, "non-contiguous, int32, negative dim")
      .Range(-2, 4);
  t.Add("aten.index_select.default", {T(kBool, {5, 3}), T(kI64, {})}, {X(0), I(1), X(1)},
        "bool, 0-d index")
      .Range(0, 3);
  t.Add("aten.index_add.default", {T(kF32, {4, 5}), T(kI64, {6}), Transposed(kF32, {4, 6})},
        {X(0), I(1), X(1), X(2)}, "alpha, non-contiguous source")
      .Kw({{"alpha", F(-1.5)}})
      .Range(-2, 5);
  t.Add("aten.index_add.default", {T(kI64, {5, 3}), T(kI32, {4}), T(kI64, {4, 3})},
        {X(0), I(0), X(1), X(2)}, "int64, int32 index")
      .Range(0, 5);
  t.Add("aten.index_copy.default", {Transposed(kF32, {5, 3}), T(kI64, {1}), T(kF32, {1, 3})},
        {X(0), I(0), X(1), X(2)}, "non-contiguous")
      .Range(-2, 5);
  t.Add("aten.cumsum.default", {Transposed(kF32, {4, 5})}, {X(0), I(1)}, "non-contiguous");
  t.Add("aten.cumsum.default", {T(kI32, {3, 4, 2})}, {X(0), I(-3)}, "int32 to int64")
      .Integers(Ints::kSigned);
  t.Add("aten.cumsum.default", {T(kF32, {6})}, {X(0), I(0)}, "float32 to float64")
      .Kw(WithDType(kF64));
  t.Add("aten.flip.default", {Transposed(kF32, {3, 4, 5})}, {X(0), L({0, -1})},
        "non-contiguous");
  t.Add("aten.flip.default", {T(kI64, {4})}, {X(0), L({0})}, "int64");
  t.Add("aten.topk.default", {Transposed(kF32, {4, 6})}, {X(0), I(3)}, "non-contiguous");
  t.Add("aten.topk.default", {T(kF64, {5, 3})}, {X(0), I(2), I(0), B(false)}, "smallest, dim 0");
  t.Add("aten.topk.default", {T(kI64, {3, 8})}, {X(0), I(8), I(-1), B(true), B(false)}, "int64")
      .Range(0, 100);
  t.Add("aten.index.Tensor", {T(kF32, {4, 5}), T(kI64, {2, 3})}, {X(0), List({X(1)})},
        "first dim, negative indices")
      .Integers(Ints::kSigned)
      .Range(-2, 4);
  t.Add("aten.index.Tensor", {Transposed(kF32, {3, 4, 5}), T(kI64, {2, 1}), T(kI32, {3})},
        {X(0), List({None(), X(1), X(2)})}, "adjacent, broadcast, non-contiguous")
      .Range(-2, 4);
  t.Add("aten.index.Tensor", {T(kI64, {3, 4, 5}), T(kI64, {2}), T(kI64, {2})},
        {X(0), List({X(1), None(), X(2)})}, "non-adjacent, int64")
      .Range(0, 3);
  t.Add("aten.index_put.default", {T(kF32, {4, 5}), T(kI64, {3}), T(kF32, {5})},
        {X(0), List({X(1)}), X(2), B(true)}, "accumulate, broadcast values")
      .Range(-2, 4);
  t.Add("aten.index_put.default",
        {Transposed(kF32, {3, 4, 5}), T(kI64, {2}), T(kI64, {2}), T(kF32, {2, 4})},
        {X(0), List({X(1), None(), X(2)}), X(3), B(true)}, "non-adjacent, non-contiguous")
      .Integers(Ints::kSigned)
      .Range(-2, 3);
  t.Add("aten.index_put.default", {T(kF32, {4, 5}), T(kI32, {1}), T(kF32, {1, 5})},
        {X(0), List({X(1)}), X(2)}, "overwrite, int32")
      .Range(-2, 4);
  t.Add("aten.index_put.default", {T(kF32, {2, 3, 4}), T(kBool, {3, 4}), T(kF32, {2, 1})},
        {X(0), List({None(), X(1)}), X(2)}, "mask");
  t.Add("aten.index_put.default", {T(kI64, {3, 4}), T(kU8, {3, 4}), T(kI64, {})},
        {X(0), List({X(1)}), X(2), B(true)}, "uint8 mask, accumulate, int64")
      .Range(0, 2);
}

}  // namespace aotd::ops::testing
