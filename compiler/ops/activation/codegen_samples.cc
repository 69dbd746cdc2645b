// The activation family's codegen samples (codegen_sample.h).
#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "compiler/ops/testing/codegen_sample.h"
#include "compiler/ops/testing/op_check.h"

namespace aotd::ops::testing {

void AddActivationSamples(SampleTable& t) {
  struct Unary {
    const char* op;
    double low, high;
    bool integers;  // Integer inputs are allowed.
    Ints ints;
  };
  const Unary unary[] = {
      {"aten.relu.default", -2, 2, true, Ints::kSigned},
      {"aten.silu.default", -3, 3, false, Ints::kIndex},
      {"aten.gelu.default", -3, 3, false, Ints::kIndex},
      {"aten.elu.default", -2, 2, false, Ints::kIndex},
      {"aten.leaky_relu.default", -2, 2, false, Ints::kIndex},
      {"aten.hardtanh.default", -2, 2, true, Ints::kSigned},
      {"aten.softplus.default", -3, 3, false, Ints::kIndex},
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
  t.Add("aten.gelu.default", {T(kF32, t.Shape(2))}, {X(0)}, "tanh approximation")
      .Kw({{"approximate", Str("tanh")}})
      .Range(-3, 3);
  t.Add("aten.elu.default", {Transposed(kF32, t.Shape(3))}, {X(0), F(0.5), F(1.5), F(2)},
        "alpha, scale, input_scale");
  t.Add("aten.leaky_relu.default", {T(kF32, t.Shape(2))}, {X(0), F(0.2)}, "slope 0.2");
  t.Add("aten.hardtanh.default", {Transposed(kF32, t.Shape(3))}, {X(0), F(-0.5), F(0.7)}, "bounds");
  t.Add("aten.hardtanh.default", {T(kI64, t.Shape(2))}, {X(0), I(-1), I(2)}, "int64 bounds")
      .Range(-4, 4)
      .Integers(Ints::kSigned);
  t.Add("aten.softplus.default", {T(kF32, t.Shape(2))}, {X(0), F(2), F(1)}, "beta 2, threshold 1");
  struct Backward {
    const char* op;
    std::vector<Argument> args;  // X(0) the gradient, X(1) the input.
    const char* note;
  };
  const Backward backward[] = {
      {"aten.threshold_backward.default", {X(0), X(1), F(0.1)}, "threshold 0.1"},
      {"aten.threshold_backward.default", {X(0), X(1), I(0)}, "threshold 0"},
      {"aten.sigmoid_backward.default", {X(0), X(1)}, ""},
      {"aten.tanh_backward.default", {X(0), X(1)}, ""},
      {"aten.silu_backward.default", {X(0), X(1)}, ""},
      {"aten.gelu_backward.default", {X(0), X(1)}, ""},
      {"aten.elu_backward.default", {X(0), F(1), F(1), F(1), B(false), X(1)}, "defaults"},
      {"aten.elu_backward.default",
       {X(0), F(0.5), F(1.5), F(2), B(true), X(1)},
       "is_result, alpha, scale, input_scale"},
      {"aten.elu_backward.default",
       {X(0), F(0.7), F(1.2), F(0.5), B(false), X(1)},
       "alpha, scale, input_scale"},
      {"aten.leaky_relu_backward.default", {X(0), X(1), F(0.2), B(false)}, "slope 0.2"},
      {"aten.hardtanh_backward.default", {X(0), X(1), F(-0.5), F(0.5)}, "bounds"},
      {"aten.softplus_backward.default", {X(0), X(1), F(1), F(20)}, "defaults"},
      {"aten.softplus_backward.default", {X(0), X(1), F(2), F(1)}, "beta 2, threshold 1"},
  };
  for (const Backward& b : backward) {
    Dims shape = t.Shape(3);
    t.Add(b.op, {T(kF32, shape), T(kF32, shape)}, b.args, absl::StrCat("float32 ", b.note));
    Dims matrix = t.Shape(2);
    t.Add(b.op, {T(kF32, t.Broadcastable(matrix)), Transposed(kF32, matrix)}, b.args,
          absl::StrCat("broadcast, non-contiguous ", b.note));
  }
  t.Add("aten.gelu_backward.default", {T(kF32, {3, 4}), Transposed(kF32, {3, 4})}, {X(0), X(1)},
        "tanh approximation")
      .Kw({{"approximate", Str("tanh")}})
      .Range(-3, 3);
  t.Add("aten.clamp.default", {T(kF32, t.Shape(3))}, {X(0), F(-0.5), F(0.5)}, "both bounds");
  t.Add("aten.clamp.default", {Transposed(kF32, t.Shape(2))}, {X(0), None(), F(0.3)},
        "max only, non-contiguous");
  t.Add("aten.clamp.default", {T(kF32, t.Shape(2))}, {X(0), I(0)}, "min only");
  t.Add("aten.clamp.default", {T(kI64, {7})}, {X(0), I(-1), I(2)}, "int64")
      .Range(-4, 4)
      .Integers(Ints::kSigned);
  t.Add("aten.clamp.default", {T(kI32, {7})}, {X(0), F(-0.5), F(1.5)}, "int32 with float bounds")
      .Range(-3, 3)
      .Integers(Ints::kSigned);
  Dims cshape = t.Shape(3);
  t.Add("aten.clamp.Tensor",
        {T(kF32, cshape), T(kF32, t.Broadcastable(cshape)), T(kF32, t.Broadcastable(cshape))},
        {X(0), X(1), X(2)}, "both bounds, broadcast");
  Dims cmatrix = t.Shape(2);
  t.Add("aten.clamp.Tensor", {Transposed(kF32, cmatrix), T(kF32, {cmatrix[1]})},
        {X(0), None(), X(1)}, "max only, non-contiguous");
  t.Add("aten.clamp.Tensor", {T(kF32, cmatrix), Transposed(kF32, cmatrix)}, {X(0), X(1)},
        "min only");
  t.Add("aten.clamp.Tensor", {T(kI64, {6}), T(kI64, {6}), T(kI32, {})}, {X(0), X(1), X(2)}, "int64")
      .Range(-3, 3)
      .Integers(Ints::kSigned);
  t.Add("aten.hardswish.default", {Transposed(kF32, t.Shape(2))}, {X(0)}, "non-contiguous")
      .Range(-5, 5);
  t.Add("aten.hardswish.default", {T(kF64, t.Shape(3))}, {X(0)}, "float64").Range(-5, 5);
  Dims m = t.Shape(2);
  t.Add("aten.hardswish_backward.default", {T(kF32, t.Broadcastable(m)), Transposed(kF32, m)},
        {X(0), X(1)}, "broadcast, non-contiguous")
      .Range(-5, 5);
  t.Add("aten.mish.default", {Transposed(kF32, t.Shape(2))}, {X(0)}, "non-contiguous").Range(-4, 4);
  t.Add("aten.log_sigmoid_forward.default", {Transposed(kF32, t.Shape(2))}, {X(0)},
        "non-contiguous")
      .Range(-4, 4);
  m = t.Shape(2);
  t.Add("aten.log_sigmoid_backward.default",
        {T(kF32, t.Broadcastable(m)), Transposed(kF32, m), T(kF32, m)}, {X(0), X(1), X(2)},
        "broadcast, non-contiguous")
      .Range(0.1, 2)
      .NoGrad({2});
  // Fixed shapes: the table's shape stream stays as it was for the samples
  // above.
  t.Add("aten.hardsigmoid.default", {Transposed(kF32, {3, 5})}, {X(0)}, "non-contiguous")
      .Range(-5, 5);
  t.Add("aten.hardsigmoid.default", {T(kF64, {2, 3, 4})}, {X(0)}, "float64").Range(-5, 5);
  t.Add("aten.hardsigmoid_backward.default", {T(kF32, {1, 5}), Transposed(kF32, {4, 5})},
        {X(0), X(1)}, "broadcast, non-contiguous")
      .Range(-5, 5);
  t.Add("aten.clamp_min.default", {Transposed(kF32, {3, 4})}, {X(0), F(0.25)}, "non-contiguous");
  t.Add("aten.clamp_min.default", {T(kI64, {6})}, {X(0), I(1)}, "int64").Range(0, 4);
  t.Add("aten.clamp_min.default", {T(kI32, {6})}, {X(0), F(1.5)}, "int32 promoted to float32")
      .Range(0, 4);
  t.Add("aten.clamp_max.default", {Transposed(kF64, {4, 3})}, {X(0), F(-0.25)}, "non-contiguous");
  t.Add("aten.clamp_max.default", {T(kI64, {6})}, {X(0), I(2)}, "int64").Range(0, 4);
  t.Add("aten.prelu.default", {Transposed(kF32, {2, 3, 4}), T(kF32, {3})}, {X(0), X(1)},
        "per channel, non-contiguous");
  t.Add("aten.prelu.default", {T(kF64, {5}), T(kF64, {})}, {X(0), X(1)}, "0-d weight");
  t.Add("aten.prelu_backward.default",
        {T(kF32, {2, 3, 2}), Transposed(kF32, {2, 3, 2}), T(kF32, {3})}, {X(0), X(1), X(2)},
        "per channel, non-contiguous");
  t.Add("aten.prelu_backward.default", {T(kF32, {4, 2}), T(kF32, {4, 2}), T(kF32, {1})},
        {X(0), X(1), X(2)}, "one weight");
}

}  // namespace aotd::ops::testing
