// The inverse and hyperbolic trigonometric functions: acos, asin, atan,
// atan2, sinh, cosh, acosh, asinh, atanh. Integer and bool inputs give
// float32; derivatives are derivatives.yaml's.
#include <cmath>
#include <vector>

#include "absl/strings/str_cat.h"
#include "compiler/ops/core/builder.h"
#include "compiler/ops/core/elementwise.h"
#include "compiler/ops/core/op_definer.h"
#include "compiler/ops/math/math.h"

namespace aotd::ops::internal {
namespace {

using ir::DType;
using ir::ValueId;

// grad * f(self), for the derivative factor f built from self.
DerivativeFn Times(ValueId (*factor)(B& b, ValueId self)) {
  return [factor](DerivativeContext& c) -> Grads {
    return {{0, c.b.Mul(c.grad(0), factor(c.b, c.input(0)))}};
  };
}

ValueId Square(B& b, ValueId x) { return PowScalar(b, x, ir::Argument::Int(2)); }

// One unary function: its name, std:: spelling, reference and derivative.
void DefineUnary(OpRegistry& r, const char* name, double (*f)(double),
                 ValueId (*factor)(B& b, ValueId self)) {
  const std::string cpp = absl::StrCat("aotd_math::", name);
  OpDefiner(r, absl::StrCat(name, "(Tensor self) -> Tensor"), OpKind::kPointwise)
      .LowerElementwise([cpp](const ElementExpr& e) { return lower::Call(cpp.c_str(), e.x(0)); })
      .Infer(FloatOfInput)
      .Kernel(Unary(f))
      .Derivative(Times(factor));
}

}  // namespace

void DefineTrigonometric(OpRegistry& r) {
  // acos: -1 / sqrt(1 - x^2); asin: 1 / sqrt(1 - x^2).
  DefineUnary(r, "acos", [](double x) { return std::acos(x); }, [](B& b, ValueId x) {
    return b.Neg(Call1(b, "aten.rsqrt.default", b.AddScalar(b.Neg(Square(b, x)), 1)));
  });
  DefineUnary(r, "asin", [](double x) { return std::asin(x); }, [](B& b, ValueId x) {
    return Call1(b, "aten.rsqrt.default", b.AddScalar(b.Neg(Square(b, x)), 1));
  });
  // atan: 1 / (x^2 + 1).
  DefineUnary(r, "atan", [](double x) { return std::atan(x); }, [](B& b, ValueId x) {
    return Call1(b, "aten.reciprocal.default", b.AddScalar(Square(b, x), 1));
  });
  DefineUnary(r, "sinh", [](double x) { return std::sinh(x); },
              [](B& b, ValueId x) { return Call1(b, "aten.cosh.default", x); });
  DefineUnary(r, "cosh", [](double x) { return std::cosh(x); },
              [](B& b, ValueId x) { return Call1(b, "aten.sinh.default", x); });
  // acosh: 1 / sqrt(x^2 - 1); asinh: 1 / sqrt(x^2 + 1); atanh: 1 / (1 - x^2).
  DefineUnary(r, "acosh", [](double x) { return std::acosh(x); }, [](B& b, ValueId x) {
    return Call1(b, "aten.rsqrt.default", b.AddScalar(Square(b, x), -1));
  });
  DefineUnary(r, "asinh", [](double x) { return std::asinh(x); }, [](B& b, ValueId x) {
    return Call1(b, "aten.rsqrt.default", b.AddScalar(Square(b, x), 1));
  });
  DefineUnary(r, "atanh", [](double x) { return std::atanh(x); }, [](B& b, ValueId x) {
    return Call1(b, "aten.reciprocal.default", b.AddScalar(b.Neg(Square(b, x)), 1));
  });

  // atan2(self, other) promotes both to a floating dtype and broadcasts.
  // Gradients (atan2_backward): grad * other / (self^2 + other^2) for self,
  // grad * -self / (self^2 + other^2) for other.
  OpDefiner(r, "atan2(Tensor self, Tensor other) -> Tensor", OpKind::kPointwise)
      .LowerElementwise([](const ElementExpr& e) {
        return absl::StrCat("aotd_math::atan2(", e.x(0), ", ", e.x(1), ")");
      })
      .Infer(Elementwise(ResultKind::kFloating))
      .Kernel(Binary([](const KernelCall&, double y, double x) { return std::atan2(y, x); }))
      .Derivative([](DerivativeContext& c) -> Grads {
        B& b = c.b;
        const DType d = b.type(c.output(0)).dtype;
        ValueId self = b.Cast(c.input(0), d), other = b.Cast(c.input(1), d);
        ValueId scale = b.Div(c.grad(0), b.Add(Square(b, self), Square(b, other)));
        Grads g;
        if (c.needs_grad(0)) g.push_back({0, b.Mul(scale, other)});
        if (c.needs_grad(1)) g.push_back({1, b.Mul(scale, b.Neg(self))});
        return g;
      });
}

}  // namespace aotd::ops::internal
