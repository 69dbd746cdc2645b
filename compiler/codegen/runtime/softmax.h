// Softmax and log-softmax along one dim, and their backward. float and
// double.
// Declarations only (calling convention: ref.h); definitions in softmax.cc.
#ifndef AOTD_COMPILER_CODEGEN_RUNTIME_SOFTMAX_H_
#define AOTD_COMPILER_CODEGEN_RUNTIME_SOFTMAX_H_

#include <cstdint>

#include "compiler/codegen/runtime/ref.h"

namespace aotd_rt {

// ======================================================================
// Softmax along one dim (numerically stable: a row of -inf gives NaN,
// -inf entries of a finite row give 0)
// ======================================================================

// softmax (ATen's _softmax)(self, dim, half_to_float (must be false))
// -> out (self's shape).
template <typename T>
void softmax(Ref<const T> self, int64_t dim, bool half_to_float, Ref<T> out);

// log_softmax (ATen's _log_softmax)(self, dim, half_to_float (must be
// false)) -> out (self's shape).
template <typename T>
void log_softmax(Ref<const T> self, int64_t dim, bool half_to_float, Ref<T> out);

// softmax_backward_data (ATen's _softmax_backward_data)(grad_output,
// output (same shape), dim) -> grad_input = output * (grad_output -
// sum(grad_output * output, dim)).
template <typename T>
void softmax_backward_data(Ref<const T> grad_output, Ref<const T> output, int64_t dim,
                           Ref<T> grad_input);

// log_softmax_backward_data (ATen's _log_softmax_backward_data)
// (grad_output, output (same shape), dim) -> grad_input = grad_output -
// exp(output) * sum(grad_output, dim).
template <typename T>
void log_softmax_backward_data(Ref<const T> grad_output, Ref<const T> output, int64_t dim,
                               Ref<T> grad_input);

}  // namespace aotd_rt

#endif  // AOTD_COMPILER_CODEGEN_RUNTIME_SOFTMAX_H_
