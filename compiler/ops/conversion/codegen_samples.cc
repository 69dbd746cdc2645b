// The conversion family's codegen samples (codegen_sample.h).
#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "compiler/ops/testing/codegen_sample.h"
#include "compiler/ops/testing/op_check.h"

namespace aotd::ops::testing {

void AddConversionSamples(SampleTable& t) {
  t.Add("aten._to_copy.default", {T(kF32, t.Shape(3))}, {X(0)}, "float32 to float64")
      .Kw(WithDType(kF64));
  t.Add("aten._to_copy.default", {Transposed(kF32, t.Shape(2))}, {X(0)},
        "non-contiguous float32 to int32")
      .Kw(WithDType(kI32))
      .Range(-9, 9);
  t.Add("aten._to_copy.default", {T(kI64, {6})}, {X(0)}, "int64 to float32")
      .Kw(WithDType(kF32))
      .Integers(Ints::kSigned);
  t.Add("aten._to_copy.default", {T(kF32, {6})}, {X(0)}, "float32 to bool")
      .Kw(WithDType(kBool))
      .Range(-1, 1);
  t.Add("aten._to_copy.default", {T(kBool, {6})}, {X(0)}, "bool to float32").Kw(WithDType(kF32));
  t.Add("aten._to_copy.default", {Transposed(kF32, {2, 3})}, {X(0)}, "copy, contiguous_format")
      .Kw(WithFormat("contiguous_format"));
  t.Add("aten._to_copy.default", {T(kF32, {2, 3, 4, 5})}, {X(0)}, "channels_last")
      .Kw(WithFormat("channels_last"));
  t.Add("aten.to.dtype", {T(kF32, t.Shape(2))}, {X(0), D(kF64)}, "float32 to float64");
  t.Add("aten.to.dtype", {Transposed(kF32, t.Shape(2))}, {X(0), D(kF32)},
        "same dtype (self), non-contiguous");
  t.Add("aten.to.dtype", {Transposed(kF32, t.Shape(2))}, {X(0), D(kF32), B(false), B(true)},
        "same dtype, copy");
  t.Add("aten.to.dtype", {T(kF32, {7})}, {X(0), D(kI64)}, "float32 to int64").Range(-9, 9);
  t.Add("aten.to.dtype", {T(kI32, {7})}, {X(0), D(kF32)}, "int32 to float32")
      .Integers(Ints::kSigned);
  t.Add("aten.fill.Scalar", {T(kF32, t.Shape(2))}, {X(0), F(1.5)}, "float32");
  t.Add("aten.fill.Scalar", {Transposed(kI32, t.Shape(2))}, {X(0), I(-3)}, "int32, non-contiguous");
}

}  // namespace aotd::ops::testing
