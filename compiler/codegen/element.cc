#include "compiler/codegen/element.h"

#include <cmath>
#include <cstdio>
#include <functional>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"

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
  // The dtype comparisons and selections compute in: the floating operand
  // if any (numbers never widen tensors), else the widest integer.
  DType common(std::initializer_list<int> args) const {
    DType best = DType::kBool;
    bool have_tensor = false, float_number = false;
    for (int i : args) {
      if (!arg(i).is_value()) {
        float_number = float_number || arg(i).kind() == Argument::Kind::kFloat;
        continue;
      }
      DType d = dtype_of(i);
      if (!have_tensor || Rank(d) > Rank(best)) best = d;
      have_tensor = true;
    }
    if (!have_tensor) return DType::kFloat64;
    if (float_number && !ir::IsFloatingPoint(best)) return DType::kFloat32;
    return best;
  }

 private:
  static int Rank(DType d) {
    switch (d) {
      case DType::kBool: return 0;
      case DType::kUInt8: case DType::kInt8: return 1;
      case DType::kInt16: return 2;
      case DType::kInt32: return 3;
      case DType::kInt64: return 4;
      case DType::kFloat16: case DType::kBFloat16: return 5;
      case DType::kFloat32: return 6;
      case DType::kFloat64: return 7;
    }
    return 0;
  }
  const ElementCall& call_;
};

using Lowering = std::function<std::string(const Element&)>;

std::string Call(const char* fn, const std::string& a) { return absl::StrCat(fn, "(", a, ")"); }

std::string Compare(const Element& e, const char* op) {
  DType c = e.common({0, 1});
  return absl::StrCat("(", e.as(0, c), " ", op, " ", e.as(1, c), ")");
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
         std::string a = e.x(0), b = e.x(1);
         return absl::StrCat("(", a, " != ", a, " || ", a, " > ", b, " ? ", a, " : ", b, ")");
       }},
      {"aten.minimum.default", [](const Element& e) {
         std::string a = e.x(0), b = e.x(1);
         return absl::StrCat("(", a, " != ", a, " || ", a, " < ", b, " ? ", a, " : ", b, ")");
       }},
      {"aten.pow.Tensor_Scalar", [](const Element& e) {
         if (e.arg(1).kind() == Argument::Kind::kInt || e.arg(1).AsFloat() == 2.0) {
           double p = e.arg(1).AsFloat();
           if (p == 2) return absl::StrCat("(", e.x(0), " * ", e.x(0), ")");
           if (p == 1) return e.x(0);
         }
         return absl::StrCat("std::pow(", e.x(0), ", ", e.scalar(1), ")");
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
