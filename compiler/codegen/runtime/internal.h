// Internal to the runtime kernel library: helpers its .cc files share
// (tensor layout, BLAS products, reduction plans) and the type lists the
// kernels are explicitly instantiated over. Not part of what generated code
// sees: only the .cc files in this folder include it.
#ifndef AOTD_COMPILER_CODEGEN_RUNTIME_INTERNAL_H_
#define AOTD_COMPILER_CODEGEN_RUNTIME_INTERNAL_H_

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <type_traits>
#include <vector>

#include <cblas.h>
#if defined(__SSE__)
#include <xmmintrin.h>
#endif

#include "compiler/codegen/runtime/ref.h"
#include "compiler/codegen/runtime/vector_math.h"

// The element types each kernel is instantiated for: M(T) per type, or
// M(A, T) per type T with a fixed first argument A (for kernels with two
// type parameters). The generated code only calls instantiations the ops'
// dtype inference allows; a missing one is a link error of generated code.
#define AOTD_RT_FLOAT_TYPES(M) M(float) M(double)
#define AOTD_RT_ALL_TYPES(M) \
  M(float) M(double) M(int64_t) M(int32_t) M(int16_t) M(int8_t) M(uint8_t) M(bool)
#define AOTD_RT_AVG_POOL_TYPES(M) M(float) M(double) M(int64_t)
#define AOTD_RT_ALL_TYPES_WITH(M, A)                                                        \
  M(A, float) M(A, double) M(A, int64_t) M(A, int32_t) M(A, int16_t) M(A, int8_t) \
      M(A, uint8_t) M(A, bool)
#define AOTD_RT_INDEX_TYPES_WITH(M, A) M(A, int64_t) M(A, int32_t)
#define AOTD_RT_TARGET_TYPES_WITH(M, A) M(A, int64_t) M(A, int32_t) M(A, uint8_t)

