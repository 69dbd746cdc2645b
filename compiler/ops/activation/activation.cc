// Activations (gelu, elu, leaky_relu, hardtanh, softplus, silu, ...), the
// activations PyTorch composes of others (hardswish, mish, log_sigmoid, ...),
// and sigmoid_.
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

constexpr double kInf = std::numeric_limits<double>::infinity();

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

double Gelu(double x, bool tanh_approximation) {
  if (tanh_approximation) {
    return 0.5 * x * (1 + std::tanh(kSqrt2OverPi * (x + kGeluKappa * x * x * x)));
  }
  return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0)));
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
           return absl::StrCat("(", t, "(0.5) * ", v, " * (", t, "(1) + aotd_math::tanh(", t,
                               "(0.7978845608028654) * (", v, " + ", t, "(0.044715) * ", v, " * ", v,
                               " * ", v, "))))");
         }
         return absl::StrCat("(", v, " * ", t, "(0.5) * (", t, "(1) + aotd_math::erf(", v, " * ", t,
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
                                    " ? x : aotd_math::log1p(aotd_math::exp(bx)) / ", beta, ";"),
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
                       absl::StrCat("return x <= 0 ? aotd_math::expm1(x * ", e.lit(input_scale), ") * ",
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

}  // namespace

absl::Status RegisterActivationOps(OpRegistry& registry) {
  DefineActivations(registry);
  DefineActivationBackward(registry);
  DefineComposedActivations(registry);
  DefinePrelu(registry);
  DefineInPlace(registry, "sigmoid_(Tensor(a!) self) -> Tensor(a!)", "aten.sigmoid.default");
  return absl::OkStatus();
}

}  // namespace aotd::ops::internal
