// The reduction family's codegen samples (codegen_sample.h).
#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "compiler/ops/testing/codegen_sample.h"
#include "compiler/ops/testing/op_check.h"

namespace aotd::ops::testing {

void AddReductionSamples(SampleTable& t) {
  // A 0-d tensor reduced over dim 0 or -1 (PyTorch allows both): itself.
  t.Add("aten.sum.dim_IntList", {T(kF32, {})}, {X(0), L({0}), B(true)}, "0-d, dim 0, keepdim");
  t.Add("aten.mean.dim", {T(kF64, {})}, {X(0), L({-1})}, "0-d, dim -1");
  t.Add("aten.amax.default", {T(kF32, {})}, {X(0), L({0}), B(true)}, "0-d, dim 0");
  t.Add("aten.amin.default", {T(kF32, {})}, {X(0), L({-1})}, "0-d, dim -1");
  t.Add("aten.logsumexp.default", {T(kF32, {})}, {X(0), L({0}), B(true)}, "0-d, dim 0");
  t.Add("aten.sum.dim_IntList", {T(kF32, t.Shape(3))}, {X(0), L({1})}, "dim 1");
  t.Add("aten.sum.dim_IntList", {Transposed(kF32, t.Shape(3))}, {X(0), L({0, 2}), B(true)},
        "dims 0 and 2, keepdim, non-contiguous");
  t.Add("aten.sum.dim_IntList", {T(kF32, t.Shape(2))}, {X(0), None()}, "every dim");
  t.Add("aten.sum.dim_IntList", {T(kI32, t.Shape(2))}, {X(0), L({0})}, "int32")
      .Integers(Ints::kSigned);
  t.Add("aten.sum.dim_IntList", {T(kF32, t.Shape(2))}, {X(0), L({-1})}, "to float64")
      .Kw({{"dtype", D(kF64)}});
  t.Add("aten.sum.default", {T(kF32, t.Shape(3))}, {X(0)}, "float32");
  t.Add("aten.sum.default", {Transposed(kF32, t.Shape(2))}, {X(0)}, "non-contiguous");
  t.Add("aten.sum.default", {T(kBool, t.Shape(2))}, {X(0)}, "bool");
  t.Add("aten.sum.default", {T(kI64, {7})}, {X(0)}, "int64").Integers(Ints::kSigned);
  t.Add("aten.mean.dim", {T(kF32, t.Shape(3))}, {X(0), L({-1}), B(true)}, "last dim, keepdim");
  t.Add("aten.mean.dim", {Transposed(kF32, t.Shape(3))}, {X(0), L({0, 1})},
        "dims 0 and 1, non-contiguous");
  t.Add("aten.mean.default", {T(kF32, t.Shape(2))}, {X(0)}, "float32");
  t.Add("aten.mean.default", {Transposed(kF32, t.Shape(2))}, {X(0)}, "non-contiguous");
  t.Add("aten.var.correction", {T(kF32, t.Shape(3))}, {X(0), L({1})}, "correction 0, keepdim")
      .Kw({{"correction", I(0)}, {"keepdim", B(true)}});
  t.Add("aten.var.correction", {Transposed(kF32, t.Shape(2))}, {X(0), None()},
        "every dim, default correction, non-contiguous")
      .Kw({{"correction", None()}});
  t.Add("aten.var.correction", {T(kF32, t.Shape(2))}, {X(0), L({0})}, "correction 2")
      .Kw({{"correction", I(2)}});
  t.Add("aten.var.dim", {T(kF32, t.Shape(3))}, {X(0), L({0, 2})}, "unbiased");
  t.Add("aten.var.dim", {Transposed(kF32, t.Shape(2))}, {X(0), L({1}), B(false), B(true)},
        "biased, keepdim, non-contiguous");
  t.Add("aten.prod.default", {T(kF32, t.Shape(2))}, {X(0)}, "float32").Range(0.5, 1.5);
  t.Add("aten.prod.default", {Transposed(kF32, t.Shape(2))}, {X(0)}, "non-contiguous")
      .Range(-1.5, 1.5);
  t.Add("aten.prod.default", {T(kI32, {6})}, {X(0)}, "int32 to int64")
      .Range(-3, 3)
      .Integers(Ints::kNonzero);
  t.Add("aten.prod.dim_int", {T(kF32, t.Shape(3))}, {X(0), I(1)}, "dim 1").Range(0.5, 1.5);
  t.Add("aten.prod.dim_int", {Transposed(kF32, t.Shape(2))}, {X(0), I(0), B(true)},
        "keepdim, non-contiguous")
      .Range(-1.5, 1.5);
  t.Add("aten.prod.dim_int", {T(kI64, {3, 4})}, {X(0), I(-1)}, "int64")
      .Range(-3, 3)
      .Integers(Ints::kSigned);
  t.Add("aten.argmax.default", {T(kF32, t.Shape(3))}, {X(0)}, "flattened");
  t.Add("aten.argmax.default", {Transposed(kF32, t.Shape(2))}, {X(0), I(1), B(true)},
        "dim 1, keepdim, non-contiguous");
  t.Add("aten.argmax.default", {T(kI64, {4, 5})}, {X(0), I(0)}, "int64")
      .Range(-3, 3)
      .Integers(Ints::kSigned);
  for (const char* op : {"aten.amax.default", "aten.amin.default"}) {
    t.Add(op, {T(kF32, t.Shape(3))}, {X(0), L({1})}, "dim 1");
    t.Add(op, {Transposed(kF32, t.Shape(3))}, {X(0), L({0, 2}), B(true)},
          "dims 0 and 2, keepdim, non-contiguous");
    t.Add(op, {T(kF32, t.Shape(2))}, {X(0)}, "every dim");
    t.Add(op, {T(kI64, {4, 5})}, {X(0), L({1})}, "int64").Range(-3, 3).Integers(Ints::kSigned);
    t.Add(op, {T(kI32, {4, 5})}, {X(0)}, "int32, every dim").Range(-3, 3).Integers(Ints::kSigned);
  }
  t.Add("aten.logsumexp.default", {Transposed(kF32, {4, 5})}, {X(0), L({1})}, "non-contiguous");
  t.Add("aten.logsumexp.default", {T(kF32, {2, 3, 4})}, {X(0), L({0, 2}), B(true)}, "keepdim");
  t.Add("aten.logsumexp.default", {T(kI64, {3, 4})}, {X(0), L({0})}, "int64").Range(0, 4);
  t.Add("aten.std.correction", {Transposed(kF32, {4, 5})}, {X(0), L({1})}, "non-contiguous")
      .Kw({{"correction", I(1)}});
  t.Add("aten.std.correction", {T(kF64, {3, 4})}, {X(0), None()}, "all dims, correction 0")
      .Kw({{"correction", I(0)}, {"keepdim", B(true)}});
  t.Add("aten.norm.ScalarOpt_dim", {Transposed(kF32, {4, 5})}, {X(0), F(2), L({1})},
        "p 2, non-contiguous");
  t.Add("aten.norm.ScalarOpt_dim", {T(kF32, {3, 4})}, {X(0), None(), L({})}, "all dims");
  t.Add("aten.norm.ScalarOpt_dim", {T(kF64, {3, 4})}, {X(0), I(1), L({0}), B(true)}, "p 1");
  t.Add("aten.norm.ScalarOpt_dim", {T(kF32, {3, 4})}, {X(0), F(3), L({0})}, "p 3");
  t.Add("aten.norm.ScalarOpt_dim", {T(kF32, {3, 4})}, {X(0), F(0), L({1})}, "p 0");
  t.Add("aten.max.dim", {Transposed(kF32, {4, 5})}, {X(0), I(1)}, "non-contiguous");
  t.Add("aten.max.dim", {T(kI64, {3, 4})}, {X(0), I(0), B(true)}, "int64, keepdim").Range(0, 9);
}

}  // namespace aotd::ops::testing
