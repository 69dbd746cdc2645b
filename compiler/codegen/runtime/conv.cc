#include "compiler/codegen/runtime/conv.h"

#include "compiler/codegen/runtime/internal.h"

namespace aotd_rt {

namespace detail {

// ---- Convolution geometry (1 to 3 spatial dims, padded to 3) ----


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

}  // namespace detail

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

template <typename T>
void convolution(Ref<const T> input, Ref<const T> weight, Ref<const T> bias,
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

template <typename T>
void convolution_backward(Ref<const T> grad_output, Ref<const T> input, Ref<const T> weight,
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

// Explicit instantiations for the dtypes the ops allow (lists in internal.h).
#define AOTD_RT_INSTANTIATE_CONV(T)                                                             \
  template void convolution(Ref<const T> input, Ref<const T> weight, Ref<const T> bias,         \
                            const int64_t* stride, int64_t stride_len, const int64_t* padding,  \
                            int64_t padding_len, const int64_t* dilation, int64_t dilation_len, \
                            bool transposed, const int64_t* output_padding,                     \
                            int64_t output_padding_len, int64_t groups, Ref<T> out);            \
  template void convolution_backward(                                                           \
      Ref<const T> grad_output, Ref<const T> input, Ref<const T> weight,                        \
      const int64_t* bias_sizes, int64_t bias_sizes_len, const int64_t* stride,                 \
      int64_t stride_len, const int64_t* padding, int64_t padding_len, const int64_t* dilation, \
      int64_t dilation_len, bool transposed, const int64_t* output_padding,                     \
      int64_t output_padding_len, int64_t groups, const bool* output_mask, Ref<T> grad_input,   \
      Ref<T> grad_weight, Ref<T> grad_bias);
AOTD_RT_FLOAT_TYPES(AOTD_RT_INSTANTIATE_CONV)
#undef AOTD_RT_INSTANTIATE_CONV

}  // namespace aotd_rt
