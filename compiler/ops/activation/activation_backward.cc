// The activations' backward ops (gelu_backward, threshold_backward, ...).
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
#include "compiler/ops/activation/activation.h"
#include "compiler/ops/activation/activation_util.h"
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

// GELU: 1/sqrt(2*pi) (the normal density's factor), sqrt(2/pi) and the
// tanh approximation's cubic coefficient.
constexpr double kInvSqrt2Pi = 0.39894228040143267794;

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

}  // namespace

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
          std::string th = absl::StrCat("aotd_math::tanh(", inner, ")");
          return absl::StrCat("(", g, " * (", t, "(0.5) * (", t, "(1) + ", th, ") + ", t,
                              "(0.5) * ", v, " * (", t, "(1) - ", th, " * ", th, ") * ", t,
                              "(0.7978845608028654) * (", t, "(1) + ", t, "(3) * ", t,
                              "(0.044715) * ", v, " * ", v, ")))");
        }
        return absl::StrCat("(", g, " * (", t, "(0.5) * (", t, "(1) + aotd_math::erf(", v, " * ", t,
                            "(0.7071067811865476))) + ", v, " * ", t,
                            "(0.3989422804014327) * aotd_math::exp(", t, "(-0.5) * ", v, " * ", v, ")))");
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
                : absl::StrCat("g * ", e.lit(input_scale * alpha * scale), " * aotd_math::exp(x * ",
                               e.lit(input_scale), ")");
        return lower::Invoke(
            e, lower::Params(e, "g", "x"),
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
        return lower::Invoke(
            e, lower::Params(e, "g", "x"),
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
        return lower::Invoke(
            e, lower::Params(e, "g", "x"),
            absl::StrCat(e.ct(), " bx = x * ", e.scalar(2), "; if (bx > ", e.scalar(3),
                         ") return g; ", e.ct(), " z = aotd_math::exp(bx); return g * z / (z + ",
                         e.lit(1), ");"),
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
        return lower::Invoke(
            e, lower::Params(e, "g", "x"),
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

}  // namespace aotd::ops::internal
