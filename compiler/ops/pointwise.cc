// Elementwise ops: activations, arithmetic, comparisons, their backward
// ops, and dtype conversion and copies.
#include "absl/strings/string_view.h"
#include "compiler/ops/op_categories.h"

namespace aotd::ops::internal {
namespace {

constexpr absl::string_view kPointwiseSignatures[] = {
    // Unary.
    "neg(Tensor self) -> Tensor",
    "abs(Tensor self) -> Tensor",
    "sgn(Tensor self) -> Tensor",
    "exp(Tensor self) -> Tensor",
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
    "add.Tensor(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor",
    "add.Scalar(Tensor self, Scalar other, Scalar alpha=1) -> Tensor",
    "add_.Tensor(Tensor(a!) self, Tensor other, *, Scalar alpha=1) "
    "-> Tensor(a!)",
    "sub.Tensor(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor",
    "sub.Scalar(Tensor self, Scalar other, Scalar alpha=1) -> Tensor",
    "rsub.Tensor(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor",
    "rsub.Scalar(Tensor self, Scalar other, Scalar alpha=1) -> Tensor",
    "mul.Tensor(Tensor self, Tensor other) -> Tensor",
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
  return AddSignatures(registry, kPointwiseSignatures);
}

}  // namespace aotd::ops::internal
