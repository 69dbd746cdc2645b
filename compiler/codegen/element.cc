#include "compiler/codegen/element.h"

#include <cmath>
#include <cstdio>
#include <functional>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "compiler/ops/infer.h"
#include "compiler/ops/registry.h"

namespace aotd::codegen {
namespace {

using ir::Argument;
using ir::DType;

// What a lowering sees: operands converted to a compute dtype, and
// literals of the node's scalar arguments.
class Element {
 public:
  explicit Element(const ElementCall& call) : call_(call) {}

  DType result() const { return call_.graph.type(call_.node.outputs[0]).dtype; }
  const Argument& arg(int i) const { return call_.node.args[i]; }
  DType dtype_of(int i) const {
    const Argument& a = arg(i);
    if (a.is_value()) return call_.graph.type(a.AsValue()).dtype;
    if (a.kind() == Argument::Kind::kFloat) return DType::kFloat64;
    if (a.kind() == Argument::Kind::kBool) return DType::kBool;
    return DType::kInt64;
  }
  // Argument i (a tensor element or a number) as `dtype`.
  std::string as(int i, DType dtype) const {
    const Argument& a = arg(i);
    if (a.is_value()) return Convert(call_.operands[i], dtype_of(i), dtype);
    return Literal(a.AsFloat(), dtype);
  }
  // Argument i in the result dtype.
  std::string x(int i) const { return as(i, result()); }
  std::string ct() const { return CType(result()).value_or("double"); }
  // A scalar argument as a literal of the result dtype.
  std::string scalar(int i) const { return Literal(arg(i).AsFloat(), result()); }
  // Literal `value` in the result dtype.
  std::string lit(double value) const { return Literal(value, result()); }
  // The element's index into the result along dim d.
  const std::string& index(int d) const { return call_.index[d]; }
  // The dtype a comparison of arguments 0 and 1 computes in: their promoted
  // dtype (torch.result_type), which is what mul's inference gives them.
  DType ComparisonDType() const {
    const ops::OpDef* mul = ops::OpRegistry::Global().Find("aten.mul.Tensor");
    absl::StatusOr<std::vector<ir::TensorType>> types =
        ops::InferTypes(*mul, call_.graph, {arg(0), arg(1)});
    return types.ok() ? (*types)[0].dtype : dtype_of(0);
  }

