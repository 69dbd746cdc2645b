// The creation family's codegen samples (codegen_sample.h).
#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "compiler/ops/testing/codegen_sample.h"
#include "compiler/ops/testing/op_check.h"

namespace aotd::ops::testing {

void AddCreationSamples(SampleTable& t) {
  t.Add("aten.arange.default", {}, {I(7)}, "int64");
  t.Add("aten.arange.default", {}, {F(5.5)}, "float32");
  t.Add("aten.arange.default", {}, {I(6)}, "int end, float64").Kw(WithDType(kF64));
  t.Add("aten.arange.start", {}, {I(-3), I(4)}, "int64");
  t.Add("aten.arange.start", {}, {F(0.5), F(3)}, "float32");
  t.Add("aten.arange.start_step", {}, {I(10), I(-2), I(-3)}, "int64, negative step");
  t.Add("aten.arange.start_step", {}, {F(0), F(1), F(0.1)}, "float32, step 0.1");
  t.Add("aten.arange.start_step", {}, {I(1), I(20), I(4)}, "int32").Kw(WithDType(kI32));
  t.Add("aten.empty.memory_format", {}, {L({2, 3})}, "float32");
  t.Add("aten.empty.memory_format", {}, {L({4})}, "int64").Kw(WithDType(kI64));
  t.Add("aten.zeros.default", {}, {L({3, 4})}, "float32");
  t.Add("aten.zeros.default", {}, {L({5})}, "bool").Kw(WithDType(kBool));
  t.Add("aten.ones.default", {}, {L({2, 3, 2})}, "float32");
  t.Add("aten.ones.default", {}, {L({5})}, "int32").Kw(WithDType(kI32));
  t.Add("aten.full.default", {}, {L({2, 3}), F(1.5)}, "float32");
  t.Add("aten.full.default", {}, {L({4}), I(7)}, "int64");
  t.Add("aten.full.default", {}, {L({4}), B(true)}, "bool");
  t.Add("aten.full.default", {}, {L({3}), F(-2.5)}, "float64").Kw(WithDType(kF64));
  t.Add("aten.scalar_tensor.default", {}, {F(3.5)}, "float32");
  t.Add("aten.scalar_tensor.default", {}, {I(4)}, "int64").Kw(WithDType(kI64));
  for (const char* op :
       {"aten.empty_like.default", "aten.zeros_like.default", "aten.ones_like.default"}) {
    t.Add(op, {Transposed(kF32, t.Shape(2))}, {X(0)}, "non-contiguous");
    t.Add(op, {T(kF32, t.Shape(2))}, {X(0)}, "to int64").Kw(WithDType(kI64));
  }
  t.Add("aten.full_like.default", {Transposed(kF32, t.Shape(2))}, {X(0), F(2.5)}, "non-contiguous");
  t.Add("aten.full_like.default", {T(kI64, t.Shape(1))}, {X(0), I(-4)}, "int64");
  t.Add("aten.new_zeros.default", {Transposed(kF32, {2, 4})}, {X(0), L({2, 3})}, "float32");
  t.Add("aten.new_zeros.default", {T(kI64, {2})}, {X(0), L({4})}, "int64");
  t.Add("aten.new_empty.default", {Transposed(kF32, {3, 3})}, {X(0), L({3, 2})}, "float32");
  t.Add("aten.new_full.default", {Transposed(kF32, {2, 3})}, {X(0), L({3}), F(2.5)}, "float32");
  t.Add("aten.new_full.default", {T(kI32, {2})}, {X(0), L({2, 2}), I(9)}, "int32");
}

}  // namespace aotd::ops::testing
