#include "compiler/codegen/runtime/indexing.h"

#include "compiler/codegen/runtime/internal.h"

namespace aotd_rt {

namespace detail {

// A tensor as [outer, size, inner] around `dim` (sizes only).
struct AlongDim {
  int64_t outer = 1, size = 1, inner = 1;
};

template <typename T>
inline AlongDim along_dim(const Ref<T>& t, int dim) {
  AlongDim a;
  if (t.rank == 0) return a;
  for (int d = 0; d < dim; ++d) a.outer *= t.shape[d];
  a.size = t.shape[dim];
  for (int d = dim + 1; d < t.rank; ++d) a.inner *= t.shape[d];
  return a;
}

// Shape and contiguous strides of t, a 0-d tensor as [1].
struct Dims1 {
  std::vector<int64_t> shape, strides;
};

template <typename T>
inline Dims1 dims_at_least_1d(const Ref<T>& t) {
  Dims1 d;
  if (t.rank == 0) {
    d.shape = {1};
  } else {
    d.shape.assign(t.shape, t.shape + t.rank);
  }
  d.strides = contiguous_strides(d.shape.data(), static_cast<int>(d.shape.size()));
  return d;
}

// For each element i of `index` (row-major), with its multi-index: the
// offset in a contiguous tensor of `target` dims with the dim replaced by
// the index value, and the offset in a contiguous tensor of `other` dims at
// the same multi-index. f(i, target_offset, other_offset). False for an index
// outside [0, target.shape[dim]). Serial: scatters write in index order.
template <typename TI, typename F>
inline bool for_each_scatter(const Ref<const TI>& index, int dim, const Dims1& target,
                             const Dims1& other, F f) {
  const Dense<TI> idx(index);
  const Dims1 ishape = dims_at_least_1d(index);
  const int rank = static_cast<int>(ishape.shape.size());
  const int64_t n = numel(index);
  std::vector<int64_t> c(rank, 0);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t k = static_cast<int64_t>(idx[i]);
    if (k < 0 || k >= target.shape[dim]) return false;
    int64_t at = 0, other_at = 0;
    for (int d = 0; d < rank; ++d) {
      at += (d == dim ? k : c[d]) * target.strides[d];
      if (!other.strides.empty()) other_at += c[d] * other.strides[d];
    }
    f(i, at, other_at);
    for (int d = rank - 1; d >= 0; --d) {
      if (++c[d] < ishape.shape[d]) break;
      c[d] = 0;
    }
  }
  return true;
}

}  // namespace detail

template <typename T, typename TI>
[[nodiscard]] bool gather(Ref<const T> self, int64_t dim, Ref<const TI> index,
                                 bool sparse_grad, Ref<T> out) {
  (void)sparse_grad;
  const int d = detail::normalize_dim(dim, self.rank);
  const detail::Dense<T> x(self);
  return detail::for_each_scatter(index, d, detail::dims_at_least_1d(self), detail::Dims1{},
                                  [&](int64_t i, int64_t at, int64_t) { out.data[i] = x[at]; });
}

namespace detail {

// self copied to out, then each src (or value) element written (added) at
// its scattered position.
template <typename T, typename TI, typename G>
inline bool scatter_into(Ref<const T> self, int64_t dim, Ref<const TI> index, Ref<T> out,
                         const Dims1& src_dims, G write) {
  std::vector<int64_t> strides = contiguous_strides(out.shape, out.rank);
  copy_elements(self.data, self.strides, out.data, strides.data(), self.shape, self.rank);
  const int d = detail::normalize_dim(dim, self.rank);
  return for_each_scatter(index, d, dims_at_least_1d(self), src_dims,
                          [&](int64_t, int64_t at, int64_t src_at) { write(out.data[at], src_at); });
}

}  // namespace detail

