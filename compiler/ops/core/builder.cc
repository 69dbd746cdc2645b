#include "compiler/ops/core/builder.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "compiler/ops/core/infer.h"
#include "compiler/ops/core/op_def.h"
#include "compiler/ops/core/registry.h"
#include "compiler/ops/core/schema.h"

namespace aotd::ops {
namespace {

absl::string_view ShortName(absl::string_view op) {
  // "aten.mul.Tensor" -> "mul".
  size_t first = op.find('.');
  if (first == absl::string_view::npos) return op;
  absl::string_view rest = op.substr(first + 1);
  return rest.substr(0, rest.find('.'));
}

}  // namespace

std::vector<ir::ValueId> GraphBuilder::MultiOp(absl::string_view op, std::vector<ir::Argument> args,
                                               Kwargs kwargs) {
  if (!status_.ok()) return {};
  auto fail = [&](const absl::Status& s) {
    status_ = absl::InternalError(absl::StrCat("building a call of ", op, ": ", s.message()));
    return std::vector<ir::ValueId>{};
  };
  for (const ir::Argument& a : args) {
    if (a.is_value() && !graph_.IsValidValue(a.AsValue())) return fail(absl::InternalError("invalid operand"));
  }
  const OpDef* def = OpRegistry::Global().Find(op);
  if (def == nullptr) return fail(absl::NotFoundError("unknown op"));
  absl::StatusOr<std::vector<ir::Argument>> bound =
      BindArguments(def->schema, std::move(args), std::move(kwargs));
  if (!bound.ok()) return fail(bound.status());
  return BoundOp(op, *std::move(bound));
}

std::vector<ir::ValueId> GraphBuilder::BoundOp(absl::string_view op, std::vector<ir::Argument> bound) {
  if (!status_.ok()) return {};
  auto fail = [&](const absl::Status& s) {
    status_ = absl::InternalError(absl::StrCat("building a call of ", op, ": ", s.message()));
    return std::vector<ir::ValueId>{};
  };
  const OpDef* def = OpRegistry::Global().Find(op);
  if (def == nullptr) return fail(absl::NotFoundError("unknown op"));
  absl::Status checked = CheckBoundArguments(def->schema, bound);
  if (!checked.ok()) return fail(checked);
  absl::StatusOr<std::vector<ir::TensorType>> types = InferTypes(*def, graph_, bound);
  if (!types.ok()) return fail(types.status());
  int node = graph_.AddNode(graph_.FreshName(ShortName(op)), std::string(op), std::move(bound),
                            *std::move(types));
  return graph_.node(node).outputs;
}

ir::ValueId DerivativeContext::GradOrZeros(int i) {
  if (has_grad(i)) return grad(i);
  const ir::TensorType t = b.type(output(i));
  return b.Zeros(t.shape, t.dtype);
}

ir::ValueId GraphBuilder::Op(absl::string_view op, std::vector<ir::Argument> args, Kwargs kwargs) {
  std::vector<ir::ValueId> out = MultiOp(op, std::move(args), std::move(kwargs));
  if (!status_.ok()) return kNoValue;
  if (out.size() != 1) {
    status_ = absl::InternalError(absl::StrCat(op, " has ", out.size(), " results, not one"));
    return kNoValue;
  }
  return out[0];
}

ir::ValueId GraphBuilder::Add(ir::ValueId a, ir::ValueId b) {
  return Op("aten.add.Tensor", {V(a), V(b)});
}
ir::ValueId GraphBuilder::Sub(ir::ValueId a, ir::ValueId b) {
  return Op("aten.sub.Tensor", {V(a), V(b)});
}
ir::ValueId GraphBuilder::Mul(ir::ValueId a, ir::ValueId b) {
  return Op("aten.mul.Tensor", {V(a), V(b)});
}
ir::ValueId GraphBuilder::Div(ir::ValueId a, ir::ValueId b) {
  return Op("aten.div.Tensor", {V(a), V(b)});
}
ir::ValueId GraphBuilder::Neg(ir::ValueId a) { return Op("aten.neg.default", {V(a)}); }
ir::ValueId GraphBuilder::MulScalar(ir::ValueId a, double s) {
  return Op("aten.mul.Tensor", {V(a), ir::Argument::Float(s)});
}
ir::ValueId GraphBuilder::AddScalar(ir::ValueId a, double s) {
  return Op("aten.add.Tensor", {V(a), ir::Argument::Float(s)});
}

ir::ValueId GraphBuilder::SumToShape(ir::ValueId v, const ir::Dims& shape) {
  if (!status_.ok()) return kNoValue;
  const ir::Dims from = type(v).shape;
  if (from == shape) return v;
  bool reducible = from.size() >= shape.size();
  for (size_t i = 0; reducible && i < shape.size(); ++i) {
    int64_t d = from[from.size() - shape.size() + i];
    reducible = shape[i] == d || shape[i] == 1;
  }
  if (!reducible) {
    status_ = absl::InternalError(absl::StrCat("cannot sum a value of shape [",
                                               absl::StrJoin(from, ","), "] to [",
                                               absl::StrJoin(shape, ","), "]"));
    return kNoValue;
  }
  // Leading dims that broadcasting added, and dims broadcast from size 1.
  size_t lead = from.size() - shape.size();
  ir::Dims dims;
  for (size_t i = 0; i < from.size(); ++i) {
    if (i < lead || (shape[i - lead] == 1 && from[i] != 1)) dims.push_back(static_cast<int64_t>(i));
  }
  ir::ValueId summed = v;
  if (!dims.empty()) {
    summed = Op("aten.sum.dim_IntList", {V(v), ir::Argument::IntList(dims), ir::Argument::Bool(true)});
  }
  return Reshape(summed, shape);
}

ir::ValueId GraphBuilder::Expand(ir::ValueId v, const ir::Dims& shape) {
  if (!status_.ok()) return kNoValue;
  if (type(v).shape == shape) return v;
  return Op("aten.expand.default", {V(v), ir::Argument::IntList(shape)});
}

ir::ValueId GraphBuilder::Reshape(ir::ValueId v, const ir::Dims& shape) {
  if (!status_.ok()) return kNoValue;
  if (type(v).shape == shape) return v;
  return Op("aten.reshape.default", {V(v), ir::Argument::IntList(shape)});
}

ir::ValueId GraphBuilder::Cast(ir::ValueId v, ir::DType dtype) {
  if (!status_.ok()) return kNoValue;
  if (type(v).dtype == dtype) return v;
  return Op("aten._to_copy.default", {V(v)}, {{"dtype", ir::Argument::DTypeArg(dtype)}});
}

ir::ValueId GraphBuilder::ZerosLike(ir::ValueId v) {
  return Op("aten.zeros_like.default", {V(v)});
}

ir::ValueId GraphBuilder::Zeros(const ir::Dims& shape, ir::DType dtype) {
  return Op("aten.zeros.default", {ir::Argument::IntList(shape)},
            {{"dtype", ir::Argument::DTypeArg(dtype)}});
}

}  // namespace aotd::ops
