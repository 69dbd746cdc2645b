// Loss kernels (reduction: 0 none, 1 mean, 2 sum) and their backward.
// float and double; nll_loss targets int64, int32 or uint8.
// Declarations only (calling convention: ref.h); definitions in loss.cc.
#ifndef AOTD_COMPILER_CODEGEN_RUNTIME_LOSS_H_
#define AOTD_COMPILER_CODEGEN_RUNTIME_LOSS_H_

#include <cstdint>

#include "compiler/codegen/runtime/ref.h"

namespace aotd_rt {

// ======================================================================
// Losses (reduction: 0 none, 1 mean, 2 sum)
// ======================================================================

// nll_loss_forward(self [N,C] or [C], target [N] or [] (integers), weight
// [C] or None, reduction, ignore_index) -> output ([N] for none over
// [N,C], else []), total_weight [] (sum of the counted targets' weights; 0
// for none over [N,C]). Mean of nothing is NaN. False for a target outside
// [0, C) that is not ignore_index.
template <typename T, typename TI>
[[nodiscard]] bool nll_loss_forward(Ref<const T> self, Ref<const TI> target,
                                           Ref<const T> weight, int64_t reduction,
                                           int64_t ignore_index, Ref<T> output,
                                           Ref<T> total_weight);

// nll_loss_backward(grad_output (the forward output's shape), self [N,C] or
// [C], target, weight [C] or None, reduction, ignore_index, total_weight [])
// -> grad_input (self's shape): -weight[t] * grad at each counted target
// (divided by total_weight for mean), 0 elsewhere. False for a target
// outside [0, C) that is not ignore_index.
template <typename T, typename TI>
[[nodiscard]] bool nll_loss_backward(Ref<const T> grad_output, Ref<const T> self,
                                            Ref<const TI> target, Ref<const T> weight,
                                            int64_t reduction, int64_t ignore_index,
                                            Ref<const T> total_weight, Ref<T> grad_input);

// mse_loss(self, target (broadcasting), reduction) -> out (the broadcast
// shape for none, else []): (self - target)^2, summed in double.
template <typename T>
void mse_loss(Ref<const T> self, Ref<const T> target, int64_t reduction, Ref<T> out);

// mse_loss_backward(grad_output, self, target, reduction) -> grad_input
// (broadcast of all three) = norm * 2 * (self - target) * grad_output, norm
// = 1 / numel(self) for mean, else 1.
template <typename T>
void mse_loss_backward(Ref<const T> grad_output, Ref<const T> self, Ref<const T> target,
                       int64_t reduction, Ref<T> grad_input);

// smooth_l1_loss(self, target (broadcasting), reduction, beta >= 0) -> out:
// 0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta.
template <typename T>
void smooth_l1_loss(Ref<const T> self, Ref<const T> target, int64_t reduction,
                    double beta, Ref<T> out);

// smooth_l1_loss_backward(grad_output, self, target, reduction, beta) ->
// grad_input (broadcast of all three) = norm * clamp(d / beta, -1, 1) *
// grad_output (sign(d) for beta 0); norm as for mse_loss_backward.
template <typename T>
void smooth_l1_loss_backward(Ref<const T> grad_output, Ref<const T> self,
                             Ref<const T> target, int64_t reduction, double beta,
                             Ref<T> grad_input);

}  // namespace aotd_rt

#endif  // AOTD_COMPILER_CODEGEN_RUNTIME_LOSS_H_
