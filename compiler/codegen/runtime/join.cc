#include "compiler/codegen/runtime/join.h"

#include "compiler/codegen/runtime/internal.h"

namespace aotd_rt {

template <typename TOut, typename TIn>
void copy_strided(Ref<const TIn> src, Ref<TOut> out) {
  const std::vector<int64_t> to = detail::contiguous_strides(src.shape, src.rank);
  detail::copy_elements(src.data, src.strides, out.data, to.data(), src.shape, src.rank);
}

template <typename T>
void cat(const Ref<const T>* tensors, int64_t num_tensors, int64_t dim, Ref<T> out) {
  const int d = detail::normalize_dim(dim, out.rank);
  const std::vector<int64_t> strides = detail::contiguous_strides(out.shape, out.rank);
  int64_t offset = 0;
  for (int64_t i = 0; i < num_tensors; ++i) {
    const Ref<const T>& t = tensors[i];
    detail::copy_elements(t.data, t.strides, out.data + offset * strides[d], strides.data(),
                          t.shape, t.rank);
    offset += t.shape[d];
  }
}

template <typename T>
void stack(const Ref<const T>* tensors, int64_t num_tensors, int64_t dim, Ref<T> out) {
  const int d = detail::normalize_dim(dim, out.rank);
  const std::vector<int64_t> out_strides = detail::contiguous_strides(out.shape, out.rank);
  std::vector<int64_t> strides = out_strides;
  strides.erase(strides.begin() + d);
  for (int64_t i = 0; i < num_tensors; ++i) {
    const Ref<const T>& t = tensors[i];
    detail::copy_elements(t.data, t.strides, out.data + i * out_strides[d], strides.data(),
                          t.shape, t.rank);
  }
}

template <typename T>
void tril(Ref<const T> self, int64_t diagonal, Ref<T> out) {
  copy_strided(self, out);
  const int64_t rows = self.shape[self.rank - 2], cols = self.shape[self.rank - 1];
  const int64_t lines = rows == 0 ? 0 : detail::numel(self) / cols;
#pragma omp parallel for if (lines * cols > kParallelWork) schedule(static)
  for (int64_t line = 0; line < lines; ++line) {
    const int64_t r = line % rows;
    const int64_t keep = std::clamp<int64_t>(r + diagonal + 1, 0, cols);
    std::fill(out.data + line * cols + keep, out.data + (line + 1) * cols, T(0));
  }
}

template <typename T>
void triu(Ref<const T> self, int64_t diagonal, Ref<T> out) {
  copy_strided(self, out);
  const int64_t rows = self.shape[self.rank - 2], cols = self.shape[self.rank - 1];
  const int64_t lines = rows == 0 ? 0 : detail::numel(self) / cols;
#pragma omp parallel for if (lines * cols > kParallelWork) schedule(static)
  for (int64_t line = 0; line < lines; ++line) {
    const int64_t r = line % rows;
    const int64_t drop = std::clamp<int64_t>(r + diagonal, 0, cols);
    std::fill(out.data + line * cols, out.data + line * cols + drop, T(0));
  }
}

// Explicit instantiations for the dtypes the ops allow (lists in internal.h).
#define AOTD_RT_INSTANTIATE_JOIN_1(TOut, TIn) \
  template void copy_strided(Ref<const TIn> src, Ref<TOut> out);
#define AOTD_RT_INSTANTIATE_JOIN_1_OVER(TOut) \
  AOTD_RT_ALL_TYPES_WITH(AOTD_RT_INSTANTIATE_JOIN_1, TOut)
AOTD_RT_ALL_TYPES(AOTD_RT_INSTANTIATE_JOIN_1_OVER)
#undef AOTD_RT_INSTANTIATE_JOIN_1_OVER
#undef AOTD_RT_INSTANTIATE_JOIN_1

#define AOTD_RT_INSTANTIATE_JOIN_2(T)                                                             \
  template void cat(const Ref<const T>* tensors, int64_t num_tensors, int64_t dim, Ref<T> out);   \
  template void stack(const Ref<const T>* tensors, int64_t num_tensors, int64_t dim, Ref<T> out); \
  template void tril(Ref<const T> self, int64_t diagonal, Ref<T> out);                            \
  template void triu(Ref<const T> self, int64_t diagonal, Ref<T> out);
AOTD_RT_ALL_TYPES(AOTD_RT_INSTANTIATE_JOIN_2)
#undef AOTD_RT_INSTANTIATE_JOIN_2

}  // namespace aotd_rt
