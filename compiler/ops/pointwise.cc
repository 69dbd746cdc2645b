// Elementwise ops: activations, arithmetic, comparisons, their backward
// ops, and dtype conversion and copies.
#include <cmath>

#include "absl/strings/string_view.h"
#include "compiler/ops/builder.h"
#include "compiler/ops/op_categories.h"
#include "compiler/ops/op_util.h"

namespace aotd::ops::internal {
namespace {

using ir::Argument;
using ir::Dims;
using ir::DType;
using ir::TensorType;
using reference::HostTensor;
using V = GraphBuilder;

// Result type of a unary op that keeps its input's dtype.
absl::StatusOr<std::vector<TensorType>> SameAsInput(const TypeCall& call) {
  return One(call.tensor(0).dtype, call.tensor(0).shape);
}

// Result type of float math (exp, sigmoid): integer inputs give float32.
absl::StatusOr<std::vector<TensorType>> FloatOfInput(const TypeCall& call) {
  return One(ToFloating(call.tensor(0).dtype), call.tensor(0).shape);
}

// Result type of a broadcasting binary op over arguments 0 and 1.
absl::StatusOr<std::vector<TensorType>> Broadcasting(const TypeCall& call) {
  absl::StatusOr<Dims> shape = BroadcastShapes(TypeArg(call, 0).shape, TypeArg(call, 1).shape);
  if (!shape.ok()) return shape.status();
  return One(ResultType(OperandsOf(call, {0, 1})), *shape);
}

// A kernel applying `f` to every element of argument 0.
KernelFn Unary(double (*f)(double)) {
  return [f](const KernelCall& call, const std::vector<TensorType>& results)
             -> absl::StatusOr<std::vector<HostTensor>> {
    return std::vector<HostTensor>{MapUnary(call.tensor(0), results[0].dtype, f)};
  };
}

// A kernel applying `f` to arguments 0 and 1, broadcast; the values are
// first cast to the result type, as PyTorch computes in it.
KernelFn Binary(std::function<double(const KernelCall&, double, double)> f) {
  return [f](const KernelCall& call, const std::vector<TensorType>& results)
             -> absl::StatusOr<std::vector<HostTensor>> {
    DType out = results[0].dtype;
    HostTensor a = TensorArg(call, 0).Cast(out), b = TensorArg(call, 1).Cast(out);
    return std::vector<HostTensor>{MapBinary(
        a, b, results[0].shape, out, [&](double x, double y) { return f(call, x, y); })};
  };
}

void DefineArithmetic(OpRegistry& r) {
  OpDefiner(r, "neg(Tensor self) -> Tensor", OpKind::kPointwise)
      .Infer(SameAsInput)
      .Kernel(Unary([](double x) { return -x; }))
      .Derivative([](DerivativeContext& c) -> Grads { return {{0, c.b.Neg(c.grad(0))}}; });

  OpDefiner(r, "exp(Tensor self) -> Tensor", OpKind::kPointwise)
      .Infer(FloatOfInput)
      .Kernel(Unary([](double x) { return std::exp(x); }))
      .Derivative([](DerivativeContext& c) -> Grads {
        return {{0, c.b.Mul(c.grad(0), c.output(0))}};
      });

  OpDefiner(r, "add.Tensor(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor",
            OpKind::kPointwise)
      .Infer(Broadcasting)
      .Kernel(Binary([](const KernelCall& c, double x, double y) { return x + c.Float(2) * y; }))
      .Derivative([](DerivativeContext& c) -> Grads {
        Grads g;
        if (c.arg(0).is_value()) g.push_back({0, c.grad(0)});
        if (c.arg(1).is_value()) {
          g.push_back({1, c.b.Op("aten.mul.Tensor", {V::V(c.grad(0)), c.arg(2)})});
        }
        return g;
      });

  OpDefiner(r, "mul.Tensor(Tensor self, Tensor other) -> Tensor", OpKind::kPointwise)
      .Infer(Broadcasting)
      .Kernel(Binary([](const KernelCall&, double x, double y) { return x * y; }))
      .Derivative([](DerivativeContext& c) -> Grads {
        Grads g;
        if (c.arg(0).is_value()) {
          g.push_back({0, c.b.Op("aten.mul.Tensor", {V::V(c.grad(0)), c.arg(1)})});
        }
        if (c.arg(1).is_value()) {
          g.push_back({1, c.b.Op("aten.mul.Tensor", {V::V(c.grad(0)), c.arg(0)})});
        }
        return g;
      });
}

// Ops with a schema only, not yet inference, kernel or derivative.
constexpr absl::string_view kPointwiseSignatures[] = {
    // Unary.
    "abs(Tensor self) -> Tensor",
    "sgn(Tensor self) -> Tensor",
    "log(Tensor self) -> Tensor",
    "log1p(Tensor self) -> Tensor",
    "sqrt(Tensor self) -> Tensor",
    "rsqrt(Tensor self) -> Tensor",
    "reciprocal(Tensor self) -> Tensor",
    "sin(Tensor self) -> Tensor",
    "cos(Tensor self) -> Tensor",
    "tanh(Tensor self) -> Tensor",
    "sigmoid(Tensor self) -> Tensor",
    "erf(Tensor self) -> Tensor",
    "logical_not(Tensor self) -> Tensor",

    // Activations.
    "relu(Tensor self) -> Tensor",
    "relu_(Tensor(a!) self) -> Tensor(a!)",
    "gelu(Tensor self, *, str approximate='none') -> Tensor",
    "silu(Tensor self) -> Tensor",
    "softplus(Tensor self, Scalar beta=1, Scalar threshold=20) -> Tensor",
    "elu(Tensor self, Scalar alpha=1, Scalar scale=1, Scalar input_scale=1) "
    "-> Tensor",
    "leaky_relu(Tensor self, Scalar negative_slope=0.01) -> Tensor",
    "hardtanh(Tensor self, Scalar min_val=-1, Scalar max_val=1) -> Tensor",
    "clamp(Tensor self, Scalar? min=None, Scalar? max=None) -> Tensor",
    "clamp.Tensor(Tensor self, Tensor? min=None, Tensor? max=None) -> Tensor",

    // Binary arithmetic.
    "add.Scalar(Tensor self, Scalar other, Scalar alpha=1) -> Tensor",
    "add_.Tensor(Tensor(a!) self, Tensor other, *, Scalar alpha=1) "
    "-> Tensor(a!)",
    "sub.Tensor(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor",
    "sub.Scalar(Tensor self, Scalar other, Scalar alpha=1) -> Tensor",
    "rsub.Tensor(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor",
    "rsub.Scalar(Tensor self, Scalar other, Scalar alpha=1) -> Tensor",
    "mul.Scalar(Tensor self, Scalar other) -> Tensor",
    "mul_.Tensor(Tensor(a!) self, Tensor other) -> Tensor(a!)",
    "div.Tensor(Tensor self, Tensor other) -> Tensor",
    "div.Scalar(Tensor self, Scalar other) -> Tensor",
    "div.Tensor_mode(Tensor self, Tensor other, *, str? rounding_mode) "
    "-> Tensor",
    "pow.Tensor_Scalar(Tensor self, Scalar exponent) -> Tensor",
    "pow.Tensor_Tensor(Tensor self, Tensor exponent) -> Tensor",
    "pow.Scalar(Scalar self, Tensor exponent) -> Tensor",
    "maximum(Tensor self, Tensor other) -> Tensor",
    "minimum(Tensor self, Tensor other) -> Tensor",

    // Selection.
    "where.self(Tensor condition, Tensor self, Tensor other) -> Tensor",
    "masked_fill.Scalar(Tensor self, Tensor mask, Scalar value) -> Tensor",
    "masked_fill.Tensor(Tensor self, Tensor mask, Tensor value) -> Tensor",

    // Comparison and logic.
    "eq.Tensor(Tensor self, Tensor other) -> Tensor",
    "eq.Scalar(Tensor self, Scalar other) -> Tensor",
    "ne.Tensor(Tensor self, Tensor other) -> Tensor",
    "ne.Scalar(Tensor self, Scalar other) -> Tensor",
    "lt.Tensor(Tensor self, Tensor other) -> Tensor",
    "lt.Scalar(Tensor self, Scalar other) -> Tensor",
    "le.Tensor(Tensor self, Tensor other) -> Tensor",
    "le.Scalar(Tensor self, Scalar other) -> Tensor",
    "gt.Tensor(Tensor self, Tensor other) -> Tensor",
    "gt.Scalar(Tensor self, Scalar other) -> Tensor",
    "ge.Tensor(Tensor self, Tensor other) -> Tensor",
    "ge.Scalar(Tensor self, Scalar other) -> Tensor",
    "logical_and(Tensor self, Tensor other) -> Tensor",
    "logical_or(Tensor self, Tensor other) -> Tensor",

    // Backward of the activations above.
    "threshold_backward(Tensor grad_output, Tensor self, Scalar threshold) "
    "-> Tensor",
    "gelu_backward(Tensor grad_output, Tensor self, *, "
    "str approximate='none') -> Tensor",
    "sigmoid_backward(Tensor grad_output, Tensor output) -> Tensor",
    "tanh_backward(Tensor grad_output, Tensor output) -> Tensor",
    "elu_backward(Tensor grad_output, Scalar alpha, Scalar scale, "
    "Scalar input_scale, bool is_result, Tensor self_or_result) -> Tensor",
    "leaky_relu_backward(Tensor grad_output, Tensor self, "
    "Scalar negative_slope, bool self_is_result) -> Tensor",
    "hardtanh_backward(Tensor grad_output, Tensor self, Scalar min_val, "
    "Scalar max_val) -> Tensor",
    "softplus_backward(Tensor grad_output, Tensor self, Scalar beta, "
    "Scalar threshold) -> Tensor",
    "silu_backward(Tensor grad_output, Tensor self) -> Tensor",

    // Conversion, fill and copy.
    "_to_copy(Tensor self, *, ScalarType? dtype=None, Layout? layout=None, "
    "Device? device=None, bool? pin_memory=None, bool non_blocking=False, "
    "MemoryFormat? memory_format=None) -> Tensor",
    "to.dtype(Tensor(a) self, ScalarType dtype, bool non_blocking=False, "
    "bool copy=False, MemoryFormat? memory_format=None) -> Tensor(a)",
    "fill.Scalar(Tensor self, Scalar value) -> Tensor",
    "copy_(Tensor(a!) self, Tensor src, bool non_blocking=False) "
    "-> Tensor(a!)",
};

}  // namespace

absl::Status RegisterPointwiseOps(OpRegistry& registry) {
  DefineArithmetic(registry);
  return AddSignatures(registry, kPointwiseSignatures);
}

}  // namespace aotd::ops::internal