namespace aotd_rt {
namespace detail {

// Accumulator of sums and products: double for floating types, int64 for
// integers.
template <typename T>
using Acc = std::conditional_t<std::is_floating_point_v<T>, double, int64_t>;

inline int64_t product(const int64_t* sizes, int n) {
  int64_t p = 1;
  for (int i = 0; i < n; ++i) p *= sizes[i];
  return p;
}

template <typename T>
inline int64_t numel(const Ref<T>& t) {
  return product(t.shape, t.rank);
}

// A dim index in [0, rank) from a possibly negative one (rank 0 takes 0).
inline int normalize_dim(int64_t dim, int rank) {
  if (dim < 0) dim += std::max(rank, 1);
  return static_cast<int>(dim);
}

inline std::vector<int64_t> contiguous_strides(const int64_t* shape, int rank) {
  std::vector<int64_t> strides(rank);
  int64_t step = 1;
  for (int d = rank - 1; d >= 0; --d) {
    strides[d] = step;
    step *= std::max<int64_t>(shape[d], 1);
  }
  return strides;
}

template <typename T>
inline bool is_contiguous(const Ref<T>& t) {
  if (numel(t) == 0) return true;
  int64_t step = 1;
  for (int d = t.rank - 1; d >= 0; --d) {
    if (t.shape[d] != 1 && t.strides[d] != step) return false;
    step *= t.shape[d];
  }
  return true;
}

// dst[i] = TD(src[i]) for every index i of `shape`, both sides strided.
template <typename TD, typename TS>
inline void copy_elements(const TS* src, const int64_t* src_strides, TD* dst,
                          const int64_t* dst_strides, const int64_t* shape, int rank) {
  // Drop size-1 dims; merge a dim into its outer neighbour when both sides
  // step through them as one.
  std::vector<int64_t> size, ss, ds;
  for (int d = 0; d < rank; ++d) {
    if (shape[d] == 0) return;
    if (shape[d] == 1) continue;
    if (!size.empty() && ss.back() == src_strides[d] * shape[d] &&
        ds.back() == dst_strides[d] * shape[d]) {
      size.back() *= shape[d];
      ss.back() = src_strides[d];
      ds.back() = dst_strides[d];
    } else {
      size.push_back(shape[d]);
      ss.push_back(src_strides[d]);
      ds.push_back(dst_strides[d]);
    }
  }
  const int r = static_cast<int>(size.size());
  if (r == 0) {
    dst[0] = static_cast<TD>(src[0]);
    return;
  }
  const int64_t total = product(size.data(), r);
  if (r >= 2 && ss[r - 1] != 1 && ss[r - 2] == 1 && ds[r - 1] == 1) {
    // A transpose: copy in square tiles so reads and writes stay in cache.
    constexpr int64_t kTile = 32;
    const int64_t rows = size[r - 2], cols = size[r - 1];
    const int64_t row_tiles = (rows + kTile - 1) / kTile;
    const int64_t tasks = total / (rows * cols) * row_tiles;
    const int64_t dst_row = ds[r - 2], src_col = ss[r - 1];
#pragma omp parallel for if (total > kParallelWork) schedule(static)
    for (int64_t task = 0; task < tasks; ++task) {
      int64_t rest = task / row_tiles, src_at = 0, dst_at = 0;
      for (int d = r - 3; d >= 0; --d) {
        src_at += rest % size[d] * ss[d];
        dst_at += rest % size[d] * ds[d];
        rest /= size[d];
      }
      const int64_t i_begin = task % row_tiles * kTile;
      const int64_t i_end = std::min(rows, i_begin + kTile);
      for (int64_t j_begin = 0; j_begin < cols; j_begin += kTile) {
        const int64_t j_end = std::min(cols, j_begin + kTile);
        for (int64_t i = i_begin; i < i_end; ++i) {
          for (int64_t j = j_begin; j < j_end; ++j) {
            dst[dst_at + i * dst_row + j] = static_cast<TD>(src[src_at + i + j * src_col]);
          }
        }
      }
    }
    return;
  }
  const int64_t inner = size[r - 1], src_step = ss[r - 1], dst_step = ds[r - 1];
  const int64_t rows = total / inner;
#pragma omp parallel for if (total > kParallelWork) schedule(static)
  for (int64_t row = 0; row < rows; ++row) {
    int64_t rest = row, src_at = 0, dst_at = 0;
    for (int d = r - 2; d >= 0; --d) {
      src_at += rest % size[d] * ss[d];
      dst_at += rest % size[d] * ds[d];
      rest /= size[d];
    }
    const TS* from = src + src_at;
    TD* to = dst + dst_at;
    if (src_step == 1 && dst_step == 1) {
#pragma omp simd
      for (int64_t j = 0; j < inner; ++j) to[j] = static_cast<TD>(from[j]);
    } else {
      for (int64_t j = 0; j < inner; ++j) to[j * dst_step] = static_cast<TD>(from[j * src_step]);
    }
  }
}

// A tensor input as contiguous row-major data: the input's own when it is
// contiguous, else a private copy. Not copyable.
template <typename T>
class Dense {
 public:
  explicit Dense(const Ref<const T>& t) {
    if (is_contiguous(t)) {
      ptr_ = t.data;
      return;
    }
    copy_.reset(new T[numel(t)]);
    std::vector<int64_t> strides = contiguous_strides(t.shape, t.rank);
    copy_elements(t.data, t.strides, copy_.get(), strides.data(), t.shape, t.rank);
    ptr_ = copy_.get();
  }
  Dense(const Dense&) = delete;
  Dense& operator=(const Dense&) = delete;

  const T* get() const { return ptr_; }
  const T& operator[](int64_t i) const { return ptr_[i]; }

