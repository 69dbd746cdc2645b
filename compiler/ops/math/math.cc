// Unary math: neg, abs, exp, log, sqrt, the trigonometric functions, erf,
// sigmoid, relu, ... and their in-place forms.
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
#include "compiler/ops/core/elementwise.h"
#include "compiler/ops/core/op_definer.h"
#include "compiler/ops/core/op_util.h"
#include "compiler/ops/math/math.h"

namespace aotd::ops::internal {
namespace {

using ir::Argument;
using ir::Dims;
using ir::DType;
using ir::TensorType;
using ir::ValueId;
using reference::HostTensor;
using reference::RoundTo;

constexpr double kPi = 3.14159265358979323846;


Types BoolOfInput(const TypeCall& call) { return One(DType::kBool, call.tensor(0).shape); }

// sgn for real values; NaN gives 0, as in ATen.
double Sign(double x) { return (x > 0) - (x < 0); }

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
         return ir::IsFloatingPoint(e.result()) ? lower::Call("aotd_math::fabs", e.x(0))
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
      .LowerElementwise([](const ElementExpr& e) { return lower::Call("aotd_math::exp", e.x(0)); })
      .Infer(FloatOfInput)
      .Kernel(Unary([](double x) { return std::exp(x); }))
      .Derivative([](DerivativeContext& c) -> Grads {
        return {{0, c.b.Mul(c.grad(0), c.output(0))}};
      });

  OpDefiner(r, "log(Tensor self) -> Tensor", OpKind::kPointwise)
      .LowerElementwise([](const ElementExpr& e) { return lower::Call("aotd_math::log", e.x(0)); })
      .Infer(FloatOfInput)
      .Kernel(Unary([](double x) { return std::log(x); }))
      .Derivative([](DerivativeContext& c) -> Grads {
        return {{0, c.b.Div(c.grad(0), c.input(0))}};
      });

  OpDefiner(r, "log1p(Tensor self) -> Tensor", OpKind::kPointwise)
      .LowerElementwise([](const ElementExpr& e) { return lower::Call("aotd_math::log1p", e.x(0)); })
      .Infer(FloatOfInput)
      .Kernel(Unary([](double x) { return std::log1p(x); }))
      .Derivative([](DerivativeContext& c) -> Grads {
        return {{0, c.b.Div(c.grad(0), c.b.AddScalar(c.input(0), 1))}};
      });

  OpDefiner(r, "sqrt(Tensor self) -> Tensor", OpKind::kPointwise)
      .LowerElementwise([](const ElementExpr& e) { return lower::Call("aotd_math::sqrt", e.x(0)); })
      .Infer(FloatOfInput)
      .Kernel(Unary([](double x) { return std::sqrt(x); }))
      .Derivative([](DerivativeContext& c) -> Grads {
        return {{0, c.b.Div(c.grad(0), c.b.MulScalar(c.output(0), 2))}};
      });

  OpDefiner(r, "rsqrt(Tensor self) -> Tensor", OpKind::kPointwise)
      .LowerElementwise([](const ElementExpr& e) {
         return absl::StrCat("(", e.ct(), "(1) / aotd_math::sqrt(", e.x(0), "))");
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
      .LowerElementwise([](const ElementExpr& e) { return lower::Call("aotd_math::sin", e.x(0)); })
      .Infer(FloatOfInput)
      .Kernel(Unary([](double x) { return std::sin(x); }))
      .Derivative([](DerivativeContext& c) -> Grads {
        return {{0, c.b.Mul(c.grad(0), Call1(c.b, "aten.cos.default", c.input(0)))}};
      });

  OpDefiner(r, "cos(Tensor self) -> Tensor", OpKind::kPointwise)
      .LowerElementwise([](const ElementExpr& e) { return lower::Call("aotd_math::cos", e.x(0)); })
      .Infer(FloatOfInput)
      .Kernel(Unary([](double x) { return std::cos(x); }))
      .Derivative([](DerivativeContext& c) -> Grads {
        ValueId minus_sin = c.b.Neg(Call1(c.b, "aten.sin.default", c.input(0)));
        return {{0, c.b.Mul(c.grad(0), minus_sin)}};
      });

  OpDefiner(r, "tanh(Tensor self) -> Tensor", OpKind::kPointwise)
      .LowerElementwise([](const ElementExpr& e) { return lower::Call("aotd_math::tanh", e.x(0)); })
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
      .LowerElementwise([](const ElementExpr& e) { return lower::Call("aotd_math::erf", e.x(0)); })
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
      .LowerElementwise([](const ElementExpr& e) { return lower::Call("aotd_math::expm1", e.x(0)); })
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

}  // namespace

Types FloatOfInput(const TypeCall& call) {
  return One(ToFloating(call.tensor(0).dtype), call.tensor(0).shape);
}

absl::Status RegisterMathOps(OpRegistry& registry) {
  DefineUnaryMath(registry);
  DefineTrigonometric(registry);
  DefineInPlace(registry, "tanh_(Tensor(a!) self) -> Tensor(a!)", "aten.tanh.default");
  return absl::OkStatus();
}

}  // namespace aotd::ops::internal
