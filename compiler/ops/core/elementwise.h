// Internal to compiler/ops: what the elementwise families (math, activation,
// arithmetic, comparison, conversion) share: inference with PyTorch's type
// promotion, kernels over broadcast operands, derivative helpers, and the
// in-place forms of pure ops.
//
// Results are new contiguous tensors, except for the in-place ops (relu_,
// sigmoid_, add_, mul_, div_, copy_...), whose result has self's type and whose kernels compute
// self's new value functionally, and to.dtype when it returns self. Kernels
// cast their operands to the dtype PyTorch computes in, compute in double,
// round once to the result dtype, and keep IEEE inf/NaN behaviour (a
// masked_fill with -inf must reach softmax as -inf). Derivatives follow
// derivatives.yaml, using the ATen *_backward ops where PyTorch does.
#ifndef AOTD_COMPILER_OPS_CORE_ELEMENTWISE_H_
#define AOTD_COMPILER_OPS_CORE_ELEMENTWISE_H_

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
#include "compiler/ops/core/op_util.h"

namespace aotd::ops::internal {

using ir::Argument;
using ir::Dims;
using ir::DType;
using ir::TensorType;
using ir::ValueId;
using reference::HostTensor;
using reference::RoundTo;

using Types = absl::StatusOr<std::vector<TensorType>>;

using Values = absl::StatusOr<std::vector<HostTensor>>;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// torch.result_type over arguments `args`: tensors or numbers, None skipped.
template <typename T>
inline DType PromotedType(const Call<T>& call, const std::vector<int>& args) {
  std::vector<Operand> operands;
  for (int i : args) {
    std::vector<Operand> one = OperandsOf(call, {i});
    operands.insert(operands.end(), one.begin(), one.end());
  }
  return ResultType(operands);
}

// The broadcast shape of arguments `args`: tensors or numbers, None skipped.
inline absl::StatusOr<Dims> BroadcastArgs(const TypeCall& call, const std::vector<int>& args) {
  Dims shape;
  for (int i : args) {
    if (call.IsNone(i)) continue;
    ASSIGN_OR_RETURN(shape, BroadcastShapes(shape, TypeArg(call, i).shape));
  }
  return shape;
}

// c10::canCast: no floating to integral, nothing but bool to bool.
inline bool CanCast(DType from, DType to) {
  if (ir::IsFloatingPoint(from) && ir::IsIntegral(to)) return false;
  return from == DType::kBool || to != DType::kBool;
}

inline Types SameAsInput(const TypeCall& call) {
  return One(call.tensor(0).dtype, call.tensor(0).shape);
}

// What a broadcasting op's result dtype is, from its operands' promoted one.
enum class ResultKind {
  kPromoted,  // Arithmetic: the promoted dtype.
  kFloating,  // True division: integers give float32.
  kBool,      // Comparisons and logic.
};

// A broadcasting op over arguments `args` (tensors or numbers).
inline InferFn Elementwise(ResultKind kind, std::vector<int> args = {0, 1}) {
  return [kind, args](const TypeCall& call) -> Types {
    ASSIGN_OR_RETURN(Dims shape, BroadcastArgs(call, args));
    DType promoted = PromotedType(call, args);
    DType d = kind == ResultKind::kBool       ? DType::kBool
              : kind == ResultKind::kFloating ? ToFloating(promoted)
                                              : promoted;
    return One(d, std::move(shape));
  };
}

// Applies `f` to every element of argument 0, first cast to the result dtype
// (integer inputs of float math are converted, as ATen does).
inline KernelFn UnaryWith(std::function<double(const KernelCall&, double)> f) {
  return [f](const KernelCall& call, const std::vector<TensorType>& results) -> Values {
    DType out = results[0].dtype;
    return std::vector<HostTensor>{
        MapUnary(call.tensor(0).Cast(out), out, [&](double x) { return f(call, x); })};
  };
}

inline KernelFn Unary(double (*f)(double)) {
  return UnaryWith([f](const KernelCall&, double x) { return f(x); });
}

// Applies `f` to arguments `a` and `b` (tensors or numbers), broadcast. The
// operands are cast to the dtype ATen computes in: the result's, or for bool
// results (comparisons, logic) the operands' promoted dtype.
inline KernelFn Binary(std::function<double(const KernelCall&, double, double)> f, int a = 0,
                       int b = 1) {
  return [f, a, b](const KernelCall& call, const std::vector<TensorType>& results) -> Values {
    DType out = results[0].dtype;
    DType compute = out == DType::kBool ? PromotedType(call, {a, b}) : out;
    HostTensor x = TensorArg(call, a).Cast(compute), y = TensorArg(call, b).Cast(compute);
    return std::vector<HostTensor>{
        MapBinary(x, y, results[0].shape, out, [&](double u, double v) { return f(call, u, v); })};
  };
}

// NaN-propagating max and min (torch.maximum, torch.minimum, clamp).
inline double Max(double x, double y) {
  return std::isnan(x) || std::isnan(y) ? kNaN : std::max(x, y);
}

inline double Min(double x, double y) {
  return std::isnan(x) || std::isnan(y) ? kNaN : std::min(x, y);
}

inline double Sigmoid(double x) { return 1 / (1 + std::exp(-x)); }

using B = GraphBuilder;

inline Argument Val(ValueId v) { return Argument::Value(v); }

inline ValueId Call1(B& b, absl::string_view op, ValueId x) { return b.Op(op, {Val(x)}); }

// A 0-dim zero of `like`'s dtype (at::scalar_tensor(0, grad.options())).
inline ValueId ScalarZero(B& b, ValueId like) {
  if (!b.ok()) return kNoValue;
  return b.Op("aten.scalar_tensor.default", {Argument::Float(0)},
              {{"dtype", Argument::DTypeArg(b.type(like).dtype)}});
}

inline ValueId Where(B& b, ValueId cond, ValueId x, ValueId y) {
  return b.Op("aten.where.self", {Val(cond), Val(x), Val(y)});
}

// `v` where `cond` holds, zero elsewhere.
inline ValueId KeepWhere(B& b, ValueId cond, ValueId v) {
  return Where(b, cond, v, ScalarZero(b, v));
}

// Comparison `name` ("lt") of x with a tensor or number y.
inline ValueId Compare(B& b, absl::string_view name, ValueId x, const Argument& y) {
  return b.Op(absl::StrCat("aten.", name, y.is_value() ? ".Tensor" : ".Scalar"), {Val(x), y});
}

// x ** n for a number n.
inline ValueId PowScalar(B& b, ValueId x, const Argument& n) {
  return b.Op("aten.pow.Tensor_Scalar", {Val(x), n});
}

// The types of a pure op's call on the tensors of `call` (each typed
// contiguous): what an in-place kernel needs to run the pure kernel.
inline absl::StatusOr<std::vector<TensorType>> PureTypes(const OpDef& pure,
                                                         const KernelCall& call) {
  std::vector<Argument> args;
  std::map<ValueId, TensorType> types;
  for (int i = 0; i < call.size(); ++i) {
    args.push_back(call.arg(i));
    if (call.IsTensor(i)) {
      types[call.arg(i).AsValue()] =
          TensorType::Contiguous(call.tensor(i).dtype, call.tensor(i).shape);
    }
  }
  return pure.infer(TypeCall(args, [&](ValueId v) -> const TensorType& { return types.at(v); }));
}

// An in-place op (self is argument 0) whose new value is `pure`'s result
// (pure being already in `r`, with the same arguments) converted to self's
// dtype. As in ATen, the result must have self's shape and its dtype must
// cast to self's (sigmoid_ of an integer tensor fails). The
// functionalization pass rewrites it to `pure` before autograd.
inline void DefineInPlace(OpRegistry& r, absl::string_view signature, absl::string_view pure_op) {
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
          return absl::InvalidArgumentError(absl::StrCat(
              "result type ", ir::DTypeName(types[0].dtype),
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

}  // namespace aotd::ops::internal

#endif  // AOTD_COMPILER_OPS_CORE_ELEMENTWISE_H_
