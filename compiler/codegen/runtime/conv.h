// Convolution kernels (1 to 3 spatial dims, transposed or not) and their
// backward. float and double.
// Declarations only (calling convention: ref.h); definitions in conv.cc.
#ifndef AOTD_COMPILER_CODEGEN_RUNTIME_CONV_H_
#define AOTD_COMPILER_CODEGEN_RUNTIME_CONV_H_

#include <cstdint>

#include "compiler/codegen/runtime/ref.h"

namespace aotd_rt {

// ======================================================================
// Convolution (1 to 3 spatial dims; transposed or not)
// ======================================================================


// convolution(input [N,C_in,*S], weight, bias or None, stride, padding,
// dilation (1 value or one per spatial dim), transposed, output_padding,
// groups) -> out [N,C_out,*O]. Not transposed: weight [C_out,C_in/groups,*K],
// im2col + gemm per sample and group. Transposed: weight [C_in,
// C_out/groups,*K], the adjoint of that convolution (gemm + col2im), out's
// size giving the output padding. Samples and groups spread over the
// threads.
template <typename T>
void convolution(Ref<const T> input, Ref<const T> weight, Ref<const T> bias,
                 const int64_t* stride, int64_t stride_len, const int64_t* padding,
                 int64_t padding_len, const int64_t* dilation, int64_t dilation_len,
                 bool transposed, const int64_t* output_padding,
                 int64_t output_padding_len, int64_t groups, Ref<T> out);

// convolution_backward(grad_output [N,C_out,*O], input [N,C_in,*S], weight,
// bias_sizes (ignored), stride, padding, dilation, transposed,
// output_padding (ignored), groups, output_mask[3]) -> grad_input (input's
// shape), grad_weight (weight's), grad_bias [C_out]; each written only when
// its mask entry is true.
template <typename T>
void convolution_backward(Ref<const T> grad_output, Ref<const T> input, Ref<const T> weight,
                          const int64_t* bias_sizes, int64_t bias_sizes_len,
                          const int64_t* stride, int64_t stride_len, const int64_t* padding,
                          int64_t padding_len, const int64_t* dilation,
                          int64_t dilation_len, bool transposed,
                          const int64_t* output_padding, int64_t output_padding_len,
                          int64_t groups, const bool* output_mask, Ref<T> grad_input,
                          Ref<T> grad_weight, Ref<T> grad_bias);

}  // namespace aotd_rt

#endif  // AOTD_COMPILER_CODEGEN_RUNTIME_CONV_H_