template <typename T, typename TI>
[[nodiscard]] bool scatter_add(Ref<const T> self, int64_t dim, Ref<const TI> index,
                                      Ref<const T> src, Ref<T> out) {
  const detail::Dense<T> s(src);
  return detail::scatter_into(self, dim, index, out, detail::dims_at_least_1d(src),
                              [&](T& o, int64_t at) { o = static_cast<T>(o + s[at]); });
}

template <typename T, typename TI>
[[nodiscard]] bool scatter(Ref<const T> self, int64_t dim, Ref<const TI> index,
                                  Ref<const T> src, Ref<T> out) {
  const detail::Dense<T> s(src);
  return detail::scatter_into(self, dim, index, out, detail::dims_at_least_1d(src),
                              [&](T& o, int64_t at) { o = s[at]; });
}

template <typename T, typename TI>
[[nodiscard]] bool scatter(Ref<const T> self, int64_t dim, Ref<const TI> index,
                                  double value, Ref<T> out) {
  const T v = static_cast<T>(value);
  return detail::scatter_into(self, dim, index, out, detail::Dims1{},
                              [&](T& o, int64_t) { o = v; });
}

template <typename T, typename TI>
[[nodiscard]] bool index_select(Ref<const T> self, int64_t dim, Ref<const TI> index,
                                       Ref<T> out) {
  const int d = detail::normalize_dim(dim, self.rank);
  const detail::AlongDim in = detail::along_dim(self, d);
  const int64_t n = detail::numel(index);
  const detail::Dense<TI> idx(index);
  for (int64_t j = 0; j < n; ++j) {
    const int64_t k = static_cast<int64_t>(idx[j]);
    if (k < 0 || k >= in.size) return false;
  }
  const int64_t step = self.rank == 0 ? 0 : self.strides[d];
  const int64_t rows = in.outer * n;
  // Offsets in self of each outer row and of each element within a slice.
  std::vector<int64_t> outer_at(in.outer), inner_at(in.inner);
  {
    for (int64_t o = 0; o < in.outer; ++o) {
      int64_t at = 0, rest = o;
      for (int q = d - 1; q >= 0; --q) {
        at += rest % self.shape[q] * self.strides[q];
        rest /= self.shape[q];
      }
      outer_at[o] = at;
    }
    for (int64_t i = 0; i < in.inner; ++i) {
      int64_t at = 0, rest = i;
      for (int q = self.rank - 1; q > d; --q) {
        at += rest % self.shape[q] * self.strides[q];
        rest /= self.shape[q];
      }
      inner_at[i] = at;
    }
  }
  bool dense_inner = true;
  for (int64_t i = 0; i < in.inner; ++i) dense_inner = dense_inner && inner_at[i] == i;
#pragma omp parallel for if (rows * in.inner > kParallelWork) schedule(static)
  for (int64_t row = 0; row < rows; ++row) {
    const int64_t o = row / n, j = row % n;
    const T* src = self.data + outer_at[o] + static_cast<int64_t>(idx[j]) * step;
    T* dst = out.data + row * in.inner;
    if (dense_inner) {
      std::copy(src, src + in.inner, dst);
    } else {
      for (int64_t i = 0; i < in.inner; ++i) dst[i] = src[inner_at[i]];
    }
  }
  return true;
}

