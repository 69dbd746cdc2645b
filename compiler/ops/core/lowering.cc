#include "compiler/ops/core/lowering.h"

#include <cmath>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "compiler/ops/core/infer.h"
#include "compiler/ops/core/registry.h"

namespace aotd::ops {

using ir::Argument;
using ir::DType;

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

DType ElementExpr::dtype_of(int i) const {
  const Argument& a = arg(i);
  if (a.is_value()) return graph_.type(a.AsValue()).dtype;
  if (a.kind() == Argument::Kind::kFloat) return DType::kFloat64;
  if (a.kind() == Argument::Kind::kBool) return DType::kBool;
  return DType::kInt64;
}

std::string ElementExpr::as(int i, DType dtype) const {
  const Argument& a = arg(i);
  if (a.is_value()) return Convert(operands_[i], dtype_of(i), dtype);
  return Literal(a.AsFloat(), dtype);
}

DType ElementExpr::ComparisonDType() const {
  const OpDef* mul = OpRegistry::Global().Find("aten.mul.Tensor");
  absl::StatusOr<std::vector<ir::TensorType>> types = InferTypes(*mul, graph_, {arg(0), arg(1)});
  return types.ok() ? (*types)[0].dtype : dtype_of(0);
}

namespace lower {

std::string Call(const char* fn, const std::string& a) { return absl::StrCat(fn, "(", a, ")"); }

std::string Invoke(const ElementExpr& e, const std::string& params, const std::string& body,
                   const std::string& args) {
  return absl::StrCat("([](", params, ") -> ", e.ct(), " { ", body, " }(", args, "))");
}

std::string Param(const ElementExpr& e, const char* a) { return absl::StrCat(e.ct(), " ", a); }

std::string Params(const ElementExpr& e, const char* a, const char* b) {
  return absl::StrCat(e.ct(), " ", a, ", ", e.ct(), " ", b);
}

std::string MaxOf(const std::string& a, const std::string& b) {
  return absl::StrCat("(", a, " != ", a, " || ", a, " > ", b, " ? ", a, " : ", b, ")");
}

std::string MinOf(const std::string& a, const std::string& b) {
  return absl::StrCat("(", a, " != ", a, " || ", a, " < ", b, " ? ", a, " : ", b, ")");
}

std::string Sigmoid(const std::string& x, const std::string& t) {
  return absl::StrCat("(", t, "(1) / (", t, "(1) + aotd_math::exp(-(", x, "))))");
}

}  // namespace lower

bool IsAliasingView(const ir::Graph& graph, const ir::Node& node) {
  const OpDef* def = OpRegistry::Global().Find(node.op);
  if (def == nullptr || def->lowering.kind != Lowering::Kind::kView || node.args.empty() ||
      !node.args[0].is_value()) {
    return false;
  }
  return !def->lowering.view.aliases || def->lowering.view.aliases(graph, node);
}

std::vector<ir::ValueId> StorageBases(const ir::Graph& graph) {
  std::vector<ir::ValueId> base(graph.values().size());
  for (size_t v = 0; v < base.size(); ++v) base[v] = static_cast<ir::ValueId>(v);
  for (const ir::Node& node : graph.nodes()) {
    if (!IsAliasingView(graph, node)) continue;
    for (ir::ValueId out : node.outputs) base[out] = base[node.args[0].AsValue()];
  }
  return base;
}

}  // namespace aotd::ops
