// The math family's codegen samples (codegen_sample.h).
#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "compiler/ops/testing/codegen_sample.h"
#include "compiler/ops/testing/op_check.h"

namespace aotd::ops::testing {

void AddMathSamples(SampleTable& t) {
  struct Unary {
    const char* op;
    double low, high;
    bool integers;  // Integer inputs are allowed.
    Ints ints;
  };
  const Unary unary[] = {
      {"aten.neg.default", -2, 2, true, Ints::kSigned},
      {"aten.abs.default", -2, 2, true, Ints::kSigned},
      {"aten.sgn.default", -2, 2, true, Ints::kSigned},
      {"aten.exp.default", -2, 2, true, Ints::kSigned},
      {"aten.log.default", 0.1, 3, true, Ints::kIndex},
      {"aten.log1p.default", -0.5, 3, true, Ints::kIndex},
      {"aten.sqrt.default", 0.1, 3, true, Ints::kIndex},
      {"aten.rsqrt.default", 0.2, 3, true, Ints::kIndex},
      {"aten.reciprocal.default", 0.3, 2, true, Ints::kNonzero},
      {"aten.sin.default", -3, 3, true, Ints::kSigned},
      {"aten.cos.default", -3, 3, true, Ints::kSigned},
      {"aten.tanh.default", -2, 2, true, Ints::kSigned},
      {"aten.erf.default", -2, 2, true, Ints::kSigned},
      {"aten.expm1.default", -2, 2, true, Ints::kSigned},
      {"aten.sign.default", -2, 2, true, Ints::kSigned},
      {"aten.sigmoid.default", -3, 3, true, Ints::kSigned},
      {"aten.acos.default", -0.9, 0.9, false, Ints::kSigned},
      {"aten.asin.default", -0.9, 0.9, false, Ints::kSigned},
      {"aten.atan.default", -3, 3, true, Ints::kSigned},
      {"aten.sinh.default", -2, 2, true, Ints::kSigned},
      {"aten.cosh.default", -2, 2, true, Ints::kSigned},
      {"aten.acosh.default", 1.1, 3, false, Ints::kIndex},
      {"aten.asinh.default", -3, 3, true, Ints::kSigned},
      {"aten.atanh.default", -0.9, 0.9, false, Ints::kSigned},
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
  const Dims plane = t.Shape(2);
  t.Add("aten.atan2.default", {T(kF32, plane), T(kF32, plane)}, {X(0), X(1)}, "float32")
      .Range(-2, 2);
  t.Add("aten.atan2.default", {Transposed(kF32, plane), T(kF32, {})}, {X(0), X(1)},
        "non-contiguous, broadcast 0-d other")
      .Range(-2, 2);
  t.Add("aten.atan2.default", {T(kF64, plane), T(kF32, {plane[1]})}, {X(0), X(1)},
        "float64 with float32, broadcast")
      .Range(-2, 2);
  t.Add("aten.atan2.default", {T(kI64, plane), T(kI32, plane)}, {X(0), X(1)}, "int64 with int32")
      .Range(-3, 4)
      .Integers(Ints::kSigned);
  t.Add("aten.logical_not.default", {Transposed(kF32, t.Shape(2))}, {X(0)}, "float32").Range(-1, 1);
  t.Add("aten.logical_not.default", {T(kBool, t.Shape(3))}, {X(0)}, "bool");
  t.Add("aten.sign.default", {T(kBool, t.Shape(2))}, {X(0)}, "bool");
  t.Add("aten.bitwise_not.default", {T(kBool, t.Shape(3))}, {X(0)}, "bool");
  t.Add("aten.bitwise_not.default", {Transposed(kI32, t.Shape(2))}, {X(0)}, "int32, non-contiguous")
      .Range(-4, 4)
      .Integers(Ints::kSigned);
  t.Add("aten.bitwise_not.default", {T(kI64, t.Shape(2))}, {X(0)}, "int64")
      .Range(-4, 4)
      .Integers(Ints::kSigned);
  t.Add("aten.bitwise_not.default", {T(kU8, t.Shape(2))}, {X(0)}, "uint8").Range(0, 200);
  t.Add("aten.logical_not.default", {T(kI64, t.Shape(1))}, {X(0)}, "int64")
      .Range(-2, 2)
      .Integers(Ints::kSigned);
}

}  // namespace aotd::ops::testing
