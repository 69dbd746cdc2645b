// 2-d pooling kernels over the last two dims of [C,H,W] or [N,C,H,W], each
// with its backward. float and double (avg_pool2d also int64).
// Declarations only (calling convention: ref.h); definitions in pool.cc.
#ifndef AOTD_COMPILER_CODEGEN_RUNTIME_POOL_H_
#define AOTD_COMPILER_CODEGEN_RUNTIME_POOL_H_

#include <cstdint>

#include "compiler/codegen/runtime/ref.h"

namespace aotd_rt {

// ======================================================================
// Pooling over the last two dims of [C,H,W] or [N,C,H,W]
// ======================================================================

// max_pool2d_with_indices(self, kernel_size, stride (empty: kernel_size),
// padding, dilation (each 1 or 2 values), ceil_mode) -> out [...,OH,OW]
// (self's dtype), indices [...,OH,OW] (flat index into each H*W plane).
// NaN wins; among equal maxima the first wins.
template <typename T>
void max_pool2d_with_indices(Ref<const T> self, const int64_t* kernel_size,
                             int64_t kernel_size_len, const int64_t* stride,
                             int64_t stride_len, const int64_t* padding,
                             int64_t padding_len, const int64_t* dilation,
                             int64_t dilation_len, bool ceil_mode, Ref<T> out,
                             Ref<int64_t> indices);

// max_pool2d_with_indices_backward(grad_output [...,OH,OW], self, kernel_size,
// stride, padding, dilation, ceil_mode, indices [...,OH,OW]) -> grad_input
// (self's shape): grad_output added at the recorded indices. False if an
// index is outside its plane.
template <typename T>
[[nodiscard]] bool max_pool2d_with_indices_backward(
    Ref<const T> grad_output, Ref<const T> self, const int64_t* kernel_size,
    int64_t kernel_size_len, const int64_t* stride, int64_t stride_len, const int64_t* padding,
    int64_t padding_len, const int64_t* dilation, int64_t dilation_len, bool ceil_mode,
    Ref<const int64_t> indices, Ref<T> grad_input);

// avg_pool2d(self, kernel_size, stride (empty: kernel_size), padding,
// ceil_mode, count_include_pad, divisor_override (optional int, nonzero))
// -> out [...,OH,OW]. Integer T divides with truncation.
template <typename T>
void avg_pool2d(Ref<const T> self, const int64_t* kernel_size, int64_t kernel_size_len,
                const int64_t* stride, int64_t stride_len, const int64_t* padding,
                int64_t padding_len, bool ceil_mode, bool count_include_pad,
                bool has_divisor_override, int64_t divisor_override, Ref<T> out);

// avg_pool2d_backward(grad_output [...,OH,OW], self, kernel_size, stride,
// padding, ceil_mode, count_include_pad, divisor_override) -> grad_input
// (self's shape): each output's gradient spread over its window. Floating
// T only.
template <typename T>
void avg_pool2d_backward(Ref<const T> grad_output, Ref<const T> self,
                         const int64_t* kernel_size, int64_t kernel_size_len,
                         const int64_t* stride, int64_t stride_len, const int64_t* padding,
                         int64_t padding_len, bool ceil_mode, bool count_include_pad,
                         bool has_divisor_override, int64_t divisor_override,
                         Ref<T> grad_input);

// adaptive_avg_pool2d (ATen's _adaptive_avg_pool2d)(self [...,H,W],
// output_size[2]) -> out [...,OH,OW]: window i spans
// [floor(i*H/OH), ceil((i+1)*H/OH)).
template <typename T>
void adaptive_avg_pool2d(Ref<const T> self, const int64_t* output_size,
                         int64_t output_size_len, Ref<T> out);

// adaptive_avg_pool2d_backward (ATen's _adaptive_avg_pool2d_backward)
// (grad_output [...,OH,OW], self [...,H,W]) -> grad_input (self's shape).
template <typename T>
void adaptive_avg_pool2d_backward(Ref<const T> grad_output, Ref<const T> self,
                                  Ref<T> grad_input);

}  // namespace aotd_rt

#endif  // AOTD_COMPILER_CODEGEN_RUNTIME_POOL_H_