namespace detail {

// self copied to out, then source's slices along dim added (alpha times)
// or written at the indexed slices, in index order.
template <typename T, typename TI>
inline bool index_into(Ref<const T> self, int64_t dim, Ref<const TI> index, Ref<const T> source,
                       bool add, double alpha, Ref<T> out) {
  std::vector<int64_t> strides = contiguous_strides(out.shape, out.rank);
  copy_elements(self.data, self.strides, out.data, strides.data(), self.shape, self.rank);
  const int d = detail::normalize_dim(dim, self.rank);
  const AlongDim v = along_dim(out, d);
  const int64_t n = numel(index);
  const Dense<TI> idx(index);
  const Dense<T> src(source);
  for (int64_t j = 0; j < n; ++j) {
    const int64_t k = static_cast<int64_t>(idx[j]);
    if (k < 0 || k >= v.size) return false;
  }
  const T a = static_cast<T>(alpha);
  // Slices of one outer row go to distinct rows of out only across outer.
#pragma omp parallel for if (v.outer * n * v.inner > kParallelWork) schedule(static)
  for (int64_t o = 0; o < v.outer; ++o) {
    for (int64_t j = 0; j < n; ++j) {
      const T* s = src.get() + (o * n + j) * v.inner;
      T* dst = out.data + (o * v.size + static_cast<int64_t>(idx[j])) * v.inner;
      if (add) {
        for (int64_t i = 0; i < v.inner; ++i) dst[i] = static_cast<T>(dst[i] + a * s[i]);
      } else {
        std::copy(s, s + v.inner, dst);
      }
    }
  }
  return true;
}

}  // namespace detail

template <typename T, typename TI>
[[nodiscard]] bool index_add(Ref<const T> self, int64_t dim, Ref<const TI> index,
                                    Ref<const T> source, double alpha, Ref<T> out) {
  return detail::index_into(self, dim, index, source, true, alpha, out);
}

template <typename T, typename TI>
[[nodiscard]] bool index_copy(Ref<const T> self, int64_t dim, Ref<const TI> index,
                                     Ref<const T> source, Ref<T> out) {
  return detail::index_into(self, dim, index, source, false, 1.0, out);
}

template <typename T, typename TO>
void cumsum(Ref<const T> self, int64_t dim, Ref<TO> out) {
  const int d = detail::normalize_dim(dim, self.rank);
  const detail::AlongDim v = detail::along_dim(self, d);
  const detail::Dense<T> x(self);
  using Acc = detail::Acc<TO>;
#pragma omp parallel for if (detail::numel(self) > kParallelWork) schedule(static)
  for (int64_t o = 0; o < v.outer; ++o) {
    std::vector<Acc> acc(v.inner, Acc(0));
    for (int64_t j = 0; j < v.size; ++j) {
      const int64_t base = (o * v.size + j) * v.inner;
      for (int64_t i = 0; i < v.inner; ++i) {
        acc[i] += static_cast<Acc>(static_cast<TO>(x[base + i]));
        out.data[base + i] = static_cast<TO>(acc[i]);
      }
    }
  }
}

template <typename T>
void flip(Ref<const T> self, const int64_t* dims, int64_t num_dims, Ref<T> out) {
  std::vector<int64_t> strides(self.strides, self.strides + self.rank);
  // A reversed dim reads with a negative stride from its last element.
  int64_t start = 0;
  for (int64_t k = 0; k < num_dims; ++k) {
    const int d = detail::normalize_dim(dims[k], self.rank);
    if (d >= self.rank || self.shape[d] == 0) continue;
    start += (self.shape[d] - 1) * self.strides[d];
    strides[d] = -self.strides[d];
  }
  const int64_t n = detail::numel(self);
#pragma omp parallel for if (n > kParallelWork) schedule(static)
  for (int64_t i = 0; i < n; ++i) {
    int64_t rest = i, at = start;
    for (int d = self.rank - 1; d >= 0; --d) {
      at += rest % self.shape[d] * strides[d];
      rest /= self.shape[d];
    }
    out.data[i] = self.data[at];
  }
}

