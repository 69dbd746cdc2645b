// Normalization kernels: layer norm and batch norm, each with its
// backward. float and double.
// Declarations only (calling convention: ref.h); definitions in norm.cc.
#ifndef AOTD_COMPILER_CODEGEN_RUNTIME_NORM_H_
#define AOTD_COMPILER_CODEGEN_RUNTIME_NORM_H_

#include <cstdint>

#include "compiler/codegen/runtime/ref.h"

namespace aotd_rt {

// ======================================================================
// Normalization
// ======================================================================

// native_layer_norm(input [*, *normalized_shape], normalized_shape, weight
// and bias (normalized_shape or None), eps) -> out (input's shape), mean and
// rstd ([*, 1, ..., 1], one value per row).
template <typename T>
void native_layer_norm(Ref<const T> input, const int64_t* normalized_shape,
                       int64_t normalized_shape_len, Ref<const T> weight, Ref<const T> bias,
                       double eps, Ref<T> out, Ref<T> mean, Ref<T> rstd);

// native_layer_norm_backward(grad_out, input [*, *normalized_shape],
// normalized_shape, mean, rstd (one value per row), weight, bias (ignored),
// output_mask[3]) -> grad_input (input's shape), grad_weight and grad_bias
// (normalized_shape), each written only when its mask entry is true.
template <typename T>
void native_layer_norm_backward(Ref<const T> grad_out, Ref<const T> input,
                                const int64_t* normalized_shape,
                                int64_t normalized_shape_len, Ref<const T> mean,
                                Ref<const T> rstd, Ref<const T> weight, Ref<const T> bias,
                                const bool* output_mask, Ref<T> grad_input,
                                Ref<T> grad_weight, Ref<T> grad_bias);

// native_batch_norm(input [N,C,*], weight, bias, running_mean, running_var
// ([C] or None; running stats required in eval), training, momentum
// (ignored), eps) -> out (input's shape), save_mean, save_invstd ([C] when
// training; [0] and untouched in eval). Training normalizes with the batch
// statistics; running statistics are read in eval and never updated.
template <typename T>
void native_batch_norm(Ref<const T> input, Ref<const T> weight, Ref<const T> bias,
                       Ref<const T> running_mean, Ref<const T> running_var, bool training,
                       double momentum, double eps, Ref<T> out, Ref<T> save_mean,
                       Ref<T> save_invstd);

// native_batch_norm_backward(grad_out, input [N,C,*], weight, running_mean,
// running_var, save_mean, save_invstd ([C] or None), train, eps,
// output_mask[3]) -> grad_input (input's shape), grad_weight [C], grad_bias
// [C], each written only when its mask entry is true. Training uses the
// saved statistics, eval the running ones.
template <typename T>
void native_batch_norm_backward(Ref<const T> grad_out, Ref<const T> input,
                                Ref<const T> weight, Ref<const T> running_mean,
                                Ref<const T> running_var, Ref<const T> save_mean,
                                Ref<const T> save_invstd, bool train, double eps,
                                const bool* output_mask, Ref<T> grad_input,
                                Ref<T> grad_weight, Ref<T> grad_bias);

}  // namespace aotd_rt

#endif  // AOTD_COMPILER_CODEGEN_RUNTIME_NORM_H_