 private:
  const T* ptr_ = nullptr;
  std::unique_ptr<T[]> copy_;
};

// Element i of a 1-d tensor.
template <typename T>
inline T at1(const Ref<const T>& t, int64_t i) {
  return t.data[i * t.strides[0]];
}

// The numpy broadcast of two shapes (they must broadcast).
inline std::vector<int64_t> broadcast_shape(const int64_t* a, int a_rank, const int64_t* b,
                                            int b_rank) {
  const int rank = std::max(a_rank, b_rank);
  std::vector<int64_t> out(rank, 1);
  for (int d = 0; d < rank; ++d) {
    const int da = d - (rank - a_rank), db = d - (rank - b_rank);
    const int64_t sa = da >= 0 ? a[da] : 1, sb = db >= 0 ? b[db] : 1;
    out[d] = sa == 1 ? sb : sa;
  }
  return out;
}

// Strides that read `t` broadcast to `shape` (t must broadcast to it).
template <typename T>
inline std::vector<int64_t> broadcast_strides(const Ref<T>& t, const std::vector<int64_t>& shape) {
  const int rank = static_cast<int>(shape.size());
  std::vector<int64_t> strides(rank, 0);
  for (int d = 0; d < t.rank; ++d) {
    const int to = rank - t.rank + d;
    strides[to] = t.shape[d] == 1 ? 0 : t.strides[d];
  }
  return strides;
}

// `t` broadcast to `shape`, as a new contiguous buffer.
template <typename T>
inline std::unique_ptr<T[]> materialize(const Ref<const T>& t, const std::vector<int64_t>& shape) {
  const int rank = static_cast<int>(shape.size());
  const int64_t n = product(shape.data(), rank);
  std::unique_ptr<T[]> buffer(new T[std::max<int64_t>(n, 1)]);
  std::vector<int64_t> from = broadcast_strides(t, shape);
  std::vector<int64_t> to = contiguous_strides(shape.data(), rank);
  copy_elements(t.data, from.data(), buffer.get(), to.data(), shape.data(), rank);
  return buffer;
}

// ---- Matrix products ----

// c[m,n] = alpha * op(a)[m,k] @ op(b)[k,n] + beta * c, all row-major with
// leading dimensions; op transposes when asked (a is then stored [k,m]).
// beta == 0 overwrites c without reading it. cblas for float and double, a
// plain loop for other types.
template <typename T>
inline void gemm_raw(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, T alpha,
                     const T* a, int64_t lda, const T* b, int64_t ldb, T beta, T* c, int64_t ldc) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    for (int64_t i = 0; i < m; ++i) {
      for (int64_t j = 0; j < n; ++j) {
        c[i * ldc + j] = beta == T(0) ? T(0) : static_cast<T>(beta * c[i * ldc + j]);
      }
    }
    return;
  }
  const CBLAS_TRANSPOSE ta = trans_a ? CblasTrans : CblasNoTrans;
  const CBLAS_TRANSPOSE tb = trans_b ? CblasTrans : CblasNoTrans;
  if constexpr (std::is_same_v<T, float>) {
    cblas_sgemm(CblasRowMajor, ta, tb, static_cast<blasint>(m), static_cast<blasint>(n),
                static_cast<blasint>(k), alpha, a, static_cast<blasint>(lda), b,
                static_cast<blasint>(ldb), beta, c, static_cast<blasint>(ldc));
  } else if constexpr (std::is_same_v<T, double>) {
    cblas_dgemm(CblasRowMajor, ta, tb, static_cast<blasint>(m), static_cast<blasint>(n),
                static_cast<blasint>(k), alpha, a, static_cast<blasint>(lda), b,
                static_cast<blasint>(ldb), beta, c, static_cast<blasint>(ldc));
  } else {
    (void)ta;
    (void)tb;
#pragma omp parallel for if (m * n * k > kParallelWork) schedule(static)
    for (int64_t i = 0; i < m; ++i) {
      for (int64_t j = 0; j < n; ++j) {
        Acc<T> sum = 0;
        for (int64_t p = 0; p < k; ++p) {
          const T x = trans_a ? a[p * lda + i] : a[i * lda + p];
          const T y = trans_b ? b[j * ldb + p] : b[p * ldb + j];
          sum += static_cast<Acc<T>>(x) * static_cast<Acc<T>>(y);
        }
        T& out = c[i * ldc + j];
        out = static_cast<T>(alpha * static_cast<T>(sum) + (beta == T(0) ? T(0) : beta * out));
      }
    }
  }
}

// Runs `f` (which calls BLAS) with subnormal float operands and results
// taken as zero (SSE's DAZ and FTZ modes) on the calling thread and on the
// OpenMP threads, then restores their modes. A subnormal operand costs the
// CPU a microcode assist of about 100 cycles per multiply, which made a gemm
// fed by gelu's backward (where exp underflows) five times slower; what is
// dropped is below 2^-126 in magnitude. Called outside parallel regions it
// covers every thread of the next BLAS call's team; inside one, the calling
// thread only.
template <typename F>
inline void with_subnormals_flushed(F f) {
#if defined(__SSE__)
  constexpr unsigned kFlush = 0x8040;  // DAZ | FTZ.
  const unsigned mode = _mm_getcsr();
  if ((mode & kFlush) == kFlush) {
    f();
    return;
  }
#pragma omp parallel
  _mm_setcsr(_mm_getcsr() | kFlush);
  f();
#pragma omp parallel
  _mm_setcsr((_mm_getcsr() & ~kFlush) | (mode & kFlush));
#else
  f();
#endif
}