template <typename T>
void topk(Ref<const T> self, int64_t k, int64_t dim, bool largest, bool sorted,
          Ref<T> values, Ref<int64_t> indices) {
  (void)sorted;
  const int d = detail::normalize_dim(dim, self.rank);
  const detail::AlongDim v = detail::along_dim(self, d);
  const detail::Dense<T> x(self);
  const int64_t rows = v.outer * v.inner;
#pragma omp parallel for if (rows * v.size > kParallelWork) schedule(static)
  for (int64_t row = 0; row < rows; ++row) {
    const int64_t o = row / v.inner, i = row % v.inner;
    const T* base = x.get() + o * v.size * v.inner + i;
    std::vector<int64_t> order(v.size);
    for (int64_t j = 0; j < v.size; ++j) order[j] = j;
    auto before = [&](int64_t a, int64_t b) {
      const double xa = static_cast<double>(base[a * v.inner]);
      const double xb = static_cast<double>(base[b * v.inner]);
      const bool na = std::isnan(xa), nb = std::isnan(xb);
      if (na != nb) return largest ? na : nb;
      if (!na && xa != xb) return largest ? xa > xb : xa < xb;
      return a < b;
    };
    std::partial_sort(order.begin(), order.begin() + k, order.end(), before);
    for (int64_t j = 0; j < k; ++j) {
      values.data[(o * k + j) * v.inner + i] = base[order[j] * v.inner];
      indices.data[(o * k + j) * v.inner + i] = order[j];
    }
  }
}

// Explicit instantiations for the dtypes the ops allow (lists in internal.h).
#define AOTD_RT_INSTANTIATE_INDEXING_1(T, TI)                                                      \
  template bool gather(Ref<const T> self, int64_t dim, Ref<const TI> index, bool sparse_grad,      \
                       Ref<T> out);                                                                \
  template bool scatter_add(Ref<const T> self, int64_t dim, Ref<const TI> index, Ref<const T> src, \
                            Ref<T> out);                                                           \
  template bool scatter(Ref<const T> self, int64_t dim, Ref<const TI> index, Ref<const T> src,     \
                        Ref<T> out);                                                               \
  template bool scatter(Ref<const T> self, int64_t dim, Ref<const TI> index, double value,         \
                        Ref<T> out);                                                               \
  template bool index_select(Ref<const T> self, int64_t dim, Ref<const TI> index, Ref<T> out);     \
  template bool index_add(Ref<const T> self, int64_t dim, Ref<const TI> index,                     \
                          Ref<const T> source, double alpha, Ref<T> out);                          \
  template bool index_copy(Ref<const T> self, int64_t dim, Ref<const TI> index,                    \
                           Ref<const T> source, Ref<T> out);
#define AOTD_RT_INSTANTIATE_INDEXING_1_OVER(T) \
  AOTD_RT_INDEX_TYPES_WITH(AOTD_RT_INSTANTIATE_INDEXING_1, T)
AOTD_RT_ALL_TYPES(AOTD_RT_INSTANTIATE_INDEXING_1_OVER)
#undef AOTD_RT_INSTANTIATE_INDEXING_1_OVER
#undef AOTD_RT_INSTANTIATE_INDEXING_1

#define AOTD_RT_INSTANTIATE_INDEXING_2(T, TO) \
  template void cumsum(Ref<const T> self, int64_t dim, Ref<TO> out);
#define AOTD_RT_INSTANTIATE_INDEXING_2_OVER(T) \
  AOTD_RT_ALL_TYPES_WITH(AOTD_RT_INSTANTIATE_INDEXING_2, T)
AOTD_RT_ALL_TYPES(AOTD_RT_INSTANTIATE_INDEXING_2_OVER)
#undef AOTD_RT_INSTANTIATE_INDEXING_2_OVER
#undef AOTD_RT_INSTANTIATE_INDEXING_2

#define AOTD_RT_INSTANTIATE_INDEXING_3(T)                                                   \
  template void flip(Ref<const T> self, const int64_t* dims, int64_t num_dims, Ref<T> out); \
  template void topk(Ref<const T> self, int64_t k, int64_t dim, bool largest, bool sorted,  \
                     Ref<T> values, Ref<int64_t> indices);
AOTD_RT_ALL_TYPES(AOTD_RT_INSTANTIATE_INDEXING_3)
#undef AOTD_RT_INSTANTIATE_INDEXING_3

}  // namespace aotd_rt
