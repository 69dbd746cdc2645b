#include "compiler/codegen/runtime/reduce.h"

#include "compiler/codegen/runtime/internal.h"

namespace aotd_rt {

template <typename T>
void var(Ref<const T> self, const int64_t* dim, int64_t dim_len, bool has_correction,
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

template <typename T>
void var_dim(Ref<const T> self, const int64_t* dim, int64_t dim_len, bool unbiased,
             bool keepdim, Ref<T> out) {
  var(self, dim, dim_len, true, unbiased ? 1 : 0, keepdim, out);
}

template <typename T>
void argmax(Ref<const T> self, bool has_dim, int64_t dim, bool keepdim,
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

template <typename TOut, typename T>
void prod(Ref<const T> self, Ref<TOut> out) {
  detail::reduce_product(self, detail::reduce_plan(self, nullptr, 0), out.data);
}

template <typename TOut, typename T>
void prod_dim(Ref<const T> self, int64_t dim, bool keepdim, Ref<TOut> out) {
  (void)keepdim;
  detail::reduce_product(self, detail::reduce_plan(self, &dim, 1), out.data);
}

// Explicit instantiations for the dtypes the ops allow (lists in internal.h).
#define AOTD_RT_INSTANTIATE_REDUCE_1(T)                                                          \
  template void var(Ref<const T> self, const int64_t* dim, int64_t dim_len, bool has_correction, \
                    int64_t correction, bool keepdim, Ref<T> out);                               \
  template void var_dim(Ref<const T> self, const int64_t* dim, int64_t dim_len, bool unbiased,   \
                        bool keepdim, Ref<T> out);
AOTD_RT_FLOAT_TYPES(AOTD_RT_INSTANTIATE_REDUCE_1)
#undef AOTD_RT_INSTANTIATE_REDUCE_1

#define AOTD_RT_INSTANTIATE_REDUCE_2(T)                                            \
  template void argmax(Ref<const T> self, bool has_dim, int64_t dim, bool keepdim, \
                       Ref<int64_t> out);
AOTD_RT_ALL_TYPES(AOTD_RT_INSTANTIATE_REDUCE_2)
#undef AOTD_RT_INSTANTIATE_REDUCE_2

#define AOTD_RT_INSTANTIATE_REDUCE_3(TOut, T)           \
  template void prod(Ref<const T> self, Ref<TOut> out); \
  template void prod_dim(Ref<const T> self, int64_t dim, bool keepdim, Ref<TOut> out);
#define AOTD_RT_INSTANTIATE_REDUCE_3_OVER(TOut) \
  AOTD_RT_ALL_TYPES_WITH(AOTD_RT_INSTANTIATE_REDUCE_3, TOut)
AOTD_RT_ALL_TYPES(AOTD_RT_INSTANTIATE_REDUCE_3_OVER)
#undef AOTD_RT_INSTANTIATE_REDUCE_3_OVER
#undef AOTD_RT_INSTANTIATE_REDUCE_3

}  // namespace aotd_rt