// A strided [rows, cols] matrix as a BLAS operand: itself, read transposed
// when it is column-major, or a contiguous copy when neither dim has unit
// stride.
template <typename T>
class MatrixOperand {
 public:
  MatrixOperand(const T* data, int64_t rows, int64_t cols, int64_t row_stride,
                int64_t col_stride) {
    const int64_t row_len = std::max<int64_t>(cols, 1), col_len = std::max<int64_t>(rows, 1);
    if ((cols <= 1 || col_stride == 1) && (rows <= 1 || row_stride >= row_len)) {
      ptr_ = data;
      ld_ = rows <= 1 ? row_len : row_stride;
    } else if ((rows <= 1 || row_stride == 1) && (cols <= 1 || col_stride >= col_len)) {
      ptr_ = data;
      ld_ = cols <= 1 ? col_len : col_stride;
      trans_ = true;
    } else {
      copy_.reset(new T[std::max<int64_t>(rows * cols, 1)]);
      const int64_t shape[2] = {rows, cols}, from[2] = {row_stride, col_stride},
                    to[2] = {cols, 1};
      copy_elements(data, from, copy_.get(), to, shape, 2);
      ptr_ = copy_.get();
      ld_ = row_len;
    }
  }
  MatrixOperand(const MatrixOperand&) = delete;
  MatrixOperand& operator=(const MatrixOperand&) = delete;

  const T* ptr() const { return ptr_; }
  int64_t ld() const { return ld_; }
  bool trans() const { return trans_; }

 private:
  const T* ptr_ = nullptr;
  int64_t ld_ = 1;
  bool trans_ = false;
  std::unique_ptr<T[]> copy_;
};

// c[m,n] (contiguous) = alpha * a[m,k] @ b[k,n] + beta * c, a and b strided.
template <typename T>
inline void gemm_strided(const T* a, int64_t a_row, int64_t a_col, const T* b, int64_t b_row,
                         int64_t b_col, int64_t m, int64_t k, int64_t n, double alpha,
                         double beta, T* c) {
  if (m <= 0 || n <= 0) return;
  MatrixOperand<T> lhs(a, m, k, a_row, a_col), rhs(b, k, n, b_row, b_col);
  gemm_raw<T>(lhs.trans(), rhs.trans(), m, n, k, static_cast<T>(alpha), lhs.ptr(), lhs.ld(),
              rhs.ptr(), rhs.ld(), static_cast<T>(beta), c, n);
}


// ---- Reductions over a set of dims ----

// An input split into kept dims (one result element per index, row-major)
// and reduced dims (row-major within each result element).
struct ReducePlan {
  std::vector<int64_t> kept_shape, kept_strides, reduced_shape, reduced_strides;
  int64_t outputs = 1, count = 1;  // Result elements; inputs per result.

  // Offset in the input of result element o's first input.
  int64_t base(int64_t o) const {
    int64_t offset = 0;
    for (int d = static_cast<int>(kept_shape.size()) - 1; d >= 0; --d) {
      offset += o % kept_shape[d] * kept_strides[d];
      o /= kept_shape[d];
    }
    return offset;
  }
  int64_t inner() const { return reduced_shape.empty() ? 1 : reduced_shape.back(); }
  int64_t inner_stride() const { return reduced_strides.empty() ? 0 : reduced_strides.back(); }
  // Offset from base() of row `row` of the reduced dims (all but the last).
  int64_t row_offset(int64_t row) const {
    int64_t offset = 0;
    for (int d = static_cast<int>(reduced_shape.size()) - 2; d >= 0; --d) {
      offset += row % reduced_shape[d] * reduced_strides[d];
      row /= reduced_shape[d];
    }
    return offset;
  }
};

// The plan reducing dims[num_dims] of t (null or empty: every dim).
template <typename T>
inline ReducePlan reduce_plan(const Ref<T>& t, const int64_t* dims, int64_t num_dims) {
  std::vector<bool> reduced(std::max(t.rank, 0), num_dims <= 0 || dims == nullptr);
  for (int64_t i = 0; i < num_dims && dims != nullptr; ++i) {
    const int d = normalize_dim(dims[i], t.rank);
    if (d < t.rank) reduced[d] = true;
  }
  ReducePlan p;
  for (int d = 0; d < t.rank; ++d) {
    if (reduced[d]) {
      p.reduced_shape.push_back(t.shape[d]);
      p.reduced_strides.push_back(t.strides[d]);
      p.count *= t.shape[d];
    } else {
      p.kept_shape.push_back(t.shape[d]);
      p.kept_strides.push_back(t.strides[d]);
      p.outputs *= t.shape[d];
    }
  }
  return p;
}

