// The runtime kernel library of generated code: the ATen ops that do not
// fuse into generated loop nests (matrix products, convolution, pooling,
// normalization, softmax, losses, embedding, some reductions, joins and
// strided copies), each with its backward.
//
// The code generator pastes this file verbatim at the top of every generated
// translation unit (g++ -O3 -fopenmp -shared for AVX2 machines, linked with
// -lopenblas -lmvec -lsleef). So it includes only standard headers, <cblas.h> and
// <xmmintrin.h> (for the floating-point control register),
// defines no macro but its include guard, keeps every name in namespace
// aotd_rt (helpers in aotd_rt::detail), throws nothing and has no global
// state: kernels are reentrant and may run concurrently on distinct outputs.
//
// Calling convention, the same for every kernel:
//   * Arguments come in the order of the ATen schema, then the outputs.
//     ScalarType (dtype) arguments are left out: the template types carry
//     them.
//   * A tensor input is a Ref<const T> with any strides (0 for a broadcast
//     dim). A None optional tensor is none<const T>().
//   * An output is a Ref<T> whose data is contiguous row-major, of the shape
//     the op's inference gives; kernels read its shape, never its strides,
//     and write every element (an output a mask leaves out is not touched
//     and may be none<T>()). Outputs must not alias inputs.
//   * int[] arguments are (pointer, length); a bool[3] output_mask is a
//     pointer to 3 bools; an optional int is (has_x, x); a Scalar or float
//     is a double.
//   * Kernels whose inputs may hold bad data (an index out of range) return
//     bool, false meaning the data was bad and the outputs are unspecified.
//     Everything else inference checks (shapes, dtypes, geometry) is a
//     precondition.
//
// Semantics are ATen's (PyTorch 1.13) as the reference kernels in
// compiler/ops (nn.cc, nn_kernels.cc, reduction.cc, shape.cc) define them.
// float computes in float and double in double; reductions accumulate in
// double (integers in int64); softmax's exp is detail::exp_vec (within 1
// ulp, vectorizable, IEEE at the edges). Loops run OpenMP-parallel when the
// work passes kParallelWork elements, with results independent of the
// thread count except for the order of a few double-precision sums. Call
// kernels from serial code: they open their own parallel regions. BLAS runs
// outside them (OpenBLAS threads itself) or, for batches of small products
// (bmm, convolution), single-threaded inside them, one product per thread.
#ifndef AOTD_COMPILER_CODEGEN_RUNTIME_KERNELS_H_
#define AOTD_COMPILER_CODEGEN_RUNTIME_KERNELS_H_

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

