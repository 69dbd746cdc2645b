// Elementwise ops: activations, arithmetic, comparisons, their backward
// ops, and dtype conversion and copies.
//
// Results are new contiguous tensors, except for the in-place ops (relu_,
// sigmoid_, add_, mul_, div_, copy_...), whose result has self's type and whose kernels compute
// self's new value functionally, and to.dtype when it returns self. Kernels
// cast their operands to the dtype PyTorch computes in, compute in double,
// round once to the result dtype, and keep IEEE inf/NaN behaviour (a
// masked_fill with -inf must reach softmax as -inf). Derivatives follow
// derivatives.yaml, using the ATen *_backward ops where PyTorch does.
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
#include "compiler/ops/core/builder.h"
#include "compiler/ops/core/op_definer.h"
#include "compiler/ops/families.h"
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
using Types = absl::StatusOr<std::vector<TensorType>>;
using Values = absl::StatusOr<std::vector<HostTensor>>;

constexpr double kPi = 3.14159265358979323846;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();
// GELU: 1/sqrt(2*pi) (the normal density's factor), sqrt(2/pi) and the
// tanh approximation's cubic coefficient.
constexpr double kInvSqrt2Pi = 0.39894228040143267794;
constexpr double kSqrt2OverPi = 0.79788456080286535588;
constexpr double kGeluKappa = 0.044715;

std::string ShapeString(const Dims& d) { return absl::StrCat("[", absl::StrJoin(d, ","), "]"); }

// ---------------------------------------------------------------------------
// Inference.

// torch.result_type over arguments `args`: tensors or numbers, None skipped.
template <typename T>
DType PromotedType(const Call<T>& call, const std::vector<int>& args) {
  std::vector<Operand> operands;
  for (int i : args) {
    std::vector<Operand> one = OperandsOf(call, {i});
    operands.insert(operands.end(), one.begin(), one.end());
  }
  return ResultType(operands);
}

// The broadcast shape of arguments `args`: tensors or numbers, None skipped.
absl::StatusOr<Dims> BroadcastArgs(const TypeCall& call, const std::vector<int>& args) {
  Dims shape;
  for (int i : args) {
    if (call.IsNone(i)) continue;
    ASSIGN_OR_RETURN(shape, BroadcastShapes(shape, TypeArg(call, i).shape));
  }
  return shape;
}

// c10::canCast: no floating to integral, nothing but bool to bool.
bool CanCast(DType from, DType to) {
  if (ir::IsFloatingPoint(from) && ir::IsIntegral(to)) return false;
  return from == DType::kBool || to != DType::kBool;
}

Types SameAsInput(const TypeCall& call) { return One(call.tensor(0).dtype, call.tensor(0).shape); }

// Float math (exp, sigmoid): integer and bool inputs give float32.
Types FloatOfInput(const TypeCall& call) {
  return One(ToFloating(call.tensor(0).dtype), call.tensor(0).shape);
}

Types BoolOfInput(const TypeCall& call) { return One(DType::kBool, call.tensor(0).shape); }

// The result of an in-place unary op: self itself.
Types SelfType(const TypeCall& call) { return std::vector<TensorType>{call.tensor(0)}; }

// Activations that ATen implements for floating dtypes only.
InferFn FloatOnly(absl::string_view op) {
  return [op](const TypeCall& call) -> Types {
    DType d = call.tensor(0).dtype;
    if (!ir::IsFloatingPoint(d)) {
      return absl::InvalidArgumentError(
          absl::StrCat(op, " expects a floating-point tensor, got ", ir::DTypeName(d)));
    }
    return One(d, call.tensor(0).shape);
  };
}

// What a broadcasting op's result dtype is, from its operands' promoted one.
enum class ResultKind {
  kPromoted,  // Arithmetic: the promoted dtype.
  kFloating,  // True division: integers give float32.
  kBool,      // Comparisons and logic.
};

// A broadcasting op over arguments `args` (tensors or numbers).
InferFn Elementwise(ResultKind kind, std::vector<int> args = {0, 1}) {
  return [kind, args](const TypeCall& call) -> Types {
    ASSIGN_OR_RETURN(Dims shape, BroadcastArgs(call, args));
    DType promoted = PromotedType(call, args);
    DType d = kind == ResultKind::kBool       ? DType::kBool
              : kind == ResultKind::kFloating ? ToFloating(promoted)
                                              : promoted;
    return One(d, std::move(shape));
  };
}

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

// ---------------------------------------------------------------------------
// Kernels.

// Applies `f` to every element of argument 0, first cast to the result dtype
// (integer inputs of float math are converted, as ATen does).
KernelFn UnaryWith(std::function<double(const KernelCall&, double)> f) {
  return [f](const KernelCall& call, const std::vector<TensorType>& results) -> Values {
    DType out = results[0].dtype;
    return std::vector<HostTensor>{
        MapUnary(call.tensor(0).Cast(out), out, [&](double x) { return f(call, x); })};
  };
}

KernelFn Unary(double (*f)(double)) {
  return UnaryWith([f](const KernelCall&, double x) { return f(x); });
}

// Applies `f` to arguments `a` and `b` (tensors or numbers), broadcast. The
// operands are cast to the dtype ATen computes in: the result's, or for bool
// results (comparisons, logic) the operands' promoted dtype.
KernelFn Binary(std::function<double(const KernelCall&, double, double)> f, int a = 0, int b = 1) {
  return [f, a, b](const KernelCall& call, const std::vector<TensorType>& results) -> Values {
    DType out = results[0].dtype;
    DType compute = out == DType::kBool ? PromotedType(call, {a, b}) : out;
    HostTensor x = TensorArg(call, a).Cast(compute), y = TensorArg(call, b).Cast(compute);
    return std::vector<HostTensor>{
        MapBinary(x, y, results[0].shape, out, [&](double u, double v) { return f(call, u, v); })};
  };
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

// NaN-propagating max and min (torch.maximum, torch.minimum, clamp).
double Max(double x, double y) { return std::isnan(x) || std::isnan(y) ? kNaN : std::max(x, y); }
double Min(double x, double y) { return std::isnan(x) || std::isnan(y) ? kNaN : std::min(x, y); }

double Sigmoid(double x) { return 1 / (1 + std::exp(-x)); }

// sgn for real values; NaN gives 0, as in ATen.
double Sign(double x) { return (x > 0) - (x < 0); }

double Gelu(double x, bool tanh_approximation) {
  if (tanh_approximation) {
    return 0.5 * x * (1 + std::tanh(kSqrt2OverPi * (x + kGeluKappa * x * x * x)));
  }
  return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0)));
}

// d gelu / dx.
double GeluDerivative(double x, bool tanh_approximation) {
  if (tanh_approximation) {
    double t = std::tanh(kSqrt2OverPi * (x + kGeluKappa * x * x * x));
    double du = kSqrt2OverPi * (1 + 3 * kGeluKappa * x * x);
    return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du;
  }
  double cdf = 0.5 * (1 + std::erf(x / std::sqrt(2.0)));
  double pdf = kInvSqrt2Pi * std::exp(-0.5 * x * x);
  return cdf + x * pdf;
}

