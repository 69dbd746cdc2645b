// Arithmetic: add, sub, rsub, mul, div (and its rounding modes), pow,
// maximum, minimum, and their in-place forms.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "common/status_macros.h"
#include "compiler/ops/arithmetic/arithmetic.h"
#include "compiler/ops/core/builder.h"
#include "compiler/ops/core/elementwise.h"
#include "compiler/ops/core/op_definer.h"
#include "compiler/ops/core/op_util.h"

namespace aotd::ops::internal {
namespace {

using ir::Argument;
using ir::Dims;
using ir::DType;
using ir::TensorType;
using ir::ValueId;
using reference::HostTensor;
using reference::RoundTo;

// ATen's alpha checks for add and sub.
absl::Status CheckAlpha(const Argument& alpha, DType result) {
  if (alpha.kind() == Argument::Kind::kBool && result != DType::kBool) {
    return absl::InvalidArgumentError("Boolean alpha only supported for Boolean results");
  }
  if (alpha.kind() == Argument::Kind::kFloat && !ir::IsFloatingPoint(result)) {
    return absl::InvalidArgumentError(
        absl::StrCat("for integral inputs (", ir::DTypeName(result),
                     "), argument alpha must not be a floating point number"));
  }
  return absl::OkStatus();
}

// ATen's sub_check: no bool operands for subtraction.
absl::Status CheckSubtraction(DType a, DType b) {
  if (a == DType::kBool || b == DType::kBool) {
    return absl::InvalidArgumentError(
        "subtraction, the `-` operator, with a bool tensor is not supported; use "
        "logical_not() or logical_xor() instead");
  }
  return absl::OkStatus();
}

// add, sub and rsub: a promoting binary op over arguments 0 and 1 with an
// alpha at argument 2.
InferFn AddLike(bool subtracts) {
  return [subtracts](const TypeCall& call) -> Types {
    ASSIGN_OR_RETURN(std::vector<TensorType> types, Elementwise(ResultKind::kPromoted)(call));
    if (subtracts) {
      RETURN_IF_ERROR(CheckSubtraction(TypeArg(call, 0).dtype, TypeArg(call, 1).dtype));
    }
    RETURN_IF_ERROR(CheckAlpha(call.arg(2), types[0].dtype));
    return types;
  };
}

// In-place binary ops (add_, mul_): self's type. ATen requires the
// broadcast shape to be self's and the promoted dtype to cast to self's.
Types InPlaceBinary(const TypeCall& call) {
  const TensorType& self = call.tensor(0);
  ASSIGN_OR_RETURN(Dims shape, BroadcastShapes(self.shape, TypeArg(call, 1).shape));
  if (shape != self.shape) {
    return absl::InvalidArgumentError(absl::StrCat("output with shape ", ShapeString(self.shape),
                                                   " doesn't match the broadcast shape ",
                                                   ShapeString(shape)));
  }
  DType promoted = PromotedType(call, {0, 1});
  if (!CanCast(promoted, self.dtype)) {
    return absl::InvalidArgumentError(absl::StrCat("result type ", ir::DTypeName(promoted),
                                                   " can't be cast to the desired output type ",
                                                   ir::DTypeName(self.dtype)));
  }
  return std::vector<TensorType>{self};
}

// In-place binary ops: `f` computed in the promoted dtype, then converted to
// self's dtype (the result's).
KernelFn InPlaceBinaryKernel(std::function<double(const KernelCall&, double, double)> f) {
  return [f](const KernelCall& call, const std::vector<TensorType>& results) -> Values {
    DType compute = PromotedType(call, {0, 1});
    HostTensor x = TensorArg(call, 0).Cast(compute), y = TensorArg(call, 1).Cast(compute);
    HostTensor r = MapBinary(x, y, results[0].shape, compute,
                             [&](double u, double v) { return f(call, u, v); });
    return std::vector<HostTensor>{r.Cast(results[0].dtype)};
  };
}

// Integer x ** y, ATen's powi: negative powers give 0 except for bases 1
// and -1.
double IntegerPow(double x, double y) {
  if (y < 0) {
    if (x == 1) return 1;
    if (x == -1) return std::fmod(-y, 2) != 0 ? -1 : 1;
    return 0;
  }
  return std::pow(x, y);
}

double FloatPow(double x, double y) { return std::pow(x, y); }

// pow's kernel: integer dtypes follow ATen's powi.
KernelFn PowKernel() {
  return [](const KernelCall& call, const std::vector<TensorType>& results) -> Values {
    DType d = results[0].dtype;
    HostTensor x = TensorArg(call, 0).Cast(d), y = TensorArg(call, 1).Cast(d);
    return std::vector<HostTensor>{
        MapBinary(x, y, results[0].shape, d, ir::IsFloatingPoint(d) ? FloatPow : IntegerPow)};
  };
}

// Floor division as ATen's div_floor_floating (Python's //): every step
// rounded to `d`.
double FloorDivideFloating(DType d, double a, double b) {
  if (b == 0) return RoundTo(d, a / b);
  double mod = std::fmod(a, b);
  double div = RoundTo(d, RoundTo(d, a - mod) / b);
  if (mod != 0 && (b < 0) != (mod < 0)) div -= 1;
  if (div == 0) return std::copysign(0.0, RoundTo(d, a / b));
  double floored = std::floor(div);
  if (div - floored > 0.5) floored += 1;
  return floored;
}

// div.Tensor_mode's kernel: true, "trunc" or "floor" division. Integer
// division by zero is an error, as in ATen.
Values DivideWithMode(const KernelCall& call, const std::vector<TensorType>& results) {
  DType out = results[0].dtype;
  std::string mode = call.IsNone(2) ? "" : call.Str(2);
  HostTensor x = reference::BroadcastTo(TensorArg(call, 0).Cast(out), results[0].shape);
  HostTensor y = reference::BroadcastTo(TensorArg(call, 1).Cast(out), results[0].shape);
  HostTensor r(out, results[0].shape);
  bool integral = !ir::IsFloatingPoint(out);
  for (int64_t i = 0; i < r.NumElements(); ++i) {
    double a = x.data[i], b = y.data[i];
    if (integral && !mode.empty() && b == 0) {
      return absl::InvalidArgumentError("ZeroDivisionError: integer division by zero");
    }
    if (mode.empty()) {
      r.data[i] = a / b;
    } else if (mode == "trunc") {
      r.data[i] = integral ? std::trunc(a / b) : std::trunc(RoundTo(out, a / b));
    } else if (integral) {
      double q = std::trunc(a / b);
      if (std::fmod(a, b) != 0 && ((a < 0) != (b < 0))) q -= 1;
      r.data[i] = q;
    } else {
      r.data[i] = FloorDivideFloating(out, a, b);
    }
  }
  r.RoundToDType();
  return std::vector<HostTensor>{std::move(r)};
}

// `v` times the number `s`, or `v` when s is 1 (derivatives.yaml's
// maybe_multiply).
ValueId MaybeMultiply(B& b, ValueId v, const Argument& s) {
  if (s.AsFloat() == 1.0) return v;
  return b.Op("aten.mul.Tensor", {Val(v), s});
}

// The number s + k, of s's kind when k is an integer.
Argument Plus(const Argument& s, int64_t k) {
  return s.kind() == Argument::Kind::kFloat ? Argument::Float(s.AsFloat() + k)
                                            : Argument::Int(s.AsInt() + k);
}

// Gradients for the tensor arguments among `args`, each `grad`.
Grads Passthrough(const DerivativeContext& c, ValueId grad, std::vector<int> args) {
  Grads g;
  for (int i : args) {
    if (c.arg(i).is_value()) g.push_back({i, grad});
  }
  return g;
}

// The gradient of `other` in add/sub: grad times alpha, negated for sub.
ValueId ScaledOtherGrad(B& b, ValueId grad, const Argument& alpha, bool negate) {
  return MaybeMultiply(b, negate ? b.Neg(grad) : grad, alpha);
}

// div's gradient for `other`: -grad * ((self / other) / other).
ValueId DivOtherGrad(B& b, ValueId grad, const Argument& self, ValueId other) {
  ValueId quotient = b.Op("aten.div.Tensor", {self, Val(other)});
  return b.Mul(b.Neg(grad), b.Div(quotient, other));
}

// add and sub: grad for self; for other, grad times alpha, negated for sub.
DerivativeFn AddOrSubDerivative(bool subtracts) {
  return [subtracts](DerivativeContext& c) -> Grads {
    Grads g = Passthrough(c, c.grad(0), {0});
    if (c.arg(1).is_value()) {
      g.push_back({1, ScaledOtherGrad(c.b, c.grad(0), c.arg(2), subtracts)});
    }
    return g;
  };
}

// True division's gradients: grad / other for self, DivOtherGrad for other.
Grads DivGrads(DerivativeContext& c) {
  Grads g;
  if (c.arg(0).is_value()) {
    g.push_back({0, c.b.Op("aten.div.Tensor", {Val(c.grad(0)), c.arg(1)})});
  }
  if (c.arg(1).is_value()) {
    g.push_back({1, DivOtherGrad(c.b, c.grad(0), c.arg(0), c.input(1))});
  }
  return g;
}

// maximum/minimum: the gradient goes to the selected operand, split evenly
// on ties. `loses` is the comparison under which this operand is not chosen.
ValueId MaxMinGrad(B& b, ValueId grad, ValueId self, ValueId other, absl::string_view loses) {
  ValueId tie = Compare(b, "eq", self, Val(other));
  ValueId shared = Where(b, tie, b.MulScalar(grad, 0.5), grad);
  return b.Op("aten.masked_fill.Scalar",
              {Val(shared), Val(Compare(b, loses, self, Val(other))), Argument::Int(0)});
}

// A binary op's Tensor and Scalar overloads (add.Tensor and add.Scalar). The
// Tensor overload also takes a number `other` (a wrapped number), so one
// inference, kernel and derivative serve both.
void DefineTensorAndScalar(OpRegistry& r, absl::string_view tensor_signature,
                           absl::string_view scalar_signature, InferFn infer, KernelFn kernel,
                           DerivativeFn derivative, ElementFn element) {
  for (absl::string_view signature : {tensor_signature, scalar_signature}) {
    OpDefiner(r, signature, OpKind::kPointwise)
        .LowerElementwise(element)
        .Infer(infer)
        .Kernel(kernel)
        .Derivative(derivative);
  }
}

// The element of `x op alpha * y` for arguments x, y and alpha (add, sub,
// rsub), or of `x op y` when alpha is -1.
ElementFn ScaledBinaryElement(int x, const char* op, int y, int alpha) {
  return [=](const ElementExpr& e) {
    if (alpha < 0) return absl::StrCat("(", e.x(x), " ", op, " ", e.x(y), ")");
    return absl::StrCat("(", e.x(x), " ", op, " ", e.scalar(alpha), " * ", e.x(y), ")");
  };
}

// x ** y for arguments a and b in the result dtype; integers follow ATen's
// powi (negative powers give 0 but for bases 1 and -1), computed through
// double as the reference kernel does.
std::string PowElement(const ElementExpr& e, int a, int b) {
  if (ir::IsFloatingPoint(e.result())) {
    return absl::StrCat("aotd_math::pow(", e.x(a), ", ", e.x(b), ")");
  }
  return lower::Invoke(
      e, lower::Params(e, "x", "y"),
      absl::StrCat("if (y < 0) return x == 1 ? 1 : x == -1 ? ((-y) % 2 != 0 ? -1 : 1) : 0; "
                   "return static_cast<",
                   e.ct(), ">(aotd_math::pow(static_cast<double>(x), static_cast<double>(y)));"),
      absl::StrCat(e.x(a), ", ", e.x(b)));
}

// div.Tensor_mode's quotient of arguments 0 and 1 in the result dtype.
std::string DivideWithModeElement(const ElementExpr& e) {
  const Argument& mode = e.arg(2);
  std::string args = absl::StrCat(e.x(0), ", ", e.x(1));
  bool floating = ir::IsFloatingPoint(e.result());
  if (mode.is_none()) return absl::StrCat("(", e.x(0), " / ", e.x(1), ")");
  if (mode.AsString() == "trunc") {
    return floating ? absl::StrCat("aotd_math::trunc(", e.x(0), " / ", e.x(1), ")")
                    : absl::StrCat("(", e.x(0), " / ", e.x(1), ")");
  }
  if (!floating) {
    return lower::Invoke(e, lower::Params(e, "a", "b"),
                  "return a % b != 0 && ((a < 0) != (b < 0)) ? a / b - 1 : a / b;", args);
  }
  // ATen's div_floor_floating (Python's //), step by step in the dtype.
  std::string t = e.ct();
  return lower::Invoke(
      e, lower::Params(e, "a", "b"),
      absl::StrCat("if (b == 0) return a / b; ", t, " mod = aotd_math::fmod(a, b); ", t,
                   " div = (a - mod) / b; if (mod != 0 && (b < 0) != (mod < 0)) div -= 1; "
                   "if (div == 0) return aotd_math::copysign(",
                   t, "(0), a / b); ", t, " floored = aotd_math::floor(div); if (div - floored > ", t,
                   "(0.5)) floored += 1; return floored;"),
      args);
}

void DefineArithmetic(OpRegistry& r) {
  auto add = [](const KernelCall& c, double x, double y) { return x + c.Float(2) * y; };
  auto sub = [](const KernelCall& c, double x, double y) { return x - c.Float(2) * y; };
  auto rsub = [](const KernelCall& c, double x, double y) { return y - c.Float(2) * x; };
  auto mul = [](const KernelCall&, double x, double y) { return x * y; };
  auto div = [](const KernelCall&, double x, double y) { return x / y; };

  DefineTensorAndScalar(r, "add.Tensor(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor",
                        "add.Scalar(Tensor self, Scalar other, Scalar alpha=1) -> Tensor",
                        AddLike(false), Binary(add), AddOrSubDerivative(false),
                        ScaledBinaryElement(0, "+", 1, 2));

  // In place: the functionalization pass makes it add.Tensor before autograd.
  OpDefiner(r, "add_.Tensor(Tensor(a!) self, Tensor other, *, Scalar alpha=1) -> Tensor(a!)",
            OpKind::kPointwise)
      .Infer([](const TypeCall& call) -> Types {
        ASSIGN_OR_RETURN(std::vector<TensorType> types, InPlaceBinary(call));
        RETURN_IF_ERROR(CheckAlpha(call.arg(2), PromotedType(call, {0, 1})));
        return types;
      })
      .Kernel(InPlaceBinaryKernel(add));

  DefineTensorAndScalar(r, "sub.Tensor(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor",
                        "sub.Scalar(Tensor self, Scalar other, Scalar alpha=1) -> Tensor",
                        AddLike(true), Binary(sub), AddOrSubDerivative(true),
                        ScaledBinaryElement(0, "-", 1, 2));

  // rsub(self, other, alpha) = other - alpha * self.
  DefineTensorAndScalar(r, "rsub.Tensor(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor",
                        "rsub.Scalar(Tensor self, Scalar other, Scalar alpha=1) -> Tensor",
                        AddLike(true), Binary(rsub), [](DerivativeContext& c) -> Grads {
                          Grads g = {{0, ScaledOtherGrad(c.b, c.grad(0), c.arg(2), true)}};
                          if (c.arg(1).is_value()) g.push_back({1, c.grad(0)});
                          return g;
                        },
                        ScaledBinaryElement(1, "-", 0, 2));

  DefineTensorAndScalar(r, "mul.Tensor(Tensor self, Tensor other) -> Tensor",
                        "mul.Scalar(Tensor self, Scalar other) -> Tensor",
                        Elementwise(ResultKind::kPromoted), Binary(mul),
                        [](DerivativeContext& c) -> Grads {
                          Grads g;
                          if (c.arg(0).is_value()) {
                            g.push_back({0, c.b.Op("aten.mul.Tensor", {Val(c.grad(0)), c.arg(1)})});
                          }
                          if (c.arg(1).is_value()) {
                            g.push_back({1, c.b.Op("aten.mul.Tensor", {Val(c.grad(0)), c.arg(0)})});
                          }
                          return g;
                        },
                        ScaledBinaryElement(0, "*", 1, -1));

  // In place: the functionalization pass makes it mul.Tensor before autograd.
  OpDefiner(r, "mul_.Tensor(Tensor(a!) self, Tensor other) -> Tensor(a!)", OpKind::kPointwise)
      .Infer(InPlaceBinary)
      .Kernel(InPlaceBinaryKernel(mul));

  // True division: integers give float32.
  DefineTensorAndScalar(r, "div.Tensor(Tensor self, Tensor other) -> Tensor",
                        "div.Scalar(Tensor self, Scalar other) -> Tensor",
                        Elementwise(ResultKind::kFloating), Binary(div), DivGrads,
                        ScaledBinaryElement(0, "/", 1, -1));

  // rounding_mode None is true division; "trunc" and "floor" keep integer
  // dtypes and have a zero gradient.
  OpDefiner(r, "div.Tensor_mode(Tensor self, Tensor other, *, str? rounding_mode) -> Tensor",
            OpKind::kPointwise)
      .LowerElementwise(DivideWithModeElement)
      .Infer([](const TypeCall& call) -> Types {
        if (call.IsNone(2)) return Elementwise(ResultKind::kFloating)(call);
        if (call.Str(2) != "trunc" && call.Str(2) != "floor") {
          return absl::InvalidArgumentError(absl::StrCat(
              "div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '",
              call.Str(2), "'"));
        }
        ASSIGN_OR_RETURN(std::vector<TensorType> types, Elementwise(ResultKind::kPromoted)(call));
        if (types[0].dtype == DType::kBool) {
          return absl::InvalidArgumentError("div with a rounding mode does not support bool");
        }
        return types;
      })
      .Kernel(DivideWithMode)
      .Derivative([](DerivativeContext& c) -> Grads {
        if (!c.arg(2).is_none()) return {};
        return DivGrads(c);
      });

  // pow: integer tensors to negative integer powers are an error for a
  // Scalar exponent; for tensor exponents they follow ATen's powi.
  OpDefiner(r, "pow.Tensor_Scalar(Tensor self, Scalar exponent) -> Tensor", OpKind::kPointwise)
      .LowerElementwise([](const ElementExpr& e) {
         double p = e.arg(1).AsFloat();
         if (p == 2) return lower::Invoke(e, lower::Param(e, "x"), "return x * x;", e.x(0));
         if (p == 1) return e.x(0);
         return PowElement(e, 0, 1);
       })
      .Infer([](const TypeCall& call) -> Types {
        ASSIGN_OR_RETURN(std::vector<TensorType> types, Elementwise(ResultKind::kPromoted)(call));
        if (!ir::IsFloatingPoint(types[0].dtype) && call.arg(1).kind() == Argument::Kind::kInt &&
            call.Int(1) < 0) {
          return absl::InvalidArgumentError("integers to negative integer powers are not allowed");
        }
        return types;
      })
      .Kernel(PowKernel())
      .Derivative([](DerivativeContext& c) -> Grads {
        // grad * exponent * self^(exponent - 1); zero for exponent 0.
        const Argument& e = c.arg(1);
        if (e.AsFloat() == 0) return {};
        ValueId power = PowScalar(c.b, c.input(0), Plus(e, -1));
        ValueId scaled = c.b.Op("aten.mul.Tensor", {Val(power), e});
        return {{0, c.b.Mul(c.grad(0), scaled)}};
      });

  OpDefiner(r, "pow.Tensor_Tensor(Tensor self, Tensor exponent) -> Tensor", OpKind::kPointwise)
      .LowerElementwise([](const ElementExpr& e) { return PowElement(e, 0, 1); })
      .Infer(Elementwise(ResultKind::kPromoted))
      .Kernel(PowKernel())
      .Derivative([](DerivativeContext& c) -> Grads {
        B& b = c.b;
        ValueId x = c.input(0), e = c.input(1), grad = c.grad(0);
        // self: where(exponent == 0, 0, grad * exponent * self^(exponent - 1)).
        ValueId power = b.Op("aten.pow.Tensor_Tensor", {Val(x), Val(b.AddScalar(e, -1))});
        ValueId self_grad = b.Mul(grad, b.Mul(e, power));
        ValueId exponent_zero = Compare(b, "eq", e, Argument::Int(0));
        self_grad = Where(b, exponent_zero, ScalarZero(b, self_grad), self_grad);
        // exponent: grad * where(self == 0 and exponent >= 0, 0, result * log(self)).
        ValueId at_zero =
            b.Op("aten.logical_and.default", {Val(Compare(b, "eq", x, Argument::Int(0))),
                                              Val(Compare(b, "ge", e, Argument::Int(0)))});
        ValueId log_term = b.Mul(c.output(0), Call1(b, "aten.log.default", x));
        ValueId exponent_grad = b.Mul(grad, Where(b, at_zero, ScalarZero(b, log_term), log_term));
        return {{0, self_grad}, {1, exponent_grad}};
      });

  OpDefiner(r, "pow.Scalar(Scalar self, Tensor exponent) -> Tensor", OpKind::kPointwise)
      .LowerElementwise([](const ElementExpr& e) { return PowElement(e, 0, 1); })
      .Infer([](const TypeCall& call) -> Types {
        return One(PromotedType(call, {0, 1}), call.tensor(1).shape);
      })
      .Kernel(PowKernel())
      .Derivative([](DerivativeContext& c) -> Grads {
        // exponent: grad * result * log(self); for self 0, zero where exponent >= 0.
        B& b = c.b;
        double base = c.arg(0).AsFloat();
        ValueId term = b.MulScalar(c.output(0), std::log(base));
        if (base == 0) {
          ValueId nonnegative = Compare(b, "ge", c.input(1), Argument::Int(0));
          term = Where(b, nonnegative, ScalarZero(b, term), term);
        }
        return {{1, b.Mul(c.grad(0), term)}};
      });

  OpDefiner(r, "maximum(Tensor self, Tensor other) -> Tensor", OpKind::kPointwise)
      .LowerElementwise([](const ElementExpr& e) {
         return lower::Invoke(e, lower::Params(e, "a", "b"), absl::StrCat("return ", lower::MaxOf("a", "b"), ";"),
                       absl::StrCat(e.x(0), ", ", e.x(1)));
       })
      .Infer(Elementwise(ResultKind::kPromoted))
      .Kernel(Binary([](const KernelCall&, double x, double y) { return Max(x, y); }))
      .Derivative([](DerivativeContext& c) -> Grads {
        return {{0, MaxMinGrad(c.b, c.grad(0), c.input(0), c.input(1), "lt")},
                {1, MaxMinGrad(c.b, c.grad(0), c.input(1), c.input(0), "lt")}};
      });

  OpDefiner(r, "minimum(Tensor self, Tensor other) -> Tensor", OpKind::kPointwise)
      .LowerElementwise([](const ElementExpr& e) {
         return lower::Invoke(e, lower::Params(e, "a", "b"), absl::StrCat("return ", lower::MinOf("a", "b"), ";"),
                       absl::StrCat(e.x(0), ", ", e.x(1)));
       })
      .Infer(Elementwise(ResultKind::kPromoted))
      .Kernel(Binary([](const KernelCall&, double x, double y) { return Min(x, y); }))
      .Derivative([](DerivativeContext& c) -> Grads {
        return {{0, MaxMinGrad(c.b, c.grad(0), c.input(0), c.input(1), "gt")},
                {1, MaxMinGrad(c.b, c.grad(0), c.input(1), c.input(0), "gt")}};
      });
}

}  // namespace

absl::Status RegisterArithmeticOps(OpRegistry& registry) {
  DefineArithmetic(registry);
  DefineInPlace(registry,
                "add_.Scalar(Tensor(a!) self, Scalar other, Scalar alpha=1) -> Tensor(a!)",
                "aten.add.Scalar");
  DefineInPlace(registry,
                "sub_.Tensor(Tensor(a!) self, Tensor other, *, Scalar alpha=1) -> Tensor(a!)",
                "aten.sub.Tensor");
  DefineInPlace(registry, "mul_.Scalar(Tensor(a!) self, Scalar other) -> Tensor(a!)",
                "aten.mul.Scalar");
  DefineInPlace(registry, "div_.Tensor(Tensor(a!) self, Tensor other) -> Tensor(a!)",
                "aten.div.Tensor");
  DefineInPlace(registry, "div_.Scalar(Tensor(a!) self, Scalar other) -> Tensor(a!)",
                "aten.div.Scalar");
  return absl::OkStatus();
}

}  // namespace aotd::ops::internal
