#include "compiler/codegen/runtime/norm.h"

#include "compiler/codegen/runtime/internal.h"

namespace aotd_rt {

template <typename T>
void native_layer_norm(Ref<const T> input, const int64_t* normalized_shape,
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

template <typename T>
void native_layer_norm_backward(Ref<const T> grad_out, Ref<const T> input,
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

template <typename T>
void native_batch_norm(Ref<const T> input, Ref<const T> weight, Ref<const T> bias,
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

template <typename T>
void native_batch_norm_backward(Ref<const T> grad_out, Ref<const T> input,
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

// Explicit instantiations for the dtypes the ops allow (lists in internal.h).
#define AOTD_RT_INSTANTIATE_NORM(T)                                                              \
  template void native_layer_norm(                                                               \
      Ref<const T> input, const int64_t* normalized_shape, int64_t normalized_shape_len,         \
      Ref<const T> weight, Ref<const T> bias, double eps, Ref<T> out, Ref<T> mean, Ref<T> rstd); \
  template void native_layer_norm_backward(                                                      \
      Ref<const T> grad_out, Ref<const T> input, const int64_t* normalized_shape,                \
      int64_t normalized_shape_len, Ref<const T> mean, Ref<const T> rstd, Ref<const T> weight,   \
      Ref<const T> bias, const bool* output_mask, Ref<T> grad_input, Ref<T> grad_weight,         \
      Ref<T> grad_bias);                                                                         \
  template void native_batch_norm(Ref<const T> input, Ref<const T> weight, Ref<const T> bias,    \
                                  Ref<const T> running_mean, Ref<const T> running_var,           \
                                  bool training, double momentum, double eps, Ref<T> out,        \
                                  Ref<T> save_mean, Ref<T> save_invstd);                         \
  template void native_batch_norm_backward(                                                      \
      Ref<const T> grad_out, Ref<const T> input, Ref<const T> weight, Ref<const T> running_mean, \
      Ref<const T> running_var, Ref<const T> save_mean, Ref<const T> save_invstd, bool train,    \
      double eps, const bool* output_mask, Ref<T> grad_input, Ref<T> grad_weight,                \
      Ref<T> grad_bias);
AOTD_RT_FLOAT_TYPES(AOTD_RT_INSTANTIATE_NORM)
#undef AOTD_RT_INSTANTIATE_NORM

}  // namespace aotd_rt