// gelu's approximate argument.
absl::Status CheckApproximate(const std::string& approximate) {
  if (approximate != "none" && approximate != "tanh") {
    return absl::InvalidArgumentError(
        absl::StrCat("gelu: approximate must be 'none' or 'tanh', got '", approximate, "'"));
  }
  return absl::OkStatus();
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

// ---------------------------------------------------------------------------
// Derivative helpers.

using B = GraphBuilder;
constexpr ValueId kNoValue = GraphBuilder::kNoValue;

Argument Val(ValueId v) { return Argument::Value(v); }

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

ValueId Call1(B& b, absl::string_view op, ValueId x) { return b.Op(op, {Val(x)}); }

// A 0-dim zero of `like`'s dtype (at::scalar_tensor(0, grad.options())).
ValueId ScalarZero(B& b, ValueId like) {
  if (!b.ok()) return kNoValue;
  return b.Op("aten.scalar_tensor.default", {Argument::Float(0)},
              {{"dtype", Argument::DTypeArg(b.type(like).dtype)}});
}

ValueId Where(B& b, ValueId cond, ValueId x, ValueId y) {
  return b.Op("aten.where.self", {Val(cond), Val(x), Val(y)});
}

// `v` where `cond` holds, zero elsewhere.
ValueId KeepWhere(B& b, ValueId cond, ValueId v) { return Where(b, cond, v, ScalarZero(b, v)); }

// Comparison `name` ("lt") of x with a tensor or number y.
ValueId Compare(B& b, absl::string_view name, ValueId x, const Argument& y) {
  return b.Op(absl::StrCat("aten.", name, y.is_value() ? ".Tensor" : ".Scalar"), {Val(x), y});
}

// 1 - v.
ValueId OneMinus(B& b, ValueId v) { return b.Op("aten.rsub.Scalar", {Val(v), Argument::Int(1)}); }

// x ** n for a number n.
ValueId PowScalar(B& b, ValueId x, const Argument& n) {
  return b.Op("aten.pow.Tensor_Scalar", {Val(x), n});
}

// Gradients for the tensor arguments among `args`, each `grad`.
Grads Passthrough(const DerivativeContext& c, ValueId grad, std::vector<int> args) {
  Grads g;
  for (int i : args) {
    if (c.arg(i).is_value()) g.push_back({i, grad});
  }
  return g;
}

// ---------------------------------------------------------------------------
// Definitions.

void DefineUnaryMath(OpRegistry& r) {
  OpDefiner(r, "neg(Tensor self) -> Tensor", OpKind::kPointwise)
      .LowerElementwise([](const ElementExpr& e) { return absl::StrCat("(-", e.x(0), ")"); })
      .Infer([](const TypeCall& call) -> Types {
        if (call.tensor(0).dtype == DType::kBool) {
          return absl::InvalidArgumentError(
              "negation, the `-` operator, on a bool tensor is not supported; use "
              "logical_not() instead");
        }
        return SameAsInput(call);
      })
      .Kernel(Unary([](double x) { return -x; }))
      .Derivative([](DerivativeContext& c) -> Grads {
        return {{0, c.b.Neg(c.grad(0))}};
      });

  OpDefiner(r, "abs(Tensor self) -> Tensor", OpKind::kPointwise)
      .LowerElementwise([](const ElementExpr& e) {
         return ir::IsFloatingPoint(e.result()) ? lower::Call("std::fabs", e.x(0))
                                                : absl::StrCat("(", e.x(0), " < 0 ? -", e.x(0), " : ", e.x(0), ")");
       })
      .Infer(SameAsInput)
      .Kernel(Unary([](double x) { return std::fabs(x); }))
      .Derivative([](DerivativeContext& c) -> Grads {
        return {{0, c.b.Mul(c.grad(0), Call1(c.b, "aten.sgn.default", c.input(0)))}};
      });

  // The gradient of sgn is zero (for real inputs): none flows.
  OpDefiner(r, "sgn(Tensor self) -> Tensor", OpKind::kPointwise)
      .LowerElementwise([](const ElementExpr& e) {
         std::string v = e.x(0), t = e.ct();
         return absl::StrCat("(", t, ")((", v, " > 0) - (", v, " < 0))");
       })
      .Infer(SameAsInput)
      .Kernel(Unary(Sign))
      .Derivative([](DerivativeContext&) -> Grads { return {}; });

  OpDefiner(r, "exp(Tensor self) -> Tensor", OpKind::kPointwise)
      .LowerElementwise([](const ElementExpr& e) { return lower::Call("std::exp", e.x(0)); })
      .Infer(FloatOfInput)
      .Kernel(Unary([](double x) { return std::exp(x); }))
      .Derivative([](DerivativeContext& c) -> Grads {
        return {{0, c.b.Mul(c.grad(0), c.output(0))}};
      });

  OpDefiner(r, "log(Tensor self) -> Tensor", OpKind::kPointwise)
      .LowerElementwise([](const ElementExpr& e) { return lower::Call("std::log", e.x(0)); })
      .Infer(FloatOfInput)
      .Kernel(Unary([](double x) { return std::log(x); }))
      .Derivative([](DerivativeContext& c) -> Grads {
        return {{0, c.b.Div(c.grad(0), c.input(0))}};
      });

  OpDefiner(r, "log1p(Tensor self) -> Tensor", OpKind::kPointwise)
      .LowerElementwise([](const ElementExpr& e) { return lower::Call("std::log1p", e.x(0)); })
      .Infer(FloatOfInput)
      .Kernel(Unary([](double x) { return std::log1p(x); }))
      .Derivative([](DerivativeContext& c) -> Grads {
        return {{0, c.b.Div(c.grad(0), c.b.AddScalar(c.input(0), 1))}};
      });

  OpDefiner(r, "sqrt(Tensor self) -> Tensor", OpKind::kPointwise)
      .LowerElementwise([](const ElementExpr& e) { return lower::Call("std::sqrt", e.x(0)); })
      .Infer(FloatOfInput)
      .Kernel(Unary([](double x) { return std::sqrt(x); }))
      .Derivative([](DerivativeContext& c) -> Grads {
        return {{0, c.b.Div(c.grad(0), c.b.MulScalar(c.output(0), 2))}};
      });

  OpDefiner(r, "rsqrt(Tensor self) -> Tensor", OpKind::kPointwise)
      .LowerElementwise([](const ElementExpr& e) {
         return absl::StrCat("(", e.ct(), "(1) / std::sqrt(", e.x(0), "))");
       })
      .Infer(FloatOfInput)
      .Kernel(Unary([](double x) { return 1 / std::sqrt(x); }))
      .Derivative([](DerivativeContext& c) -> Grads {
        ValueId cube = PowScalar(c.b, c.output(0), Argument::Int(3));
        return {{0, c.b.Mul(c.b.MulScalar(c.grad(0), -0.5), cube)}};
      });

  OpDefiner(r, "reciprocal(Tensor self) -> Tensor", OpKind::kPointwise)
      .LowerElementwise([](const ElementExpr& e) {
         return absl::StrCat("(", e.ct(), "(1) / ", e.x(0), ")");
       })
      .Infer(FloatOfInput)
      .Kernel(Unary([](double x) { return 1 / x; }))
      .Derivative([](DerivativeContext& c) -> Grads {
        return {{0, c.b.Mul(c.b.Neg(c.grad(0)), c.b.Mul(c.output(0), c.output(0)))}};
      });

  OpDefiner(r, "sin(Tensor self) -> Tensor", OpKind::kPointwise)
      .LowerElementwise([](const ElementExpr& e) { return lower::Call("std::sin", e.x(0)); })
      .Infer(FloatOfInput)
      .Kernel(Unary([](double x) { return std::sin(x); }))
      .Derivative([](DerivativeContext& c) -> Grads {
        return {{0, c.b.Mul(c.grad(0), Call1(c.b, "aten.cos.default", c.input(0)))}};
      });

  OpDefiner(r, "cos(Tensor self) -> Tensor", OpKind::kPointwise)
      .LowerElementwise([](const ElementExpr& e) { return lower::Call("std::cos", e.x(0)); })
      .Infer(FloatOfInput)
      .Kernel(Unary([](double x) { return std::cos(x); }))
      .Derivative([](DerivativeContext& c) -> Grads {
        ValueId minus_sin = c.b.Neg(Call1(c.b, "aten.sin.default", c.input(0)));
        return {{0, c.b.Mul(c.grad(0), minus_sin)}};
      });

  OpDefiner(r, "tanh(Tensor self) -> Tensor", OpKind::kPointwise)
      .LowerElementwise([](const ElementExpr& e) { return lower::Call("std::tanh", e.x(0)); })
      .Infer(FloatOfInput)
      .Kernel(Unary([](double x) { return std::tanh(x); }))
      .Derivative([](DerivativeContext& c) -> Grads {
        return {{0, c.b.Op("aten.tanh_backward.default", {Val(c.grad(0)), Val(c.output(0))})}};
      });

  OpDefiner(r, "sigmoid(Tensor self) -> Tensor", OpKind::kPointwise)
      .LowerElementwise([](const ElementExpr& e) { return lower::Sigmoid(e.x(0), e.ct()); })
      .Infer(FloatOfInput)
      .Kernel(Unary(Sigmoid))
      .Derivative([](DerivativeContext& c) -> Grads {
        return {{0, c.b.Op("aten.sigmoid_backward.default", {Val(c.grad(0)), Val(c.output(0))})}};
      });

  // d erf(x) = 2/sqrt(pi) exp(-x^2).
  OpDefiner(r, "erf(Tensor self) -> Tensor", OpKind::kPointwise)
      .LowerElementwise([](const ElementExpr& e) { return lower::Call("std::erf", e.x(0)); })
      .Infer(FloatOfInput)
      .Kernel(Unary([](double x) { return std::erf(x); }))
      .Derivative([](DerivativeContext& c) -> Grads {
        ValueId square = PowScalar(c.b, c.input(0), Argument::Int(2));
        ValueId density = Call1(c.b, "aten.exp.default", c.b.Neg(square));
        return {{0, c.b.Mul(c.b.MulScalar(density, 2 / std::sqrt(kPi)), c.grad(0))}};
      });

  OpDefiner(r, "logical_not(Tensor self) -> Tensor", OpKind::kPointwise)
      .LowerElementwise([](const ElementExpr& e) {
         return absl::StrCat("(!", e.as(0, DType::kBool), ")");
       })
      .Infer(BoolOfInput)
      .Kernel(Unary([](double x) -> double { return x == 0; }))
      .NonDifferentiable();

  // sign is sgn for real dtypes, bool included; its gradient is zero.
  OpDefiner(r, "sign(Tensor self) -> Tensor", OpKind::kPointwise)
      .Infer(SameAsInput)
      .Kernel(Unary(Sign))
      .Derivative([](DerivativeContext&) -> Grads { return {}; })
      .Decompose([](B& b, const ir::Node& node) -> std::vector<ValueId> {
        return {b.Op("aten.sgn.default", {node.args[0]})};
      });

  OpDefiner(r, "expm1(Tensor self) -> Tensor", OpKind::kPointwise)
      .LowerElementwise([](const ElementExpr& e) { return lower::Call("std::expm1", e.x(0)); })
      .Infer(FloatOfInput)
      .Kernel(Unary([](double x) { return std::expm1(x); }))
      .Derivative([](DerivativeContext& c) -> Grads {
        return {{0, c.b.Mul(c.grad(0), c.b.AddScalar(c.output(0), 1))}};
      });

  // ~x for integers (-1 - x, or 255 - x for uint8), logical not for bool.
  OpDefiner(r, "bitwise_not(Tensor self) -> Tensor", OpKind::kPointwise)
      .Infer([](const TypeCall& call) -> Types {
        DType d = call.tensor(0).dtype;
        if (ir::IsFloatingPoint(d)) {
          return absl::InvalidArgumentError(absl::StrCat(
              "bitwise_not is only supported for integer and bool tensors, got ", ir::DTypeName(d)));
        }
        return SameAsInput(call);
      })
      .Kernel(UnaryWith([](const KernelCall& call, double x) -> double {
        DType d = call.tensor(0).dtype;
        if (d == DType::kBool) return x == 0;
        return d == DType::kUInt8 ? 255 - x : -1 - x;
      }))
      .NonDifferentiable()
      .Decompose([](B& b, const ir::Node& node) -> std::vector<ValueId> {
        DType d = b.type(node.args[0].AsValue()).dtype;
        if (d == DType::kBool) return {b.Op("aten.logical_not.default", {node.args[0]})};
        int64_t all_ones = d == DType::kUInt8 ? 255 : -1;
        return {b.Op("aten.rsub.Scalar", {node.args[0], Argument::Int(all_ones)})};
      });
}

// Where clamp passes self through (min <= self <= max, for the bounds
// given, tensors or numbers at arguments 1 and 2).
ValueId ClampPassMask(DerivativeContext& c) {
  ValueId x = c.input(0);
  bool has_min = !c.arg(1).is_none(), has_max = !c.arg(2).is_none();
  ValueId above_min = has_min ? Compare(c.b, "ge", x, c.arg(1)) : kNoValue;
  if (!has_max) return above_min;
  ValueId below_max = Compare(c.b, "le", x, c.arg(2));
  if (!has_min) return below_max;
  return c.b.Op("aten.logical_and.default", {Val(above_min), Val(below_max)});
}

void DefineActivations(OpRegistry& r) {
  auto relu = [](double x) { return std::isnan(x) ? x : std::max(x, 0.0); };
  OpDefiner(r, "relu(Tensor self) -> Tensor", OpKind::kPointwise)
      .LowerElementwise([](const ElementExpr& e) {
         std::string v = e.x(0);
         // NaN propagates, as in ATen (clamp_min(x, 0)).
         return absl::StrCat("(", v, " < ", e.ct(), "(0) ? ", e.ct(), "(0) : ", v, ")");
       })
      .Infer(SameAsInput)
      .Kernel(Unary(relu))
      .Derivative([](DerivativeContext& c) -> Grads {
        return {{0, c.b.Op("aten.threshold_backward.default",
                           {Val(c.grad(0)), Val(c.output(0)), Argument::Int(0)})}};
      });

  // In place: the functionalization pass makes it relu before autograd.
  OpDefiner(r, "relu_(Tensor(a!) self) -> Tensor(a!)", OpKind::kPointwise)
      .Infer(SelfType)
      .Kernel(Unary(relu));

  OpDefiner(r, "gelu(Tensor self, *, str approximate='none') -> Tensor", OpKind::kPointwise)
      .LowerElementwise([](const ElementExpr& e) {
         std::string v = e.x(0), t = e.ct();
         if (e.arg(1).AsString() == "tanh") {
           return absl::StrCat("(", t, "(0.5) * ", v, " * (", t, "(1) + std::tanh(", t,
                               "(0.7978845608028654) * (", v, " + ", t, "(0.044715) * ", v, " * ", v,
                               " * ", v, "))))");
         }
         return absl::StrCat("(", v, " * ", t, "(0.5) * (", t, "(1) + std::erf(", v, " * ", t,
                             "(0.7071067811865476))))");
       })
      .Infer([](const TypeCall& call) -> Types {
        RETURN_IF_ERROR(CheckApproximate(call.Str(1)));
        return FloatOnly("gelu")(call);
      })
      .Kernel(UnaryWith(
          [](const KernelCall& call, double x) { return Gelu(x, call.Str(1) == "tanh"); }))
      .Derivative([](DerivativeContext& c) -> Grads {
        return {{0, c.b.Op("aten.gelu_backward.default", {Val(c.grad(0)), Val(c.input(0))},
                           {{"approximate", c.arg(1)}})}};
      });

  OpDefiner(r, "silu(Tensor self) -> Tensor", OpKind::kPointwise)
      .LowerElementwise([](const ElementExpr& e) {
         return absl::StrCat("(", e.x(0), " * ", lower::Sigmoid(e.x(0), e.ct()), ")");
       })
      .Infer(FloatOnly("silu"))
      .Kernel(Unary([](double x) { return x * Sigmoid(x); }))
      .Derivative([](DerivativeContext& c) -> Grads {
        return {{0, c.b.Op("aten.silu_backward.default", {Val(c.grad(0)), Val(c.input(0))})}};
      });

  // softplus(x) = log(1 + exp(beta x)) / beta, or x where beta x > threshold.
  OpDefiner(r, "softplus(Tensor self, Scalar beta=1, Scalar threshold=20) -> Tensor",
            OpKind::kPointwise)
      .LowerElementwise([](const ElementExpr& e) {
         std::string beta = e.scalar(1), threshold = e.scalar(2);
         return lower::Invoke(e, lower::Param(e, "x"),
                       absl::StrCat(e.ct(), " bx = x * ", beta, "; return bx > ", threshold,
                                    " ? x : std::log1p(std::exp(bx)) / ", beta, ";"),
                       e.x(0));
       })
      .Infer(FloatOnly("softplus"))
      .Kernel(UnaryWith([](const KernelCall& call, double x) {
        double beta = call.Float(1);
        return x * beta > call.Float(2) ? x : std::log1p(std::exp(x * beta)) / beta;
      }))
      .Derivative([](DerivativeContext& c) -> Grads {
        return {{0, c.b.Op("aten.softplus_backward.default",
                           {Val(c.grad(0)), Val(c.input(0)), c.arg(1), c.arg(2)})}};
      });

  // elu(x) = scale x for x > 0, else scale alpha (exp(input_scale x) - 1).
  OpDefiner(r, "elu(Tensor self, Scalar alpha=1, Scalar scale=1, Scalar input_scale=1) -> Tensor",
            OpKind::kPointwise)
      .LowerElementwise([](const ElementExpr& e) {
         double alpha = e.arg(1).AsFloat(), scale = e.arg(2).AsFloat();
         double input_scale = e.arg(3).AsFloat();
         return lower::Invoke(e, lower::Param(e, "x"),
                       absl::StrCat("return x <= 0 ? std::expm1(x * ", e.lit(input_scale), ") * ",
                                    e.lit(alpha * scale), " : x * ", e.lit(scale), ";"),
                       e.x(0));
       })
      .Infer(FloatOnly("elu"))
      .Kernel(UnaryWith([](const KernelCall& call, double x) {
        double alpha = call.Float(1), scale = call.Float(2), input_scale = call.Float(3);
        return x <= 0 ? std::expm1(x * input_scale) * alpha * scale : x * scale;
      }))
      .Derivative([](DerivativeContext& c) -> Grads {
        return {
            {0, c.b.Op("aten.elu_backward.default", {Val(c.grad(0)), c.arg(1), c.arg(2), c.arg(3),
                                                     Argument::Bool(false), Val(c.input(0))})}};
      });

  OpDefiner(r, "leaky_relu(Tensor self, Scalar negative_slope=0.01) -> Tensor", OpKind::kPointwise)
      .LowerElementwise([](const ElementExpr& e) {
         return lower::Invoke(e, lower::Param(e, "x"), absl::StrCat("return x > 0 ? x : x * ", e.scalar(1), ";"),
                       e.x(0));
       })
      .Infer(FloatOnly("leaky_relu"))
      .Kernel(
          UnaryWith([](const KernelCall& call, double x) { return x > 0 ? x : x * call.Float(1); }))
      .Derivative([](DerivativeContext& c) -> Grads {
        return {{0, c.b.Op("aten.leaky_relu_backward.default",
                           {Val(c.grad(0)), Val(c.input(0)), c.arg(1), Argument::Bool(false)})}};
      });

  // hardtanh keeps self's dtype (integer bounds truncate): ATen's clamp
  // without type promotion.
  OpDefiner(r, "hardtanh(Tensor self, Scalar min_val=-1, Scalar max_val=1) -> Tensor",
            OpKind::kPointwise)
      .LowerElementwise([](const ElementExpr& e) {
         std::string lo = e.scalar(1), hi = e.scalar(2);
         return lower::Invoke(e, lower::Param(e, "x"),
                       absl::StrCat("x = x < ", lo, " ? ", lo, " : x; return x > ", hi, " ? ", hi,
                                    " : x;"),
                       e.x(0));
       })
      .Infer([](const TypeCall& call) -> Types {
        DType d = call.tensor(0).dtype;
        if (d == DType::kBool) {
          return absl::InvalidArgumentError("hardtanh does not support bool tensors");
        }
        if (d == DType::kUInt8 && (call.Float(1) < 0 || call.Float(2) < 0)) {
          return absl::InvalidArgumentError(
              "cannot do hardtanh on an unsigned type with negative limits");
        }
        return SameAsInput(call);
      })
      .Kernel(UnaryWith([](const KernelCall& call, double x) {
        DType d = call.tensor(0).dtype;
        return Min(Max(x, RoundTo(d, call.Float(1))), RoundTo(d, call.Float(2)));
      }))
      .Derivative([](DerivativeContext& c) -> Grads {
        return {{0, c.b.Op("aten.hardtanh_backward.default",
                           {Val(c.grad(0)), Val(c.input(0)), c.arg(1), c.arg(2)})}};
      });

  // clamp promotes self with its bounds (an integer tensor clamped to 0.5
  // becomes float32). The gradient flows where min <= self <= max.
  OpDefiner(r, "clamp(Tensor self, Scalar? min=None, Scalar? max=None) -> Tensor",
            OpKind::kPointwise)
      .LowerElementwise([](const ElementExpr& e) {
         std::string body;
         if (!e.arg(1).is_none()) {
           absl::StrAppend(&body, "x = x < ", e.scalar(1), " ? ", e.scalar(1), " : x; ");
         }
         if (!e.arg(2).is_none()) {
           absl::StrAppend(&body, "x = x > ", e.scalar(2), " ? ", e.scalar(2), " : x; ");
         }
         return lower::Invoke(e, lower::Param(e, "x"), absl::StrCat(body, "return x;"), e.x(0));
       })
      .Infer([](const TypeCall& call) -> Types {
        if (call.IsNone(1) && call.IsNone(2)) {
          return absl::InvalidArgumentError("clamp: at least one of min and max must be given");
        }
        return One(PromotedType(call, {0, 1, 2}), call.tensor(0).shape);
      })
      .Kernel([](const KernelCall& call, const std::vector<TensorType>& results) -> Values {
        DType d = results[0].dtype;
        HostTensor x = call.tensor(0).Cast(d);
        double lo = call.IsNone(1) ? -kInf : RoundTo(d, call.Float(1));
        double hi = call.IsNone(2) ? kInf : RoundTo(d, call.Float(2));
        return std::vector<HostTensor>{
            MapUnary(x, d, [&](double v) { return Min(Max(v, lo), hi); })};
      })
      .Derivative([](DerivativeContext& c) -> Grads {
        return {{0, KeepWhere(c.b, ClampPassMask(c), c.grad(0))}};
      });

  // clamp with one bound: clamp(self, min, None) and clamp(self, None, max).
  for (const char* bound : {"min", "max"}) {
    const bool is_min = std::string(bound) == "min";
    OpDefiner(r, absl::StrCat("clamp_", bound, "(Tensor self, Scalar ", bound, ") -> Tensor"),
              OpKind::kPointwise)
        .Infer([](const TypeCall& call) -> Types {
          return One(PromotedType(call, {0, 1}), call.tensor(0).shape);
        })
        .Kernel([is_min](const KernelCall& call, const std::vector<TensorType>& results) -> Values {
          DType d = results[0].dtype;
          double limit = RoundTo(d, call.Float(1));
          return std::vector<HostTensor>{MapUnary(call.tensor(0).Cast(d), d, [&](double v) {
            return is_min ? Max(v, limit) : Min(v, limit);
          })};
        })
        .Derivative([is_min](DerivativeContext& c) -> Grads {
          // self: where(self >= min, grad, 0) (<= max for clamp_max).
          ValueId pass = Compare(c.b, is_min ? "ge" : "le", c.input(0), c.arg(1));
          return {{0, KeepWhere(c.b, pass, c.grad(0))}};
        })
        .Decompose([is_min](B& b, const ir::Node& node) -> std::vector<ValueId> {
          Argument none = Argument::None();
          return {b.Op("aten.clamp.default", {node.args[0], is_min ? node.args[1] : none,
                                              is_min ? none : node.args[1]})};
        });
  }

  // clamp with tensor bounds broadcasts and promotes all three. Where
  // min > max the result is max: min's gradient needs self < min < max,
  // max's self > max or max < min.
  OpDefiner(r, "clamp.Tensor(Tensor self, Tensor? min=None, Tensor? max=None) -> Tensor",
            OpKind::kPointwise)
      .LowerElementwise([](const ElementExpr& e) {
         std::string params = lower::Param(e, "x"), args = e.x(0), body;
         if (!e.arg(1).is_none()) {
           absl::StrAppend(&params, ", ", lower::Param(e, "lo"));
           absl::StrAppend(&args, ", ", e.x(1));
           absl::StrAppend(&body, "x = ", lower::MaxOf("x", "lo"), "; ");
         }
         if (!e.arg(2).is_none()) {
           absl::StrAppend(&params, ", ", lower::Param(e, "hi"));
           absl::StrAppend(&args, ", ", e.x(2));
           absl::StrAppend(&body, "x = ", lower::MinOf("x", "hi"), "; ");
         }
         return lower::Invoke(e, params, absl::StrCat(body, "return x;"), args);
       })
      .Infer([](const TypeCall& call) -> Types {
        if (call.IsNone(1) && call.IsNone(2)) {
          return absl::InvalidArgumentError("clamp: at least one of min and max must be given");
        }
        return Elementwise(ResultKind::kPromoted, {0, 1, 2})(call);
      })
      .Kernel([](const KernelCall& call, const std::vector<TensorType>& results) -> Values {
        DType d = results[0].dtype;
        const Dims& shape = results[0].shape;
        HostTensor x = reference::BroadcastTo(call.tensor(0).Cast(d), shape);
        if (!call.IsNone(1)) x = MapBinary(x, call.tensor(1).Cast(d), shape, d, Max);
        if (!call.IsNone(2)) x = MapBinary(x, call.tensor(2).Cast(d), shape, d, Min);
        return std::vector<HostTensor>{std::move(x)};
      })
      .Derivative([](DerivativeContext& c) -> Grads {
        B& b = c.b;
        ValueId x = c.input(0), grad = c.grad(0);
        bool has_min = !c.arg(1).is_none(), has_max = !c.arg(2).is_none();
        Grads g = {{0, KeepWhere(b, ClampPassMask(c), grad)}};
        if (has_min) {
          ValueId below = Compare(b, "lt", x, c.arg(1));
          if (has_max) {
            below = b.Op("aten.logical_and.default",
                         {Val(below), Val(Compare(b, "lt", c.input(1), c.arg(2)))});
          }
          g.push_back({1, KeepWhere(b, below, grad)});
        }
        if (has_max) {
          ValueId above = Compare(b, "gt", x, c.arg(2));
          if (has_min) {
            above = b.Op("aten.logical_or.default",
                         {Val(above), Val(Compare(b, "lt", c.input(2), c.arg(1)))});
          }
          g.push_back({2, KeepWhere(b, above, grad)});
        }
        return g;
      });
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
    return absl::StrCat("std::pow(", e.x(a), ", ", e.x(b), ")");
  }
  return lower::Invoke(
      e, lower::Params(e, "x", "y"),
      absl::StrCat("if (y < 0) return x == 1 ? 1 : x == -1 ? ((-y) % 2 != 0 ? -1 : 1) : 0; "
                   "return static_cast<",
                   e.ct(), ">(std::pow(static_cast<double>(x), static_cast<double>(y)));"),
      absl::StrCat(e.x(a), ", ", e.x(b)));
}