namespace aotd_rt {

// A tensor argument: `rank` sizes and strides (in elements, non-negative, 0
// for a broadcast dim) of the data at `data`. Plain aggregate; owns nothing.
template <typename T>
struct Ref {
  T* data;
  const int64_t* shape;
  const int64_t* strides;
  int rank;
};

// The None of an optional tensor argument (rank -1).
template <typename T>
constexpr Ref<T> none() {
  return Ref<T>{nullptr, nullptr, nullptr, -1};
}

template <typename T>
constexpr bool is_none(const Ref<T>& t) {
  return t.rank < 0;
}

// Elements of work above which a loop nest runs OpenMP-parallel.
inline constexpr int64_t kParallelWork = 32768;

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

// ---- Convolution geometry (1 to 3 spatial dims, padded to 3) ----

// Item i of an int[] argument that may give one value for all dims.
inline int64_t list_item(const int64_t* list, int64_t len, int64_t i, int64_t fallback) {
  if (list == nullptr || len <= 0) return fallback;
  return len == 1 ? list[0] : list[i];
}

struct ConvGeometry {
  int64_t batch, c_in, c_out, groups, c_in_group, c_out_group;
  int64_t in[3], kernel[3], out[3], stride[3], pad[3], dilation[3];
  int64_t in_size, kernel_size, out_size;  // Spatial element counts.
  // A 1x1 window with unit stride and no padding reads the input as is.
  bool direct;
};

inline ConvGeometry conv_geometry(const int64_t* input_shape, const int64_t* weight_shape,
                                  int rank, const int64_t* stride, int64_t stride_len,
                                  const int64_t* padding, int64_t padding_len,
                                  const int64_t* dilation, int64_t dilation_len, int64_t groups) {
  ConvGeometry g;
  g.batch = input_shape[0];
  g.c_in = input_shape[1];
  g.c_out = weight_shape[0];
  g.groups = groups;
  g.c_in_group = weight_shape[1];
  g.c_out_group = g.c_out / groups;
  const int spatial = rank - 2;
  g.direct = true;
  for (int d = 0; d < 3; ++d) {
    const int src = d - (3 - spatial);
    const bool real = src >= 0;
    g.in[d] = real ? input_shape[2 + src] : 1;
    g.kernel[d] = real ? weight_shape[2 + src] : 1;
    g.stride[d] = real ? list_item(stride, stride_len, src, 1) : 1;
    g.pad[d] = real ? list_item(padding, padding_len, src, 0) : 0;
    g.dilation[d] = real ? list_item(dilation, dilation_len, src, 1) : 1;
    g.out[d] = (g.in[d] + 2 * g.pad[d] - g.dilation[d] * (g.kernel[d] - 1) - 1) / g.stride[d] + 1;
    g.direct = g.direct && g.kernel[d] == 1 && g.stride[d] == 1 && g.pad[d] == 0;
  }
  g.in_size = g.in[0] * g.in[1] * g.in[2];
  g.kernel_size = g.kernel[0] * g.kernel[1] * g.kernel[2];
  g.out_size = g.out[0] * g.out[1] * g.out[2];
  return g;
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

// col[c_in_group * kernel_size, out_size] = the input window of every
// output position, for one sample and group (x holds c_in_group planes).
template <typename T>
inline void im2col(const ConvGeometry& g, const T* x, T* col) {
  const int64_t rows = g.c_in_group * g.kernel_size;
#pragma omp parallel for if (rows * g.out_size > kParallelWork) schedule(static)
  for (int64_t row = 0; row < rows; ++row) {
    const int64_t c = row / g.kernel_size, tap = row % g.kernel_size;
    const int64_t kd = tap / (g.kernel[1] * g.kernel[2]);
    const int64_t kh = tap / g.kernel[2] % g.kernel[1], kw = tap % g.kernel[2];
    const T* plane = x + c * g.in_size;
    T* dst = col + row * g.out_size;
    const int64_t offset_w = kw * g.dilation[2] - g.pad[2];
    int64_t w_begin, w_end;
    valid_outputs(offset_w, g.stride[2], g.in[2], g.out[2], &w_begin, &w_end);
    for (int64_t od = 0; od < g.out[0]; ++od) {
      const int64_t id = od * g.stride[0] - g.pad[0] + kd * g.dilation[0];
      for (int64_t oh = 0; oh < g.out[1]; ++oh) {
        const int64_t ih = oh * g.stride[1] - g.pad[1] + kh * g.dilation[1];
        T* line = dst + (od * g.out[1] + oh) * g.out[2];
        if (id < 0 || id >= g.in[0] || ih < 0 || ih >= g.in[1]) {
          std::fill(line, line + g.out[2], T(0));
          continue;
        }
        const T* src = plane + (id * g.in[1] + ih) * g.in[2];
        std::fill(line, line + w_begin, T(0));
        if (g.stride[2] == 1) {
#pragma omp simd
          for (int64_t ow = w_begin; ow < w_end; ++ow) line[ow] = src[ow + offset_w];
        } else {
          for (int64_t ow = w_begin; ow < w_end; ++ow) line[ow] = src[ow * g.stride[2] + offset_w];
        }
        std::fill(line + w_end, line + g.out[2], T(0));
      }
    }
  }
}

// The adjoint of im2col: x[c_in_group planes] += col scattered back.
template <typename T>
inline void col2im(const ConvGeometry& g, const T* col, T* x) {
#pragma omp parallel for if (g.c_in_group * g.kernel_size * g.out_size > kParallelWork) \
    schedule(static)
  for (int64_t c = 0; c < g.c_in_group; ++c) {
    T* plane = x + c * g.in_size;
    for (int64_t tap = 0; tap < g.kernel_size; ++tap) {
      const int64_t kd = tap / (g.kernel[1] * g.kernel[2]);
      const int64_t kh = tap / g.kernel[2] % g.kernel[1], kw = tap % g.kernel[2];
      const T* src = col + (c * g.kernel_size + tap) * g.out_size;
      const int64_t offset_w = kw * g.dilation[2] - g.pad[2];
      int64_t w_begin, w_end;
      valid_outputs(offset_w, g.stride[2], g.in[2], g.out[2], &w_begin, &w_end);
      for (int64_t od = 0; od < g.out[0]; ++od) {
        const int64_t id = od * g.stride[0] - g.pad[0] + kd * g.dilation[0];
        if (id < 0 || id >= g.in[0]) continue;
        for (int64_t oh = 0; oh < g.out[1]; ++oh) {
          const int64_t ih = oh * g.stride[1] - g.pad[1] + kh * g.dilation[1];
          if (ih < 0 || ih >= g.in[1]) continue;
          T* dst = plane + (id * g.in[1] + ih) * g.in[2];
          const T* line = src + (od * g.out[1] + oh) * g.out[2];
          for (int64_t ow = w_begin; ow < w_end; ++ow) dst[ow * g.stride[2] + offset_w] += line[ow];
        }
      }
    }
  }
}

// Calls f(task, col) for task in [0, tasks), spread over the threads when
// there are several (each then runs single-threaded gemms: OpenBLAS's
// OpenMP build runs serially inside a parallel region), else on the
// calling thread (whose gemms use every thread). col is scratch for one
// sample's im2col, owned by the running thread (nullptr for a direct
// convolution).
template <typename T, typename F>
inline void for_conv_work(const ConvGeometry& g, int64_t tasks, F f) {
  const int64_t col_size =
      g.direct ? 0 : std::max<int64_t>(g.c_in_group * g.kernel_size * g.out_size, 1);
  if (tasks <= 1) {
    std::unique_ptr<T[]> col(col_size > 0 ? new T[col_size] : nullptr);
    for (int64_t t = 0; t < tasks; ++t) f(t, col.get());
    return;
  }
#pragma omp parallel
  {
    std::unique_ptr<T[]> col(col_size > 0 ? new T[col_size] : nullptr);
#pragma omp for schedule(static)
    for (int64_t t = 0; t < tasks; ++t) f(t, col.get());
  }
}

// Calls f(sample, group, col) for every sample and group, as for_conv_work.
template <typename T, typename F>
inline void for_conv_planes(const ConvGeometry& g, F f) {
  for_conv_work<T>(g, g.batch * g.groups,
                   [&](int64_t t, T* col) { f(t / g.groups, t % g.groups, col); });
}

// ---- Pooling geometry ----

inline int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  if (a % b != 0 && ((a % b < 0) != (b < 0))) --q;
  return q;
}

// ATen's pooling_output_shape.
inline int64_t pool_output_size(int64_t in, int64_t kernel, int64_t pad, int64_t stride,
                                int64_t dilation, bool ceil_mode) {
  int64_t out =
      floor_div(in + 2 * pad - dilation * (kernel - 1) - 1 + (ceil_mode ? stride - 1 : 0),
                stride) +
      1;
  if (ceil_mode && (out - 1) * stride >= in + pad) --out;
  return out;
}

struct Pool2dGeometry {
  int64_t kernel[2], stride[2], pad[2], dilation[2];
  int64_t in[2], out[2];
  int64_t planes;  // Product of the dims before the last two.
};

// The window of a 2-d pooling of an input of `shape` (rank 3 or 4). Lists
// hold 1 or 2 values; an empty stride means the kernel size; a null
// dilation means 1.
inline Pool2dGeometry pool2d_geometry(const int64_t* shape, int rank, const int64_t* kernel,
                                      int64_t kernel_len, const int64_t* stride,
                                      int64_t stride_len, const int64_t* padding,
                                      int64_t padding_len, const int64_t* dilation,
                                      int64_t dilation_len, bool ceil_mode) {
  Pool2dGeometry g;
  for (int d = 0; d < 2; ++d) {
    g.kernel[d] = list_item(kernel, kernel_len, d, 1);
    g.stride[d] = list_item(stride, stride_len, d, g.kernel[d]);
    g.pad[d] = list_item(padding, padding_len, d, 0);
    g.dilation[d] = list_item(dilation, dilation_len, d, 1);
    g.in[d] = shape[rank - 2 + d];
    g.out[d] =
        pool_output_size(g.in[d], g.kernel[d], g.pad[d], g.stride[d], g.dilation[d], ceil_mode);
  }
  g.planes = product(shape, rank - 2);
  return g;
}

// An avg-pool window clipped to the input, and its divisor.
struct AvgWindow {
  int64_t h_begin, h_end, w_begin, w_end, divisor;
};

inline AvgWindow avg_window(const Pool2dGeometry& g, int64_t oh, int64_t ow,
                            bool count_include_pad, bool has_divisor_override,
                            int64_t divisor_override) {
  AvgWindow w;
  w.h_begin = oh * g.stride[0] - g.pad[0];
  w.w_begin = ow * g.stride[1] - g.pad[1];
  w.h_end = std::min(w.h_begin + g.kernel[0], g.in[0] + g.pad[0]);
  w.w_end = std::min(w.w_begin + g.kernel[1], g.in[1] + g.pad[1]);
  const int64_t padded_size = (w.h_end - w.h_begin) * (w.w_end - w.w_begin);
  w.h_begin = std::max<int64_t>(w.h_begin, 0);
  w.w_begin = std::max<int64_t>(w.w_begin, 0);
  w.h_end = std::min(w.h_end, g.in[0]);
  w.w_end = std::min(w.w_end, g.in[1]);
  if (has_divisor_override) {
    w.divisor = divisor_override;
  } else if (count_include_pad) {
    w.divisor = padded_size;
  } else {
    w.divisor = (w.h_end - w.h_begin) * (w.w_end - w.w_begin);
  }
  return w;
}

// Adaptive pooling window [start, end) of output o of `out` over `in`.
inline int64_t adaptive_start(int64_t o, int64_t out, int64_t in) { return o * in / out; }
inline int64_t adaptive_end(int64_t o, int64_t out, int64_t in) {
  return ((o + 1) * in + out - 1) / out;
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

// ---- Vectorizable exp ----

template <typename To, typename From>
inline To bits_as(From v) {
  static_assert(sizeof(To) == sizeof(From), "bit casts keep the size");
  To out;
  std::memcpy(&out, &v, sizeof(To));
  return out;
}

// exp(x) for float or double within about 1 ulp, IEEE at the edges
// (overflow gives inf, underflow goes through the subnormals to 0, -inf
// gives 0, NaN stays NaN). Branch-free and libm-free, so loops calling it
// vectorize: x = k ln2 + r with |r| <= ln2 / 2 (ln2 split in two so k ln2
// is exact), exp(r) by its Taylor polynomial (degree 7 for float, 13 for
// double: truncation below 0.1 ulp), times 2^k built from exponent bits in
// two halves so subnormal results round once.
template <typename T>
inline T exp_vec(T x) {
  const bool nan = x != x;
  if constexpr (std::is_same_v<T, float>) {
    const float c = std::min(std::max(nan ? 0.0f : x, -110.0f), 90.0f);
    const float kf = std::nearbyint(c * 1.44269504088896341f);
    const float r = (c - kf * 0.693359375f) - kf * -2.12194440054690583e-4f;
    float p = 1.0f / 5040;
    p = p * r + 1.0f / 720;
    p = p * r + 1.0f / 120;
    p = p * r + 1.0f / 24;
    p = p * r + 1.0f / 6;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    const int32_t k = static_cast<int32_t>(kf), half = k / 2;
    const float low = bits_as<float>((half + 127) << 23);
    const float high = bits_as<float>((k - half + 127) << 23);
    return nan ? x : p * low * high;
  } else {
    const double c = std::min(std::max(nan ? 0.0 : x, -746.0), 710.0);
    const double kf = std::nearbyint(c * 1.4426950408889634);
    const double r = (c - kf * 0.6931471803691238) - kf * 1.9082149292705877e-10;
    double p = 1.0 / 6227020800.0;
    p = p * r + 1.0 / 479001600.0;
    p = p * r + 1.0 / 39916800.0;
    p = p * r + 1.0 / 3628800.0;
    p = p * r + 1.0 / 362880.0;
    p = p * r + 1.0 / 40320.0;
    p = p * r + 1.0 / 5040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    const int32_t k = static_cast<int32_t>(kf), half = k / 2;
    const double low = bits_as<double>(static_cast<int64_t>(half + 1023) << 52);
    const double high = bits_as<double>(static_cast<int64_t>(k - half + 1023) << 52);
    return nan ? x : p * low * high;
  }
}

// ---- Softmax ----

template <typename T, bool kLog>
inline void softmax_forward(const Ref<const T>& self, int64_t dim, const Ref<T>& out) {
  const Dense<T> x(self);
  const Lanes l = lanes(self.shape, self.rank, normalize_dim(dim, self.rank));
  if (l.n == 0) return;
  // NaN never compares greater; it reaches the result through the sum. A
  // row of -inf has peak -inf and gives NaN (-inf - -inf).
  if (l.inner == 1) {
#pragma omp parallel for if (l.outer * l.n > kParallelWork) schedule(static)
    for (int64_t o = 0; o < l.outer; ++o) {
      const T* row = x.get() + o * l.n;
      T* dst = out.data + o * l.n;
      T peak = -std::numeric_limits<T>::infinity();
#pragma omp simd reduction(max : peak)
      for (int64_t i = 0; i < l.n; ++i) peak = row[i] > peak ? row[i] : peak;
      double sum = 0;
      if (kLog) {
#pragma omp simd reduction(+ : sum)
        for (int64_t i = 0; i < l.n; ++i) sum += exp_vec<T>(row[i] - peak);
        const T log_sum = static_cast<T>(std::log(sum));
#pragma omp simd
        for (int64_t i = 0; i < l.n; ++i) dst[i] = (row[i] - peak) - log_sum;
      } else {
#pragma omp simd reduction(+ : sum)
        for (int64_t i = 0; i < l.n; ++i) {
          const T e = exp_vec<T>(row[i] - peak);
          dst[i] = e;
          sum += e;
        }
        const T scale = static_cast<T>(1.0 / sum);
#pragma omp simd
        for (int64_t i = 0; i < l.n; ++i) dst[i] *= scale;
      }
    }
    return;
  }
  for_lane_blocks(l, [&](int64_t first, int64_t count) {
    const T* in = x.get() + first;
    T* dst = out.data + first;
    T peak[kLaneBlock];
    double sum[kLaneBlock];
    for (int64_t j = 0; j < count; ++j) {
      peak[j] = -std::numeric_limits<T>::infinity();
      sum[j] = 0;
    }
    for (int64_t i = 0; i < l.n; ++i) {
      const T* row = in + i * l.inner;
#pragma omp simd
      for (int64_t j = 0; j < count; ++j) peak[j] = row[j] > peak[j] ? row[j] : peak[j];
    }
    for (int64_t i = 0; i < l.n; ++i) {
      const T* row = in + i * l.inner;
      T* target = dst + i * l.inner;
#pragma omp simd
      for (int64_t j = 0; j < count; ++j) {
        const T e = exp_vec<T>(row[j] - peak[j]);
        if (!kLog) target[j] = e;
        sum[j] += e;
      }
    }
    for (int64_t j = 0; j < count; ++j) {
      sum[j] = kLog ? std::log(sum[j]) : 1.0 / sum[j];
    }
    for (int64_t i = 0; i < l.n; ++i) {
      const T* row = in + i * l.inner;
      T* target = dst + i * l.inner;
#pragma omp simd
      for (int64_t j = 0; j < count; ++j) {
        if (kLog) {
          target[j] = (row[j] - peak[j]) - static_cast<T>(sum[j]);
        } else {
          target[j] *= static_cast<T>(sum[j]);
        }
      }
    }
  });
}

template <typename T, bool kLog>
inline void softmax_backward(const Ref<const T>& grad_output, const Ref<const T>& output,
                             int64_t dim, const Ref<T>& grad_input) {
  const Dense<T> g(grad_output), y(output);
  const Lanes l = lanes(output.shape, output.rank, normalize_dim(dim, output.rank));
  if (l.n == 0) return;
  // Softmax: y * (g - sum(g * y)); log-softmax: g - exp(y) * sum(g).
  if (l.inner == 1) {
#pragma omp parallel for if (l.outer * l.n > kParallelWork) schedule(static)
    for (int64_t o = 0; o < l.outer; ++o) {
      const T* gr = g.get() + o * l.n;
      const T* yr = y.get() + o * l.n;
      T* dst = grad_input.data + o * l.n;
      double sum = 0;
#pragma omp simd reduction(+ : sum)
      for (int64_t i = 0; i < l.n; ++i) {
        sum += kLog ? static_cast<double>(gr[i])
                    : static_cast<double>(gr[i]) * static_cast<double>(yr[i]);
      }
      const T s = static_cast<T>(sum);
#pragma omp simd
      for (int64_t i = 0; i < l.n; ++i) {
        dst[i] = kLog ? gr[i] - exp_vec<T>(yr[i]) * s : yr[i] * (gr[i] - s);
      }
    }
    return;
  }
  for_lane_blocks(l, [&](int64_t first, int64_t count) {
    double sum[kLaneBlock];
    for (int64_t j = 0; j < count; ++j) sum[j] = 0;
    for (int64_t i = 0; i < l.n; ++i) {
      const T* gr = g.get() + first + i * l.inner;
      const T* yr = y.get() + first + i * l.inner;
#pragma omp simd
      for (int64_t j = 0; j < count; ++j) {
        sum[j] += kLog ? static_cast<double>(gr[j])
                       : static_cast<double>(gr[j]) * static_cast<double>(yr[j]);
      }
    }
    for (int64_t i = 0; i < l.n; ++i) {
      const T* gr = g.get() + first + i * l.inner;
      const T* yr = y.get() + first + i * l.inner;
      T* dst = grad_input.data + first + i * l.inner;
#pragma omp simd
      for (int64_t j = 0; j < count; ++j) {
        const T s = static_cast<T>(sum[j]);
        dst[j] = kLog ? gr[j] - exp_vec<T>(yr[j]) * s : yr[j] * (gr[j] - s);
      }
    }
  });
}

// ---- Losses ----

enum Reduction : int64_t { kReductionNone = 0, kReductionMean = 1, kReductionSum = 2 };

template <typename T>
inline T smooth_l1(T d, double beta) {
  const T z = std::abs(d);
  return z < beta ? static_cast<T>(0.5 * z * z / beta) : static_cast<T>(z - 0.5 * beta);
}

template <typename T>
inline T smooth_l1_derivative(T d, double beta) {
  if (beta <= 0) return d > 0 ? T(1) : d < 0 ? T(-1) : T(0);
  return d < -beta ? T(-1) : d > beta ? T(1) : static_cast<T>(d / beta);
}

// loss(self - target) elementwise over their broadcast, reduced.
template <typename T, typename F>
inline void pointwise_loss(const Ref<const T>& self, const Ref<const T>& target,
                           int64_t reduction, const Ref<T>& out, F loss) {
  const std::vector<int64_t> shape =
      broadcast_shape(self.shape, self.rank, target.shape, target.rank);
  const int64_t n = product(shape.data(), static_cast<int>(shape.size()));
  const std::unique_ptr<T[]> x = materialize(self, shape), t = materialize(target, shape);
  if (reduction == kReductionNone) {
#pragma omp parallel for simd if (n > kParallelWork) schedule(static)
    for (int64_t i = 0; i < n; ++i) out.data[i] = loss(x[i] - t[i]);
    return;
  }
  double sum = 0;
#pragma omp parallel for simd if (n > kParallelWork) reduction(+ : sum) schedule(static)
  for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(loss(x[i] - t[i]));
  out.data[0] = static_cast<T>(reduction == kReductionMean ? sum / static_cast<double>(n) : sum);
}

// grad_input = norm * derivative(self - target) * grad_output over the
// broadcast of the three; norm is 1 / self's own element count for mean.
template <typename T, typename F>
inline void pointwise_loss_backward(const Ref<const T>& grad_output, const Ref<const T>& self,
                                    const Ref<const T>& target, int64_t reduction,
                                    const Ref<T>& grad_input, F derivative) {
  std::vector<int64_t> shape = broadcast_shape(self.shape, self.rank, target.shape, target.rank);
  shape = broadcast_shape(shape.data(), static_cast<int>(shape.size()), grad_output.shape,
                          grad_output.rank);
  const int64_t n = product(shape.data(), static_cast<int>(shape.size()));
  const std::unique_ptr<T[]> g = materialize(grad_output, shape), x = materialize(self, shape),
                             t = materialize(target, shape);
  const T norm =
      reduction == kReductionMean ? static_cast<T>(1.0 / static_cast<double>(numel(self))) : T(1);
#pragma omp parallel for simd if (n > kParallelWork) schedule(static)
  for (int64_t i = 0; i < n; ++i) grad_input.data[i] = norm * derivative(x[i] - t[i]) * g[i];
}

}  // namespace detail

// ======================================================================
// Copies and joins
// ======================================================================

// copy_strided: out (contiguous, src's shape) = src's elements in logical
// row-major order, converted to TOut. For reshape copies, .contiguous(),
// clone and dtype conversion.
template <typename TOut, typename TIn>
inline void copy_strided(Ref<const TIn> src, Ref<TOut> out) {
  const std::vector<int64_t> to = detail::contiguous_strides(src.shape, src.rank);
  detail::copy_elements(src.data, src.strides, out.data, to.data(), src.shape, src.rank);
}

// cat(tensors[num_tensors], dim) -> out: the tensors (one dtype, same shape
// but along dim, rank >= 1) concatenated along dim; out has their rank.
template <typename T>
inline void cat(const Ref<const T>* tensors, int64_t num_tensors, int64_t dim, Ref<T> out) {
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

// stack(tensors[num_tensors], dim) -> out: the tensors (one dtype and
// shape) joined along a new dim `dim` of out (rank + 1).
template <typename T>
inline void stack(const Ref<const T>* tensors, int64_t num_tensors, int64_t dim, Ref<T> out) {
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

// tril(self [..., R, C], diagonal) -> out: self with elements (r, c) where
// c - r > diagonal zeroed. triu keeps c - r >= diagonal.
template <typename T>
inline void tril(Ref<const T> self, int64_t diagonal, Ref<T> out) {
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
inline void triu(Ref<const T> self, int64_t diagonal, Ref<T> out) {
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

// ======================================================================
// Matrix products
// ======================================================================

// gemm: out[M,N] = alpha * (a[M,K] @ b[K,N]) + beta * out. a and b have any
// strides (read in place by cblas when one dim has unit stride, else
// copied); beta == 0 ignores out's prior contents, NaN included.
template <typename T>
inline void gemm(Ref<const T> a, Ref<const T> b, double alpha, double beta, Ref<T> out) {
  detail::with_subnormals_flushed([&] {
    detail::gemm_strided(a.data, a.strides[0], a.strides[1], b.data, b.strides[0], b.strides[1],
                         a.shape[0], a.shape[1], b.shape[1], alpha, beta, out.data);
  });
}

// mm(self [M,K], mat2 [K,N]) -> out [M,N].
template <typename T>
inline void mm(Ref<const T> self, Ref<const T> mat2, Ref<T> out) {
  gemm(self, mat2, 1.0, 0.0, out);
}

// bmm(self [B,M,K], mat2 [B,K,N]) -> out [B,M,N]: one gemm per batch.
template <typename T>
inline void bmm(Ref<const T> self, Ref<const T> mat2, Ref<T> out) {
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

// addmm(self (broadcasts to [M,N]), mat1 [M,K], mat2 [K,N], beta, alpha)
// -> out [M,N] = beta * self + alpha * (mat1 @ mat2); beta == 0 ignores self.
template <typename T>
inline void addmm(Ref<const T> self, Ref<const T> mat1, Ref<const T> mat2, double beta,
                  double alpha, Ref<T> out) {
  if (beta != 0) {
    const std::vector<int64_t> shape(out.shape, out.shape + 2);
    const std::vector<int64_t> from = detail::broadcast_strides(self, shape);
    const int64_t to[2] = {shape[1], 1};
    detail::copy_elements(self.data, from.data(), out.data, to, shape.data(), 2);
  }
  gemm(mat1, mat2, alpha, beta, out);
}

// ======================================================================
// Convolution (1 to 3 spatial dims; transposed or not)
// ======================================================================

namespace detail {

// The geometry of a transposed convolution from input x [N,C_in,*S] to out
// [N,C_out,*O]: that of the convolution from out's shape to x's that it is
// the adjoint of (its input out, its output x). out's size comes from the
// caller, which covers an output_padding that the convolution's own output
// size would not round back to.
inline ConvGeometry transposed_conv_geometry(const int64_t* input_shape,
                                             const int64_t* weight_shape,
                                             const int64_t* out_shape, int rank,
                                             const int64_t* stride, int64_t stride_len,
                                             const int64_t* padding, int64_t padding_len,
                                             const int64_t* dilation, int64_t dilation_len,
                                             int64_t groups) {
  ConvGeometry g = conv_geometry(out_shape, weight_shape, rank, stride, stride_len, padding,
                                 padding_len, dilation, dilation_len, groups);
  const int spatial = rank - 2;
  for (int d = 3 - spatial; d < 3; ++d) {
    g.out[d] = input_shape[2 + d - (3 - spatial)];
    g.direct = g.direct && g.out[d] == g.in[d];
  }
  g.out_size = g.out[0] * g.out[1] * g.out[2];
  return g;
}

// out [batch, c_out, out_size] = the convolution of x [batch, c_in,
// in_size] with w, without bias: im2col + gemm per sample and group.
template <typename T>
inline void conv_planes(const ConvGeometry& g, const T* x, const T* w, T* out) {
  const int64_t rows = g.c_in_group * g.kernel_size;
  for_conv_planes<T>(g, [&](int64_t n, int64_t grp, T* col) {
    const T* xg = x + (n * g.c_in + grp * g.c_in_group) * g.in_size;
    const T* cols = xg;
    if (!g.direct) {
      im2col(g, xg, col);
      cols = col;
    }
    gemm_raw<T>(false, false, g.c_out_group, g.out_size, rows, T(1),
                w + grp * g.c_out_group * rows, rows, cols, g.out_size, T(0),
                out + (n * g.c_out + grp * g.c_out_group) * g.out_size, g.out_size);
  });
}

// gi [batch, c_in, in_size] = the adjoint of conv_planes applied to go
// [batch, c_out, out_size]: weight_g^T @ go_g per sample and group,
// scattered back by col2im.
template <typename T>
inline void conv_adjoint_planes(const ConvGeometry& g, const T* go, const T* w, T* gi) {
  const int64_t rows = g.c_in_group * g.kernel_size;
  if (!g.direct) std::fill(gi, gi + g.batch * g.c_in * g.in_size, T(0));
  for_conv_planes<T>(g, [&](int64_t n, int64_t grp, T* col) {
    const T* gog = go + (n * g.c_out + grp * g.c_out_group) * g.out_size;
    T* gig = gi + (n * g.c_in + grp * g.c_in_group) * g.in_size;
    T* cols = g.direct ? gig : col;
    gemm_raw<T>(true, false, rows, g.out_size, g.c_out_group, T(1),
                w + grp * g.c_out_group * rows, rows, gog, g.out_size, T(0), cols, g.out_size);
    if (!g.direct) col2im(g, cols, gig);
  });
}

// gw (the weight's shape) = the sum over samples of go_g @ im2col(x_g)^T,
// for conv_planes' x and go. Each slice of samples sums into its own
// partial, the partials are added in order (the same sums whatever the
// thread count).
template <typename T>
inline void conv_weight_grad(const ConvGeometry& g, const T* go, const T* x, T* gw) {
  const int64_t rows = g.c_in_group * g.kernel_size;
  const int64_t weight_size = g.c_out * rows;
  const int64_t per_slice = std::max<int64_t>(4, (g.batch + 15) / 16);
  const int64_t slices = std::max<int64_t>((g.batch + per_slice - 1) / per_slice, 1);
  std::unique_ptr<T[]> partial(slices > 1 ? new T[(slices - 1) * weight_size] : nullptr);
  auto slice_sum = [&](int64_t s) {
    return s == 0 ? gw : partial.get() + (s - 1) * weight_size;
  };
  for_conv_work<T>(g, slices, [&](int64_t s, T* col) {
    T* sum = slice_sum(s);
    const int64_t first = s * per_slice, last = std::min(g.batch, first + per_slice);
    if (first >= last) std::fill(sum, sum + weight_size, T(0));
    for (int64_t n = first; n < last; ++n) {
      for (int64_t grp = 0; grp < g.groups; ++grp) {
        const T* xg = x + (n * g.c_in + grp * g.c_in_group) * g.in_size;
        const T* cols = xg;
        if (!g.direct) {
          im2col(g, xg, col);
          cols = col;
        }
        gemm_raw<T>(false, true, g.c_out_group, rows, g.out_size, T(1),
                    go + (n * g.c_out + grp * g.c_out_group) * g.out_size, g.out_size, cols,
                    g.out_size, n == first ? T(0) : T(1), sum + grp * g.c_out_group * rows, rows);
      }
    }
  });
  for (int64_t s = 1; s < slices; ++s) {
    const T* p = slice_sum(s);
#pragma omp simd
    for (int64_t i = 0; i < weight_size; ++i) gw[i] += p[i];
  }
}

// out [batch, channels, size] += bias[channel].
template <typename T>
inline void add_channel_bias(const Ref<const T>& bias, int64_t batch, int64_t channels,
                             int64_t size, T* out) {
  const int64_t planes = batch * channels;
#pragma omp parallel for if (planes * size > kParallelWork) schedule(static)
  for (int64_t p = 0; p < planes; ++p) {
    const T b = at1(bias, p % channels);
    T* o = out + p * size;
#pragma omp simd
    for (int64_t i = 0; i < size; ++i) o[i] += b;
  }
}

// gb[channel] = the sum of go [batch, channels, size] over the channel.
template <typename T>
inline void channel_sums(const T* go, int64_t batch, int64_t channels, int64_t size, T* gb) {
#pragma omp parallel for if (batch * channels * size > kParallelWork) schedule(static)
  for (int64_t c = 0; c < channels; ++c) {
    double sum = 0;
    for (int64_t n = 0; n < batch; ++n) {
      const T* p = go + (n * channels + c) * size;
#pragma omp simd reduction(+ : sum)
      for (int64_t i = 0; i < size; ++i) sum += static_cast<double>(p[i]);
    }
    gb[c] = static_cast<T>(sum);
  }
}

}  // namespace detail

// convolution(input [N,C_in,*S], weight, bias or None, stride, padding,
// dilation (1 value or one per spatial dim), transposed, output_padding,
// groups) -> out [N,C_out,*O]. Not transposed: weight [C_out,C_in/groups,*K],
// im2col + gemm per sample and group. Transposed: weight [C_in,
// C_out/groups,*K], the adjoint of that convolution (gemm + col2im), out's
// size giving the output padding. Samples and groups spread over the
// threads.
template <typename T>
inline void convolution(Ref<const T> input, Ref<const T> weight, Ref<const T> bias,
                        const int64_t* stride, int64_t stride_len, const int64_t* padding,
                        int64_t padding_len, const int64_t* dilation, int64_t dilation_len,
                        bool transposed, const int64_t* output_padding,
                        int64_t output_padding_len, int64_t groups, Ref<T> out) {
  (void)output_padding;
  (void)output_padding_len;
  const detail::Dense<T> x(input), w(weight);
  if (transposed) {
    const detail::ConvGeometry g = detail::transposed_conv_geometry(
        input.shape, weight.shape, out.shape, input.rank, stride, stride_len, padding,
        padding_len, dilation, dilation_len, groups);
    detail::with_subnormals_flushed(
        [&] { detail::conv_adjoint_planes(g, x.get(), w.get(), out.data); });
    if (!is_none(bias)) detail::add_channel_bias(bias, g.batch, g.c_in, g.in_size, out.data);
    return;
  }
  const detail::ConvGeometry g =
      detail::conv_geometry(input.shape, weight.shape, input.rank, stride, stride_len, padding,
                            padding_len, dilation, dilation_len, groups);
  detail::with_subnormals_flushed([&] { detail::conv_planes(g, x.get(), w.get(), out.data); });
  if (!is_none(bias)) detail::add_channel_bias(bias, g.batch, g.c_out, g.out_size, out.data);
}

// convolution_backward(grad_output [N,C_out,*O], input [N,C_in,*S], weight,
// bias_sizes (ignored), stride, padding, dilation, transposed,
// output_padding (ignored), groups, output_mask[3]) -> grad_input (input's
// shape), grad_weight (weight's), grad_bias [C_out]; each written only when
// its mask entry is true.
template <typename T>
inline void convolution_backward(Ref<const T> grad_output, Ref<const T> input, Ref<const T> weight,
                                 const int64_t* bias_sizes, int64_t bias_sizes_len,
                                 const int64_t* stride, int64_t stride_len, const int64_t* padding,
                                 int64_t padding_len, const int64_t* dilation,
                                 int64_t dilation_len, bool transposed,
                                 const int64_t* output_padding, int64_t output_padding_len,
                                 int64_t groups, const bool* output_mask, Ref<T> grad_input,
                                 Ref<T> grad_weight, Ref<T> grad_bias) {
  (void)bias_sizes;
  (void)bias_sizes_len;
  (void)output_padding;
  (void)output_padding_len;
  // A transposed convolution's gradients are those of the convolution it is
  // the adjoint of, with the roles of input and grad_output swapped.
  const detail::ConvGeometry g =
      transposed ? detail::transposed_conv_geometry(input.shape, weight.shape, grad_output.shape,
                                                    input.rank, stride, stride_len, padding,
                                                    padding_len, dilation, dilation_len, groups)
                 : detail::conv_geometry(input.shape, weight.shape, input.rank, stride, stride_len,
                                         padding, padding_len, dilation, dilation_len, groups);
  const detail::Dense<T> go(grad_output);
  detail::with_subnormals_flushed([&] {
    if (output_mask[0]) {
      const detail::Dense<T> w(weight);
      if (transposed) {
        detail::conv_planes(g, go.get(), w.get(), grad_input.data);
      } else {
        detail::conv_adjoint_planes(g, go.get(), w.get(), grad_input.data);
      }
    }
    if (output_mask[1]) {
      const detail::Dense<T> x(input);
      if (transposed) {
        detail::conv_weight_grad(g, x.get(), go.get(), grad_weight.data);
      } else {
        detail::conv_weight_grad(g, go.get(), x.get(), grad_weight.data);
      }
    }
  });
  if (output_mask[2]) {
    detail::channel_sums(go.get(), g.batch, transposed ? g.c_in : g.c_out,
                         transposed ? g.in_size : g.out_size, grad_bias.data);
  }
}

// ======================================================================
// Pooling over the last two dims of [C,H,W] or [N,C,H,W]
// ======================================================================

// max_pool2d_with_indices(self, kernel_size, stride (empty: kernel_size),
// padding, dilation (each 1 or 2 values), ceil_mode) -> out [...,OH,OW]
// (self's dtype), indices [...,OH,OW] (flat index into each H*W plane).
// NaN wins; among equal maxima the first wins.
template <typename T>
inline void max_pool2d_with_indices(Ref<const T> self, const int64_t* kernel_size,
                                    int64_t kernel_size_len, const int64_t* stride,
                                    int64_t stride_len, const int64_t* padding,
                                    int64_t padding_len, const int64_t* dilation,
                                    int64_t dilation_len, bool ceil_mode, Ref<T> out,
                                    Ref<int64_t> indices) {
  const detail::Pool2dGeometry g = detail::pool2d_geometry(
      self.shape, self.rank, kernel_size, kernel_size_len, stride, stride_len, padding,
      padding_len, dilation, dilation_len, ceil_mode);
  const detail::Dense<T> x(self);
  const int64_t in_plane = g.in[0] * g.in[1];
  const int64_t lines = g.planes * g.out[0];
#pragma omp parallel for if (lines * g.out[1] * g.kernel[0] * g.kernel[1] > kParallelWork) \
    schedule(static)
  for (int64_t line = 0; line < lines; ++line) {
    const int64_t plane = line / g.out[0], oh = line % g.out[0];
    const T* p = x.get() + plane * in_plane;
    T* best_value = out.data + line * g.out[1];
    int64_t* best = indices.data + line * g.out[1];
    // Start from -inf at the window's first position in the input.
    int64_t h_begin = oh * g.stride[0] - g.pad[0];
    while (h_begin < 0) h_begin += g.dilation[0];
    for (int64_t ow = 0; ow < g.out[1]; ++ow) {
      int64_t w_begin = ow * g.stride[1] - g.pad[1];
      while (w_begin < 0) w_begin += g.dilation[1];
      best_value[ow] = -std::numeric_limits<T>::infinity();
      best[ow] = h_begin * g.in[1] + w_begin;
    }
    // The window's positions in order, each over the outputs whose window
    // holds it inside the input: selects over a line of outputs (SIMD), not
    // a branch per position (which mispredicts at random).
    for (int64_t kh = 0; kh < g.kernel[0]; ++kh) {
      const int64_t h = oh * g.stride[0] - g.pad[0] + kh * g.dilation[0];
      if (h < 0 || h >= g.in[0]) continue;
      for (int64_t kw = 0; kw < g.kernel[1]; ++kw) {
        // Locals: the stores through best could alias g's fields.
        const int64_t at = h * g.in[1] + kw * g.dilation[1] - g.pad[1], step = g.stride[1];
        int64_t ow_begin, ow_end;
        detail::valid_outputs(kw * g.dilation[1] - g.pad[1], step, g.in[1], g.out[1], &ow_begin,
                              &ow_end);
#pragma omp simd
        for (int64_t ow = ow_begin; ow < ow_end; ++ow) {
          const T v = p[at + ow * step];
          const bool take = v > best_value[ow] || std::isnan(v);
          best_value[ow] = take ? v : best_value[ow];
          best[ow] = take ? at + ow * step : best[ow];
        }
      }
    }
  }
}

// max_pool2d_with_indices_backward(grad_output [...,OH,OW], self, kernel_size,
// stride, padding, dilation, ceil_mode, indices [...,OH,OW]) -> grad_input
// (self's shape): grad_output added at the recorded indices. False if an
// index is outside its plane.
template <typename T>
[[nodiscard]] inline bool max_pool2d_with_indices_backward(
    Ref<const T> grad_output, Ref<const T> self, const int64_t* kernel_size,
    int64_t kernel_size_len, const int64_t* stride, int64_t stride_len, const int64_t* padding,
    int64_t padding_len, const int64_t* dilation, int64_t dilation_len, bool ceil_mode,
    Ref<const int64_t> indices, Ref<T> grad_input) {
  (void)kernel_size;
  (void)kernel_size_len;
  (void)stride;
  (void)stride_len;
  (void)padding;
  (void)padding_len;
  (void)dilation;
  (void)dilation_len;
  (void)ceil_mode;
  const int rank = self.rank;
  const int64_t in_plane = self.shape[rank - 2] * self.shape[rank - 1];
  const int64_t out_plane = grad_output.shape[rank - 2] * grad_output.shape[rank - 1];
  const int64_t planes = detail::product(self.shape, rank - 2);
  const detail::Dense<T> go(grad_output);
  const detail::Dense<int64_t> index(indices);
  int bad = 0;
#pragma omp parallel for if (planes * (in_plane + out_plane) > kParallelWork) schedule(static)
  for (int64_t plane = 0; plane < planes; ++plane) {
    T* gi = grad_input.data + plane * in_plane;
    std::fill(gi, gi + in_plane, T(0));
    for (int64_t i = plane * out_plane; i < (plane + 1) * out_plane; ++i) {
      const int64_t at = index[i];
      if (at < 0 || at >= in_plane) {
#pragma omp atomic write
        bad = 1;
        continue;
      }
      gi[at] += go[i];
    }
  }
  return bad == 0;
}

// avg_pool2d(self, kernel_size, stride (empty: kernel_size), padding,
// ceil_mode, count_include_pad, divisor_override (optional int, nonzero))
// -> out [...,OH,OW]. Integer T divides with truncation.
template <typename T>
inline void avg_pool2d(Ref<const T> self, const int64_t* kernel_size, int64_t kernel_size_len,
                       const int64_t* stride, int64_t stride_len, const int64_t* padding,
                       int64_t padding_len, bool ceil_mode, bool count_include_pad,
                       bool has_divisor_override, int64_t divisor_override, Ref<T> out) {
  const detail::Pool2dGeometry g =
      detail::pool2d_geometry(self.shape, self.rank, kernel_size, kernel_size_len, stride,
                              stride_len, padding, padding_len, nullptr, 0, ceil_mode);
  const detail::Dense<T> x(self);
  const int64_t in_plane = g.in[0] * g.in[1];
  const int64_t lines = g.planes * g.out[0];
#pragma omp parallel for if (lines * g.out[1] * g.kernel[0] * g.kernel[1] > kParallelWork) \
    schedule(static)
  for (int64_t line = 0; line < lines; ++line) {
    const int64_t plane = line / g.out[0], oh = line % g.out[0];
    const T* p = x.get() + plane * in_plane;
    for (int64_t ow = 0; ow < g.out[1]; ++ow) {
      const detail::AvgWindow w = detail::avg_window(g, oh, ow, count_include_pad,
                                                     has_divisor_override, divisor_override);
      detail::Acc<T> sum = 0;
      for (int64_t h = w.h_begin; h < w.h_end; ++h) {
        for (int64_t c = w.w_begin; c < w.w_end; ++c) sum += p[h * g.in[1] + c];
      }
      T& o = out.data[line * g.out[1] + ow];
      if (w.h_begin >= w.h_end || w.w_begin >= w.w_end) {
        o = T(0);  // The window lies in the padding.
      } else if constexpr (std::is_floating_point_v<T>) {
        o = static_cast<T>(sum / static_cast<double>(w.divisor));
      } else {
        o = static_cast<T>(sum / w.divisor);
      }
    }
  }
}

// avg_pool2d_backward(grad_output [...,OH,OW], self, kernel_size, stride,
// padding, ceil_mode, count_include_pad, divisor_override) -> grad_input
// (self's shape): each output's gradient spread over its window. Floating
// T only.
template <typename T>
inline void avg_pool2d_backward(Ref<const T> grad_output, Ref<const T> self,
                                const int64_t* kernel_size, int64_t kernel_size_len,
                                const int64_t* stride, int64_t stride_len, const int64_t* padding,
                                int64_t padding_len, bool ceil_mode, bool count_include_pad,
                                bool has_divisor_override, int64_t divisor_override,
                                Ref<T> grad_input) {
  static_assert(std::is_floating_point_v<T>, "avg_pool2d_backward takes floating tensors");
  const detail::Pool2dGeometry g =
      detail::pool2d_geometry(self.shape, self.rank, kernel_size, kernel_size_len, stride,
                              stride_len, padding, padding_len, nullptr, 0, ceil_mode);
  const detail::Dense<T> go(grad_output);
  const int64_t in_plane = g.in[0] * g.in[1], out_plane = g.out[0] * g.out[1];
#pragma omp parallel for if (g.planes * (in_plane + out_plane * g.kernel[0] * g.kernel[1]) > \
                             kParallelWork) schedule(static)
  for (int64_t plane = 0; plane < g.planes; ++plane) {
    T* gi = grad_input.data + plane * in_plane;
    std::fill(gi, gi + in_plane, T(0));
    for (int64_t oh = 0; oh < g.out[0]; ++oh) {
      for (int64_t ow = 0; ow < g.out[1]; ++ow) {
        const detail::AvgWindow w = detail::avg_window(g, oh, ow, count_include_pad,
                                                       has_divisor_override, divisor_override);
        const T delta = static_cast<T>(go[plane * out_plane + oh * g.out[1] + ow] /
                                       static_cast<double>(w.divisor));
        for (int64_t h = w.h_begin; h < w.h_end; ++h) {
          for (int64_t c = w.w_begin; c < w.w_end; ++c) gi[h * g.in[1] + c] += delta;
        }
      }
    }
  }
}

// adaptive_avg_pool2d (ATen's _adaptive_avg_pool2d)(self [...,H,W],
// output_size[2]) -> out [...,OH,OW]: window i spans
// [floor(i*H/OH), ceil((i+1)*H/OH)).
template <typename T>
inline void adaptive_avg_pool2d(Ref<const T> self, const int64_t* output_size,
                                int64_t output_size_len, Ref<T> out) {
  (void)output_size_len;
  const int rank = self.rank;
  const int64_t in_h = self.shape[rank - 2], in_w = self.shape[rank - 1];
  const int64_t out_h = output_size[0], out_w = output_size[1];
  const int64_t planes = detail::product(self.shape, rank - 2);
  const detail::Dense<T> x(self);
  const int64_t lines = planes * out_h;
#pragma omp parallel for if (planes * in_h * in_w > kParallelWork) schedule(static)
  for (int64_t line = 0; line < lines; ++line) {
    const int64_t plane = line / out_h, oh = line % out_h;
    const T* p = x.get() + plane * in_h * in_w;
    const int64_t h_begin = detail::adaptive_start(oh, out_h, in_h);
    const int64_t h_end = detail::adaptive_end(oh, out_h, in_h);
    for (int64_t ow = 0; ow < out_w; ++ow) {
      const int64_t w_begin = detail::adaptive_start(ow, out_w, in_w);
      const int64_t w_end = detail::adaptive_end(ow, out_w, in_w);
      double sum = 0;
      for (int64_t h = h_begin; h < h_end; ++h) {
        for (int64_t c = w_begin; c < w_end; ++c) sum += static_cast<double>(p[h * in_w + c]);
      }
      out.data[line * out_w + ow] =
          static_cast<T>(sum / static_cast<double>((h_end - h_begin) * (w_end - w_begin)));
    }
  }
}

// adaptive_avg_pool2d_backward (ATen's _adaptive_avg_pool2d_backward)
// (grad_output [...,OH,OW], self [...,H,W]) -> grad_input (self's shape).
template <typename T>
inline void adaptive_avg_pool2d_backward(Ref<const T> grad_output, Ref<const T> self,
                                         Ref<T> grad_input) {
  const int rank = self.rank;
  const int64_t in_h = self.shape[rank - 2], in_w = self.shape[rank - 1];
  const int64_t out_h = grad_output.shape[rank - 2], out_w = grad_output.shape[rank - 1];
  const int64_t planes = detail::product(self.shape, rank - 2);
  const detail::Dense<T> go(grad_output);
#pragma omp parallel for if (planes * in_h * in_w > kParallelWork) schedule(static)
  for (int64_t plane = 0; plane < planes; ++plane) {
    T* gi = grad_input.data + plane * in_h * in_w;
    std::fill(gi, gi + in_h * in_w, T(0));
    for (int64_t oh = 0; oh < out_h; ++oh) {
      const int64_t h_begin = detail::adaptive_start(oh, out_h, in_h);
      const int64_t h_end = detail::adaptive_end(oh, out_h, in_h);
      for (int64_t ow = 0; ow < out_w; ++ow) {
        const int64_t w_begin = detail::adaptive_start(ow, out_w, in_w);
        const int64_t w_end = detail::adaptive_end(ow, out_w, in_w);
        const T delta =
            static_cast<T>(go[(plane * out_h + oh) * out_w + ow] /
                           static_cast<double>((h_end - h_begin) * (w_end - w_begin)));
        for (int64_t h = h_begin; h < h_end; ++h) {
          for (int64_t c = w_begin; c < w_end; ++c) gi[h * in_w + c] += delta;
        }
      }
    }
  }
}

// ======================================================================
// Normalization
// ======================================================================

// native_layer_norm(input [*, *normalized_shape], normalized_shape, weight
// and bias (normalized_shape or None), eps) -> out (input's shape), mean and
// rstd ([*, 1, ..., 1], one value per row).
template <typename T>
inline void native_layer_norm(Ref<const T> input, const int64_t* normalized_shape,
                              int64_t normalized_shape_len, Ref<const T> weight, Ref<const T> bias,
                              double eps, Ref<T> out, Ref<T> mean, Ref<T> rstd) {
  const int axis = input.rank - static_cast<int>(normalized_shape_len);
  const int64_t outer = detail::product(input.shape, axis);
  const int64_t inner = detail::product(normalized_shape, static_cast<int>(normalized_shape_len));
  const detail::Dense<T> x(input);
  std::unique_ptr<detail::Dense<T>> w, b;
  if (!is_none(weight)) w.reset(new detail::Dense<T>(weight));
  if (!is_none(bias)) b.reset(new detail::Dense<T>(bias));
#pragma omp parallel for if (outer * inner > kParallelWork) schedule(static)
  for (int64_t i = 0; i < outer; ++i) {
    const T* row = x.get() + i * inner;
    double sum = 0;
#pragma omp simd reduction(+ : sum)
    for (int64_t j = 0; j < inner; ++j) sum += static_cast<double>(row[j]);
    const double m = inner == 0 ? 0.0 : sum / static_cast<double>(inner);
    double squares = 0;
#pragma omp simd reduction(+ : squares)
    for (int64_t j = 0; j < inner; ++j) {
      const double d = static_cast<double>(row[j]) - m;
      squares += d * d;
    }
    const double r = 1.0 / std::sqrt((inner == 0 ? 0.0 : squares / static_cast<double>(inner)) +
                                     eps);
    mean.data[i] = static_cast<T>(m);
    rstd.data[i] = static_cast<T>(r);
    const T mt = static_cast<T>(m), rt = static_cast<T>(r);
    T* y = out.data + i * inner;
    const T* wp = w ? w->get() : nullptr;
    const T* bp = b ? b->get() : nullptr;
#pragma omp simd
    for (int64_t j = 0; j < inner; ++j) {
      T v = (row[j] - mt) * rt;
      if (wp != nullptr) v *= wp[j];
      if (bp != nullptr) v += bp[j];
      y[j] = v;
    }
  }
}

// native_layer_norm_backward(grad_out, input [*, *normalized_shape],
// normalized_shape, mean, rstd (one value per row), weight, bias (ignored),
// output_mask[3]) -> grad_input (input's shape), grad_weight and grad_bias
// (normalized_shape), each written only when its mask entry is true.
template <typename T>
inline void native_layer_norm_backward(Ref<const T> grad_out, Ref<const T> input,
                                       const int64_t* normalized_shape,
                                       int64_t normalized_shape_len, Ref<const T> mean,
                                       Ref<const T> rstd, Ref<const T> weight, Ref<const T> bias,
                                       const bool* output_mask, Ref<T> grad_input,
                                       Ref<T> grad_weight, Ref<T> grad_bias) {
  (void)bias;
  const int axis = input.rank - static_cast<int>(normalized_shape_len);
  const int64_t outer = detail::product(input.shape, axis);
  const int64_t inner = detail::product(normalized_shape, static_cast<int>(normalized_shape_len));
  const detail::Dense<T> x(input), go(grad_out), mu(mean), rs(rstd);
  std::unique_ptr<detail::Dense<T>> w;
  if (!is_none(weight)) w.reset(new detail::Dense<T>(weight));
  const T* wp = w ? w->get() : nullptr;
  if (output_mask[0]) {
    const double n = static_cast<double>(inner);
#pragma omp parallel for if (outer * inner > kParallelWork) schedule(static)
    for (int64_t i = 0; i < outer; ++i) {
      const T* row = x.get() + i * inner;
      const T* g = go.get() + i * inner;
      const double m = static_cast<double>(mu[i]), r = static_cast<double>(rs[i]);
      double sum_g = 0, sum_g_xhat = 0;
#pragma omp simd reduction(+ : sum_g, sum_g_xhat)
      for (int64_t j = 0; j < inner; ++j) {
        const double gw = static_cast<double>(g[j]) * (wp ? static_cast<double>(wp[j]) : 1.0);
        sum_g += gw;
        sum_g_xhat += gw * (static_cast<double>(row[j]) - m) * r;
      }
      const double mean_g = sum_g / n, mean_g_xhat = sum_g_xhat / n;
      T* gi = grad_input.data + i * inner;
#pragma omp simd
      for (int64_t j = 0; j < inner; ++j) {
        const double gw = static_cast<double>(g[j]) * (wp ? static_cast<double>(wp[j]) : 1.0);
        const double xhat = (static_cast<double>(row[j]) - m) * r;
        gi[j] = static_cast<T>(r * (gw - mean_g - xhat * mean_g_xhat));
      }
    }
  }
  if (!output_mask[1] && !output_mask[2]) return;
  // Column sums over the rows: partial sums over a fixed number of row
  // chunks (so the result does not depend on the thread count), then added.
  const int64_t chunks =
      std::max<int64_t>(1, std::min<int64_t>(64, outer * inner / kParallelWork));
  std::vector<double> partial(static_cast<size_t>(chunks * 2 * inner), 0.0);
#pragma omp parallel for if (chunks > 1) schedule(static)
  for (int64_t c = 0; c < chunks; ++c) {
    double* pw = partial.data() + c * 2 * inner;
    double* pb = pw + inner;
    for (int64_t i = outer * c / chunks; i < outer * (c + 1) / chunks; ++i) {
      const T* row = x.get() + i * inner;
      const T* g = go.get() + i * inner;
      const double m = static_cast<double>(mu[i]), r = static_cast<double>(rs[i]);
#pragma omp simd
      for (int64_t j = 0; j < inner; ++j) {
        pw[j] += static_cast<double>(g[j]) * (static_cast<double>(row[j]) - m) * r;
        pb[j] += static_cast<double>(g[j]);
      }
    }
  }
  for (int64_t j = 0; j < inner; ++j) {
    double sw = 0, sb = 0;
    for (int64_t c = 0; c < chunks; ++c) {
      sw += partial[c * 2 * inner + j];
      sb += partial[c * 2 * inner + inner + j];
    }
    if (output_mask[1]) grad_weight.data[j] = static_cast<T>(sw);
    if (output_mask[2]) grad_bias.data[j] = static_cast<T>(sb);
  }
}

// native_batch_norm(input [N,C,*], weight, bias, running_mean, running_var
// ([C] or None; running stats required in eval), training, momentum
// (ignored), eps) -> out (input's shape), save_mean, save_invstd ([C] when
// training; [0] and untouched in eval). Training normalizes with the batch
// statistics; running statistics are read in eval and never updated.
template <typename T>
inline void native_batch_norm(Ref<const T> input, Ref<const T> weight, Ref<const T> bias,
                              Ref<const T> running_mean, Ref<const T> running_var, bool training,
                              double momentum, double eps, Ref<T> out, Ref<T> save_mean,
                              Ref<T> save_invstd) {
  (void)momentum;
  const int64_t batch = input.shape[0], channels = input.shape[1];
  const int64_t inner = detail::product(input.shape + 2, input.rank - 2);
  const int64_t planes = batch * channels;
  const bool parallel = planes * inner > kParallelWork;
  const detail::Dense<T> x(input);
  std::vector<double> mean(channels), invstd(channels);
  if (training) {
    const double count = static_cast<double>(batch * inner);
    std::vector<double> plane_sum(planes);
#pragma omp parallel for if (parallel) schedule(static)
    for (int64_t p = 0; p < planes; ++p) {
      const T* row = x.get() + p * inner;
      double sum = 0;
#pragma omp simd reduction(+ : sum)
      for (int64_t k = 0; k < inner; ++k) sum += static_cast<double>(row[k]);
      plane_sum[p] = sum;
    }
    for (int64_t c = 0; c < channels; ++c) {
      double sum = 0;
      for (int64_t n = 0; n < batch; ++n) sum += plane_sum[n * channels + c];
      mean[c] = sum / count;
    }
#pragma omp parallel for if (parallel) schedule(static)
    for (int64_t p = 0; p < planes; ++p) {
      const T* row = x.get() + p * inner;
      const double m = mean[p % channels];
      double sum = 0;
#pragma omp simd reduction(+ : sum)
      for (int64_t k = 0; k < inner; ++k) {
        const double d = static_cast<double>(row[k]) - m;
        sum += d * d;
      }
      plane_sum[p] = sum;
    }
    for (int64_t c = 0; c < channels; ++c) {
      double sum = 0;
      for (int64_t n = 0; n < batch; ++n) sum += plane_sum[n * channels + c];
      invstd[c] = 1.0 / std::sqrt(sum / count + eps);
      save_mean.data[c] = static_cast<T>(mean[c]);
      save_invstd.data[c] = static_cast<T>(invstd[c]);
    }
  } else {
    for (int64_t c = 0; c < channels; ++c) {
      mean[c] = static_cast<double>(detail::at1(running_mean, c));
      invstd[c] = 1.0 / std::sqrt(static_cast<double>(detail::at1(running_var, c)) + eps);
    }
  }
#pragma omp parallel for if (parallel) schedule(static)
  for (int64_t p = 0; p < planes; ++p) {
    const int64_t c = p % channels;
    const double w = is_none(weight) ? 1.0 : static_cast<double>(detail::at1(weight, c));
    const double b = is_none(bias) ? 0.0 : static_cast<double>(detail::at1(bias, c));
    // y = x * scale + shift.
    const T scale = static_cast<T>(invstd[c] * w);
    const T shift = static_cast<T>(b - mean[c] * invstd[c] * w);
    const T* row = x.get() + p * inner;
    T* y = out.data + p * inner;
#pragma omp simd
    for (int64_t k = 0; k < inner; ++k) y[k] = row[k] * scale + shift;
  }
}

// native_batch_norm_backward(grad_out, input [N,C,*], weight, running_mean,
// running_var, save_mean, save_invstd ([C] or None), train, eps,
// output_mask[3]) -> grad_input (input's shape), grad_weight [C], grad_bias
// [C], each written only when its mask entry is true. Training uses the
// saved statistics, eval the running ones.
template <typename T>
inline void native_batch_norm_backward(Ref<const T> grad_out, Ref<const T> input,
                                       Ref<const T> weight, Ref<const T> running_mean,
                                       Ref<const T> running_var, Ref<const T> save_mean,
                                       Ref<const T> save_invstd, bool train, double eps,
                                       const bool* output_mask, Ref<T> grad_input,
                                       Ref<T> grad_weight, Ref<T> grad_bias) {
  const int64_t batch = input.shape[0], channels = input.shape[1];
  const int64_t inner = detail::product(input.shape + 2, input.rank - 2);
  const int64_t planes = batch * channels;
  const bool parallel = planes * inner > kParallelWork;
  const detail::Dense<T> x(input), go(grad_out);
  std::vector<double> mean(channels), invstd(channels);
  for (int64_t c = 0; c < channels; ++c) {
    if (train) {
      mean[c] = static_cast<double>(detail::at1(save_mean, c));
      invstd[c] = static_cast<double>(detail::at1(save_invstd, c));
    } else {
      mean[c] = static_cast<double>(detail::at1(running_mean, c));
      invstd[c] = 1.0 / std::sqrt(static_cast<double>(detail::at1(running_var, c)) + eps);
    }
  }
  // Per plane: sum(g) and sum(g * xhat); then per channel.
  std::vector<double> plane_g(planes), plane_gx(planes);
#pragma omp parallel for if (parallel) schedule(static)
  for (int64_t p = 0; p < planes; ++p) {
    const int64_t c = p % channels;
    const T* row = x.get() + p * inner;
    const T* g = go.get() + p * inner;
    const double m = mean[c], r = invstd[c];
    double sum_g = 0, sum_gx = 0;
#pragma omp simd reduction(+ : sum_g, sum_gx)
    for (int64_t k = 0; k < inner; ++k) {
      sum_g += static_cast<double>(g[k]);
      sum_gx += static_cast<double>(g[k]) * (static_cast<double>(row[k]) - m) * r;
    }
    plane_g[p] = sum_g;
    plane_gx[p] = sum_gx;
  }
  std::vector<double> sum_g(channels, 0.0), sum_gx(channels, 0.0);
  for (int64_t c = 0; c < channels; ++c) {
    for (int64_t n = 0; n < batch; ++n) {
      sum_g[c] += plane_g[n * channels + c];
      sum_gx[c] += plane_gx[n * channels + c];
    }
    if (output_mask[1]) grad_weight.data[c] = static_cast<T>(sum_gx[c]);
    if (output_mask[2]) grad_bias.data[c] = static_cast<T>(sum_g[c]);
  }
  if (!output_mask[0]) return;
  const double count = static_cast<double>(batch * inner);
#pragma omp parallel for if (parallel) schedule(static)
  for (int64_t p = 0; p < planes; ++p) {
    const int64_t c = p % channels;
    const double w = is_none(weight) ? 1.0 : static_cast<double>(detail::at1(weight, c));
    const double m = mean[c], r = invstd[c], scale = w * r;
    const double mean_g = train ? sum_g[c] / count : 0.0;
    const double mean_gx = train ? sum_gx[c] / count : 0.0;
    const T* row = x.get() + p * inner;
    const T* g = go.get() + p * inner;
    T* gi = grad_input.data + p * inner;
#pragma omp simd
    for (int64_t k = 0; k < inner; ++k) {
      const double xhat = (static_cast<double>(row[k]) - m) * r;
      gi[k] = static_cast<T>((static_cast<double>(g[k]) - mean_g - xhat * mean_gx) * scale);
    }
  }
}

// ======================================================================
// Softmax along one dim (numerically stable: a row of -inf gives NaN,
// -inf entries of a finite row give 0)
// ======================================================================

// softmax (ATen's _softmax)(self, dim, half_to_float (must be false))
// -> out (self's shape).
template <typename T>
inline void softmax(Ref<const T> self, int64_t dim, bool half_to_float, Ref<T> out) {
  (void)half_to_float;
  detail::softmax_forward<T, false>(self, dim, out);
}

// log_softmax (ATen's _log_softmax)(self, dim, half_to_float (must be
// false)) -> out (self's shape).
template <typename T>
inline void log_softmax(Ref<const T> self, int64_t dim, bool half_to_float, Ref<T> out) {
  (void)half_to_float;
  detail::softmax_forward<T, true>(self, dim, out);
}

// softmax_backward_data (ATen's _softmax_backward_data)(grad_output,
// output (same shape), dim) -> grad_input = output * (grad_output -
// sum(grad_output * output, dim)).
template <typename T>
inline void softmax_backward_data(Ref<const T> grad_output, Ref<const T> output, int64_t dim,
                                  Ref<T> grad_input) {
  detail::softmax_backward<T, false>(grad_output, output, dim, grad_input);
}

// log_softmax_backward_data (ATen's _log_softmax_backward_data)
// (grad_output, output (same shape), dim) -> grad_input = grad_output -
// exp(output) * sum(grad_output, dim).
template <typename T>
inline void log_softmax_backward_data(Ref<const T> grad_output, Ref<const T> output, int64_t dim,
                                      Ref<T> grad_input) {
  detail::softmax_backward<T, true>(grad_output, output, dim, grad_input);
}

// ======================================================================
// Losses (reduction: 0 none, 1 mean, 2 sum)
// ======================================================================

// nll_loss_forward(self [N,C] or [C], target [N] or [] (integers), weight
// [C] or None, reduction, ignore_index) -> output ([N] for none over
// [N,C], else []), total_weight [] (sum of the counted targets' weights; 0
// for none over [N,C]). Mean of nothing is NaN. False for a target outside
// [0, C) that is not ignore_index.
template <typename T, typename TI>
[[nodiscard]] inline bool nll_loss_forward(Ref<const T> self, Ref<const TI> target,
                                           Ref<const T> weight, int64_t reduction,
                                           int64_t ignore_index, Ref<T> output,
                                           Ref<T> total_weight) {
  const int64_t classes = self.shape[self.rank - 1];
  const int64_t batch = self.rank == 1 ? 1 : self.shape[0];
  const int64_t row_stride = self.rank == 1 ? 0 : self.strides[0];
  const int64_t class_stride = self.strides[self.rank - 1];
  const int64_t target_stride = target.rank == 0 ? 0 : target.strides[0];
  const bool per_sample = reduction == detail::kReductionNone && self.rank == 2;
  double sum = 0, weights = 0;
  for (int64_t i = 0; i < batch; ++i) {
    const int64_t t = static_cast<int64_t>(target.data[i * target_stride]);
    double loss = 0;
    if (t != ignore_index) {
      if (t < 0 || t >= classes) return false;
      const double w = is_none(weight) ? 1.0 : static_cast<double>(detail::at1(weight, t));
      loss = -static_cast<double>(self.data[i * row_stride + t * class_stride]) * w;
      weights += w;
    }
    if (per_sample) {
      output.data[i] = static_cast<T>(loss);
    } else {
      sum += loss;
    }
  }
  if (per_sample) {
    total_weight.data[0] = T(0);
    return true;
  }
  if (batch == 0) {
    output.data[0] = reduction == detail::kReductionMean ? std::numeric_limits<T>::quiet_NaN()
                                                         : T(0);
  } else {
    output.data[0] = static_cast<T>(reduction == detail::kReductionMean ? sum / weights : sum);
  }
  total_weight.data[0] = static_cast<T>(weights);
  return true;
}

// nll_loss_backward(grad_output (the forward output's shape), self [N,C] or
// [C], target, weight [C] or None, reduction, ignore_index, total_weight [])
// -> grad_input (self's shape): -weight[t] * grad at each counted target
// (divided by total_weight for mean), 0 elsewhere. False for a target
// outside [0, C) that is not ignore_index.
template <typename T, typename TI>
[[nodiscard]] inline bool nll_loss_backward(Ref<const T> grad_output, Ref<const T> self,
                                            Ref<const TI> target, Ref<const T> weight,
                                            int64_t reduction, int64_t ignore_index,
                                            Ref<const T> total_weight, Ref<T> grad_input) {
  const int64_t classes = self.shape[self.rank - 1];
  const int64_t batch = self.rank == 1 ? 1 : self.shape[0];
  const int64_t target_stride = target.rank == 0 ? 0 : target.strides[0];
  const bool per_sample = reduction == detail::kReductionNone && self.rank == 2;
  const int64_t grad_stride = per_sample ? grad_output.strides[0] : 0;
  const double total = static_cast<double>(total_weight.data[0]);
  std::fill(grad_input.data, grad_input.data + batch * classes, T(0));
  for (int64_t i = 0; i < batch; ++i) {
    const int64_t t = static_cast<int64_t>(target.data[i * target_stride]);
    if (t == ignore_index) continue;
    if (t < 0 || t >= classes) return false;
    const double w = is_none(weight) ? 1.0 : static_cast<double>(detail::at1(weight, t));
    double g = -w * static_cast<double>(grad_output.data[i * grad_stride]);
    if (!per_sample && reduction == detail::kReductionMean) g /= total;
    grad_input.data[i * classes + t] = static_cast<T>(g);
  }
  return true;
}

// mse_loss(self, target (broadcasting), reduction) -> out (the broadcast
// shape for none, else []): (self - target)^2, summed in double.
template <typename T>
inline void mse_loss(Ref<const T> self, Ref<const T> target, int64_t reduction, Ref<T> out) {
  detail::pointwise_loss(self, target, reduction, out, [](T d) { return d * d; });
}

// mse_loss_backward(grad_output, self, target, reduction) -> grad_input
// (broadcast of all three) = norm * 2 * (self - target) * grad_output, norm
// = 1 / numel(self) for mean, else 1.
template <typename T>
inline void mse_loss_backward(Ref<const T> grad_output, Ref<const T> self, Ref<const T> target,
                              int64_t reduction, Ref<T> grad_input) {
  detail::pointwise_loss_backward(grad_output, self, target, reduction, grad_input,
                                  [](T d) { return T(2) * d; });
}

// smooth_l1_loss(self, target (broadcasting), reduction, beta >= 0) -> out:
// 0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta.
template <typename T>
inline void smooth_l1_loss(Ref<const T> self, Ref<const T> target, int64_t reduction,
                           double beta, Ref<T> out) {
  detail::pointwise_loss(self, target, reduction, out,
                         [beta](T d) { return detail::smooth_l1(d, beta); });
}

// smooth_l1_loss_backward(grad_output, self, target, reduction, beta) ->
// grad_input (broadcast of all three) = norm * clamp(d / beta, -1, 1) *
// grad_output (sign(d) for beta 0); norm as for mse_loss_backward.
template <typename T>
inline void smooth_l1_loss_backward(Ref<const T> grad_output, Ref<const T> self,
                                    Ref<const T> target, int64_t reduction, double beta,
                                    Ref<T> grad_input) {
  detail::pointwise_loss_backward(grad_output, self, target, reduction, grad_input,
                                  [beta](T d) { return detail::smooth_l1_derivative(d, beta); });
}

// ======================================================================
// Embedding
// ======================================================================

// embedding(weight [V,D], indices (integers, any shape), padding_idx,
// scale_grad_by_freq, sparse (all three ignored)) -> out [*indices.shape,
// D]: the rows of weight. False for an index outside [0, V).
template <typename T, typename TI>
[[nodiscard]] inline bool embedding(Ref<const T> weight, Ref<const TI> indices, int64_t padding_idx,
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

// embedding_dense_backward(grad_output [*indices.shape, D], indices,
// num_weights, padding_idx, scale_grad_by_freq) -> grad_weight
// [num_weights, D]: row r sums the grad_output rows whose index is r
// (divided by r's count when scale_grad_by_freq); row padding_idx stays 0.
// False for an index outside [0, num_weights).
template <typename T, typename TI>
[[nodiscard]] inline bool embedding_dense_backward(Ref<const T> grad_output, Ref<const TI> indices,
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

// ======================================================================
// Reductions
// ======================================================================

// var (ATen's var.correction)(self, dim[dim_len] (null or empty: every
// dim), correction (optional; absent means 1), keepdim) -> out (the reduced
// shape; keepdim changes only the shape): sum((x - mean)^2) /
// max(0, n - correction), two passes in double.
template <typename T>
inline void var(Ref<const T> self, const int64_t* dim, int64_t dim_len, bool has_correction,
                int64_t correction, bool keepdim, Ref<T> out) {
  if (!has_correction) correction = 1;
  (void)keepdim;
  const detail::ReducePlan p = detail::reduce_plan(self, dim, dim_len);
  const double n = static_cast<double>(p.count);
  const double divisor = std::max(0.0, n - static_cast<double>(correction));
  const bool one = p.outputs == 1 && p.count > kParallelWork;
#pragma omp parallel for if (p.outputs > 1 && p.outputs * p.count > kParallelWork) \
    schedule(static)
  for (int64_t o = 0; o < p.outputs; ++o) {
    const int64_t base = p.base(o);
    const double mean = detail::reduce_sum(p, self.data, base, one, [](double x) { return x; }) / n;
    const double squares = detail::reduce_sum(p, self.data, base, one, [mean](double x) {
      return (x - mean) * (x - mean);
    });
    out.data[o] = static_cast<T>(squares / divisor);
  }
}

// var_dim (ATen's var.dim)(self, dim[dim_len], unbiased, keepdim) -> out:
// var with correction 1 when unbiased, else 0.
template <typename T>
inline void var_dim(Ref<const T> self, const int64_t* dim, int64_t dim_len, bool unbiased,
                    bool keepdim, Ref<T> out) {
  var(self, dim, dim_len, true, unbiased ? 1 : 0, keepdim, out);
}

// argmax(self, dim (optional: none flattens), keepdim) -> out (int64, the
// reduced shape): the index of the first maximum along dim (or in the
// flattened input); NaN is the maximum.
template <typename T>
inline void argmax(Ref<const T> self, bool has_dim, int64_t dim, bool keepdim,
                   Ref<int64_t> out) {
  (void)keepdim;
  const detail::ReducePlan p = detail::reduce_plan(self, has_dim ? &dim : nullptr, has_dim ? 1 : 0);
#pragma omp parallel for if (p.outputs > 1 && p.outputs * p.count > kParallelWork) \
    schedule(static)
  for (int64_t o = 0; o < p.outputs; ++o) {
    int64_t best = 0;
    T best_value = T(0);
    detail::reduce_scan(p, self.data, p.base(o), [&](T v, int64_t i) {
      if (i == 0 || v > best_value || std::isnan(v)) {
        best = i;
        best_value = v;
      }
      return !std::isnan(v);
    });
    out.data[o] = best;
  }
}

// prod(self) -> out [] (TOut: self's dtype, or int64 for integer inputs):
// the product of every element, in double (integers wrap in int64).
template <typename TOut, typename T>
inline void prod(Ref<const T> self, Ref<TOut> out) {
  detail::reduce_product(self, detail::reduce_plan(self, nullptr, 0), out.data);
}

// prod_dim (ATen's prod.dim_int)(self, dim, keepdim) -> out (the reduced
// shape; keepdim changes only the shape): the product along dim.
template <typename TOut, typename T>
inline void prod_dim(Ref<const T> self, int64_t dim, bool keepdim, Ref<TOut> out) {
  (void)keepdim;
  detail::reduce_product(self, detail::reduce_plan(self, &dim, 1), out.data);
}

}  // namespace aotd_rt

#endif  // AOTD_COMPILER_CODEGEN_RUNTIME_KERNELS_H_