// Sum of f(x) over the inputs of the result element at `base`, in double;
// parallel over rows when asked (one result element of much work).
template <typename T, typename F>
inline double reduce_sum(const ReducePlan& p, const T* data, int64_t base, bool parallel, F f) {
  const int64_t inner = p.inner(), step = p.inner_stride();
  const int64_t rows = inner == 0 ? 0 : p.count / inner;
  double total = 0;
#pragma omp parallel for if (parallel) reduction(+ : total) schedule(static)
  for (int64_t row = 0; row < rows; ++row) {
    const T* x = data + base + p.row_offset(row);
    double sum = 0;
    if (step == 1) {
#pragma omp simd reduction(+ : sum)
      for (int64_t j = 0; j < inner; ++j) sum += f(static_cast<double>(x[j]));
    } else {
      for (int64_t j = 0; j < inner; ++j) sum += f(static_cast<double>(x[j * step]));
    }
    total += sum;
  }
  return total;
}

// Calls f(x, i) for the inputs of the result element at `base` in order
// (i counts from 0) until f returns false.
template <typename T, typename F>
inline void reduce_scan(const ReducePlan& p, const T* data, int64_t base, F f) {
  const int64_t inner = p.inner(), step = p.inner_stride();
  const int64_t rows = inner == 0 ? 0 : p.count / inner;
  int64_t i = 0;
  for (int64_t row = 0; row < rows; ++row) {
    const T* x = data + base + p.row_offset(row);
    for (int64_t j = 0; j < inner; ++j, ++i) {
      if (!f(x[j * step], i)) return;
    }
  }
}

// The product of each result element's inputs into out.
template <typename TOut, typename T>
inline void reduce_product(const Ref<const T>& self, const ReducePlan& p, TOut* out) {
#pragma omp parallel for if (p.outputs > 1 && p.outputs * p.count > kParallelWork) \
    schedule(static)
  for (int64_t o = 0; o < p.outputs; ++o) {
    if constexpr (std::is_floating_point_v<TOut>) {
      double result = 1;
      reduce_scan(p, self.data, p.base(o), [&](T v, int64_t) {
        result *= static_cast<double>(static_cast<TOut>(v));
        return true;
      });
      out[o] = static_cast<TOut>(result);
    } else {
      uint64_t result = 1;  // Unsigned: wraps as int64 does in ATen.
      reduce_scan(p, self.data, p.base(o), [&](T v, int64_t) {
        result *= static_cast<uint64_t>(static_cast<int64_t>(static_cast<TOut>(v)));
        return true;
      });
      out[o] = static_cast<TOut>(static_cast<int64_t>(result));
    }
  }
}

// Outer, reduced and inner extents of a shape around one dim.
struct Lanes {
  int64_t outer, n, inner;
};

inline Lanes lanes(const int64_t* shape, int rank, int dim) {
  if (rank == 0) return {1, 1, 1};
  return {product(shape, dim), shape[dim], product(shape + dim + 1, rank - dim - 1)};
}

// Calls f(first, count) for the [outer, inner] lanes of `l` in blocks of at
// most kLaneBlock inner positions, in parallel: first is the offset of the
// block's first element of the lane (element i of lane j at first + i *
// inner + j).
inline constexpr int64_t kLaneBlock = 256;

template <typename F>
inline void for_lane_blocks(const Lanes& l, F f) {
  const int64_t blocks = (l.inner + kLaneBlock - 1) / kLaneBlock;
  const int64_t tasks = l.outer * blocks;
#pragma omp parallel for if (l.outer * l.n * l.inner > kParallelWork) schedule(static)
  for (int64_t task = 0; task < tasks; ++task) {
    const int64_t o = task / blocks, j = task % blocks * kLaneBlock;
    f(o * l.n * l.inner + j, std::min(kLaneBlock, l.inner - j));
  }
}

// Item i of an int[] argument that may give one value for all dims.
inline int64_t list_item(const int64_t* list, int64_t len, int64_t i, int64_t fallback) {
  if (list == nullptr || len <= 0) return fallback;
  return len == 1 ? list[0] : list[i];
}

// The outputs o in [0, out) whose input position o * stride + offset lies
// in [0, in): [*begin, *end).
inline void valid_outputs(int64_t offset, int64_t stride, int64_t in, int64_t out,
                          int64_t* begin, int64_t* end) {
  int64_t b = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
  int64_t e = in - 1 - offset < 0 ? 0 : (in - 1 - offset) / stride + 1;
  b = std::min(b, out);
  e = std::max(b, std::min(e, out));
  *begin = b;
  *end = e;
}

}  // namespace detail
}  // namespace aotd_rt

#endif  // AOTD_COMPILER_CODEGEN_RUNTIME_INTERNAL_H_
