// Linear algebra and neural-network ops: matrix products, convolution,
// pooling, normalization, softmax, losses, embedding, and their backward
// ops.
#include "absl/strings/string_view.h"
#include "compiler/ops/op_categories.h"

namespace aotd::ops::internal {
namespace {

constexpr absl::string_view kNnSignatures[] = {
    // Matrix products.
    "mm(Tensor self, Tensor mat2) -> Tensor",
    "addmm(Tensor self, Tensor mat1, Tensor mat2, *, Scalar beta=1, "
    "Scalar alpha=1) -> Tensor",
    "bmm(Tensor self, Tensor mat2) -> Tensor",

    // Convolution.
    "convolution(Tensor input, Tensor weight, Tensor? bias, int[] stride, "
    "SymInt[] padding, int[] dilation, bool transposed, "
    "SymInt[] output_padding, int groups) -> Tensor",
    "convolution_backward(Tensor grad_output, Tensor input, Tensor weight, "
    "SymInt[]? bias_sizes, int[] stride, SymInt[] padding, int[] dilation, "
    "bool transposed, SymInt[] output_padding, int groups, "
    "bool[3] output_mask) -> (Tensor, Tensor, Tensor)",

    // Pooling. An empty stride means "the kernel size".
    "max_pool2d_with_indices(Tensor self, int[2] kernel_size, "
    "int[2] stride=[], int[2] padding=0, int[2] dilation=1, "
    "bool ceil_mode=False) -> (Tensor, Tensor)",
    "max_pool2d_with_indices_backward(Tensor grad_output, Tensor self, "
    "int[2] kernel_size, int[2] stride, int[2] padding, int[2] dilation, "
    "bool ceil_mode, Tensor indices) -> Tensor",
    "avg_pool2d(Tensor self, int[2] kernel_size, int[2] stride=[], "
    "int[2] padding=0, bool ceil_mode=False, bool count_include_pad=True, "
    "int? divisor_override=None) -> Tensor",
    "avg_pool2d_backward(Tensor grad_output, Tensor self, "
    "int[2] kernel_size, int[2] stride, int[2] padding, bool ceil_mode, "
    "bool count_include_pad, int? divisor_override) -> Tensor",
    "_adaptive_avg_pool2d(Tensor self, SymInt[2] output_size) -> Tensor",
    "_adaptive_avg_pool2d_backward(Tensor grad_output, Tensor self) "
    "-> Tensor",

    // Normalization. Results: output, mean, rstd (layer norm) or output,
    // save_mean, save_invstd (batch norm).
    "native_layer_norm(Tensor input, SymInt[] normalized_shape, "
    "Tensor? weight, Tensor? bias, float eps) -> (Tensor, Tensor, Tensor)",
    "native_layer_norm_backward(Tensor grad_out, Tensor input, "
    "SymInt[] normalized_shape, Tensor mean, Tensor rstd, Tensor? weight, "
    "Tensor? bias, bool[3] output_mask) -> (Tensor, Tensor, Tensor)",
    "native_batch_norm(Tensor input, Tensor? weight, Tensor? bias, "
    "Tensor? running_mean, Tensor? running_var, bool training, "
    "float momentum, float eps) -> (Tensor, Tensor, Tensor)",
    "native_batch_norm_backward(Tensor grad_out, Tensor input, "
    "Tensor? weight, Tensor? running_mean, Tensor? running_var, "
    "Tensor? save_mean, Tensor? save_invstd, bool train, float eps, "
    "bool[3] output_mask) -> (Tensor, Tensor, Tensor)",

    // Softmax.
    "_softmax(Tensor self, int dim, bool half_to_float) -> Tensor",
    "_softmax_backward_data(Tensor grad_output, Tensor output, int dim, "
    "ScalarType input_dtype) -> Tensor",
    "_log_softmax(Tensor self, int dim, bool half_to_float) -> Tensor",
    "_log_softmax_backward_data(Tensor grad_output, Tensor output, int dim, "
    "ScalarType input_dtype) -> Tensor",

    // Losses. reduction: 0 none, 1 mean, 2 sum (at::Reduction).
    "nll_loss_forward(Tensor self, Tensor target, Tensor? weight, "
    "int reduction, SymInt ignore_index) "
    "-> (Tensor output, Tensor total_weight)",
    "nll_loss_backward(Tensor grad_output, Tensor self, Tensor target, "
    "Tensor? weight, int reduction, SymInt ignore_index, "
    "Tensor total_weight) -> Tensor",
    "mse_loss(Tensor self, Tensor target, int reduction=Mean) -> Tensor",
    "mse_loss_backward(Tensor grad_output, Tensor self, Tensor target, "
    "int reduction) -> Tensor",
    "smooth_l1_loss(Tensor self, Tensor target, int reduction=Mean, "
    "float beta=1.0) -> Tensor",
    "smooth_l1_loss_backward(Tensor grad_output, Tensor self, "
    "Tensor target, int reduction, float beta) -> Tensor",

    // Embedding.
    "embedding(Tensor weight, Tensor indices, SymInt padding_idx=-1, "
    "bool scale_grad_by_freq=False, bool sparse=False) -> Tensor",
    "embedding_dense_backward(Tensor grad_output, Tensor indices, "
    "SymInt num_weights, SymInt padding_idx, bool scale_grad_by_freq) "
    "-> Tensor",
};

}  // namespace

absl::Status RegisterNnOps(OpRegistry& registry) {
  return AddSignatures(registry, kNnSignatures);
}

}  // namespace aotd::ops::internal
