#include "compiler/codegen/runtime/loss.h"

#include "compiler/codegen/runtime/internal.h"

namespace aotd_rt {

namespace detail {

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

template <typename T, typename TI>
[[nodiscard]] bool nll_loss_forward(Ref<const T> self, Ref<const TI> target,
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

template <typename T, typename TI>
[[nodiscard]] bool nll_loss_backward(Ref<const T> grad_output, Ref<const T> self,
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

template <typename T>
void mse_loss(Ref<const T> self, Ref<const T> target, int64_t reduction, Ref<T> out) {
  detail::pointwise_loss(self, target, reduction, out, [](T d) { return d * d; });
}

template <typename T>
void mse_loss_backward(Ref<const T> grad_output, Ref<const T> self, Ref<const T> target,
                       int64_t reduction, Ref<T> grad_input) {
  detail::pointwise_loss_backward(grad_output, self, target, reduction, grad_input,
                                  [](T d) { return T(2) * d; });
}

template <typename T>
void smooth_l1_loss(Ref<const T> self, Ref<const T> target, int64_t reduction,
                    double beta, Ref<T> out) {
  detail::pointwise_loss(self, target, reduction, out,
                         [beta](T d) { return detail::smooth_l1(d, beta); });
}

template <typename T>
void smooth_l1_loss_backward(Ref<const T> grad_output, Ref<const T> self,
                             Ref<const T> target, int64_t reduction, double beta,
                             Ref<T> grad_input) {
  detail::pointwise_loss_backward(grad_output, self, target, reduction, grad_input,
                                  [beta](T d) { return detail::smooth_l1_derivative(d, beta); });
}

// Explicit instantiations for the dtypes the ops allow (lists in internal.h).
#define AOTD_RT_INSTANTIATE_LOSS_1(T, TI)                                                      \
  template bool nll_loss_forward(Ref<const T> self, Ref<const TI> target, Ref<const T> weight, \
                                 int64_t reduction, int64_t ignore_index, Ref<T> output,       \
                                 Ref<T> total_weight);                                         \
  template bool nll_loss_backward(                                                             \
      Ref<const T> grad_output, Ref<const T> self, Ref<const TI> target, Ref<const T> weight,  \
      int64_t reduction, int64_t ignore_index, Ref<const T> total_weight, Ref<T> grad_input);
#define AOTD_RT_INSTANTIATE_LOSS_1_OVER(T) AOTD_RT_TARGET_TYPES_WITH(AOTD_RT_INSTANTIATE_LOSS_1, T)
AOTD_RT_FLOAT_TYPES(AOTD_RT_INSTANTIATE_LOSS_1_OVER)
#undef AOTD_RT_INSTANTIATE_LOSS_1_OVER
#undef AOTD_RT_INSTANTIATE_LOSS_1

#define AOTD_RT_INSTANTIATE_LOSS_2(T)                                                            \
  template void mse_loss(Ref<const T> self, Ref<const T> target, int64_t reduction, Ref<T> out); \
  template void mse_loss_backward(Ref<const T> grad_output, Ref<const T> self,                   \
                                  Ref<const T> target, int64_t reduction, Ref<T> grad_input);    \
  template void smooth_l1_loss(Ref<const T> self, Ref<const T> target, int64_t reduction,        \
                               double beta, Ref<T> out);                                         \
  template void smooth_l1_loss_backward(Ref<const T> grad_output, Ref<const T> self,             \
                                        Ref<const T> target, int64_t reduction, double beta,     \
                                        Ref<T> grad_input);
AOTD_RT_FLOAT_TYPES(AOTD_RT_INSTANTIATE_LOSS_2)
#undef AOTD_RT_INSTANTIATE_LOSS_2

}  // namespace aotd_rt