// div.Tensor_mode's quotient of arguments 0 and 1 in the result dtype.
std::string DivideWithModeElement(const ElementExpr& e) {
  const Argument& mode = e.arg(2);
  std::string args = absl::StrCat(e.x(0), ", ", e.x(1));
  bool floating = ir::IsFloatingPoint(e.result());
  if (mode.is_none()) return absl::StrCat("(", e.x(0), " / ", e.x(1), ")");
  if (mode.AsString() == "trunc") {
    return floating ? absl::StrCat("std::trunc(", e.x(0), " / ", e.x(1), ")")
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
      absl::StrCat("if (b == 0) return a / b; ", t, " mod = std::fmod(a, b); ", t,
                   " div = (a - mod) / b; if (mod != 0 && (b < 0) != (mod < 0)) div -= 1; "
                   "if (div == 0) return std::copysign(",
                   t, "(0), a / b); ", t, " floored = std::floor(div); if (div - floored > ", t,
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

// masked_fill's result: self's dtype at the broadcast shape of self and
// mask, which must be bool.
Types MaskedFillType(const TypeCall& call) {
  const TensorType& self = call.tensor(0);
  const TensorType& mask = call.tensor(1);
  if (mask.dtype != DType::kBool) {
    return absl::InvalidArgumentError(
        absl::StrCat("masked_fill only supports boolean masks, but got mask with dtype ",
                     ir::DTypeName(mask.dtype)));
  }
  ASSIGN_OR_RETURN(Dims shape, BroadcastShapes(self.shape, mask.shape));
  return One(self.dtype, std::move(shape));
}

// Fills with `value` (cast to the result dtype) where the mask holds.
HostTensor MaskedFill(const KernelCall& call, const TensorType& result, double value) {
  HostTensor x = reference::BroadcastTo(call.tensor(0), result.shape);
  HostTensor mask = reference::BroadcastTo(call.tensor(1), result.shape);
  value = RoundTo(result.dtype, value);
  for (int64_t i = 0; i < x.NumElements(); ++i) {
    if (mask.data[i] != 0) x.data[i] = value;
  }
  return x;
}

// masked_fill's gradient for self: grad with the filled places zeroed.
ValueId MaskedFillSelfGrad(B& b, ValueId grad, ValueId mask) {
  return b.Op("aten.masked_fill.Scalar", {Val(grad), Val(mask), Argument::Int(0)});
}

void DefineSelection(OpRegistry& r) {
  // The condition is bool (uint8 is deprecated but accepted, as in 1.13).
  OpDefiner(r, "where.self(Tensor condition, Tensor self, Tensor other) -> Tensor",
            OpKind::kPointwise)
      .LowerElementwise([](const ElementExpr& e) {
         return absl::StrCat("(", e.as(0, DType::kBool), " ? ", e.x(1), " : ", e.x(2), ")");
       })
      .Infer([](const TypeCall& call) -> Types {
        DType cond = call.tensor(0).dtype;
        if (cond != DType::kBool && cond != DType::kUInt8) {
          return absl::InvalidArgumentError(absl::StrCat(
              "where expected condition to be a boolean tensor, but got a tensor with dtype ",
              ir::DTypeName(cond)));
        }
        ASSIGN_OR_RETURN(Dims shape, BroadcastArgs(call, {0, 1, 2}));
        return One(PromotedType(call, {1, 2}), std::move(shape));
      })
      .Kernel([](const KernelCall& call, const std::vector<TensorType>& results) -> Values {
        DType d = results[0].dtype;
        return std::vector<HostTensor>{MapTernary(
            call.tensor(0), call.tensor(1).Cast(d), call.tensor(2).Cast(d), results[0].shape, d,
            [](double c, double x, double y) { return c != 0 ? x : y; })};
      })
      .Derivative([](DerivativeContext& c) -> Grads {
        B& b = c.b;
        ValueId cond = c.input(0), grad = c.grad(0);
        return {{1, KeepWhere(b, cond, grad)}, {2, Where(b, cond, ScalarZero(b, grad), grad)}};
      });

  OpDefiner(r, "masked_fill.Scalar(Tensor self, Tensor mask, Scalar value) -> Tensor",
            OpKind::kPointwise)
      .LowerElementwise([](const ElementExpr& e) {
         return absl::StrCat("(", e.as(1, DType::kBool), " ? ", e.scalar(2), " : ", e.x(0), ")");
       })
      .Infer(MaskedFillType)
      .Kernel([](const KernelCall& call, const std::vector<TensorType>& results) -> Values {
        return std::vector<HostTensor>{MaskedFill(call, results[0], call.Float(2))};
      })
      .Derivative([](DerivativeContext& c) -> Grads {
        return {{0, MaskedFillSelfGrad(c.b, c.grad(0), c.input(1))}};
      });

  // The value is a 0-dim tensor; its gradient is the sum of grad where the
  // mask holds.
  OpDefiner(r, "masked_fill.Tensor(Tensor self, Tensor mask, Tensor value) -> Tensor",
            OpKind::kPointwise)
      .LowerElementwise([](const ElementExpr& e) {
         return absl::StrCat("(", e.as(1, DType::kBool), " ? ", e.x(2), " : ", e.x(0), ")");
       })
      .Infer([](const TypeCall& call) -> Types {
        if (call.tensor(2).Rank() != 0) {
          return absl::InvalidArgumentError(absl::StrCat(
              "masked_fill only supports a 0-dimensional value tensor, but got tensor with ",
              call.tensor(2).Rank(), " dimension(s)"));
        }
        return MaskedFillType(call);
      })
      .Kernel([](const KernelCall& call, const std::vector<TensorType>& results) -> Values {
        return std::vector<HostTensor>{MaskedFill(call, results[0], call.tensor(2).data[0])};
      })
      .Derivative([](DerivativeContext& c) -> Grads {
        B& b = c.b;
        ValueId selected = KeepWhere(b, c.input(1), c.grad(0));
        return {{0, MaskedFillSelfGrad(b, c.grad(0), c.input(1))},
                {2, Call1(b, "aten.sum.default", selected)}};
      });
}

void DefineComparisons(OpRegistry& r) {
  struct Comparison {
    const char* name;
    bool (*holds)(double, double);
    const char* cpp;  // The C++ operator.
  };
  static constexpr Comparison kComparisons[] = {
      {"eq", [](double x, double y) { return x == y; }, "=="},
      {"ne", [](double x, double y) { return x != y; }, "!="},
      {"lt", [](double x, double y) { return x < y; }, "<"},
      {"le", [](double x, double y) { return x <= y; }, "<="},
      {"gt", [](double x, double y) { return x > y; }, ">"},
      {"ge", [](double x, double y) { return x >= y; }, ">="},
  };
  for (const Comparison& cmp : kComparisons) {
    auto holds = cmp.holds;
    auto kernel =
        Binary([holds](const KernelCall&, double x, double y) -> double { return holds(x, y); });
    for (const char* other : {"Tensor other", "Scalar other"}) {
      const char* overload = other[0] == 'T' ? "Tensor" : "Scalar";
      const char* cpp = cmp.cpp;
      OpDefiner(r, absl::StrCat(cmp.name, ".", overload, "(Tensor self, ", other, ") -> Tensor"),
                OpKind::kPointwise)
          .LowerElementwise([cpp](const ElementExpr& e) {
            // In the promoted dtype of the two (torch.result_type).
            DType c = e.ComparisonDType();
            return absl::StrCat("(", e.as(0, c), " ", cpp, " ", e.as(1, c), ")");
          })
          .Infer(Elementwise(ResultKind::kBool))
          .Kernel(kernel)
          .NonDifferentiable();
    }
  }

  OpDefiner(r, "logical_and(Tensor self, Tensor other) -> Tensor", OpKind::kPointwise)
      .LowerElementwise([](const ElementExpr& e) {
         return absl::StrCat("(", e.as(0, DType::kBool), " && ", e.as(1, DType::kBool), ")");
       })
      .Infer(Elementwise(ResultKind::kBool))
      .Kernel(
          Binary([](const KernelCall&, double x, double y) -> double { return x != 0 && y != 0; }))
      .NonDifferentiable();

  OpDefiner(r, "logical_or(Tensor self, Tensor other) -> Tensor", OpKind::kPointwise)
      .LowerElementwise([](const ElementExpr& e) {
         return absl::StrCat("(", e.as(0, DType::kBool), " || ", e.as(1, DType::kBool), ")");
       })
      .Infer(Elementwise(ResultKind::kBool))
      .Kernel(
          Binary([](const KernelCall&, double x, double y) -> double { return x != 0 || y != 0; }))
      .NonDifferentiable();
}

// ATen's elu_backward for one element.
double EluBackward(const KernelCall& call, double grad, double x) {
  double alpha = call.Float(1), scale = call.Float(2), input_scale = call.Float(3);
  if (x > 0) return grad * scale;
  if (call.Bool(4)) return grad * input_scale * (x + alpha * scale);
  return grad * input_scale * alpha * scale * std::exp(x * input_scale);
}

// gelu's second derivative, as a graph: for 'none',
// (2 - x^2) * pdf(x); for 'tanh', with t = tanh(u), u = b (x + k x^3):
// (1 - t^2) (u' + x/2 (u'' - 2 t u'^2)).
ValueId GeluSecondDerivative(B& b, ValueId x, bool tanh_approximation) {
  ValueId x2 = b.Mul(x, x);
  if (!tanh_approximation) {
    ValueId pdf = b.MulScalar(Call1(b, "aten.exp.default", b.MulScalar(x2, -0.5)), kInvSqrt2Pi);
    return b.Sub(b.MulScalar(pdf, 2), b.Mul(x2, pdf));
  }
  ValueId u = b.MulScalar(b.Add(x, b.MulScalar(b.Mul(x2, x), kGeluKappa)), kSqrt2OverPi);
  ValueId t = Call1(b, "aten.tanh.default", u);
  ValueId sech2 = OneMinus(b, b.Mul(t, t));
  ValueId du = b.AddScalar(b.MulScalar(x2, 3 * kGeluKappa * kSqrt2OverPi), kSqrt2OverPi);
  ValueId d2u = b.MulScalar(x, 6 * kGeluKappa * kSqrt2OverPi);
  ValueId inner = b.Sub(d2u, b.MulScalar(b.Mul(t, b.Mul(du, du)), 2));
  return b.Mul(sech2, b.Add(du, b.MulScalar(b.Mul(x, inner), 0.5)));
}

void DefineActivationBackward(OpRegistry& r) {
  // grad_output where self > threshold, else 0. The gradient for self is
  // zero.
  OpDefiner(r, "threshold_backward(Tensor grad_output, Tensor self, Scalar threshold) -> Tensor",
            OpKind::kPointwise)
      .LowerElementwise([](const ElementExpr& e) {
         return absl::StrCat("(", e.x(1), " <= ", e.scalar(2), " ? ", e.ct(), "(0) : ", e.x(0), ")");
       })
      .Infer(Elementwise(ResultKind::kPromoted))
      .Kernel([](const KernelCall& call, const std::vector<TensorType>& results) -> Values {
        DType d = results[0].dtype;
        double threshold = RoundTo(d, call.Float(2));
        return std::vector<HostTensor>{
            MapBinary(call.tensor(0).Cast(d), call.tensor(1).Cast(d), results[0].shape, d,
                      [&](double g, double x) { return x <= threshold ? 0 : g; })};
      })
      .Derivative([](DerivativeContext& c) -> Grads {
        return {{0, c.b.Op("aten.threshold_backward.default",
                           {Val(c.grad(0)), Val(c.input(1)), c.arg(2)})}};
      });

  OpDefiner(r,
            "gelu_backward(Tensor grad_output, Tensor self, *, str approximate='none') -> Tensor",
            OpKind::kPointwise)
      .LowerElementwise([](const ElementExpr& e) {
         std::string g = e.x(0), v = e.x(1), t = e.ct();
         if (e.arg(2).AsString() == "tanh") {
           std::string inner = absl::StrCat("(", t, "(0.7978845608028654) * (", v, " + ", t,
                                            "(0.044715) * ", v, " * ", v, " * ", v, "))");
           std::string th = absl::StrCat("std::tanh(", inner, ")");
           return absl::StrCat("(", g, " * (", t, "(0.5) * (", t, "(1) + ", th, ") + ", t, "(0.5) * ",
                               v, " * (", t, "(1) - ", th, " * ", th, ") * ", t,
                               "(0.7978845608028654) * (", t, "(1) + ", t, "(3) * ", t,
                               "(0.044715) * ", v, " * ", v, ")))");
         }
         return absl::StrCat("(", g, " * (", t, "(0.5) * (", t, "(1) + std::erf(", v, " * ", t,
                             "(0.7071067811865476))) + ", v, " * ", t,
                             "(0.3989422804014327) * std::exp(", t, "(-0.5) * ", v, " * ", v, ")))");
       })
      .Infer([](const TypeCall& call) -> Types {
        RETURN_IF_ERROR(CheckApproximate(call.Str(2)));
        return Elementwise(ResultKind::kPromoted)(call);
      })
      .Kernel(Binary([](const KernelCall& call, double g, double x) {
        return g * GeluDerivative(x, call.Str(2) == "tanh");
      }))
      .Derivative([](DerivativeContext& c) -> Grads {
        B& b = c.b;
        ValueId grad = c.grad(0);
        bool tanh = c.arg(2).AsString() == "tanh";
        ValueId second = GeluSecondDerivative(b, c.input(1), tanh);
        return {{0, b.Op("aten.gelu_backward.default", {Val(grad), Val(c.input(1))},
                         {{"approximate", c.arg(2)}})},
                {1, b.Mul(b.Mul(grad, c.input(0)), second)}};
      });

  // grad_output * (1 - y) * y for y = sigmoid(x).
  OpDefiner(r, "sigmoid_backward(Tensor grad_output, Tensor output) -> Tensor", OpKind::kPointwise)
      .LowerElementwise([](const ElementExpr& e) {
         std::string y = e.x(1);
         return absl::StrCat("(", e.x(0), " * (", e.ct(), "(1) - ", y, ") * ", y, ")");
       })
      .Infer(Elementwise(ResultKind::kPromoted))
      .Kernel(Binary([](const KernelCall&, double g, double y) { return g * (1 - y) * y; }))
      .Derivative([](DerivativeContext& c) -> Grads {
        B& b = c.b;
        ValueId grad = c.grad(0), y = c.input(1);
        ValueId slope = b.AddScalar(b.MulScalar(y, -2), 1);
        return {{0, b.Op("aten.sigmoid_backward.default", {Val(grad), Val(y)})},
                {1, b.Mul(b.Mul(grad, c.input(0)), slope)}};
      });

  // grad_output * (1 - y^2) for y = tanh(x).
  OpDefiner(r, "tanh_backward(Tensor grad_output, Tensor output) -> Tensor", OpKind::kPointwise)
      .LowerElementwise([](const ElementExpr& e) {
         std::string y = e.x(1);
         return absl::StrCat("(", e.x(0), " * (", e.ct(), "(1) - ", y, " * ", y, "))");
       })
      .Infer(Elementwise(ResultKind::kPromoted))
      .Kernel(Binary([](const KernelCall&, double g, double y) { return g * (1 - y * y); }))
      .Derivative([](DerivativeContext& c) -> Grads {
        B& b = c.b;
        ValueId grad = c.grad(0), y = c.input(1);
        return {{0, b.Op("aten.tanh_backward.default", {Val(grad), Val(y)})},
                {1, b.Mul(grad, b.Mul(b.MulScalar(y, -2), c.input(0)))}};
      });

  // is_result: self_or_result is elu's output rather than its input.
  OpDefiner(r,
            "elu_backward(Tensor grad_output, Scalar alpha, Scalar scale, Scalar input_scale, "
            "bool is_result, Tensor self_or_result) -> Tensor",
            OpKind::kPointwise)
      .LowerElementwise([](const ElementExpr& e) {
         double alpha = e.arg(1).AsFloat(), scale = e.arg(2).AsFloat();
         double input_scale = e.arg(3).AsFloat();
         std::string negative =
             e.arg(4).AsBool()
                 ? absl::StrCat("g * ", e.lit(input_scale), " * (x + ", e.lit(alpha * scale), ")")
                 : absl::StrCat("g * ", e.lit(input_scale * alpha * scale), " * std::exp(x * ",
                                e.lit(input_scale), ")");
         return lower::Invoke(e, lower::Params(e, "g", "x"),
                       absl::StrCat("return x > 0 ? g * ", e.lit(scale), " : ", negative, ";"),
                       absl::StrCat(e.x(0), ", ", e.x(5)));
       })
      .Infer(Elementwise(ResultKind::kPromoted, {0, 5}))
      .Kernel(Binary(EluBackward, 0, 5))
      .Derivative([](DerivativeContext& c) -> Grads {
        B& b = c.b;
        ValueId grad = c.grad(0), go = c.input(0), x = c.input(5);
        std::vector<Argument> args = {Val(grad), c.arg(1), c.arg(2), c.arg(3), c.arg(4), Val(x)};
        ValueId go_grad = b.Op("aten.elu_backward.default", args);
        ValueId negative = Compare(b, "lt", x, Argument::Int(0));
        ValueId scaled = b.Op("aten.mul.Tensor", {Val(b.Mul(grad, go)), c.arg(3)});
        ValueId x_grad;
        if (c.arg(4).AsBool()) {
          x_grad = KeepWhere(b, negative, scaled);
        } else {
          args[0] = Val(scaled);
          x_grad = KeepWhere(b, negative, b.Op("aten.elu_backward.default", args));
        }
        return {{0, go_grad}, {5, x_grad}};
      });

  OpDefiner(r,
            "leaky_relu_backward(Tensor grad_output, Tensor self, Scalar negative_slope, "
            "bool self_is_result) -> Tensor",
            OpKind::kPointwise)
      .LowerElementwise([](const ElementExpr& e) {
         return lower::Invoke(e, lower::Params(e, "g", "x"),
                       absl::StrCat("return x > 0 ? g : g * ", e.scalar(2), ";"),
                       absl::StrCat(e.x(0), ", ", e.x(1)));
       })
      .Infer(Elementwise(ResultKind::kPromoted))
      .Kernel(Binary(
          [](const KernelCall& call, double g, double x) { return x > 0 ? g : g * call.Float(2); }))
      .Derivative([](DerivativeContext& c) -> Grads {
        return {{0, c.b.Op("aten.leaky_relu_backward.default",
                           {Val(c.grad(0)), Val(c.input(1)), c.arg(2), Argument::Bool(false)})}};
      });

  OpDefiner(r,
            "hardtanh_backward(Tensor grad_output, Tensor self, Scalar min_val, Scalar max_val) "
            "-> Tensor",
            OpKind::kPointwise)
      .LowerElementwise([](const ElementExpr& e) {
         // The reference compares the input with the bounds in double.
         std::string lo = Literal(e.arg(2).AsFloat(), DType::kFloat64);
         std::string hi = Literal(e.arg(3).AsFloat(), DType::kFloat64);
         return lower::Invoke(e, lower::Params(e, "g", "x"),
                       absl::StrCat("return static_cast<double>(x) <= ", lo,
                                    " || static_cast<double>(x) >= ", hi, " ? ", e.lit(0), " : g;"),
                       absl::StrCat(e.x(0), ", ", e.x(1)));
       })
      .Infer(Elementwise(ResultKind::kPromoted))
      .Kernel(Binary([](const KernelCall& call, double g, double x) {
        return x <= call.Float(2) || x >= call.Float(3) ? 0 : g;
      }))
      .Derivative([](DerivativeContext& c) -> Grads {
        return {{0, c.b.Op("aten.hardtanh_backward.default",
                           {Val(c.grad(0)), Val(c.input(1)), c.arg(2), c.arg(3)})}};
      });

  // grad_output * sigmoid(beta x), or grad_output where beta x > threshold.
  OpDefiner(r,
            "softplus_backward(Tensor grad_output, Tensor self, Scalar beta, Scalar threshold) "
            "-> Tensor",
            OpKind::kPointwise)
      .LowerElementwise([](const ElementExpr& e) {
         return lower::Invoke(e, lower::Params(e, "g", "x"),
                       absl::StrCat(e.ct(), " bx = x * ", e.scalar(2), "; if (bx > ", e.scalar(3),
                                    ") return g; ", e.ct(),
                                    " z = std::exp(bx); return g * z / (z + ", e.lit(1), ");"),
                       absl::StrCat(e.x(0), ", ", e.x(1)));
       })
      .Infer(Elementwise(ResultKind::kPromoted))
      .Kernel(Binary([](const KernelCall& call, double g, double x) {
        double bx = x * call.Float(2);
        if (bx > call.Float(3)) return g;
        double z = std::exp(bx);
        return g * z / (z + 1);
      }))
      .Derivative([](DerivativeContext& c) -> Grads {
        // self: sigmoid_backward(grad * grad_output, sigmoid(beta x)) * beta
        // where beta x < threshold.
        B& b = c.b;
        ValueId grad = c.grad(0), x = c.input(1);
        ValueId bx = b.Op("aten.mul.Tensor", {Val(x), c.arg(2)});
        ValueId s = Call1(b, "aten.sigmoid.default", bx);
        ValueId curvature =
            b.Op("aten.sigmoid_backward.default", {Val(b.Mul(grad, c.input(0))), Val(s)});
        ValueId x_grad = b.Op("aten.mul.Tensor", {Val(curvature), c.arg(2)});
        x_grad = KeepWhere(b, Compare(b, "lt", bx, c.arg(3)), x_grad);
        return {
            {0, b.Op("aten.softplus_backward.default", {Val(grad), Val(x), c.arg(2), c.arg(3)})},
            {1, x_grad}};
      });

  // grad_output * s * (1 + x (1 - s)) for s = sigmoid(x).
  OpDefiner(r, "silu_backward(Tensor grad_output, Tensor self) -> Tensor", OpKind::kPointwise)
      .LowerElementwise([](const ElementExpr& e) {
         return lower::Invoke(e, lower::Params(e, "g", "x"),
                       absl::StrCat(e.ct(), " s = ", lower::Sigmoid("x", e.ct()), "; return g * s * (",
                                    e.lit(1), " + x * (", e.lit(1), " - s));"),
                       absl::StrCat(e.x(0), ", ", e.x(1)));
       })
      .Infer(Elementwise(ResultKind::kPromoted))
      .Kernel(Binary([](const KernelCall&, double g, double x) {
        double s = Sigmoid(x);
        return g * s * (1 + x * (1 - s));
      }))
      .Derivative([](DerivativeContext& c) -> Grads {
        // self: grad * grad_output * s (1 - s) (2 + x (1 - 2 s)).
        B& b = c.b;
        ValueId grad = c.grad(0), x = c.input(1);
        ValueId s = Call1(b, "aten.sigmoid.default", x);
        ValueId ds = b.Mul(s, OneMinus(b, s));
        ValueId bracket = b.AddScalar(b.Mul(x, b.AddScalar(b.MulScalar(s, -2), 1)), 2);
        return {{0, b.Op("aten.silu_backward.default", {Val(grad), Val(x)})},
                {1, b.Mul(b.Mul(grad, c.input(0)), b.Mul(ds, bracket))}};
      });
}

double Softplus(double x) { return std::log1p(std::exp(x)); }

// hardswish(x) = x * min(max(x + 3, 0), 6) / 6.
double Hardswish(double x) { return x * std::min(std::max(x + 3, 0.0), 6.0) / 6; }

void DefineComposedActivations(OpRegistry& r) {
  OpDefiner(r, "hardswish(Tensor self) -> Tensor", OpKind::kPointwise)
      .Infer(FloatOnly("hardswish"))
      .Kernel(Unary(Hardswish))
      .Derivative([](DerivativeContext& c) -> Grads {
        return {{0, c.b.Op("aten.hardswish_backward.default", {Val(c.grad(0)), Val(c.input(0))})}};
      })
      .Decompose([](B& b, const ir::Node& node) -> std::vector<ValueId> {
        ValueId x = node.args[0].AsValue();
        ValueId relu6 = b.Op("aten.hardtanh.default",
                             {Val(b.AddScalar(x, 3)), Argument::Int(0), Argument::Int(6)});
        return {b.Op("aten.div.Tensor", {Val(b.Mul(x, relu6)), Argument::Int(6)})};
      });

  // grad_output * (0 below -3, x / 3 + 1/2 up to 3, 1 above).
  OpDefiner(r, "hardswish_backward(Tensor grad_output, Tensor self) -> Tensor", OpKind::kPointwise)
      .Infer(Elementwise(ResultKind::kPromoted))
      .Kernel(Binary([](const KernelCall&, double g, double x) {
        return x < -3 ? 0 : x <= 3 ? g * (x / 3 + 0.5) : g;
      }))
      .Derivative([](DerivativeContext& c) -> Grads {
        // self: grad * grad_output / 3 where -3 < self < 3.
        B& b = c.b;
        ValueId x = c.input(1);
        ValueId inside = b.Op("aten.logical_and.default",
                              {Val(Compare(b, "gt", x, Argument::Int(-3))),
                               Val(Compare(b, "lt", x, Argument::Int(3)))});
        ValueId second = b.Op("aten.div.Tensor", {Val(b.Mul(c.grad(0), c.input(0))), Argument::Int(3)});
        return {{0, b.Op("aten.hardswish_backward.default", {Val(c.grad(0)), Val(x)})},
                {1, KeepWhere(b, inside, second)}};
      })
      .Decompose([](B& b, const ir::Node& node) -> std::vector<ValueId> {
        ValueId g = node.args[0].AsValue(), x = node.args[1].AsValue();
        DType d = PromoteTypes(b.type(g).dtype, b.type(x).dtype);
        ValueId gd = b.Cast(g, d);
        ValueId slope = b.AddScalar(b.Op("aten.div.Tensor", {Val(b.Cast(x, d)), Argument::Int(3)}), 0.5);
        ValueId upper = Where(b, Compare(b, "le", x, Argument::Int(3)), b.Mul(gd, slope), gd);
        return {Where(b, Compare(b, "lt", x, Argument::Int(-3)), ScalarZero(b, upper), upper)};
      });

  // hardsigmoid(x) = min(max(x + 3, 0), 6) / 6.
  OpDefiner(r, "hardsigmoid(Tensor self) -> Tensor", OpKind::kPointwise)
      .Infer(FloatOnly("hardsigmoid"))
      .Kernel(Unary([](double x) { return Min(Max(x + 3, 0.0), 6.0) / 6; }))
      .Derivative([](DerivativeContext& c) -> Grads {
        return {{0, c.b.Op("aten.hardsigmoid_backward.default", {Val(c.grad(0)), Val(c.input(0))})}};
      })
      .Decompose([](B& b, const ir::Node& node) -> std::vector<ValueId> {
        ValueId x = node.args[0].AsValue();
        ValueId relu6 = b.Op("aten.hardtanh.default",
                             {Val(b.AddScalar(x, 3)), Argument::Int(0), Argument::Int(6)});
        return {b.Op("aten.div.Tensor", {Val(relu6), Argument::Int(6)})};
      });

  // grad_output / 6 where -3 < self < 3, else 0.
  OpDefiner(r, "hardsigmoid_backward(Tensor grad_output, Tensor self) -> Tensor",
            OpKind::kPointwise)
      .Infer(Elementwise(ResultKind::kPromoted))
      .Kernel(Binary([](const KernelCall&, double g, double x) {
        return x > -3 && x < 3 ? g / 6 : 0;
      }))
      .Derivative([](DerivativeContext& c) -> Grads {
        // grad_output: hardsigmoid_backward(grad, self); self: zeros.
        return {{0, c.b.Op("aten.hardsigmoid_backward.default", {Val(c.grad(0)), Val(c.input(1))})}};
      })
      .Decompose([](B& b, const ir::Node& node) -> std::vector<ValueId> {
        ValueId g = node.args[0].AsValue(), x = node.args[1].AsValue();
        DType d = PromoteTypes(b.type(g).dtype, b.type(x).dtype);
        ValueId inside = b.Op("aten.logical_and.default",
                              {Val(Compare(b, "gt", x, Argument::Int(-3))),
                               Val(Compare(b, "lt", x, Argument::Int(3)))});
        ValueId scaled = b.Op("aten.div.Tensor", {Val(b.Cast(g, d)), Argument::Int(6)});
        return {KeepWhere(b, inside, scaled)};
      });

  // mish(x) = x * tanh(softplus(x)).
  OpDefiner(r, "mish(Tensor self) -> Tensor", OpKind::kPointwise)
      .Infer(FloatOnly("mish"))
      .Kernel(Unary([](double x) { return x * std::tanh(Softplus(x)); }))
      .Derivative([](DerivativeContext& c) -> Grads {
        // mish_backward: grad * (t + x * sigmoid(x) * (1 - t^2)), t = tanh(softplus(x)).
        B& b = c.b;
        ValueId x = c.input(0);
        ValueId t = Call1(b, "aten.tanh.default", Call1(b, "aten.softplus.default", x));
        ValueId s = Call1(b, "aten.sigmoid.default", x);
        ValueId slope = b.Add(t, b.Mul(b.Mul(x, s), OneMinus(b, b.Mul(t, t))));
        return {{0, b.Mul(c.grad(0), slope)}};
      })
      .Decompose([](B& b, const ir::Node& node) -> std::vector<ValueId> {
        ValueId x = node.args[0].AsValue();
        ValueId t = Call1(b, "aten.tanh.default", Call1(b, "aten.softplus.default", x));
        return {b.Mul(x, t)};
      });

  // log(sigmoid(x)) = min(x, 0) - log1p(exp(-|x|)); the buffer holds
  // exp(-|x|) for the backward (ATen's CPU kernel).
  OpDefiner(r, "log_sigmoid_forward(Tensor self) -> (Tensor output, Tensor buffer)",
            OpKind::kPointwise)
      .Infer([](const TypeCall& call) -> Types {
        ASSIGN_OR_RETURN(std::vector<TensorType> types, FloatOnly("log_sigmoid")(call));
        return std::vector<TensorType>{types[0], types[0]};
      })
      .Kernel([](const KernelCall& call, const std::vector<TensorType>& results) -> Values {
        DType d = results[0].dtype;
        HostTensor x = call.tensor(0).Cast(d);
        HostTensor buffer = MapUnary(x, d, [](double v) { return std::exp(-std::fabs(v)); });
        HostTensor out = MapBinary(x, buffer, results[0].shape, d, [](double v, double z) {
          return std::min(v, 0.0) - std::log1p(z);
        });
        return std::vector<HostTensor>{std::move(out), std::move(buffer)};
      })
      .Derivative([](DerivativeContext& c) -> Grads {
        return {{0, c.b.Op("aten.log_sigmoid_backward.default",
                           {Val(c.GradOrZeros(0)), Val(c.input(0)), Val(c.output(1))})}};
      })
      .Decompose([](B& b, const ir::Node& node) -> std::vector<ValueId> {
        ValueId x = node.args[0].AsValue();
        ValueId buffer = Call1(b, "aten.exp.default", b.Neg(Call1(b, "aten.abs.default", x)));
        ValueId low = b.Op("aten.clamp.default", {Val(x), Argument::None(), Argument::Int(0)});
        return {b.Sub(low, Call1(b, "aten.log1p.default", buffer)), buffer};
      });

  // grad_output * (1 - sigmoid(x)), from the forward's buffer z = exp(-|x|):
  // z / (1 + z) is sigmoid(-|x|).
  OpDefiner(r, "log_sigmoid_backward(Tensor grad_output, Tensor self, Tensor buffer) -> Tensor",
            OpKind::kPointwise)
      .Infer(Elementwise(ResultKind::kPromoted, {0, 1, 2}))
      .Kernel([](const KernelCall& call, const std::vector<TensorType>& results) -> Values {
        DType d = results[0].dtype;
        return std::vector<HostTensor>{MapTernary(
            call.tensor(0).Cast(d), call.tensor(1).Cast(d), call.tensor(2).Cast(d),
            results[0].shape, d, [](double g, double x, double z) {
              double ratio = z / (1 + z);
              return x < 0 ? g * (1 - ratio) : g * ratio;
            })};
      })
      .Derivative([](DerivativeContext& c) -> Grads {
        // self: -grad * grad_output * sigmoid(x) (1 - sigmoid(x)).
        B& b = c.b;
        ValueId s = Call1(b, "aten.sigmoid.default", c.input(1));
        ValueId curvature = b.Mul(s, OneMinus(b, s));
        return {{0, b.Op("aten.log_sigmoid_backward.default",
                         {Val(c.grad(0)), Val(c.input(1)), Val(c.input(2))})},
                {1, b.Neg(b.Mul(b.Mul(c.grad(0), c.input(0)), curvature))}};
      })
      .Decompose([](B& b, const ir::Node& node) -> std::vector<ValueId> {
        ValueId g = node.args[0].AsValue(), x = node.args[1].AsValue(), z = node.args[2].AsValue();
        ValueId ratio = b.Div(z, b.AddScalar(z, 1));
        ValueId negative = Compare(b, "lt", x, Argument::Int(0));
        return {b.Mul(g, Where(b, negative, OneMinus(b, ratio), ratio))};
      });
}

// Strides for `memory_format` (None: contiguous, as for every new result
// here). INVALID_ARGUMENT for channels_last on a tensor that is not 4-d
// (5-d for channels_last_3d).
absl::StatusOr<TensorType> WithMemoryFormat(DType dtype, const Dims& shape,
                                            const Argument& memory_format) {
  TensorType t = TensorType::Contiguous(dtype, shape);
  if (memory_format.is_none()) return t;
  const std::string& format = memory_format.AsString();
  if (format != "channels_last" && format != "channels_last_3d") return t;
  size_t rank = format == "channels_last" ? 4 : 5;
  if (shape.size() != rank) {
    return absl::InvalidArgumentError(
        absl::StrCat(format, " needs a tensor of rank ", rank, ", got shape ", ShapeString(shape)));
  }
  // Channels (dim 1) innermost, then the spatial dims, then the batch.
  int64_t stride = 1;
  t.strides[1] = stride;
  stride *= std::max<int64_t>(shape[1], 1);
  for (size_t i = rank - 1; i >= 2; --i) {
    t.strides[i] = stride;
    stride *= std::max<int64_t>(shape[i], 1);
  }
  t.strides[0] = stride;
  return t;
}

absl::Status CheckStridedLayout(const Argument& layout) {
  if (!layout.is_none() && layout.AsString() != "strided") {
    return absl::InvalidArgumentError(
        absl::StrCat("only the strided layout is supported, got ", layout.AsString()));
  }
  return absl::OkStatus();
}

// A conversion's value: self cast to the result dtype.
Values CastKernel(const KernelCall& call, const std::vector<TensorType>& results) {
  return std::vector<HostTensor>{call.tensor(0).Cast(results[0].dtype)};
}

// The gradient of a conversion is grad; the autograd pass casts it back to
// the input's dtype (derivatives.yaml's _to_copy_backward).
Grads ConversionGrad(DerivativeContext& c) { return {{0, c.grad(0)}}; }

void DefineConversions(OpRegistry& r) {
  // Layout, device and pin_memory are accepted and ignored except that the
  // layout must be strided.
  OpDefiner(r,
            "_to_copy(Tensor self, *, ScalarType? dtype=None, Layout? layout=None, "
            "Device? device=None, bool? pin_memory=None, bool non_blocking=False, "
            "MemoryFormat? memory_format=None) -> Tensor",
            OpKind::kPointwise)
      .LowerElementwise([](const ElementExpr& e) { return e.x(0); })
      .Infer([](const TypeCall& call) -> Types {
        RETURN_IF_ERROR(CheckStridedLayout(call.arg(2)));
        const TensorType& self = call.tensor(0);
        ASSIGN_OR_RETURN(TensorType t, WithMemoryFormat(call.OptDType(1).value_or(self.dtype),
                                                        self.shape, call.arg(6)));
        return std::vector<TensorType>{t};
      })
      .Kernel(CastKernel)
      .Derivative(ConversionGrad);

  // Returns self itself when it already has the dtype and no copy is asked.
  OpDefiner(r,
            "to.dtype(Tensor(a) self, ScalarType dtype, bool non_blocking=False, "
            "bool copy=False, MemoryFormat? memory_format=None) -> Tensor(a)",
            OpKind::kPointwise)
      .LowerElementwise([](const ElementExpr& e) { return e.x(0); })
      .Infer([](const TypeCall& call) -> Types {
        const TensorType& self = call.tensor(0);
        DType dtype = call.arg(1).AsDType();
        if (dtype == self.dtype && !call.Bool(3)) return std::vector<TensorType>{self};
        ASSIGN_OR_RETURN(TensorType t, WithMemoryFormat(dtype, self.shape, call.arg(4)));
        return std::vector<TensorType>{t};
      })
      .Kernel(CastKernel)
      .Derivative(ConversionGrad);

  // Every element becomes `value` (cast to self's dtype); no gradient flows
  // to self.
  OpDefiner(r, "fill.Scalar(Tensor self, Scalar value) -> Tensor", OpKind::kPointwise)
      .LowerElementwise([](const ElementExpr& e) { return e.scalar(1); })
      .Infer(SameAsInput)
      .Kernel([](const KernelCall& call, const std::vector<TensorType>& results) -> Values {
        return std::vector<HostTensor>{
            HostTensor::Full(results[0].dtype, results[0].shape, call.Float(1))};
      })
      .Derivative([](DerivativeContext&) -> Grads { return {}; });

  // In place: self's new value is src cast to self's dtype and broadcast to
  // its shape. The functionalization pass rewrites it before autograd.
  OpDefiner(r, "copy_(Tensor(a!) self, Tensor src, bool non_blocking=False) -> Tensor(a!)",
            OpKind::kPointwise)
      .Infer([](const TypeCall& call) -> Types {
        const TensorType& self = call.tensor(0);
        const Dims& src = call.tensor(1).shape;
        absl::StatusOr<Dims> shape = BroadcastShapes(self.shape, src);
        if (!shape.ok() || *shape != self.shape) {
          return absl::InvalidArgumentError(
              absl::StrCat("copy_: source of shape ", ShapeString(src),
                           " does not broadcast to self's shape ", ShapeString(self.shape)));
        }
        return std::vector<TensorType>{self};
      })
      .Kernel([](const KernelCall& call, const std::vector<TensorType>& results) -> Values {
        return std::vector<HostTensor>{
            reference::BroadcastTo(call.tensor(1).Cast(results[0].dtype), results[0].shape)};
      });
}

// The types of a pure op's call on the tensors of `call` (each typed
// contiguous): what an in-place kernel needs to run the pure kernel.
absl::StatusOr<std::vector<TensorType>> PureTypes(const OpDef& pure, const KernelCall& call) {
  std::vector<Argument> args;
  std::map<ValueId, TensorType> types;
  for (int i = 0; i < call.size(); ++i) {
    args.push_back(call.arg(i));
    if (call.IsTensor(i)) {
      types[call.arg(i).AsValue()] = TensorType::Contiguous(call.tensor(i).dtype, call.tensor(i).shape);
    }
  }
  return pure.infer(TypeCall(args, [&](ValueId v) -> const TensorType& { return types.at(v); }));
}

// An in-place op (self is argument 0) whose new value is `pure`'s result
// (pure being already in `r`, with the same arguments) converted to self's
// dtype. As in ATen, the result must have self's shape and its dtype must
// cast to self's (sigmoid_ of an integer tensor fails). The
// functionalization pass rewrites it to `pure` before autograd.
void DefineInPlace(OpRegistry& r, absl::string_view signature, absl::string_view pure_op) {
  const OpDef* pure = r.Find(pure_op);
  OpDefiner(r, signature, OpKind::kPointwise)
      .Infer([pure](const TypeCall& call) -> Types {
        const TensorType& self = call.tensor(0);
        ASSIGN_OR_RETURN(std::vector<TensorType> types, pure->infer(call));
        if (types[0].shape != self.shape) {
          return absl::InvalidArgumentError(
              absl::StrCat("output with shape ", ShapeString(self.shape),
                           " doesn't match the broadcast shape ", ShapeString(types[0].shape)));
        }
        if (!CanCast(types[0].dtype, self.dtype)) {
          return absl::InvalidArgumentError(
              absl::StrCat("result type ", ir::DTypeName(types[0].dtype),
                           " can't be cast to the desired output type ", ir::DTypeName(self.dtype)));
        }
        return std::vector<TensorType>{self};
      })
      .Kernel([pure](const KernelCall& call, const std::vector<TensorType>& results) -> Values {
        ASSIGN_OR_RETURN(std::vector<TensorType> types, PureTypes(*pure, call));
        ASSIGN_OR_RETURN(std::vector<HostTensor> values, pure->kernel(call, types));
        return std::vector<HostTensor>{values[0].Cast(results[0].dtype)};
      });
}

void DefineInPlaceOps(OpRegistry& r) {
  DefineInPlace(r, "sigmoid_(Tensor(a!) self) -> Tensor(a!)", "aten.sigmoid.default");
  DefineInPlace(r, "tanh_(Tensor(a!) self) -> Tensor(a!)", "aten.tanh.default");
  DefineInPlace(r, "add_.Scalar(Tensor(a!) self, Scalar other, Scalar alpha=1) -> Tensor(a!)",
                "aten.add.Scalar");
  DefineInPlace(r, "sub_.Tensor(Tensor(a!) self, Tensor other, *, Scalar alpha=1) -> Tensor(a!)",
                "aten.sub.Tensor");
  DefineInPlace(r, "mul_.Scalar(Tensor(a!) self, Scalar other) -> Tensor(a!)", "aten.mul.Scalar");
  DefineInPlace(r, "div_.Tensor(Tensor(a!) self, Tensor other) -> Tensor(a!)", "aten.div.Tensor");
  DefineInPlace(r, "div_.Scalar(Tensor(a!) self, Scalar other) -> Tensor(a!)", "aten.div.Scalar");
}

}  // namespace

absl::Status RegisterPointwiseOps(OpRegistry& registry) {
  DefineUnaryMath(registry);
  DefineActivations(registry);
  DefineArithmetic(registry);
  DefineSelection(registry);
  DefineComparisons(registry);
  DefineActivationBackward(registry);
  DefineComposedActivations(registry);
  DefineConversions(registry);
  DefineInPlaceOps(registry);
  return absl::OkStatus();
}

}  // namespace aotd::ops::internal
