// Indexing kernels: index_select, gather, the scatters, index_add,
// index_copy, cumsum, flip and topk. Kernels whose index inputs may be bad
// return bool, false for an index out of range (the outputs are then
// unspecified). A 0-d tensor counts as 1-d of size 1 along the op's dim.
// Semantics are those of the reference kernels in compiler/ops/indexing.cc.
// Every dtype; indices int64 or int32.
// Declarations only (calling convention: ref.h); definitions in indexing.cc.
#ifndef AOTD_COMPILER_CODEGEN_RUNTIME_INDEXING_H_
#define AOTD_COMPILER_CODEGEN_RUNTIME_INDEXING_H_

#include <cstdint>

#include "compiler/codegen/runtime/ref.h"

namespace aotd_rt {

// gather(self, dim, index (int64, self's rank), sparse_grad) -> out
// [index.shape]: out[i] = self[i with i[dim] = index[i]].
template <typename T, typename TI>
[[nodiscard]] bool gather(Ref<const T> self, int64_t dim, Ref<const TI> index,
                                 bool sparse_grad, Ref<T> out);


// scatter_add(self, dim, index, src) -> out [self.shape]: self with src's
// elements added at the positions gather would read.
template <typename T, typename TI>
[[nodiscard]] bool scatter_add(Ref<const T> self, int64_t dim, Ref<const TI> index,
                                      Ref<const T> src, Ref<T> out);

// scatter.src: as scatter_add, writing instead of adding (the last write
// of a repeated index wins).
template <typename T, typename TI>
[[nodiscard]] bool scatter(Ref<const T> self, int64_t dim, Ref<const TI> index,
                                  Ref<const T> src, Ref<T> out);

// scatter.value: as scatter.src with every source element `value`.
template <typename T, typename TI>
[[nodiscard]] bool scatter(Ref<const T> self, int64_t dim, Ref<const TI> index,
                                  double value, Ref<T> out);

// index_select(self, dim, index (int64 or int32, at most 1-d)) -> out:
// self's slices along dim at the indices.
template <typename T, typename TI>
[[nodiscard]] bool index_select(Ref<const T> self, int64_t dim, Ref<const TI> index,
                                       Ref<T> out);


// index_add(self, dim, index, source, alpha) -> out [self.shape]: self with
// alpha * source's slices added at the indexed slices.
template <typename T, typename TI>
[[nodiscard]] bool index_add(Ref<const T> self, int64_t dim, Ref<const TI> index,
                                    Ref<const T> source, double alpha, Ref<T> out);

// index_copy(self, dim, index, source) -> out: source's slices written at
// the indexed slices (the last of a repeated index wins).
template <typename T, typename TI>
[[nodiscard]] bool index_copy(Ref<const T> self, int64_t dim, Ref<const TI> index,
                                     Ref<const T> source, Ref<T> out);

// cumsum(self, dim, dtype (in TO)) -> out: running sums along dim,
// accumulated in double for floating types (int64 for integers).
template <typename T, typename TO>
void cumsum(Ref<const T> self, int64_t dim, Ref<TO> out);

// flip(self, dims) -> out: self reversed along each of dims.
template <typename T>
void flip(Ref<const T> self, const int64_t* dims, int64_t num_dims, Ref<T> out);

// topk(self, k, dim, largest, sorted) -> values, indices (int64): the k
// largest (smallest) along dim, sorted, NaN counting as the largest, ties
// in index order.
template <typename T>
void topk(Ref<const T> self, int64_t k, int64_t dim, bool largest, bool sorted,
          Ref<T> values, Ref<int64_t> indices);

}  // namespace aotd_rt

#endif  // AOTD_COMPILER_CODEGEN_RUNTIME_INDEXING_H_
