// Normalization: layer norm, batch norm, group norm and their backward ops.
//
// Where ATen returns an undefined tensor (an output_mask entry that is
// false, the saved statistics of batch norm in eval mode), the result here
// is an empty 1-d tensor of shape [0], as PyTorch 1.13 reports batch norm's.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "common/status_macros.h"
#include "compiler/ir/graph.h"
#include "compiler/ops/core/builder.h"
#include "compiler/ops/core/nn_util.h"
#include "compiler/ops/core/op_definer.h"
#include "compiler/ops/core/op_util.h"
#include "compiler/ops/norm/norm.h"
#include "compiler/reference/host_tensor.h"

namespace aotd::ops::internal {
namespace {

using ir::Argument;
using ir::TensorType;
using ir::ValueId;

// Layer norm over the trailing `inner` elements of each of the `outer`
// rows: out, mean [outer], rstd [outer] (shaped by the caller).
struct LayerNormResult {
  HostTensor out;
  std::vector<double> mean, rstd;
};

// Batch norm over dim 1 of [N, C, *]. Training: batch statistics, returned
// as save_mean and save_invstd; eval: the running statistics, and empty
// saves. Running statistics are never updated.
struct BatchNormResult {
  HostTensor out;
  std::vector<double> save_mean, save_invstd;
};

LayerNormResult LayerNorm(const HostTensor& input, int64_t inner, const HostTensor* weight,
                          const HostTensor* bias, double eps) {
  const int64_t outer = inner == 0 ? 0 : input.NumElements() / inner;
  LayerNormResult r{HostTensor(input.dtype, input.shape), {}, {}};
  for (int64_t i = 0; i < outer; ++i) {
    const double* x = input.data.data() + i * inner;
    double mean = 0, var = 0;
    for (int64_t j = 0; j < inner; ++j) mean += x[j];
    mean /= static_cast<double>(inner);
    for (int64_t j = 0; j < inner; ++j) var += (x[j] - mean) * (x[j] - mean);
    var /= static_cast<double>(inner);
    double rstd = 1.0 / std::sqrt(var + eps);
    for (int64_t j = 0; j < inner; ++j) {
      double y = (x[j] - mean) * rstd;
      if (weight != nullptr) y *= weight->data[j];
      if (bias != nullptr) y += bias->data[j];
      r.out.data[i * inner + j] = y;
    }
    r.mean.push_back(mean);
    r.rstd.push_back(rstd);
  }
  r.out.RoundToDType();
  return r;
}

// Gradients given the saved mean and rstd; null results are skipped.
// grad_weight and grad_bias hold `inner` values.
void LayerNormBackward(const HostTensor& grad_out, const HostTensor& input, const HostTensor& mean,
                       const HostTensor& rstd, int64_t inner, const HostTensor* weight,
                       HostTensor* grad_input, HostTensor* grad_weight, HostTensor* grad_bias) {
  const int64_t outer = inner == 0 ? 0 : input.NumElements() / inner;
  for (int64_t i = 0; i < outer; ++i) {
    const double* x = input.data.data() + i * inner;
    const double* go = grad_out.data.data() + i * inner;
    const double m = mean.data[i], rs = rstd.data[i];
    double sum_g = 0, sum_g_xhat = 0;
    for (int64_t j = 0; j < inner; ++j) {
      double xhat = (x[j] - m) * rs;
      double g = go[j] * (weight != nullptr ? weight->data[j] : 1.0);
      sum_g += g;
      sum_g_xhat += g * xhat;
      if (grad_weight != nullptr) grad_weight->data[j] += go[j] * xhat;
      if (grad_bias != nullptr) grad_bias->data[j] += go[j];
    }
    if (grad_input == nullptr) continue;
    const double n = static_cast<double>(inner);
    for (int64_t j = 0; j < inner; ++j) {
      double xhat = (x[j] - m) * rs;
      double g = go[j] * (weight != nullptr ? weight->data[j] : 1.0);
      grad_input->data[i * inner + j] = rs * (g - sum_g / n - xhat * sum_g_xhat / n);
    }
  }
  for (HostTensor* t : {grad_input, grad_weight, grad_bias}) {
    if (t != nullptr) t->RoundToDType();
  }
}

BatchNormResult BatchNorm(const HostTensor& input, const HostTensor* weight, const HostTensor* bias,
                          const HostTensor* running_mean, const HostTensor* running_var,
                          bool training, double eps) {
  const int64_t n = input.shape[0], c = input.shape[1];
  const int64_t inner = Product(input.shape.begin() + 2, input.shape.end());
  const double count = static_cast<double>(n * inner);
  BatchNormResult r{HostTensor(input.dtype, input.shape), {}, {}};
  auto at = [&](int64_t b, int64_t ch, int64_t k) { return (b * c + ch) * inner + k; };
  for (int64_t ch = 0; ch < c; ++ch) {
    double mean, invstd;
    if (training) {
      double sum = 0, sq = 0;
      for (int64_t b = 0; b < n; ++b) {
        for (int64_t k = 0; k < inner; ++k) sum += input.data[at(b, ch, k)];
      }
      mean = sum / count;
      for (int64_t b = 0; b < n; ++b) {
        for (int64_t k = 0; k < inner; ++k) {
          double d = input.data[at(b, ch, k)] - mean;
          sq += d * d;
        }
      }
      invstd = 1.0 / std::sqrt(sq / count + eps);
      r.save_mean.push_back(mean);
      r.save_invstd.push_back(invstd);
    } else {
      mean = running_mean->data[ch];
      invstd = 1.0 / std::sqrt(running_var->data[ch] + eps);
    }
    double w = weight != nullptr ? weight->data[ch] : 1.0;
    double bb = bias != nullptr ? bias->data[ch] : 0.0;
    for (int64_t b = 0; b < n; ++b) {
      for (int64_t k = 0; k < inner; ++k) {
        int64_t i = at(b, ch, k);
        r.out.data[i] = (input.data[i] - mean) * invstd * w + bb;
      }
    }
  }
  r.out.RoundToDType();
  return r;
}

// The statistics used are save_mean/save_invstd when training, the running
// ones otherwise. grad_weight and grad_bias hold C values.
void BatchNormBackward(const HostTensor& grad_out, const HostTensor& input,
                       const HostTensor* weight, const std::vector<double>& mean,
                       const std::vector<double>& invstd, bool training, HostTensor* grad_input,
                       HostTensor* grad_weight, HostTensor* grad_bias) {
  const int64_t n = input.shape[0], c = input.shape[1];
  const int64_t inner = Product(input.shape.begin() + 2, input.shape.end());
  const double count = static_cast<double>(n * inner);
  auto at = [&](int64_t b, int64_t ch, int64_t k) { return (b * c + ch) * inner + k; };
  for (int64_t ch = 0; ch < c; ++ch) {
    double sum_g = 0, sum_g_xhat = 0;
    for (int64_t b = 0; b < n; ++b) {
      for (int64_t k = 0; k < inner; ++k) {
        int64_t i = at(b, ch, k);
        sum_g += grad_out.data[i];
        sum_g_xhat += grad_out.data[i] * (input.data[i] - mean[ch]) * invstd[ch];
      }
    }
    if (grad_weight != nullptr) grad_weight->data[ch] = sum_g_xhat;
    if (grad_bias != nullptr) grad_bias->data[ch] = sum_g;
    if (grad_input == nullptr) continue;
    double w = weight != nullptr ? weight->data[ch] : 1.0;
    for (int64_t b = 0; b < n; ++b) {
      for (int64_t k = 0; k < inner; ++k) {
        int64_t i = at(b, ch, k);
        double g = grad_out.data[i];
        if (training) {
          double xhat = (input.data[i] - mean[ch]) * invstd[ch];
          g = g - sum_g / count - xhat * sum_g_xhat / count;
        }
        grad_input->data[i] = g * w * invstd[ch];
      }
    }
  }
  for (HostTensor* t : {grad_input, grad_weight, grad_bias}) {
    if (t != nullptr) t->RoundToDType();
  }
}

// The first normalized dim of `input` for layer norm over `normalized`.
absl::StatusOr<int64_t> LayerNormAxis(const Dims& input, const Dims& normalized) {
  if (normalized.empty()) {
    return Invalid(
        "Expected normalized_shape to be at least 1-dimensional, i.e., containing at "
        "least one element, but got normalized_shape = []");
  }
  int64_t axis = static_cast<int64_t>(input.size()) - static_cast<int64_t>(normalized.size());
  bool ok = axis >= 0;
  for (size_t i = 0; ok && i < normalized.size(); ++i) ok = input[axis + i] == normalized[i];
  if (!ok) {
    std::string expected = ShapeString(normalized);
    return Invalid("Given normalized_shape=", expected, ", expected input with shape [*, ",
                   expected.substr(1), ", but got input of size ", ShapeString(input));
  }
  return axis;
}

absl::Status CheckAffine(const TypeCall& call, int i, absl::string_view name,
                         const Dims& normalized) {
  if (call.IsNone(i) || call.tensor(i).shape == normalized) return absl::OkStatus();
  return Invalid("Expected ", name, " to be of same shape as normalized_shape, but got ", name,
                 " of shape ", ShapeString(call.tensor(i).shape),
                 " and normalized_shape = ", ShapeString(normalized));
}

int64_t NumElementsOf(const Dims& d) {
  int64_t n = 1;
  for (int64_t v : d) n *= v;
  return n;
}

Types InferLayerNorm(const TypeCall& call) {
  const TensorType& input = call.tensor(0);
  Dims normalized = call.Ints(1);
  ASSIGN_OR_RETURN(int64_t axis, LayerNormAxis(input.shape, normalized));
  RETURN_IF_ERROR(CheckAffine(call, 2, "weight", normalized));
  RETURN_IF_ERROR(CheckAffine(call, 3, "bias", normalized));
  RETURN_IF_ERROR(RequireFloating("layer_norm input", input.dtype));
  Dims stats(input.shape.begin(), input.shape.begin() + axis);
  stats.resize(input.shape.size(), 1);
  return std::vector<TensorType>{TensorType::Contiguous(input.dtype, input.shape),
                                 TensorType::Contiguous(input.dtype, stats),
                                 TensorType::Contiguous(input.dtype, stats)};
}

Types InferLayerNormBackward(const TypeCall& call) {
  const TensorType& grad = call.tensor(0);
  const TensorType& input = call.tensor(1);
  Dims normalized = call.Ints(2);
  ASSIGN_OR_RETURN(int64_t axis, LayerNormAxis(input.shape, normalized));
  RETURN_IF_ERROR(CheckAffine(call, 5, "weight", normalized));
  RETURN_IF_ERROR(CheckAffine(call, 6, "bias", normalized));
  RETURN_IF_ERROR(CheckGradShape(grad, input.shape));
  int64_t rows = NumElementsOf(Dims(input.shape.begin(), input.shape.begin() + axis));
  for (int i : {3, 4}) {
    if (call.tensor(i).NumElements() != rows) {
      return Invalid(i == 3 ? "mean" : "rstd", " of size ", ShapeString(call.tensor(i).shape),
                     " does not hold one value per row of input ", ShapeString(input.shape));
    }
  }
  RETURN_IF_ERROR(RequireFloating("layer_norm input", input.dtype));
  return MaskedTypes(call.arg(7), input.dtype, {input.shape, normalized, normalized});
}

absl::Status CheckChannels(const TypeCall& call, int i, absl::string_view name, int64_t c) {
  if (call.IsNone(i) || call.tensor(i).NumElements() == c) return absl::OkStatus();
  return Invalid(name, " should contain ", c, " elements not ", call.tensor(i).NumElements(),
                 " (size ", ShapeString(call.tensor(i).shape), ")");
}

// Channel count of a batch-norm input, checked.
absl::StatusOr<int64_t> BatchNormChannels(const TensorType& input) {
  if (input.Rank() < 2) {
    return Invalid("batch_norm expects an input of rank 2 or more, got input of size ",
                   ShapeString(input.shape));
  }
  RETURN_IF_ERROR(RequireFloating("batch_norm input", input.dtype));
  return input.shape[1];
}

Types InferBatchNorm(const TypeCall& call) {
  const TensorType& input = call.tensor(0);
  ASSIGN_OR_RETURN(int64_t c, BatchNormChannels(input));
  const bool training = call.Bool(5);
  const char* names[] = {"", "weight", "bias", "running_mean", "running_var"};
  for (int i = 1; i <= 4; ++i) RETURN_IF_ERROR(CheckChannels(call, i, names[i], c));
  if (!training && (call.IsNone(3) || call.IsNone(4))) {
    return Invalid("running_mean and running_var must be defined in evaluation mode");
  }
  DType d = input.dtype;
  TensorType stat = training ? TensorType::Contiguous(d, {c}) : Undefined(d);
  return std::vector<TensorType>{TensorType::Contiguous(d, input.shape), stat, stat};
}

Types InferBatchNormBackward(const TypeCall& call) {
  const TensorType& input = call.tensor(1);
  ASSIGN_OR_RETURN(int64_t c, BatchNormChannels(input));
  RETURN_IF_ERROR(CheckGradShape(call.tensor(0), input.shape));
  const bool training = call.Bool(7);
  const char* names[] = {"",          "",           "weight", "running_mean", "running_var",
                         "save_mean", "save_invstd"};
  // Eval ignores the saved statistics (empty, as the forward returns them).
  for (int i = 2; i <= (training ? 6 : 4); ++i) {
    RETURN_IF_ERROR(CheckChannels(call, i, names[i], c));
  }
  if (training && (call.IsNone(5) || call.IsNone(6))) {
    return Invalid("save_mean and save_invstd must be defined in training mode");
  }
  if (!training && (call.IsNone(3) || call.IsNone(4))) {
    return Invalid("running_mean and running_var must be defined in evaluation mode");
  }
  return MaskedTypes(call.arg(9), input.dtype, {input.shape, {c}, {c}});
}

// How a normalization's backward sees its operands: x and grad_out viewed
// as `shape`, each statistic normalizing the `count` elements of `reduce`
// (its mean and rstd viewed as `stat_shape`), the weight viewed as
// `weight_shape`.
struct NormView {
  Dims shape;
  Dims reduce;
  Dims stat_shape;
  Dims weight_shape;
  int64_t count;
};

// Where a normalization backward's operands are among its arguments, and
// its statistics as graph values (any shape holding v.stat_shape's values).
// With fixed_stats (batch norm in eval), mean and rstd are constants.
struct NormBackwardArgs {
  int grad_out, input, weight, mask;
  ValueId mean, rstd;
  bool fixed_stats = false;
};

// The derivative of a normalization backward in training form:
//   dx = rstd * P(w * dy), dw = sum(dy * xhat), db = sum(dy),
// where xhat = (x - mean) * rstd and P(v) = v - mean(v) - xhat * mean(v *
// xhat) per statistic, mean and rstd being functions of x (derivatives.yaml's
// layer_norm_double_backward, batchnorm_double_backward); with fixed_stats,
// P is the identity and the statistics do not move with x. Gradients
// reaching mean and rstd do not exist: they are not differentiable.
Grads NormDoubleBackward(DerivativeContext& c, const NormView& v, const NormBackwardArgs& a) {
  GraphBuilder& b = c.b;
  const std::vector<bool> mask = Mask(c.arg(a.mask));
  const Argument dims = Argument::IntList(v.reduce);
  const double inv_count = 1 / static_cast<double>(v.count);
  auto mean = [&](ValueId t) { return b.MulScalar(SumKeepDim(b, t, dims), inv_count); };
  ValueId x = b.Reshape(c.input(a.input), v.shape);
  ValueId dy = b.Reshape(c.input(a.grad_out), v.shape);
  ValueId rstd = b.Reshape(a.rstd, v.stat_shape);
  ValueId xhat = b.Mul(b.Sub(x, b.Reshape(a.mean, v.stat_shape)), rstd);
  const bool has_weight = !c.arg(a.weight).is_none();
  ValueId w = has_weight ? b.Reshape(c.input(a.weight), v.weight_shape) : kNoValue;
  auto weighted = [&](ValueId t) { return has_weight ? b.Mul(t, w) : t; };
  auto project = [&](ValueId t) {
    if (a.fixed_stats) return t;
    return b.Sub(b.Sub(t, mean(t)), b.Mul(xhat, mean(b.Mul(t, xhat))));
  };
  auto accumulate = [&](ValueId& sum, ValueId t) { sum = sum == kNoValue ? t : b.Add(sum, t); };
  // d_dy and d_w: the gradients of grad_out and weight; u: the gradient of
  // xhat; s: of rstd where it scales dx directly.
  ValueId d_dy = kNoValue, d_w = kNoValue, u = kNoValue, s = kNoValue;
  if (mask[0] && c.has_grad(0)) {
    ValueId ggi = b.Reshape(c.grad(0), v.shape);
    ValueId p = b.Mul(rstd, project(ggi));
    accumulate(d_dy, weighted(p));
    if (has_weight) d_w = b.Mul(dy, p);
    if (!a.fixed_stats) {
      ValueId g = weighted(dy);
      s = SumKeepDim(b, b.Mul(ggi, project(g)), dims);
      accumulate(u, b.Neg(b.Mul(rstd, b.Add(b.Mul(ggi, mean(b.Mul(g, xhat))),
                                            b.Mul(g, mean(b.Mul(ggi, xhat)))))));
    }
  }
  if (mask[1] && c.has_grad(1)) {
    ValueId ggw = b.Reshape(c.grad(1), v.weight_shape);
    accumulate(d_dy, b.Mul(ggw, xhat));
    accumulate(u, b.Mul(ggw, dy));
  }
  if (mask[2] && c.has_grad(2)) {
    accumulate(d_dy, b.Expand(b.Reshape(c.grad(2), v.weight_shape), v.shape));
  }
  const Dims x_shape = b.type(c.input(a.input)).shape;
  Grads grads;
  if (c.needs_grad(a.input) && u != kNoValue) {
    ValueId dx = b.Mul(rstd, project(u));
    if (s != kNoValue) {
      dx = b.Sub(dx, b.Mul(b.MulScalar(b.Mul(rstd, rstd), inv_count), b.Mul(xhat, s)));
    }
    grads.push_back({a.input, b.Reshape(dx, x_shape)});
  }
  if (c.needs_grad(a.grad_out) && d_dy != kNoValue) {
    grads.push_back({a.grad_out, b.Reshape(d_dy, x_shape)});
  }
  if (has_weight && c.needs_grad(a.weight) && d_w != kNoValue) {
    grads.push_back({a.weight, b.Reshape(b.SumToShape(d_w, v.weight_shape),
                                         b.type(c.input(a.weight)).shape)});
  }
  return grads;
}

void DefineNormalization(OpRegistry& r) {
  OpDefiner(r,
            "native_layer_norm(Tensor input, SymInt[] normalized_shape, "
            "Tensor? weight, Tensor? bias, float eps) -> (Tensor, Tensor, Tensor)",
            OpKind::kOther)
      .LowerToKernel("native_layer_norm")
      .Infer(InferLayerNorm)
      .Kernel([](const KernelCall& call, const std::vector<TensorType>& types) -> Results {
        LayerNormResult ln = LayerNorm(call.tensor(0), NumElementsOf(call.Ints(1)),
                                       Optional(call, 2), Optional(call, 3), call.Float(4));
        HostTensor mean(types[1].dtype, types[1].shape), rstd(types[2].dtype, types[2].shape);
        mean.data = std::move(ln.mean);
        rstd.data = std::move(ln.rstd);
        mean.RoundToDType();
        rstd.RoundToDType();
        return std::vector<HostTensor>{std::move(ln.out), std::move(mean), std::move(rstd)};
      })
      .Derivative([](DerivativeContext& c) -> Grads {
        // As in PyTorch, gradients reaching mean and rstd are ignored.
        if (!c.has_grad(0)) return {};
        return MaskedBackward(c, "aten.native_layer_norm_backward.default",
                              {V::V(c.grad(0)), V::V(c.input(0)), c.arg(1), V::V(c.output(1)),
                               V::V(c.output(2)), c.arg(2), c.arg(3)},
                              {0, 2, 3});
      });

  OpDefiner(r,
            "native_layer_norm_backward(Tensor grad_out, Tensor input, "
            "SymInt[] normalized_shape, Tensor mean, Tensor rstd, Tensor? weight, "
            "Tensor? bias, bool[3] output_mask) -> (Tensor, Tensor, Tensor)",
            OpKind::kOther)
      .LowerToKernel("native_layer_norm_backward")
      .Infer(InferLayerNormBackward)
      .Kernel([](const KernelCall& call, const std::vector<TensorType>& types) -> Results {
        return MaskedKernel(
            call.arg(7), types,
            [&](HostTensor* grad_input, HostTensor* grad_weight, HostTensor* grad_bias) {
              LayerNormBackward(call.tensor(0), call.tensor(1), call.tensor(3), call.tensor(4),
                                NumElementsOf(call.Ints(2)), Optional(call, 5), grad_input,
                                grad_weight, grad_bias);
            });
      })
      .Derivative([](DerivativeContext& c) -> Grads {
        const Dims x = c.b.type(c.input(1)).shape, normalized = c.arg(2).AsIntList();
        const size_t axis = x.size() - normalized.size();
        NormView v{x, {}, x, normalized, NumElementsOf(normalized)};
        for (size_t d = axis; d < x.size(); ++d) {
          v.reduce.push_back(static_cast<int64_t>(d));
          v.stat_shape[d] = 1;
        }
        return NormDoubleBackward(c, v, {0, 1, 5, 7, c.input(3), c.input(4)});
      });

  OpDefiner(r,
            "native_batch_norm(Tensor input, Tensor? weight, Tensor? bias, "
            "Tensor? running_mean, Tensor? running_var, bool training, "
            "float momentum, float eps) -> (Tensor, Tensor, Tensor)",
            OpKind::kOther)
      .LowerToKernel("native_batch_norm")
      .Infer(InferBatchNorm)
      .Kernel([](const KernelCall& call, const std::vector<TensorType>& types) -> Results {
        BatchNormResult bn =
            BatchNorm(call.tensor(0), Optional(call, 1), Optional(call, 2), Optional(call, 3),
                      Optional(call, 4), call.Bool(5), call.Float(7));
        HostTensor mean(types[1].dtype, types[1].shape), invstd(types[2].dtype, types[2].shape);
        if (call.Bool(5)) {
          mean.data = std::move(bn.save_mean);
          invstd.data = std::move(bn.save_invstd);
        }
        mean.RoundToDType();
        invstd.RoundToDType();
        return std::vector<HostTensor>{std::move(bn.out), std::move(mean), std::move(invstd)};
      })
      .Derivative([](DerivativeContext& c) -> Grads {
        if (!c.has_grad(0)) return {};
        return MaskedBackward(c, "aten.native_batch_norm_backward.default",
                              {V::V(c.grad(0)), V::V(c.input(0)), c.arg(1), c.arg(3), c.arg(4),
                               V::V(c.output(1)), V::V(c.output(2)), c.arg(5), c.arg(7)},
                              {0, 1, 2});
      });

  OpDefiner(r,
            "native_batch_norm_backward(Tensor grad_out, Tensor input, "
            "Tensor? weight, Tensor? running_mean, Tensor? running_var, "
            "Tensor? save_mean, Tensor? save_invstd, bool train, float eps, "
            "bool[3] output_mask) -> (Tensor, Tensor, Tensor)",
            OpKind::kOther)
      .LowerToKernel("native_batch_norm_backward")
      .Infer(InferBatchNormBackward)
      .Kernel([](const KernelCall& call, const std::vector<TensorType>& types) -> Results {
        const bool training = call.Bool(7);
        std::vector<double> mean, invstd;
        if (training) {
          mean = call.tensor(5).data;
          invstd = call.tensor(6).data;
        } else {
          mean = call.tensor(3).data;
          for (double v : call.tensor(4).data) invstd.push_back(1.0 / std::sqrt(v + call.Float(8)));
        }
        return MaskedKernel(
            call.arg(9), types,
            [&](HostTensor* grad_input, HostTensor* grad_weight, HostTensor* grad_bias) {
              BatchNormBackward(call.tensor(0), call.tensor(1), Optional(call, 2), mean, invstd,
                                training, grad_input, grad_weight, grad_bias);
            });
      })
      .Derivative([](DerivativeContext& c) -> Grads {
        const Dims x = c.b.type(c.input(1)).shape;
        NormView v{x, {0}, Dims(x.size(), 1), {}, NumElementsOf(x) / x[1]};
        for (size_t d = 2; d < x.size(); ++d) v.reduce.push_back(static_cast<int64_t>(d));
        v.stat_shape[1] = x[1];
        v.weight_shape = v.stat_shape;
        if (c.arg(7).AsBool()) {
          return NormDoubleBackward(c, v, {0, 1, 2, 9, c.input(5), c.input(6)});
        }
        // Eval: the running statistics, fixed.
        ValueId var = c.b.AddScalar(c.input(4), c.arg(8).AsFloat());
        ValueId invstd = c.b.Op("aten.rsqrt.default", {V::V(var)});
        return NormDoubleBackward(c, v, {0, 1, 2, 9, c.input(3), invstd, /*fixed_stats=*/true});
      });
}

// N, C, HxW and group of a group-norm call (arguments `first`..first+3),
// checked against input: [N, C, *] with HxW elements per channel, C a
// multiple of group.
struct GroupGeometry {
  int64_t n, c, hxw, group;
  int64_t per_group() const { return c / group; }
};

template <typename T>
absl::StatusOr<GroupGeometry> GroupNormGeometry(const Call<T>& call, const TensorType& input,
                                                int first) {
  GroupGeometry g{call.Int(first), call.Int(first + 1), call.Int(first + 2), call.Int(first + 3)};
  RETURN_IF_ERROR(RequireFloating("group_norm input", input.dtype));
  if (g.group <= 0) return Invalid("group_norm: num_groups must be positive, got ", g.group);
  if (input.Rank() < 2 || input.shape[0] != g.n || input.shape[1] != g.c ||
      input.NumElements() != g.n * g.c * g.hxw) {
    return Invalid("group_norm: input of shape ", ShapeString(input.shape), " is not [N=", g.n,
                   ", C=", g.c, ", ...] with HxW=", g.hxw, " elements per channel");
  }
  if (g.c % g.group != 0) {
    return Invalid("Expected number of channels in input to be divisible by num_groups, but got "
                   "input of shape ",
                   ShapeString(input.shape), " and num_groups=", g.group);
  }
  return g;
}

// weight or bias (argument i), if given: C values of input's dtype.
absl::Status CheckGroupAffine(const TypeCall& call, int i, absl::string_view name,
                              const TensorType& input, int64_t c) {
  if (call.IsNone(i)) return absl::OkStatus();
  const TensorType& t = call.tensor(i);
  if (t.Rank() != 1 || t.shape[0] != c) {
    return Invalid("Expected ", name,
                   " to be a vector of size equal to the number of channels in input, but got ",
                   name, " of shape ", ShapeString(t.shape), " and input of shape ",
                   ShapeString(input.shape));
  }
  return RequireSameDType("input", input.dtype, name, t.dtype);
}

Types InferGroupNorm(const TypeCall& call) {
  const TensorType& input = call.tensor(0);
  ASSIGN_OR_RETURN(GroupGeometry g, GroupNormGeometry(call, input, 3));
  RETURN_IF_ERROR(CheckGroupAffine(call, 1, "weight", input, g.c));
  RETURN_IF_ERROR(CheckGroupAffine(call, 2, "bias", input, g.c));
  TensorType stats = TensorType::Contiguous(input.dtype, {g.n, g.group});
  return std::vector<TensorType>{TensorType::Contiguous(input.dtype, input.shape), stats, stats};
}

Types InferGroupNormBackward(const TypeCall& call) {
  const TensorType& input = call.tensor(1);
  ASSIGN_OR_RETURN(GroupGeometry g, GroupNormGeometry(call, input, 5));
  RETURN_IF_ERROR(CheckGradShape(call.tensor(0), input.shape));
  RETURN_IF_ERROR(CheckGroupAffine(call, 4, "weight", input, g.c));
  for (int i : {2, 3}) {
    if (call.tensor(i).NumElements() != g.n * g.group) {
      return Invalid(i == 2 ? "mean" : "rstd", " of size ", ShapeString(call.tensor(i).shape),
                     " does not hold N * num_groups = ", g.n * g.group, " values");
    }
  }
  return MaskedTypes(call.arg(9), input.dtype, {input.shape, {g.c}, {g.c}});
}

// Group norm in double: each of the N * group rows of cpg * HxW elements
// normalized by its mean and biased variance, then scaled per channel.
Results GroupNormKernel(const KernelCall& call, const std::vector<TensorType>& types) {
  const HostTensor& x = call.tensor(0);
  ASSIGN_OR_RETURN(GroupGeometry g, GroupNormGeometry(call, TensorType::Contiguous(x.dtype, x.shape), 3));
  const HostTensor* weight = Optional(call, 1);
  const HostTensor* bias = Optional(call, 2);
  const double eps = call.Float(7);
  const int64_t inner = g.per_group() * g.hxw;
  HostTensor out(types[0].dtype, types[0].shape), mean(types[1].dtype, types[1].shape),
      rstd(types[2].dtype, types[2].shape);
  for (int64_t row = 0; row < g.n * g.group; ++row) {
    const double* in = x.data.data() + row * inner;
    double sum = 0, sq = 0;
    for (int64_t k = 0; k < inner; ++k) sum += in[k];
    const double m = inner == 0 ? 0 : sum / static_cast<double>(inner);
    for (int64_t k = 0; k < inner; ++k) sq += (in[k] - m) * (in[k] - m);
    const double var = inner == 0 ? 0 : sq / static_cast<double>(inner);
    const double rs = 1 / std::sqrt(var + eps);
    mean.data[row] = m;
    rstd.data[row] = rs;
    for (int64_t k = 0; k < inner; ++k) {
      const int64_t c = (row % g.group) * g.per_group() + k / std::max<int64_t>(g.hxw, 1);
      double y = (in[k] - m) * rs;
      if (weight != nullptr) y *= weight->data[c];
      if (bias != nullptr) y += bias->data[c];
      out.data[row * inner + k] = y;
    }
  }
  for (HostTensor* t : {&out, &mean, &rstd}) t->RoundToDType();
  return std::vector<HostTensor>{std::move(out), std::move(mean), std::move(rstd)};
}

// ATen's native_group_norm_backward in double: ds and db are the per
// (sample, channel) sums of dy * x and dy.
Results GroupNormBackwardKernel(const KernelCall& call, const std::vector<TensorType>& types) {
  const HostTensor& dy = call.tensor(0);
  const HostTensor& x = call.tensor(1);
  const HostTensor& mean = call.tensor(2);
  const HostTensor& rstd = call.tensor(3);
  const HostTensor* weight = Optional(call, 4);
  ASSIGN_OR_RETURN(GroupGeometry g, GroupNormGeometry(call, TensorType::Contiguous(x.dtype, x.shape), 5));
  const int64_t cpg = g.per_group();
  std::vector<double> ds(g.n * g.c, 0), db(g.n * g.c, 0);
  for (int64_t nc = 0; nc < g.n * g.c; ++nc) {
    for (int64_t k = 0; k < g.hxw; ++k) {
      ds[nc] += dy.data[nc * g.hxw + k] * x.data[nc * g.hxw + k];
      db[nc] += dy.data[nc * g.hxw + k];
    }
  }
  auto w = [&](int64_t c) { return weight != nullptr ? weight->data[c] : 1.0; };
  return MaskedKernel(call.arg(9), types, [&](HostTensor* dx, HostTensor* dw, HostTensor* dbias) {
    const double s = 1 / static_cast<double>(cpg * g.hxw);
    for (int64_t n = 0; n < g.n; ++n) {
      for (int64_t grp = 0; grp < g.group; ++grp) {
        const double m = mean.data[n * g.group + grp], rs = rstd.data[n * g.group + grp];
        double ds_g = 0, db_g = 0;
        for (int64_t c = grp * cpg; c < (grp + 1) * cpg; ++c) {
          ds_g += ds[n * g.c + c] * w(c);
          db_g += db[n * g.c + c] * w(c);
          if (dw != nullptr) dw->data[c] += (ds[n * g.c + c] - db[n * g.c + c] * m) * rs;
          if (dbias != nullptr) dbias->data[c] += db[n * g.c + c];
        }
        if (dx == nullptr) continue;
        const double c2 = (db_g * m - ds_g) * rs * rs * rs * s;
        const double c3 = -c2 * m - db_g * rs * s;
        for (int64_t c = grp * cpg; c < (grp + 1) * cpg; ++c) {
          for (int64_t k = 0; k < g.hxw; ++k) {
            const int64_t at = (n * g.c + c) * g.hxw + k;
            dx->data[at] = rs * w(c) * dy.data[at] + c2 * x.data[at] + c3;
          }
        }
      }
    }
    for (HostTensor* t : {dx, dw, dbias}) {
      if (t != nullptr) t->RoundToDType();
    }
  });
}

// Statistics over [N, group, cpg * HxW] (reductions accumulate in double),
// then the per-channel affine.
std::vector<ValueId> DecomposeGroupNorm(GraphBuilder& b, const ir::Node& node) {
  ValueId input = node.args[0].AsValue();
  const TensorType in = b.type(input);
  const int64_t n = node.args[3].AsInt(), c = node.args[4].AsInt(), hxw = node.args[5].AsInt(),
                group = node.args[6].AsInt();
  const double eps = node.args[7].AsFloat();
  ValueId x = b.Reshape(input, {n, group, (c / group) * hxw});
  const Argument last = DimArg(2);
  ValueId mean = b.Op("aten.mean.dim", {V::V(x), last, Argument::Bool(true)});
  ValueId var = b.Op("aten.var.correction", {V::V(x), last},
                     {{"correction", Argument::Int(0)}, {"keepdim", Argument::Bool(true)}});
  ValueId rstd = b.Op("aten.rsqrt.default", {V::V(b.AddScalar(var, eps))});
  ValueId y = b.Reshape(b.Mul(b.Sub(x, mean), rstd), in.shape);
  Dims channel(in.Rank() - 1, 1);
  channel[0] = c;  // Broadcasts against [N, C, *].
  if (!node.args[1].is_none()) y = b.Mul(y, b.Reshape(node.args[1].AsValue(), channel));
  if (!node.args[2].is_none()) y = b.Add(y, b.Reshape(node.args[2].AsValue(), channel));
  return {y, b.Reshape(mean, {n, group}), b.Reshape(rstd, {n, group})};
}

// The kernel's formula in ops over [N, C, HxW] and [N, group, cpg, HxW].
std::vector<ValueId> DecomposeGroupNormBackward(GraphBuilder& b, const ir::Node& node) {
  ValueId dy_in = node.args[0].AsValue(), x_in = node.args[1].AsValue();
  const TensorType in = b.type(x_in);
  const int64_t n = node.args[5].AsInt(), c = node.args[6].AsInt(), hxw = node.args[7].AsInt(),
                group = node.args[8].AsInt(), cpg = c / group;
  const std::vector<bool> want = Mask(node.args[9]);
  const bool has_weight = !node.args[4].is_none();
  ValueId weight = has_weight ? node.args[4].AsValue() : kNoValue;
  ValueId dy = b.Reshape(dy_in, {n, c, hxw}), x = b.Reshape(x_in, {n, c, hxw});
  auto sum = [&](ValueId v, int64_t dim) {
    return b.Op("aten.sum.dim_IntList", {V::V(v), DimArg(dim)});
  };
  ValueId ds = sum(b.Mul(dy, x), 2), db = sum(dy, 2);  // [N, C]
  ValueId mean = b.Reshape(node.args[2].AsValue(), {n, group, 1});
  ValueId rstd = b.Reshape(node.args[3].AsValue(), {n, group, 1});
  std::vector<ValueId> out;
  if (want[0]) {
    ValueId dsw = has_weight ? b.Mul(ds, weight) : ds, dbw = has_weight ? b.Mul(db, weight) : db;
    ValueId ds_g = sum(b.Reshape(dsw, {n, group, cpg}), 2);  // [N, G]
    ValueId db_g = sum(b.Reshape(dbw, {n, group, cpg}), 2);
    ValueId m = b.Reshape(mean, {n, group}), rs = b.Reshape(rstd, {n, group});
    const double s = 1 / static_cast<double>(cpg * hxw);
    ValueId c2 = b.MulScalar(b.Mul(b.Mul(b.Sub(b.Mul(db_g, m), ds_g), rs), b.Mul(rs, rs)), s);
    ValueId c3 = b.Sub(b.Neg(b.Mul(c2, m)), b.MulScalar(b.Mul(db_g, rs), s));
    ValueId c1 = has_weight ? b.Mul(rstd, b.Reshape(weight, {1, group, cpg})) : rstd;
    ValueId dx = b.Add(b.Add(b.Mul(b.Reshape(dy, {n, group, cpg, hxw}),
                                   b.Reshape(b.Expand(c1, {n, group, cpg}), {n, group, cpg, 1})),
                             b.Mul(b.Reshape(x, {n, group, cpg, hxw}), b.Reshape(c2, {n, group, 1, 1}))),
                       b.Reshape(c3, {n, group, 1, 1}));
    out.push_back(b.Reshape(dx, in.shape));
  } else {
    out.push_back(b.Zeros({0}, in.dtype));
  }
  if (want[1]) {
    ValueId centered = b.Sub(b.Reshape(ds, {n, group, cpg}), b.Mul(b.Reshape(db, {n, group, cpg}), mean));
    out.push_back(b.Reshape(sum(b.Mul(centered, rstd), 0), {c}));
  } else {
    out.push_back(b.Zeros({0}, in.dtype));
  }
  out.push_back(want[2] ? sum(db, 0) : b.Zeros({0}, in.dtype));
  return out;
}

void DefineGroupNorm(OpRegistry& r) {
  OpDefiner(r,
            "native_group_norm(Tensor input, Tensor? weight, Tensor? bias, SymInt N, SymInt C, "
            "SymInt HxW, int group, float eps) -> (Tensor, Tensor, Tensor)",
            OpKind::kOther)
      .Infer(InferGroupNorm)
      .Kernel(GroupNormKernel)
      .Derivative([](DerivativeContext& c) -> Grads {
        // As in PyTorch, gradients reaching mean and rstd are ignored.
        if (!c.has_grad(0)) return {};
        return MaskedBackward(c, "aten.native_group_norm_backward.default",
                              {V::V(c.grad(0)), V::V(c.input(0)), V::V(c.output(1)),
                               V::V(c.output(2)), c.arg(1), c.arg(3), c.arg(4), c.arg(5), c.arg(6)},
                              {0, 1, 2});
      })
      .Decompose(DecomposeGroupNorm);

  OpDefiner(r,
            "native_group_norm_backward(Tensor grad_out, Tensor input, Tensor mean, Tensor rstd, "
            "Tensor? weight, SymInt N, SymInt C, SymInt HxW, int group, bool[3] output_mask) "
            "-> (Tensor, Tensor, Tensor)",
            OpKind::kOther)
      .Infer(InferGroupNormBackward)
      .Kernel(GroupNormBackwardKernel)
      .Derivative([](DerivativeContext& c) -> Grads {
        const int64_t n = c.arg(5).AsInt(), channels = c.arg(6).AsInt(),
                      hxw = c.arg(7).AsInt(), group = c.arg(8).AsInt();
        const int64_t cpg = channels / group;
        const NormView v{{n, group, cpg, hxw}, {2, 3}, {n, group, 1, 1}, {1, group, cpg, 1},
                         cpg * hxw};
        return NormDoubleBackward(c, v, {0, 1, 4, 9, c.input(2), c.input(3)});
      })
      .Decompose(DecomposeGroupNormBackward);
}

}  // namespace

absl::Status RegisterNormOps(OpRegistry& registry) {
  DefineNormalization(registry);
  DefineGroupNorm(registry);
  return absl::OkStatus();
}

}  // namespace aotd::ops::internal
