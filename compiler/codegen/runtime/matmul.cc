#include "compiler/codegen/runtime/matmul.h"

#include "compiler/codegen/runtime/internal.h"

namespace aotd_rt {

template <typename T>
void gemm(Ref<const T> a, Ref<const T> b, double alpha, double beta, Ref<T> out) {
  detail::with_subnormals_flushed([&] {
    detail::gemm_strided(a.data, a.strides[0], a.strides[1], b.data, b.strides[0], b.strides[1],
                         a.shape[0], a.shape[1], b.shape[1], alpha, beta, out.data);
  });
}

template <typename T>
void mm(Ref<const T> self, Ref<const T> mat2, Ref<T> out) {
  gemm(self, mat2, 1.0, 0.0, out);
}

template <typename T>
void bmm(Ref<const T> self, Ref<const T> mat2, Ref<T> out) {
  const int64_t batch = self.shape[0], m = self.shape[1], k = self.shape[2], n = mat2.shape[2];
  // One single-threaded gemm per batch entry, the entries spread over the
  // threads (OpenBLAS's OpenMP build runs serially inside a parallel region).
  detail::with_subnormals_flushed([&] {
#pragma omp parallel for if (batch > 1) schedule(static)
    for (int64_t b = 0; b < batch; ++b) {
      detail::gemm_strided(self.data + b * self.strides[0], self.strides[1], self.strides[2],
                           mat2.data + b * mat2.strides[0], mat2.strides[1], mat2.strides[2], m,
                           k, n, 1.0, 0.0, out.data + b * m * n);
    }
  });
}

template <typename T>
void addmm(Ref<const T> self, Ref<const T> mat1, Ref<const T> mat2, double beta,
           double alpha, Ref<T> out) {
  if (beta != 0) {
    const std::vector<int64_t> shape(out.shape, out.shape + 2);
    const std::vector<int64_t> from = detail::broadcast_strides(self, shape);
    const int64_t to[2] = {shape[1], 1};
    detail::copy_elements(self.data, from.data(), out.data, to, shape.data(), 2);
  }
  gemm(mat1, mat2, alpha, beta, out);
}

// Explicit instantiations for the dtypes the ops allow (lists in internal.h).
#define AOTD_RT_INSTANTIATE_MATMUL(T)                                                        \
  template void gemm(Ref<const T> a, Ref<const T> b, double alpha, double beta, Ref<T> out); \
  template void mm(Ref<const T> self, Ref<const T> mat2, Ref<T> out);                        \
  template void bmm(Ref<const T> self, Ref<const T> mat2, Ref<T> out);                       \
  template void addmm(Ref<const T> self, Ref<const T> mat1, Ref<const T> mat2, double beta,  \
                      double alpha, Ref<T> out);
AOTD_RT_ALL_TYPES(AOTD_RT_INSTANTIATE_MATMUL)
#undef AOTD_RT_INSTANTIATE_MATMUL

}  // namespace aotd_rt
