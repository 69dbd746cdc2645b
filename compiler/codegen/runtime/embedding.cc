#include "compiler/codegen/runtime/embedding.h"

#include "compiler/codegen/runtime/internal.h"

namespace aotd_rt {

template <typename T, typename TI>
[[nodiscard]] bool embedding(Ref<const T> weight, Ref<const TI> indices, int64_t padding_idx,
                                    bool scale_grad_by_freq, bool sparse, Ref<T> out) {
  (void)padding_idx;
  (void)scale_grad_by_freq;
  (void)sparse;
  const int64_t rows = weight.shape[0], dim = weight.shape[1];
  const int64_t row_stride = weight.strides[0], col_stride = weight.strides[1];
  const detail::Dense<TI> index(indices);
  const int64_t n = detail::numel(indices);
  int bad = 0;
#pragma omp parallel for if (n * dim > kParallelWork) schedule(static)
  for (int64_t i = 0; i < n; ++i) {
    const int64_t r = static_cast<int64_t>(index[i]);
    if (r < 0 || r >= rows) {
#pragma omp atomic write
      bad = 1;
      continue;
    }
    const T* src = weight.data + r * row_stride;
    T* dst = out.data + i * dim;
    if (col_stride == 1) {
      std::copy(src, src + dim, dst);
    } else {
      for (int64_t j = 0; j < dim; ++j) dst[j] = src[j * col_stride];
    }
  }
  return bad == 0;
}

template <typename T, typename TI>
[[nodiscard]] bool embedding_dense_backward(Ref<const T> grad_output, Ref<const TI> indices,
                                                   int64_t num_weights, int64_t padding_idx,
                                                   bool scale_grad_by_freq, Ref<T> grad_weight) {
  const int64_t dim = grad_output.shape[grad_output.rank - 1];
  const int64_t n = detail::numel(indices);
  const detail::Dense<TI> index(indices);
  // Positions grouped by index (a counting sort), so each output row is
  // summed by one thread in position order.
  std::vector<int64_t> start(num_weights + 1, 0);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t r = static_cast<int64_t>(index[i]);
    if (r < 0 || r >= num_weights) return false;
    ++start[r + 1];
  }
  for (int64_t r = 0; r < num_weights; ++r) start[r + 1] += start[r];
  std::vector<int64_t> positions(n), next(start.begin(), start.end() - 1);
  for (int64_t i = 0; i < n; ++i) positions[next[static_cast<int64_t>(index[i])]++] = i;
  const detail::Dense<T> go(grad_output);
#pragma omp parallel if (num_weights * dim + n * dim > kParallelWork)
  {
    std::vector<double> sum(dim);
#pragma omp for schedule(static)
    for (int64_t r = 0; r < num_weights; ++r) {
      T* dst = grad_weight.data + r * dim;
      const int64_t count = start[r + 1] - start[r];
      if (r == padding_idx || count == 0) {
        std::fill(dst, dst + dim, T(0));
        continue;
      }
      std::fill(sum.begin(), sum.end(), 0.0);
      for (int64_t k = start[r]; k < start[r + 1]; ++k) {
        const T* src = go.get() + positions[k] * dim;
#pragma omp simd
        for (int64_t j = 0; j < dim; ++j) sum[j] += static_cast<double>(src[j]);
      }
      const double scale = scale_grad_by_freq ? 1.0 / static_cast<double>(count) : 1.0;
      for (int64_t j = 0; j < dim; ++j) dst[j] = static_cast<T>(sum[j] * scale);
    }
  }
  return true;
}

// Explicit instantiations for the dtypes the ops allow (lists in internal.h).
#define AOTD_RT_INSTANTIATE_EMBEDDING_1(T, TI)                                             \
  template bool embedding(Ref<const T> weight, Ref<const TI> indices, int64_t padding_idx, \
                          bool scale_grad_by_freq, bool sparse, Ref<T> out);
#define AOTD_RT_INSTANTIATE_EMBEDDING_1_OVER(T) \
  AOTD_RT_INDEX_TYPES_WITH(AOTD_RT_INSTANTIATE_EMBEDDING_1, T)
AOTD_RT_ALL_TYPES(AOTD_RT_INSTANTIATE_EMBEDDING_1_OVER)
#undef AOTD_RT_INSTANTIATE_EMBEDDING_1_OVER
#undef AOTD_RT_INSTANTIATE_EMBEDDING_1

#define AOTD_RT_INSTANTIATE_EMBEDDING_2(T, TI)                                            \
  template bool embedding_dense_backward(Ref<const T> grad_output, Ref<const TI> indices, \
                                         int64_t num_weights, int64_t padding_idx,        \
                                         bool scale_grad_by_freq, Ref<T> grad_weight);
#define AOTD_RT_INSTANTIATE_EMBEDDING_2_OVER(T) \
  AOTD_RT_INDEX_TYPES_WITH(AOTD_RT_INSTANTIATE_EMBEDDING_2, T)
AOTD_RT_FLOAT_TYPES(AOTD_RT_INSTANTIATE_EMBEDDING_2_OVER)
#undef AOTD_RT_INSTANTIATE_EMBEDDING_2_OVER
#undef AOTD_RT_INSTANTIATE_EMBEDDING_2

}  // namespace aotd_rt
