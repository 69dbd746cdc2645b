// The shape family's codegen samples (codegen_sample.h).
#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "compiler/ops/testing/codegen_sample.h"
#include "compiler/ops/testing/op_check.h"

namespace aotd::ops::testing {

void AddShapeSamples(SampleTable& t) {
  struct Unary {
    const char* op;
    double low, high;
    bool integers;  // Integer inputs are allowed.
    Ints ints;
  };
  const Unary unary[] = {
      {"aten.lift_fresh_copy.default", -2, 2, true, Ints::kSigned},
  };
  for (const Unary& u : unary) {
    t.Add(u.op, {T(kF32, t.Shape(3))}, {X(0)}, "float32").Range(u.low, u.high);
    t.Add(u.op, {Transposed(kF32, t.Shape(2))}, {X(0)}, "non-contiguous").Range(u.low, u.high);
    if (u.integers) {
      t.Add(u.op, {T(kI64, t.Shape(1))}, {X(0)}, "int64").Range(u.low, 4).Integers(u.ints);
      t.Add(u.op, {Transposed(kI32, t.Shape(2))}, {X(0)}, "int32, non-contiguous")
          .Range(u.low, 4)
          .Integers(u.ints);
    }
  }
  t.Add("aten.clone.default", {Transposed(kF32, t.Shape(2))}, {X(0)}, "non-contiguous");
  t.Add("aten.clone.default", {Transposed(kF32, t.Shape(3))}, {X(0)},
        "non-contiguous to contiguous_format")
      .Kw(WithFormat("contiguous_format"));
  t.Add("aten.clone.default", {T(kI64, {4})}, {X(0)}, "int64").Integers(Ints::kSigned);
  t.Add("aten.tril.default", {T(kF32, {4, 5})}, {X(0)}, "diagonal 0");
  t.Add("aten.tril.default", {Transposed(kF32, {2, 4, 3})}, {X(0), I(-1)},
        "batched, non-contiguous, diagonal -1");
  t.Add("aten.tril.default", {T(kI64, {3, 3})}, {X(0), I(1)}, "int64").Integers(Ints::kSigned);
  t.Add("aten.triu.default", {T(kF32, {4, 5})}, {X(0), I(1)}, "diagonal 1");
  t.Add("aten.triu.default", {Transposed(kF32, {2, 4, 3})}, {X(0)}, "batched, non-contiguous");
  t.Add("aten.triu.default", {T(kI32, {3, 3})}, {X(0), I(-1)}, "int32").Integers(Ints::kSigned);
  t.Add("aten.cat.default", {T(kF32, {2, 3}), Transposed(kF32, {4, 3})}, {List({X(0), X(1)})},
        "dim 0, non-contiguous");
  t.Add("aten.cat.default", {T(kF32, {2, 1, 2}), T(kF32, {2, 3, 2}), T(kF32, {2, 2, 2})},
        {List({X(0), X(1), X(2)}), I(1)}, "three, dim 1");
  t.Add("aten.cat.default", {T(kI64, {2}), T(kI64, {3})}, {List({X(0), X(1)}), I(-1)}, "int64")
      .Integers(Ints::kSigned);
  t.Add("aten.stack.default", {T(kF32, {3, 4}), Transposed(kF32, {3, 4})},
        {List({X(0), X(1)}), I(1)}, "dim 1, non-contiguous");
  t.Add("aten.stack.default", {T(kF32, {2}), T(kF32, {2}), T(kF32, {2})},
        {List({X(0), X(1), X(2)})}, "three, dim 0");
  t.Add("aten.stack.default", {T(kBool, {3}), T(kBool, {3})}, {List({X(0), X(1)}), I(-1)}, "bool");
  t.Add("aten.constant_pad_nd.default", {Transposed(kF32, {3, 4})},
        {X(0), L({1, 2, -1, 1}), F(0.5)}, "pad and crop, non-contiguous");
  t.Add("aten.constant_pad_nd.default", {T(kI64, {2, 3, 4})}, {X(0), L({2, 1}), I(7)}, "int64");
  t.Add("aten.constant_pad_nd.default", {Transposed(kF32, {3, 4})}, {X(0), L({0, -1})}, "crop");
  t.Add("aten.pixel_shuffle.default", {Transposed(kF32, {2, 8, 3, 2})}, {X(0), I(2)},
        "non-contiguous");
  t.Add("aten.pixel_shuffle.default", {T(kI64, {2, 9, 1, 2})}, {X(0), I(3)}, "int64")
      .Range(0, 9);
  t.Add("aten.pixel_shuffle.default", {T(kF32, {3, 2, 2})}, {X(0), I(1)}, "factor 1, 3-d");
  t.Add("aten.pixel_unshuffle.default", {Transposed(kF32, {2, 1, 4, 6})}, {X(0), I(2)},
        "non-contiguous");
  t.Add("aten.pixel_unshuffle.default", {T(kBool, {1, 2, 2, 3, 3})}, {X(0), I(3)}, "bool, 5-d");
  t.Add("aten.repeat.default", {Transposed(kF32, {2, 3})}, {X(0), L({2, 1, 3})},
        "new dim, non-contiguous");
  t.Add("aten.repeat.default", {T(kI64, {3})}, {X(0), L({1})}, "int64, no copies").Range(0, 9);
  t.Add("aten.repeat.default", {T(kF32, {2, 3})}, {X(0), L({0, 2})}, "a repeat of 0");
}

}  // namespace aotd::ops::testing
