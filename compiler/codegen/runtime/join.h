// Copies and joins: copy_strided (every pair of dtypes), cat, stack, tril
// and triu (every dtype).
// Declarations only (calling convention: ref.h); definitions in join.cc.
#ifndef AOTD_COMPILER_CODEGEN_RUNTIME_JOIN_H_
#define AOTD_COMPILER_CODEGEN_RUNTIME_JOIN_H_

#include <cstdint>

#include "compiler/codegen/runtime/ref.h"

namespace aotd_rt {

// ======================================================================
// Copies and joins
// ======================================================================

// copy_strided: out (contiguous, src's shape) = src's elements in logical
// row-major order, converted to TOut. For reshape copies, .contiguous(),
// clone and dtype conversion.
template <typename TOut, typename TIn>
void copy_strided(Ref<const TIn> src, Ref<TOut> out);

// cat(tensors[num_tensors], dim) -> out: the tensors (one dtype, same shape
// but along dim, rank >= 1) concatenated along dim; out has their rank.
template <typename T>
void cat(const Ref<const T>* tensors, int64_t num_tensors, int64_t dim, Ref<T> out);

// stack(tensors[num_tensors], dim) -> out: the tensors (one dtype and
// shape) joined along a new dim `dim` of out (rank + 1).
template <typename T>
void stack(const Ref<const T>* tensors, int64_t num_tensors, int64_t dim, Ref<T> out);

// tril(self [..., R, C], diagonal) -> out: self with elements (r, c) where
// c - r > diagonal zeroed. triu keeps c - r >= diagonal.
template <typename T>
void tril(Ref<const T> self, int64_t diagonal, Ref<T> out);

template <typename T>
void triu(Ref<const T> self, int64_t diagonal, Ref<T> out);

}  // namespace aotd_rt

#endif  // AOTD_COMPILER_CODEGEN_RUNTIME_JOIN_H_