 private:
  const ElementCall& call_;
};

using Lowering = std::function<std::string(const Element&)>;

std::string Call(const char* fn, const std::string& a) { return absl::StrCat(fn, "(", a, ")"); }

std::string Compare(const Element& e, const char* op) {
  DType c = e.ComparisonDType();
  return absl::StrCat("(", e.as(0, c), " ", op, " ", e.as(1, c), ")");
}

// An immediately invoked lambda returning the result type: `params`
// ("float x, float y") bound to `args`, so each operand expression is
// evaluated once however often `body` uses it.
std::string Invoke(const Element& e, const std::string& params, const std::string& body,
                   const std::string& args) {
  return absl::StrCat("([](", params, ") -> ", e.ct(), " { ", body, " }(", args, "))");
}

// Parameter lists of Invoke in the result type: "float x" and
// "float x, float y".
std::string Param(const Element& e, const char* a) { return absl::StrCat(e.ct(), " ", a); }
std::string Params(const Element& e, const char* a, const char* b) {
  return absl::StrCat(e.ct(), " ", a, ", ", e.ct(), " ", b);
}

// NaN-propagating max and min of two simple expressions of one type (what
// torch.maximum, torch.minimum and clamp compute).
std::string MaxOf(const std::string& a, const std::string& b) {
  return absl::StrCat("(", a, " != ", a, " || ", a, " > ", b, " ? ", a, " : ", b, ")");
}
std::string MinOf(const std::string& a, const std::string& b) {
  return absl::StrCat("(", a, " != ", a, " || ", a, " < ", b, " ? ", a, " : ", b, ")");
}

// x ** y for arguments a and b in the result dtype; integers follow ATen's
// powi (negative powers give 0 but for bases 1 and -1), computed through
// double as the reference kernel does.
std::string Pow(const Element& e, int a, int b) {
  if (ir::IsFloatingPoint(e.result())) {
    return absl::StrCat("std::pow(", e.x(a), ", ", e.x(b), ")");
  }
  return Invoke(
      e, Params(e, "x", "y"),
      absl::StrCat("if (y < 0) return x == 1 ? 1 : x == -1 ? ((-y) % 2 != 0 ? -1 : 1) : 0; "
                   "return static_cast<",
                   e.ct(), ">(std::pow(static_cast<double>(x), static_cast<double>(y)));"),
      absl::StrCat(e.x(a), ", ", e.x(b)));
}

// div.Tensor_mode's quotient of arguments 0 and 1 in the result dtype.
std::string DivideWithMode(const Element& e) {
  const Argument& mode = e.arg(2);
  std::string args = absl::StrCat(e.x(0), ", ", e.x(1));
  bool floating = ir::IsFloatingPoint(e.result());
  if (mode.is_none()) return absl::StrCat("(", e.x(0), " / ", e.x(1), ")");
  if (mode.AsString() == "trunc") {
    return floating ? absl::StrCat("std::trunc(", e.x(0), " / ", e.x(1), ")")
                    : absl::StrCat("(", e.x(0), " / ", e.x(1), ")");
  }
  if (!floating) {
    return Invoke(e, Params(e, "a", "b"),
                  "return a % b != 0 && ((a < 0) != (b < 0)) ? a / b - 1 : a / b;", args);
  }
  // ATen's div_floor_floating (Python's //), step by step in the dtype.
  std::string t = e.ct();
  return Invoke(
      e, Params(e, "a", "b"),
      absl::StrCat("if (b == 0) return a / b; ", t, " mod = std::fmod(a, b); ", t,
                   " div = (a - mod) / b; if (mod != 0 && (b < 0) != (mod < 0)) div -= 1; "
                   "if (div == 0) return std::copysign(",
                   t, "(0), a / b); ", t, " floored = std::floor(div); if (div - floored > ", t,
                   "(0.5)) floored += 1; return floored;"),
      args);
}

// arange's element: start + step * i, in double as the reference kernel
// counts, then converted; integer results truncate start and step first.
std::string Arange(const Element& e, int start, int step) {
  double lo = start >= 0 ? e.arg(start).AsFloat() : 0.0;
  double by = step >= 0 ? e.arg(step).AsFloat() : 1.0;
  if (!ir::IsFloatingPoint(e.result())) {
    lo = std::trunc(lo);
    by = std::trunc(by);
  }
  return Convert(
      absl::StrCat("(", Literal(lo, DType::kFloat64), " + ", Literal(by, DType::kFloat64),
                   " * static_cast<double>(", e.index(0), "))"),
      DType::kFloat64, e.result());
}

// Sigmoid written so that large |x| gives exact 0 and 1.
std::string Sigmoid(const std::string& x, const std::string& t) {
  return absl::StrCat("(", t, "(1) / (", t, "(1) + std::exp(-(", x, "))))");
}

const absl::flat_hash_map<std::string, Lowering>& Table() {
  static const auto* table = new absl::flat_hash_map<std::string, Lowering>{
      {"aten.neg.default", [](const Element& e) { return absl::StrCat("(-", e.x(0), ")"); }},
      {"aten.abs.default", [](const Element& e) {
         return ir::IsFloatingPoint(e.result()) ? Call("std::fabs", e.x(0))
                                                : absl::StrCat("(", e.x(0), " < 0 ? -", e.x(0), " : ", e.x(0), ")");
       }},
      {"aten.sgn.default", [](const Element& e) {
         std::string v = e.x(0), t = e.ct();
         return absl::StrCat("(", t, ")((", v, " > 0) - (", v, " < 0))");
       }},
      {"aten.exp.default", [](const Element& e) { return Call("std::exp", e.x(0)); }},
      {"aten.expm1.default", [](const Element& e) { return Call("std::expm1", e.x(0)); }},
      {"aten.log.default", [](const Element& e) { return Call("std::log", e.x(0)); }},
      {"aten.log1p.default", [](const Element& e) { return Call("std::log1p", e.x(0)); }},
      {"aten.sqrt.default", [](const Element& e) { return Call("std::sqrt", e.x(0)); }},
      {"aten.rsqrt.default", [](const Element& e) {
         return absl::StrCat("(", e.ct(), "(1) / std::sqrt(", e.x(0), "))");
       }},
      {"aten.reciprocal.default", [](const Element& e) {
         return absl::StrCat("(", e.ct(), "(1) / ", e.x(0), ")");
       }},
      {"aten.sin.default", [](const Element& e) { return Call("std::sin", e.x(0)); }},
      {"aten.cos.default", [](const Element& e) { return Call("std::cos", e.x(0)); }},
      {"aten.tanh.default", [](const Element& e) { return Call("std::tanh", e.x(0)); }},
      {"aten.erf.default", [](const Element& e) { return Call("std::erf", e.x(0)); }},
      {"aten.sigmoid.default", [](const Element& e) { return Sigmoid(e.x(0), e.ct()); }},
      {"aten.relu.default", [](const Element& e) {
         std::string v = e.x(0);
         // NaN propagates, as in ATen (clamp_min(x, 0)).
         return absl::StrCat("(", v, " < ", e.ct(), "(0) ? ", e.ct(), "(0) : ", v, ")");
       }},
      {"aten.silu.default", [](const Element& e) {
         return absl::StrCat("(", e.x(0), " * ", Sigmoid(e.x(0), e.ct()), ")");
       }},
      {"aten.gelu.default", [](const Element& e) {
         std::string v = e.x(0), t = e.ct();
         if (e.arg(1).AsString() == "tanh") {
           return absl::StrCat("(", t, "(0.5) * ", v, " * (", t, "(1) + std::tanh(", t,
                               "(0.7978845608028654) * (", v, " + ", t, "(0.044715) * ", v, " * ", v,
                               " * ", v, "))))");
         }
         return absl::StrCat("(", v, " * ", t, "(0.5) * (", t, "(1) + std::erf(", v, " * ", t,
                             "(0.7071067811865476))))");
       }},
      {"aten.gelu_backward.default", [](const Element& e) {
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
       }},
      {"aten.threshold_backward.default", [](const Element& e) {
         return absl::StrCat("(", e.x(1), " <= ", e.scalar(2), " ? ", e.ct(), "(0) : ", e.x(0), ")");
       }},
      {"aten.sigmoid_backward.default", [](const Element& e) {
         std::string y = e.x(1);
         return absl::StrCat("(", e.x(0), " * (", e.ct(), "(1) - ", y, ") * ", y, ")");
       }},
      {"aten.tanh_backward.default", [](const Element& e) {
         std::string y = e.x(1);
         return absl::StrCat("(", e.x(0), " * (", e.ct(), "(1) - ", y, " * ", y, "))");
       }},
      {"aten.add.Tensor", [](const Element& e) {
         return absl::StrCat("(", e.x(0), " + ", e.scalar(2), " * ", e.x(1), ")");
       }},
      {"aten.add.Scalar", [](const Element& e) {
         return absl::StrCat("(", e.x(0), " + ", e.scalar(2), " * ", e.x(1), ")");
       }},
      {"aten.sub.Tensor", [](const Element& e) {
         return absl::StrCat("(", e.x(0), " - ", e.scalar(2), " * ", e.x(1), ")");
       }},
      {"aten.sub.Scalar", [](const Element& e) {
         return absl::StrCat("(", e.x(0), " - ", e.scalar(2), " * ", e.x(1), ")");
       }},
      {"aten.rsub.Tensor", [](const Element& e) {
         return absl::StrCat("(", e.x(1), " - ", e.scalar(2), " * ", e.x(0), ")");
       }},
      {"aten.rsub.Scalar", [](const Element& e) {
         return absl::StrCat("(", e.x(1), " - ", e.scalar(2), " * ", e.x(0), ")");
       }},
      {"aten.mul.Tensor", [](const Element& e) { return absl::StrCat("(", e.x(0), " * ", e.x(1), ")"); }},
      {"aten.mul.Scalar", [](const Element& e) { return absl::StrCat("(", e.x(0), " * ", e.x(1), ")"); }},
      {"aten.div.Tensor", [](const Element& e) { return absl::StrCat("(", e.x(0), " / ", e.x(1), ")"); }},
      {"aten.div.Scalar", [](const Element& e) { return absl::StrCat("(", e.x(0), " / ", e.x(1), ")"); }},
      {"aten.maximum.default", [](const Element& e) {
         return Invoke(e, Params(e, "a", "b"), absl::StrCat("return ", MaxOf("a", "b"), ";"),
                       absl::StrCat(e.x(0), ", ", e.x(1)));
       }},
      {"aten.minimum.default", [](const Element& e) {
         return Invoke(e, Params(e, "a", "b"), absl::StrCat("return ", MinOf("a", "b"), ";"),
                       absl::StrCat(e.x(0), ", ", e.x(1)));
       }},
      {"aten.pow.Tensor_Scalar", [](const Element& e) {
         double p = e.arg(1).AsFloat();
         if (p == 2) return Invoke(e, Param(e, "x"), "return x * x;", e.x(0));
         if (p == 1) return e.x(0);
         return Pow(e, 0, 1);
       }},
      {"aten.pow.Tensor_Tensor", [](const Element& e) { return Pow(e, 0, 1); }},
      {"aten.pow.Scalar", [](const Element& e) { return Pow(e, 0, 1); }},
      {"aten.div.Tensor_mode", DivideWithMode},
      // clamp: the bounds in the result dtype; NaN propagates from self
      // (and, for tensor bounds, from the bounds).
      {"aten.clamp.default", [](const Element& e) {
         std::string body;
         if (!e.arg(1).is_none()) {
           absl::StrAppend(&body, "x = x < ", e.scalar(1), " ? ", e.scalar(1), " : x; ");
         }
         if (!e.arg(2).is_none()) {
           absl::StrAppend(&body, "x = x > ", e.scalar(2), " ? ", e.scalar(2), " : x; ");
         }
         return Invoke(e, Param(e, "x"), absl::StrCat(body, "return x;"), e.x(0));
       }},
      {"aten.clamp.Tensor", [](const Element& e) {
         std::string params = Param(e, "x"), args = e.x(0), body;
         if (!e.arg(1).is_none()) {
           absl::StrAppend(&params, ", ", Param(e, "lo"));
           absl::StrAppend(&args, ", ", e.x(1));
           absl::StrAppend(&body, "x = ", MaxOf("x", "lo"), "; ");
         }
         if (!e.arg(2).is_none()) {
           absl::StrAppend(&params, ", ", Param(e, "hi"));
           absl::StrAppend(&args, ", ", e.x(2));
           absl::StrAppend(&body, "x = ", MinOf("x", "hi"), "; ");
         }
         return Invoke(e, params, absl::StrCat(body, "return x;"), args);
       }},
      // hardtanh keeps self's dtype; the bounds are converted to it.
      {"aten.hardtanh.default", [](const Element& e) {
         std::string lo = e.scalar(1), hi = e.scalar(2);
         return Invoke(e, Param(e, "x"),
                       absl::StrCat("x = x < ", lo, " ? ", lo, " : x; return x > ", hi, " ? ", hi,
                                    " : x;"),
                       e.x(0));
       }},
      {"aten.hardtanh_backward.default", [](const Element& e) {
         // The reference compares the input with the bounds in double.
         std::string lo = Literal(e.arg(2).AsFloat(), DType::kFloat64);
         std::string hi = Literal(e.arg(3).AsFloat(), DType::kFloat64);
         return Invoke(e, Params(e, "g", "x"),
                       absl::StrCat("return static_cast<double>(x) <= ", lo,
                                    " || static_cast<double>(x) >= ", hi, " ? ", e.lit(0), " : g;"),
                       absl::StrCat(e.x(0), ", ", e.x(1)));
       }},
      {"aten.leaky_relu.default", [](const Element& e) {
         return Invoke(e, Param(e, "x"), absl::StrCat("return x > 0 ? x : x * ", e.scalar(1), ";"),
                       e.x(0));
       }},
      {"aten.leaky_relu_backward.default", [](const Element& e) {
         return Invoke(e, Params(e, "g", "x"),
                       absl::StrCat("return x > 0 ? g : g * ", e.scalar(2), ";"),
                       absl::StrCat(e.x(0), ", ", e.x(1)));
       }},
      // elu(x) = scale x for x > 0, else scale alpha (exp(input_scale x) - 1).
      {"aten.elu.default", [](const Element& e) {
         double alpha = e.arg(1).AsFloat(), scale = e.arg(2).AsFloat();
         double input_scale = e.arg(3).AsFloat();
         return Invoke(e, Param(e, "x"),
                       absl::StrCat("return x <= 0 ? std::expm1(x * ", e.lit(input_scale), ") * ",
                                    e.lit(alpha * scale), " : x * ", e.lit(scale), ";"),
                       e.x(0));
       }},
      // ATen's elu_backward; self_or_result is elu's output when is_result.
      {"aten.elu_backward.default", [](const Element& e) {
         double alpha = e.arg(1).AsFloat(), scale = e.arg(2).AsFloat();
         double input_scale = e.arg(3).AsFloat();
         std::string negative =
             e.arg(4).AsBool()
                 ? absl::StrCat("g * ", e.lit(input_scale), " * (x + ", e.lit(alpha * scale), ")")
                 : absl::StrCat("g * ", e.lit(input_scale * alpha * scale), " * std::exp(x * ",
                                e.lit(input_scale), ")");
         return Invoke(e, Params(e, "g", "x"),
                       absl::StrCat("return x > 0 ? g * ", e.lit(scale), " : ", negative, ";"),
                       absl::StrCat(e.x(0), ", ", e.x(5)));
       }},
      // softplus(x) = log(1 + exp(beta x)) / beta, or x where beta x >
      // threshold.
      {"aten.softplus.default", [](const Element& e) {
         std::string beta = e.scalar(1), threshold = e.scalar(2);
         return Invoke(e, Param(e, "x"),
                       absl::StrCat(e.ct(), " bx = x * ", beta, "; return bx > ", threshold,
                                    " ? x : std::log1p(std::exp(bx)) / ", beta, ";"),
                       e.x(0));
       }},
      // grad_output * sigmoid(beta x), or grad_output where beta x >
      // threshold.
      {"aten.softplus_backward.default", [](const Element& e) {
         return Invoke(e, Params(e, "g", "x"),
                       absl::StrCat(e.ct(), " bx = x * ", e.scalar(2), "; if (bx > ", e.scalar(3),
                                    ") return g; ", e.ct(),
                                    " z = std::exp(bx); return g * z / (z + ", e.lit(1), ");"),
                       absl::StrCat(e.x(0), ", ", e.x(1)));
       }},
      // grad_output * s * (1 + x (1 - s)) for s = sigmoid(x).
      {"aten.silu_backward.default", [](const Element& e) {
         return Invoke(e, Params(e, "g", "x"),
                       absl::StrCat(e.ct(), " s = ", Sigmoid("x", e.ct()), "; return g * s * (",
                                    e.lit(1), " + x * (", e.lit(1), " - s));"),
                       absl::StrCat(e.x(0), ", ", e.x(1)));
       }},
      {"aten.where.self", [](const Element& e) {
         return absl::StrCat("(", e.as(0, DType::kBool), " ? ", e.x(1), " : ", e.x(2), ")");
       }},
      {"aten.masked_fill.Scalar", [](const Element& e) {
         return absl::StrCat("(", e.as(1, DType::kBool), " ? ", e.scalar(2), " : ", e.x(0), ")");
       }},
      {"aten.masked_fill.Tensor", [](const Element& e) {
         return absl::StrCat("(", e.as(1, DType::kBool), " ? ", e.x(2), " : ", e.x(0), ")");
       }},
      {"aten.eq.Tensor", [](const Element& e) { return Compare(e, "=="); }},
      {"aten.eq.Scalar", [](const Element& e) { return Compare(e, "=="); }},
      {"aten.ne.Tensor", [](const Element& e) { return Compare(e, "!="); }},
      {"aten.ne.Scalar", [](const Element& e) { return Compare(e, "!="); }},
      {"aten.lt.Tensor", [](const Element& e) { return Compare(e, "<"); }},
      {"aten.lt.Scalar", [](const Element& e) { return Compare(e, "<"); }},
      {"aten.le.Tensor", [](const Element& e) { return Compare(e, "<="); }},
      {"aten.le.Scalar", [](const Element& e) { return Compare(e, "<="); }},
      {"aten.gt.Tensor", [](const Element& e) { return Compare(e, ">"); }},
      {"aten.gt.Scalar", [](const Element& e) { return Compare(e, ">"); }},
      {"aten.ge.Tensor", [](const Element& e) { return Compare(e, ">="); }},
      {"aten.ge.Scalar", [](const Element& e) { return Compare(e, ">="); }},
      {"aten.logical_not.default", [](const Element& e) {
         return absl::StrCat("(!", e.as(0, DType::kBool), ")");
       }},
      {"aten.logical_and.default", [](const Element& e) {
         return absl::StrCat("(", e.as(0, DType::kBool), " && ", e.as(1, DType::kBool), ")");
       }},
      {"aten.logical_or.default", [](const Element& e) {
         return absl::StrCat("(", e.as(0, DType::kBool), " || ", e.as(1, DType::kBool), ")");
       }},
      {"aten._to_copy.default", [](const Element& e) { return e.x(0); }},
      {"aten.to.dtype", [](const Element& e) { return e.x(0); }},
      {"aten.clone.default", [](const Element& e) { return e.x(0); }},
      {"aten.fill.Scalar", [](const Element& e) { return e.scalar(1); }},
      {"aten.zeros.default", [](const Element& e) { return Literal(0, e.result()); }},
      {"aten.zeros_like.default", [](const Element& e) { return Literal(0, e.result()); }},
      {"aten.ones.default", [](const Element& e) { return Literal(1, e.result()); }},
      {"aten.ones_like.default", [](const Element& e) { return Literal(1, e.result()); }},
      {"aten.full.default", [](const Element& e) { return e.scalar(1); }},
      {"aten.full_like.default", [](const Element& e) { return e.scalar(1); }},
      {"aten.scalar_tensor.default", [](const Element& e) { return e.scalar(0); }},
      {"aten.new_zeros.default", [](const Element& e) { return Literal(0, e.result()); }},
      {"aten.new_empty.default", [](const Element& e) { return Literal(0, e.result()); }},
      {"aten.new_full.default", [](const Element& e) { return e.scalar(2); }},
      {"aten.arange.default", [](const Element& e) { return Arange(e, -1, -1); }},
      {"aten.arange.start", [](const Element& e) { return Arange(e, 0, -1); }},
      {"aten.arange.start_step", [](const Element& e) { return Arange(e, 0, 2); }},
      {"aten.empty.memory_format", [](const Element& e) { return Literal(0, e.result()); }},
      {"aten.empty_like.default", [](const Element& e) { return Literal(0, e.result()); }},
  };
  return *table;
}

}  // namespace

absl::StatusOr<std::string> CType(DType dtype) {
  switch (dtype) {
    case DType::kFloat32: return std::string("float");
    case DType::kFloat64: return std::string("double");
    case DType::kInt64: return std::string("int64_t");
    case DType::kInt32: return std::string("int32_t");
    case DType::kInt16: return std::string("int16_t");
    case DType::kInt8: return std::string("int8_t");
    case DType::kUInt8: return std::string("uint8_t");
    case DType::kBool: return std::string("bool");
    default:
      return absl::UnimplementedError(
          absl::StrCat("code generation for ", ir::DTypeName(dtype), " is not supported yet"));
  }
}

std::string Literal(double value, DType dtype) {
  std::string type = CType(dtype).value_or("double");
  if (dtype == DType::kBool) return value != 0 ? "true" : "false";
  if (!ir::IsFloatingPoint(dtype)) {
    return absl::StrCat(type, "(", static_cast<int64_t>(value), "LL)");
  }
  if (std::isnan(value)) return absl::StrCat("std::numeric_limits<", type, ">::quiet_NaN()");
  if (std::isinf(value)) {
    return absl::StrCat(value < 0 ? "-" : "", "std::numeric_limits<", type, ">::infinity()");
  }
  char hex[64];
  std::snprintf(hex, sizeof hex, "%a", value);
  return absl::StrCat(type, "(", hex, ")");
}

std::string Convert(const std::string& expr, DType from, DType to) {
  if (from == to) return expr;
  if (to == DType::kBool) return absl::StrCat("(", expr, " != 0)");
  return absl::StrCat("static_cast<", CType(to).value_or("double"), ">(", expr, ")");
}

absl::StatusOr<std::string> LowerElement(const ElementCall& call) {
  auto it = Table().find(call.node.op);
  if (it == Table().end()) {
    return absl::UnimplementedError(
        absl::StrCat("code generation for ", call.node.op, " is not supported yet"));
  }
  absl::StatusOr<std::string> type = CType(call.graph.type(call.node.outputs[0]).dtype);
  if (!type.ok()) return type.status();
  return it->second(Element(call));
}

bool HasElementLowering(const std::string& op) { return Table().contains(op); }

}  // namespace aotd::codegen
