// Matrix products: mm, bmm, addmm (BLAS for float and double, a plain
// loop for the other dtypes).
// Declarations only (calling convention: ref.h); definitions in matmul.cc.
#ifndef AOTD_COMPILER_CODEGEN_RUNTIME_MATMUL_H_
#define AOTD_COMPILER_CODEGEN_RUNTIME_MATMUL_H_

#include <cstdint>

#include "compiler/codegen/runtime/ref.h"

namespace aotd_rt {

// ======================================================================
// Matrix products
// ======================================================================

// gemm: out[M,N] = alpha * (a[M,K] @ b[K,N]) + beta * out. a and b have any
// strides (read in place by cblas when one dim has unit stride, else
// copied); beta == 0 ignores out's prior contents, NaN included.
template <typename T>
void gemm(Ref<const T> a, Ref<const T> b, double alpha, double beta, Ref<T> out);

// mm(self [M,K], mat2 [K,N]) -> out [M,N].
template <typename T>
void mm(Ref<const T> self, Ref<const T> mat2, Ref<T> out);

// bmm(self [B,M,K], mat2 [B,K,N]) -> out [B,M,N]: one gemm per batch.
template <typename T>
void bmm(Ref<const T> self, Ref<const T> mat2, Ref<T> out);

// addmm(self (broadcasts to [M,N]), mat1 [M,K], mat2 [K,N], beta, alpha)
// -> out [M,N] = beta * self + alpha * (mat1 @ mat2); beta == 0 ignores self.
template <typename T>
void addmm(Ref<const T> self, Ref<const T> mat1, Ref<const T> mat2, double beta,
           double alpha, Ref<T> out);

}  // namespace aotd_rt

#endif  // AOTD_COMPILER_CODEGEN_RUNTIME_MATMUL_H_
