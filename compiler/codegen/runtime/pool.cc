#include "compiler/codegen/runtime/pool.h"

#include "compiler/codegen/runtime/internal.h"

namespace aotd_rt {

namespace detail {

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

}  // namespace detail

template <typename T>
void max_pool2d_with_indices(Ref<const T> self, const int64_t* kernel_size,
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

template <typename T>
[[nodiscard]] bool max_pool2d_with_indices_backward(
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

template <typename T>
void avg_pool2d(Ref<const T> self, const int64_t* kernel_size, int64_t kernel_size_len,
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

template <typename T>
void avg_pool2d_backward(Ref<const T> grad_output, Ref<const T> self,
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

template <typename T>
void adaptive_avg_pool2d(Ref<const T> self, const int64_t* output_size,
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

template <typename T>
void adaptive_avg_pool2d_backward(Ref<const T> grad_output, Ref<const T> self,
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

// Explicit instantiations for the dtypes the ops allow (lists in internal.h).
#define AOTD_RT_INSTANTIATE_POOL_1(T)                                                             \
  template void max_pool2d_with_indices(                                                          \
      Ref<const T> self, const int64_t* kernel_size, int64_t kernel_size_len,                     \
      const int64_t* stride, int64_t stride_len, const int64_t* padding, int64_t padding_len,     \
      const int64_t* dilation, int64_t dilation_len, bool ceil_mode, Ref<T> out,                  \
      Ref<int64_t> indices);                                                                      \
  template bool max_pool2d_with_indices_backward(                                                 \
      Ref<const T> grad_output, Ref<const T> self, const int64_t* kernel_size,                    \
      int64_t kernel_size_len, const int64_t* stride, int64_t stride_len, const int64_t* padding, \
      int64_t padding_len, const int64_t* dilation, int64_t dilation_len, bool ceil_mode,         \
      Ref<const int64_t> indices, Ref<T> grad_input);                                             \
  template void avg_pool2d_backward(                                                              \
      Ref<const T> grad_output, Ref<const T> self, const int64_t* kernel_size,                    \
      int64_t kernel_size_len, const int64_t* stride, int64_t stride_len, const int64_t* padding, \
      int64_t padding_len, bool ceil_mode, bool count_include_pad, bool has_divisor_override,     \
      int64_t divisor_override, Ref<T> grad_input);                                               \
  template void adaptive_avg_pool2d(Ref<const T> self, const int64_t* output_size,                \
                                    int64_t output_size_len, Ref<T> out);                         \
  template void adaptive_avg_pool2d_backward(Ref<const T> grad_output, Ref<const T> self,         \
                                             Ref<T> grad_input);
AOTD_RT_FLOAT_TYPES(AOTD_RT_INSTANTIATE_POOL_1)
#undef AOTD_RT_INSTANTIATE_POOL_1

#define AOTD_RT_INSTANTIATE_POOL_2(T)                                                              \
  template void avg_pool2d(Ref<const T> self, const int64_t* kernel_size, int64_t kernel_size_len, \
                           const int64_t* stride, int64_t stride_len, const int64_t* padding,      \
                           int64_t padding_len, bool ceil_mode, bool count_include_pad,            \
                           bool has_divisor_override, int64_t divisor_override, Ref<T> out);
AOTD_RT_AVG_POOL_TYPES(AOTD_RT_INSTANTIATE_POOL_2)
#undef AOTD_RT_INSTANTIATE_POOL_2

}  // namespace aotd_rt
