// The arithmetic family's codegen samples (codegen_sample.h).
#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "compiler/ops/testing/codegen_sample.h"
#include "compiler/ops/testing/op_check.h"

namespace aotd::ops::testing {

void AddArithmeticSamples(SampleTable& t) {
  const char* tensor_ops[] = {"aten.add.Tensor",     "aten.sub.Tensor", "aten.rsub.Tensor",
                              "aten.mul.Tensor",     "aten.div.Tensor", "aten.maximum.default",
                              "aten.minimum.default"};
  for (const char* op : tensor_ops) {
    bool is_div = std::string(op) == "aten.div.Tensor";
    Dims shape = t.Shape(3);
    t.Add(op, {T(kF32, shape), T(kF32, shape)}, {X(0), X(1)}, "float32")
        .Range(is_div ? 0.5 : -2, 2);
    t.Add(op, {T(kF32, t.Broadcastable(shape)), T(kF32, shape)}, {X(0), X(1)}, "broadcast self")
        .Range(is_div ? 0.5 : -2, 2);
    Dims matrix = t.Shape(2);
    t.Add(op, {Transposed(kF32, matrix), T(kF32, t.Broadcastable(matrix))}, {X(0), X(1)},
          "non-contiguous, broadcast other")
        .Range(is_div ? 0.5 : -2, 2);
    Dims v = t.Shape(1);
    t.Add(op, {T(kI64, v), T(kI32, v)}, {X(0), X(1)}, "int64 with int32")
        .Range(-3, 3)
        .Integers(Ints::kNonzero);
    t.Add(op, {T(kI32, t.Shape(2)), T(kF32, {})}, {X(0), X(1)}, "int32 with a 0-dim float32")
        .Range(0.5, 3)
        .Integers(Ints::kSigned);
    t.Add(op, {T(kF32, {}), T(kF64, {})}, {X(0), X(1)}, "0-dim float32 with 0-dim float64")
        .Range(0.5, 3);
  }
  // Wrapped numbers, alpha.
  t.Add("aten.add.Tensor", {T(kF32, t.Shape(2))}, {X(0), F(2.5)}, "number other");
  t.Add("aten.add.Tensor", {T(kF32, {3, 4}), Transposed(kF32, {3, 4})}, {X(0), X(1)}, "alpha")
      .Kw({{"alpha", F(-0.5)}});
  t.Add("aten.add.Tensor", {T(kI64, {5}), T(kI64, {5})}, {X(0), X(1)}, "int64 alpha")
      .Kw({{"alpha", I(3)}})
      .Integers(Ints::kSigned);
  t.Add("aten.add.Tensor", {T(kBool, {6}), T(kBool, {6})}, {X(0), X(1)}, "bool");
  t.Add("aten.sub.Tensor", {T(kF32, {4, 3}), T(kF32, {3})}, {X(0), X(1)}, "alpha")
      .Kw({{"alpha", I(2)}});
  t.Add("aten.rsub.Tensor", {T(kF32, {4, 3}), T(kF32, {3})}, {X(0), X(1)}, "alpha")
      .Kw({{"alpha", F(1.5)}});
  t.Add("aten.mul.Tensor", {T(kBool, {2, 3}), T(kF32, {3})}, {X(0), X(1)}, "bool with float32");
  t.Add("aten.div.Tensor", {T(kI64, {7}), T(kI64, {7})}, {X(0), X(1)}, "int64 true division")
      .Range(-4, 4)
      .Integers(Ints::kNonzero);
  struct Scalar {
    const char* op;
    std::vector<Argument> args;
    const char* note;
  };
  const Scalar scalar[] = {
      {"aten.add.Scalar", {X(0), F(1.5)}, ""},
      {"aten.add.Scalar", {X(0), I(2), I(3)}, "alpha"},
      {"aten.sub.Scalar", {X(0), F(0.25)}, ""},
      {"aten.sub.Scalar", {X(0), I(1), F(0.5)}, "alpha"},
      {"aten.rsub.Scalar", {X(0), I(1)}, ""},
      {"aten.rsub.Scalar", {X(0), F(2), F(-1.5)}, "alpha"},
      {"aten.mul.Scalar", {X(0), F(-1.5)}, ""},
      {"aten.div.Scalar", {X(0), F(0.7)}, ""},
  };
  for (const Scalar& s : scalar) {
    t.Add(s.op, {T(kF32, t.Shape(3))}, s.args, absl::StrCat("float32 ", s.note));
    t.Add(s.op, {Transposed(kF32, t.Shape(2))}, s.args, absl::StrCat("non-contiguous ", s.note));
  }
  t.Add("aten.add.Scalar", {T(kI32, {5})}, {X(0), I(2), I(3)}, "int32").Integers(Ints::kSigned);
  t.Add("aten.sub.Scalar", {T(kI64, {5})}, {X(0), F(0.5)}, "int64 with a float number")
      .Integers(Ints::kSigned);
  t.Add("aten.rsub.Scalar", {T(kI16, {5})}, {X(0), I(7)}, "int16").Integers(Ints::kSigned);
  t.Add("aten.mul.Scalar", {T(kI64, {2, 3})}, {X(0), I(-3)}, "int64").Integers(Ints::kSigned);
  t.Add("aten.div.Scalar", {T(kI32, {2, 3})}, {X(0), I(2)}, "int32").Integers(Ints::kSigned);
  // div with a rounding mode.
  for (const char* mode : {"trunc", "floor"}) {
    Dims shape = t.Shape(2);
    t.Add("aten.div.Tensor_mode", {T(kF32, shape), Transposed(kF32, shape)}, {X(0), X(1)},
          absl::StrCat(mode, ", float32, non-contiguous"))
        .Kw({{"rounding_mode", Str(mode)}})
        .Range(-4, 4);
    t.Add("aten.div.Tensor_mode", {T(kF32, t.Broadcastable(shape)), T(kF32, shape)}, {X(0), X(1)},
          absl::StrCat(mode, ", broadcast"))
        .Kw({{"rounding_mode", Str(mode)}})
        .Range(-4, 4);
    t.Add("aten.div.Tensor_mode", {T(kI64, {12}), T(kI64, {12})}, {X(0), X(1)},
          absl::StrCat(mode, ", int64"))
        .Kw({{"rounding_mode", Str(mode)}})
        .Range(-5, 5)
        .Integers(Ints::kNonzero);
    t.Add("aten.div.Tensor_mode", {T(kI32, {3, 4}), T(kI32, {4})}, {X(0), X(1)},
          absl::StrCat(mode, ", int32 broadcast"))
        .Kw({{"rounding_mode", Str(mode)}})
        .Range(-9, 9)
        .Integers(Ints::kNonzero);
  }
  t.Add("aten.div.Tensor_mode", {T(kF32, {3, 4}), T(kF32, {4})}, {X(0), X(1)}, "true division")
      .Kw({{"rounding_mode", None()}})
      .Range(0.5, 2);
  t.Add("aten.div.Tensor_mode", {T(kI64, {6}), T(kI64, {6})}, {X(0), X(1)}, "int64 true division")
      .Kw({{"rounding_mode", None()}})
      .Integers(Ints::kNonzero);
  // pow.
  t.Add("aten.pow.Tensor_Scalar", {T(kF32, t.Shape(3))}, {X(0), F(2.5)}, "float exponent")
      .Range(0.2, 2);
  t.Add("aten.pow.Tensor_Scalar", {Transposed(kF32, t.Shape(2))}, {X(0), I(3)}, "int exponent");
  t.Add("aten.pow.Tensor_Scalar", {T(kF32, t.Shape(2))}, {X(0), I(2)}, "square");
  t.Add("aten.pow.Tensor_Scalar", {T(kF32, t.Shape(2))}, {X(0), F(-1.5)}, "negative exponent")
      .Range(0.5, 2);
  t.Add("aten.pow.Tensor_Scalar", {T(kI64, {6})}, {X(0), I(3)}, "int64").Integers(Ints::kSigned);
  t.Add("aten.pow.Tensor_Scalar", {T(kI32, {6})}, {X(0), F(0.5)}, "int32 to a float power");
  Dims pshape = t.Shape(3);
  t.Add("aten.pow.Tensor_Tensor", {T(kF32, pshape), T(kF32, pshape)}, {X(0), X(1)}, "float32")
      .Range(0.3, 2);
  Dims pmatrix = t.Shape(2);
  t.Add("aten.pow.Tensor_Tensor", {Transposed(kF32, pmatrix), T(kF32, t.Broadcastable(pmatrix))},
        {X(0), X(1)}, "non-contiguous, broadcast")
      .Range(0.3, 2);
  t.Add("aten.pow.Tensor_Tensor", {T(kI64, {3, 4}), T(kI64, {4})}, {X(0), X(1)},
        "int64, negative exponents")
      .Range(-3, 3)
      .Integers(Ints::kSigned);
  t.Add("aten.pow.Scalar", {T(kF32, t.Shape(2))}, {F(2.0), X(0)}, "float base");
  t.Add("aten.pow.Scalar", {Transposed(kF32, t.Shape(2))}, {F(0.5), X(0)}, "non-contiguous");
  t.Add("aten.pow.Scalar", {T(kI64, {5})}, {I(3), X(0)}, "int64 exponent");
  t.Add("aten.pow.Scalar", {T(kI32, {5})}, {F(1.5), X(0)}, "int32 exponent, float base");
}

}  // namespace aotd::ops::testing
