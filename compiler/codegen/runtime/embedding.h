// Embedding kernels: the lookup (any weight dtype) and its dense backward
// (float and double); indices int64 or int32.
// Declarations only (calling convention: ref.h); definitions in embedding.cc.
#ifndef AOTD_COMPILER_CODEGEN_RUNTIME_EMBEDDING_H_
#define AOTD_COMPILER_CODEGEN_RUNTIME_EMBEDDING_H_

#include <cstdint>

#include "compiler/codegen/runtime/ref.h"

namespace aotd_rt {

// ======================================================================
// Embedding
// ======================================================================

// embedding(weight [V,D], indices (integers, any shape), padding_idx,
// scale_grad_by_freq, sparse (all three ignored)) -> out [*indices.shape,
// D]: the rows of weight. False for an index outside [0, V).
template <typename T, typename TI>
[[nodiscard]] bool embedding(Ref<const T> weight, Ref<const TI> indices, int64_t padding_idx,
                                    bool scale_grad_by_freq, bool sparse, Ref<T> out);

// embedding_dense_backward(grad_output [*indices.shape, D], indices,
// num_weights, padding_idx, scale_grad_by_freq) -> grad_weight
// [num_weights, D]: row r sums the grad_output rows whose index is r
// (divided by r's count when scale_grad_by_freq); row padding_idx stays 0.
// False for an index outside [0, num_weights).
template <typename T, typename TI>
[[nodiscard]] bool embedding_dense_backward(Ref<const T> grad_output, Ref<const TI> indices,
                                                   int64_t num_weights, int64_t padding_idx,
                                                   bool scale_grad_by_freq, Ref<T> grad_weight);

}  // namespace aotd_rt

#endif  // AOTD_COMPILER_CODEGEN_RUNTIME_EMBEDDING_H_
