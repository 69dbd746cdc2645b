// The comparison family's codegen samples (codegen_sample.h).
#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "compiler/ops/testing/codegen_sample.h"
#include "compiler/ops/testing/op_check.h"

namespace aotd::ops::testing {

void AddComparisonSamples(SampleTable& t) {
  for (const char* name : {"eq", "ne", "lt", "le", "gt", "ge"}) {
    std::string tensor_op = absl::StrCat("aten.", name, ".Tensor");
    std::string scalar_op = absl::StrCat("aten.", name, ".Scalar");
    Dims shape = t.Shape(3);
    t.Add(tensor_op, {T(kF32, shape), T(kF32, t.Broadcastable(shape))}, {X(0), X(1)},
          "float32, broadcast");
    Dims matrix = t.Shape(2);
    t.Add(tensor_op, {Transposed(kI64, matrix), T(kI32, matrix)}, {X(0), X(1)},
          "int64 with int32, non-contiguous")
        .Range(-2, 2)
        .Integers(Ints::kSigned);
    t.Add(tensor_op, {T(kI32, {6}), T(kF32, {})}, {X(0), X(1)}, "int32 with a 0-dim float32")
        .Range(-2, 2)
        .Integers(Ints::kSigned);
    t.Add(tensor_op, {T(kBool, {2, 3}), T(kBool, {3})}, {X(0), X(1)}, "bool");
    t.Add(scalar_op, {T(kF32, t.Shape(2))}, {X(0), F(0.25)}, "float32").Range(-1, 1);
    t.Add(scalar_op, {Transposed(kI64, t.Shape(2))}, {X(0), I(1)}, "int64, non-contiguous")
        .Range(-2, 2)
        .Integers(Ints::kSigned);
    t.Add(scalar_op, {T(kI32, {8})}, {X(0), F(0.5)}, "int32 with a float number")
        .Range(-2, 2)
        .Integers(Ints::kSigned);
    t.Add(scalar_op, {T(kBool, {8})}, {X(0), I(2)}, "bool with the number 2");
    t.Add(scalar_op, {T(kBool, {8})}, {X(0), B(true)}, "bool with True");
  }
  for (const char* op : {"aten.logical_and.default", "aten.logical_or.default"}) {
    Dims shape = t.Shape(3);
    t.Add(op, {T(kBool, shape), T(kBool, t.Broadcastable(shape))}, {X(0), X(1)}, "bool, broadcast");
    Dims matrix = t.Shape(2);
    t.Add(op, {Transposed(kF32, matrix), T(kI64, matrix)}, {X(0), X(1)},
          "float32 with int64, non-contiguous")
        .Range(-1, 1)
        .Integers(Ints::kSigned);
  }
  Dims shape = t.Shape(3);
  t.Add("aten.where.self", {T(kBool, shape), T(kF32, t.Broadcastable(shape)), T(kF32, shape)},
        {X(0), X(1), X(2)}, "float32, broadcast");
  Dims matrix = t.Shape(2);
  t.Add("aten.where.self", {T(kBool, {matrix[1]}), Transposed(kF32, matrix), T(kF64, {})},
        {X(0), X(1), X(2)}, "non-contiguous, 0-dim float64 other");
  t.Add("aten.where.self", {T(kBool, {5}), T(kI64, {5}), T(kI32, {5})}, {X(0), X(1), X(2)},
        "int64 with int32")
      .Integers(Ints::kSigned);
  t.Add("aten.where.self", {T(kU8, {5}), T(kF32, {5}), T(kF32, {5})}, {X(0), X(1), X(2)},
        "uint8 condition");
  t.Add("aten.masked_fill.Scalar", {T(kF32, shape), T(kBool, t.Broadcastable(shape))},
        {X(0), X(1), F(-1.5)}, "float32, broadcast mask");
  t.Add("aten.masked_fill.Scalar", {Transposed(kF32, matrix), T(kBool, matrix)},
        {X(0), X(1), F(-std::numeric_limits<double>::infinity())}, "non-contiguous, -inf");
  t.Add("aten.masked_fill.Scalar", {T(kI64, {2, 5}), T(kBool, {5})}, {X(0), X(1), I(7)}, "int64")
      .Integers(Ints::kSigned);
  t.Add("aten.masked_fill.Tensor", {T(kF32, shape), T(kBool, t.Broadcastable(shape)), T(kF32, {})},
        {X(0), X(1), X(2)}, "float32, broadcast mask");
  t.Add("aten.masked_fill.Tensor", {Transposed(kF32, matrix), T(kBool, matrix), T(kF32, {})},
        {X(0), X(1), X(2)}, "non-contiguous");
}

}  // namespace aotd::ops::testing
