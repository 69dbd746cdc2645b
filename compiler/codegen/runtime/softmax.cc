#include "compiler/codegen/runtime/softmax.h"

#include "compiler/codegen/runtime/internal.h"

namespace aotd_rt {

namespace detail {

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

}  // namespace detail

template <typename T>
void softmax(Ref<const T> self, int64_t dim, bool half_to_float, Ref<T> out) {
  (void)half_to_float;
  detail::softmax_forward<T, false>(self, dim, out);
}

template <typename T>
void log_softmax(Ref<const T> self, int64_t dim, bool half_to_float, Ref<T> out) {
  (void)half_to_float;
  detail::softmax_forward<T, true>(self, dim, out);
}

template <typename T>
void softmax_backward_data(Ref<const T> grad_output, Ref<const T> output, int64_t dim,
                           Ref<T> grad_input) {
  detail::softmax_backward<T, false>(grad_output, output, dim, grad_input);
}

template <typename T>
void log_softmax_backward_data(Ref<const T> grad_output, Ref<const T> output, int64_t dim,
                               Ref<T> grad_input) {
  detail::softmax_backward<T, true>(grad_output, output, dim, grad_input);
}

// Explicit instantiations for the dtypes the ops allow (lists in internal.h).
#define AOTD_RT_INSTANTIATE_SOFTMAX(T)                                                            \
  template void softmax(Ref<const T> self, int64_t dim, bool half_to_float, Ref<T> out);          \
  template void log_softmax(Ref<const T> self, int64_t dim, bool half_to_float, Ref<T> out);      \
  template void softmax_backward_data(Ref<const T> grad_output, Ref<const T> output, int64_t dim, \
                                      Ref<T> grad_input);                                         \
  template void log_softmax_backward_data(Ref<const T> grad_output, Ref<const T> output,          \
                                          int64_t dim, Ref<T> grad_input);
AOTD_RT_FLOAT_TYPES(AOTD_RT_INSTANTIATE_SOFTMAX)
#undef AOTD_RT_INSTANTIATE_SOFTMAX

}  // namespace aotd_rt
