// Internal to compiler/ops: window geometry and reference kernels of the nn
// ops (nn.cc): matrix products, convolution, pooling, normalization,
// softmax, losses and embedding, each with its backward.
//
// Kernels compute in double and return tensors of the dtype they are given,
// rounded once. Their inputs were checked by the op's inference (shapes,
// ranks, dtypes); what inference cannot see (index values) is checked here
// and reported as INVALID_ARGUMENT.
#ifndef AOTD_COMPILER_OPS_NN_KERNELS_H_
#define AOTD_COMPILER_OPS_NN_KERNELS_H_

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "compiler/ir/graph.h"
#include "compiler/reference/host_tensor.h"

namespace aotd::ops::internal {

using ir::Dims;
using ir::DType;
using reference::HostTensor;

// at::Reduction.
enum class Reduction : int64_t { kNone = 0, kMean = 1, kSum = 2 };

// "[2,3]", as messages print shapes.
std::string ShapeString(const Dims& shape);

// ---- Matrix products ----

// out[b] = a[b] @ c[b] for a [batch, n, m] and c [batch, m, p] given as
// row-major data; the result is [batch, n, p] row-major, unrounded.
std::vector<double> BatchedMatmul(const std::vector<double>& a, const std::vector<double>& c,
                                  int64_t batch, int64_t n, int64_t m, int64_t p);

// ---- Convolution (1 to 3 spatial dims, transposed or not) ----

// Stride, padding, dilation and output padding per spatial dim, the group
// count, and whether the convolution is transposed: the adjoint of the
// convolution of that stride, padding and dilation, its output larger by
// output_padding (ignored when not transposed).
struct ConvGeometry {
  Dims stride, padding, dilation;
  int64_t groups = 1;
  bool transposed = false;
  Dims output_padding;
};

// Checks input [N, C_in, *spatial] against weight [C_out, C_in / groups,
// *kernel] (transposed: [C_in, C_out / groups, *kernel]) and an optional
// bias [C_out] as ATen's convolution does, and returns the output shape
// [N, C_out, *out]. INVALID_ARGUMENT naming the shapes otherwise.
absl::StatusOr<Dims> ConvOutputShape(const Dims& input, const Dims& weight,
                                     const std::optional<Dims>& bias, const ConvGeometry& g);

HostTensor ConvForward(const HostTensor& input, const HostTensor& weight, const HostTensor* bias,
                       const ConvGeometry& g, const Dims& out_shape, DType dtype);
// Gradients of the convolution for the non-null results, whose dtype and
// shape (input's, weight's, [C_out]) the caller sets.
void ConvBackward(const HostTensor& grad_out, const HostTensor& input, const HostTensor& weight,
                  const ConvGeometry& g, HostTensor* grad_input, HostTensor* grad_weight,
                  HostTensor* grad_bias);

// ---- 2-d pooling over the last two dims of [C, H, W] or [N, C, H, W] ----

struct Pool2dGeometry {
  std::array<int64_t, 2> kernel, stride, padding, dilation;
  bool ceil_mode = false;
  std::array<int64_t, 2> in, out;  // Spatial sizes.
  int64_t planes = 0;              // Product of the leading dims.
};

// Validates the window as ATen's pool2d_shape_check does (positive kernel,
// stride and dilation; padding at most half the kernel; a non-empty input of
// rank 3 or 4; an output of at least 1x1) and computes the output size. An
// empty `stride` means the kernel size. Lists have 1 or 2 items.
absl::StatusOr<Pool2dGeometry> MakePool2d(const Dims& input, const Dims& kernel, const Dims& stride,
                                          const Dims& padding, const Dims& dilation,
                                          bool ceil_mode);
// The input's shape with the last two dims replaced by the output's.
Dims PooledShape(const Dims& input, const Pool2dGeometry& g);

// Max pooling: values (input dtype) and int64 flat indices into each H*W
// plane, NaN winning as in ATen.
std::pair<HostTensor, HostTensor> MaxPool2d(const HostTensor& input, const Pool2dGeometry& g);
// Scatters grad_out to the recorded indices. INVALID_ARGUMENT if an index
// is outside the plane.
absl::StatusOr<HostTensor> MaxPool2dBackward(const HostTensor& grad_out, const HostTensor& indices,
                                             const Pool2dGeometry& g, const Dims& input_shape,
                                             DType dtype);

struct AvgPoolOptions {
  bool count_include_pad = true;
  std::optional<int64_t> divisor_override;
};
HostTensor AvgPool2d(const HostTensor& input, const Pool2dGeometry& g, const AvgPoolOptions& o);
HostTensor AvgPool2dBackward(const HostTensor& grad_out, const Pool2dGeometry& g,
                             const AvgPoolOptions& o, const Dims& input_shape, DType dtype);

// Adaptive average pooling of [..., H, W] to [..., out_h, out_w]: window i
// spans [floor(i*H/out), ceil((i+1)*H/out)).
HostTensor AdaptiveAvgPool2d(const HostTensor& input, int64_t out_h, int64_t out_w);
HostTensor AdaptiveAvgPool2dBackward(const HostTensor& grad_out, const Dims& input_shape,
                                     DType dtype);

// ---- Normalization ----

// Layer norm over the trailing `inner` elements of each of the `outer`
// rows: out, mean [outer], rstd [outer] (shaped by the caller).
struct LayerNormResult {
  HostTensor out;
  std::vector<double> mean, rstd;
};
LayerNormResult LayerNorm(const HostTensor& input, int64_t inner, const HostTensor* weight,
                          const HostTensor* bias, double eps);
// Gradients given the saved mean and rstd; null results are skipped.
// grad_weight and grad_bias hold `inner` values.
void LayerNormBackward(const HostTensor& grad_out, const HostTensor& input, const HostTensor& mean,
                       const HostTensor& rstd, int64_t inner, const HostTensor* weight,
                       HostTensor* grad_input, HostTensor* grad_weight, HostTensor* grad_bias);

// Batch norm over dim 1 of [N, C, *]. Training: batch statistics, returned
// as save_mean and save_invstd; eval: the running statistics, and empty
// saves. Running statistics are never updated.
struct BatchNormResult {
  HostTensor out;
  std::vector<double> save_mean, save_invstd;
};
BatchNormResult BatchNorm(const HostTensor& input, const HostTensor* weight, const HostTensor* bias,
                          const HostTensor* running_mean, const HostTensor* running_var,
                          bool training, double eps);
// The statistics used are save_mean/save_invstd when training, the running
// ones otherwise. grad_weight and grad_bias hold C values.
void BatchNormBackward(const HostTensor& grad_out, const HostTensor& input,
                       const HostTensor* weight, const std::vector<double>& mean,
                       const std::vector<double>& invstd, bool training, HostTensor* grad_input,
                       HostTensor* grad_weight, HostTensor* grad_bias);

// ---- Softmax along one (normalized) dim ----

HostTensor Softmax(const HostTensor& input, int64_t dim, bool log, DType dtype);
// grad_output and output have one shape. Softmax: y * (g - sum(g * y));
// log-softmax: g - exp(y) * sum(g).
HostTensor SoftmaxBackward(const HostTensor& grad_out, const HostTensor& output, int64_t dim,
                           bool log, DType dtype);

// ---- Losses ----

// nll_loss over input [C] (target 0-dim) or [N, C] (target [N]): output
// and total_weight. INVALID_ARGUMENT for a target out of [0, C) that is not
// ignore_index.
absl::StatusOr<std::pair<HostTensor, HostTensor>> NllLoss(const HostTensor& input,
                                                          const HostTensor& target,
                                                          const HostTensor* weight,
                                                          Reduction reduction,
                                                          int64_t ignore_index);
absl::StatusOr<HostTensor> NllLossBackward(const HostTensor& grad_out, const HostTensor& input,
                                           const HostTensor& target, const HostTensor* weight,
                                           Reduction reduction, int64_t ignore_index,
                                           double total_weight);

// Elementwise losses of (input, target) broadcast to `shape`, reduced.
// `pointwise` gets the difference input - target.
HostTensor PointwiseLoss(const HostTensor& input, const HostTensor& target, const Dims& shape,
                         Reduction reduction, DType dtype,
                         const std::function<double(double)>& pointwise);
// grad_input = norm * d(diff) * grad_out over the broadcast of all three to
// `shape`, norm = 1/input.numel() for mean (ATen's choice), else 1.
HostTensor PointwiseLossBackward(const HostTensor& grad_out, const HostTensor& input,
                                 const HostTensor& target, const Dims& shape, Reduction reduction,
                                 DType dtype, const std::function<double(double)>& derivative);

// ---- Embedding ----

// Rows of weight [V, D] at `indices`: indices.shape + [D].
// INVALID_ARGUMENT for an index outside [0, V).
absl::StatusOr<HostTensor> Embedding(const HostTensor& weight, const HostTensor& indices);
// [num_weights, D]: row r sums the grad_out rows whose index is r (each
// divided by r's count when scale_grad_by_freq), row padding_idx stays 0.
absl::StatusOr<HostTensor> EmbeddingDenseBackward(const HostTensor& grad_out,
                                                  const HostTensor& indices, int64_t num_weights,
                                                  int64_t padding_idx, bool scale_grad_by_freq,
                                                  DType dtype);

}  // namespace aotd::ops::internal

#endif  // AOTD_COMPILER_OPS_NN_KERNELS_H_
