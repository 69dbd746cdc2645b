// Losses: nll_loss, mse_loss, smooth_l1_loss, binary_cross_entropy_with_logits
// and their backward ops.
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
#include "compiler/ops/loss/loss.h"
#include "compiler/reference/host_tensor.h"

namespace aotd::ops::internal {
namespace {

using ir::Argument;
using ir::TensorType;
using ir::ValueId;

// nll_loss over input [C] (target 0-dim) or [N, C] (target [N]): output
// and total_weight. INVALID_ARGUMENT for a target out of [0, C) that is not
// ignore_index.
absl::StatusOr<std::pair<HostTensor, HostTensor>> NllLoss(const HostTensor& input,
                                                          const HostTensor& target,
                                                          const HostTensor* weight,
                                                          Reduction reduction,
                                                          int64_t ignore_index) {
  const int64_t classes = input.shape.back();
  const int64_t batch = input.Rank() == 1 ? 1 : input.shape[0];
  HostTensor total(input.dtype, {});
  std::vector<double> losses(batch, 0.0);
  double total_weight = 0;
  for (int64_t i = 0; i < batch; ++i) {
    int64_t t = static_cast<int64_t>(target.data[i]);
    if (t == ignore_index) continue;
    if (t < 0 || t >= classes) {
      return absl::InvalidArgumentError(absl::StrCat("Target ", t, " is out of bounds."));
    }
    double w = weight != nullptr ? weight->data[t] : 1.0;
    losses[i] = -input.data[i * classes + t] * w;
    total_weight += w;
  }
  if (reduction == Reduction::kNone && input.Rank() == 2) {
    HostTensor out(input.dtype, {batch});
    out.data = losses;
    out.RoundToDType();
    return std::make_pair(std::move(out), std::move(total));
  }
  double sum = 0;
  for (double l : losses) sum += l;
  HostTensor out(input.dtype, {});
  if (batch == 0) {
    out.data[0] = reduction == Reduction::kMean ? std::numeric_limits<double>::quiet_NaN() : 0.0;
  } else {
    out.data[0] = reduction == Reduction::kMean ? sum / total_weight : sum;
    total.data[0] = total_weight;
  }
  out.RoundToDType();
  total.RoundToDType();
  return std::make_pair(std::move(out), std::move(total));
}

absl::StatusOr<HostTensor> NllLossBackward(const HostTensor& grad_out, const HostTensor& input,
                                           const HostTensor& target, const HostTensor* weight,
                                           Reduction reduction, int64_t ignore_index,
                                           double total_weight) {
  const int64_t classes = input.shape.back();
  const int64_t batch = input.Rank() == 1 ? 1 : input.shape[0];
  const bool per_sample = reduction == Reduction::kNone && input.Rank() == 2;
  HostTensor grad(input.dtype, input.shape);
  for (int64_t i = 0; i < batch; ++i) {
    int64_t t = static_cast<int64_t>(target.data[i]);
    if (t == ignore_index) continue;
    if (t < 0 || t >= classes) {
      return absl::InvalidArgumentError(absl::StrCat("Target ", t, " is out of bounds."));
    }
    double g = -(weight != nullptr ? weight->data[t] : 1.0) * grad_out.data[per_sample ? i : 0];
    if (!per_sample && reduction == Reduction::kMean) g /= total_weight;
    grad.data[i * classes + t] = g;
  }
  grad.RoundToDType();
  return grad;
}

// Elementwise losses of (input, target) broadcast to `shape`, reduced.
// `pointwise` gets the difference input - target.
HostTensor PointwiseLoss(const HostTensor& input, const HostTensor& target, const Dims& shape,
                         Reduction reduction, DType dtype,
                         const std::function<double(double)>& pointwise) {
  HostTensor x = reference::BroadcastTo(input, shape), t = reference::BroadcastTo(target, shape);
  std::vector<double> loss(x.data.size());
  for (size_t i = 0; i < loss.size(); ++i) loss[i] = pointwise(x.data[i] - t.data[i]);
  if (reduction == Reduction::kNone) {
    HostTensor out(dtype, shape);
    out.data = std::move(loss);
    out.RoundToDType();
    return out;
  }
  double sum = 0;
  for (double l : loss) sum += l;
  HostTensor out(dtype, {});
  out.data[0] = reduction == Reduction::kMean ? sum / static_cast<double>(loss.size()) : sum;
  out.RoundToDType();
  return out;
}

// grad_input = norm * d(diff) * grad_out over the broadcast of all three to
// `shape`, norm = 1/input.numel() for mean (ATen's choice), else 1.
HostTensor PointwiseLossBackward(const HostTensor& grad_out, const HostTensor& input,
                                 const HostTensor& target, const Dims& shape, Reduction reduction,
                                 DType dtype, const std::function<double(double)>& derivative) {
  HostTensor x = reference::BroadcastTo(input, shape), t = reference::BroadcastTo(target, shape),
             g = reference::BroadcastTo(grad_out, shape);
  double norm =
      reduction == Reduction::kMean ? 1.0 / static_cast<double>(input.NumElements()) : 1.0;
  HostTensor grad(dtype, shape);
  for (int64_t i = 0; i < grad.NumElements(); ++i) {
    grad.data[i] = norm * derivative(x.data[i] - t.data[i]) * g.data[i];
  }
  grad.RoundToDType();
  return grad;
}

Reduction ReductionOf(int64_t r) { return static_cast<Reduction>(r); }

absl::Status CheckReduction(int64_t r) {
  if (r >= 0 && r <= 2) return absl::OkStatus();
  return Invalid("reduction must be 0 (none), 1 (mean) or 2 (sum), got ", r);
}

// The common shape of a pointwise loss's self and target (inference
// checked that they broadcast).
Dims LossShape(const KernelCall& call) {
  Dims shape;
  reference::BroadcastShapes(call.tensor(0).shape, call.tensor(1).shape, &shape);
  return shape;
}

// nll_loss's checks on input (arg `self`), target, weight and reduction.
absl::Status CheckNllLoss(const TypeCall& call, int self, int target, int weight, int reduction) {
  const TensorType& x = call.tensor(self);
  const TensorType& t = call.tensor(target);
  if (x.Rank() < 1 || x.Rank() > 2) {
    return Invalid("nll_loss expects a 1-d or 2-d input, got input of size ", ShapeString(x.shape));
  }
  if (t.Rank() != x.Rank() - 1 || (x.Rank() == 2 && t.shape[0] != x.shape[0])) {
    return Invalid("size mismatch (got input: ", ShapeString(x.shape),
                   ", target: ", ShapeString(t.shape), ")");
  }
  if (t.dtype != DType::kInt64 && t.dtype != DType::kUInt8) {
    return Invalid("nll_loss expects an int64 target, got ", ir::DTypeName(t.dtype));
  }
  const int64_t classes = x.shape.back();
  if (!call.IsNone(weight) &&
      (call.tensor(weight).Rank() != 1 || call.tensor(weight).shape[0] != classes)) {
    return Invalid("weight tensor should be defined either for all ", classes,
                   " classes or no classes but got weight tensor of shape: ",
                   ShapeString(call.tensor(weight).shape));
  }
  RETURN_IF_ERROR(RequireFloating("nll_loss input", x.dtype));
  return CheckReduction(call.Int(reduction));
}

// The shape of nll_loss's output: [N] for an unreduced batch, else [].
Dims NllOutputShape(const TensorType& input, int64_t reduction) {
  if (ReductionOf(reduction) == Reduction::kNone && input.Rank() == 2) return {input.shape[0]};
  return {};
}

// Broadcast shape and result dtype of a pointwise loss over args 0 and 1.
absl::StatusOr<std::pair<Dims, DType>> PointwiseLossType(const TypeCall& call, int self,
                                                         int target) {
  const TensorType& x = call.tensor(self);
  const TensorType& t = call.tensor(target);
  ASSIGN_OR_RETURN(Dims shape, BroadcastShapes(x.shape, t.shape));
  DType dtype = ResultType(OperandsOf(call, {self, target}));
  RETURN_IF_ERROR(RequireFloating("loss input", dtype));
  return std::make_pair(shape, dtype);
}

Types InferPointwiseLoss(const TypeCall& call) {
  ASSIGN_OR_RETURN(auto type, PointwiseLossType(call, 0, 1));
  RETURN_IF_ERROR(CheckReduction(call.Int(2)));
  if (ReductionOf(call.Int(2)) != Reduction::kNone) type.first.clear();
  return One(type.second, type.first);
}

// mse_loss_backward and smooth_l1_loss_backward: ATen's TensorIterator
// broadcasts grad_output, self and target together, all of one dtype.
Types InferPointwiseLossBackward(const TypeCall& call) {
  const TensorType& g = call.tensor(0);
  const TensorType& x = call.tensor(1);
  const TensorType& t = call.tensor(2);
  ASSIGN_OR_RETURN(Dims shape, BroadcastShapes(x.shape, t.shape));
  ASSIGN_OR_RETURN(shape, BroadcastShapes(shape, g.shape));
  RETURN_IF_ERROR(RequireFloating("loss input", x.dtype));
  RETURN_IF_ERROR(RequireSameDType("self", x.dtype, "target", t.dtype));
  RETURN_IF_ERROR(RequireSameDType("grad_output", g.dtype, "self", x.dtype));
  RETURN_IF_ERROR(CheckReduction(call.Int(3)));
  return One(x.dtype, shape);
}

double SmoothL1(double d, double beta) {
  double z = std::fabs(d);
  return z < beta ? 0.5 * z * z / beta : z - 0.5 * beta;
}

double SmoothL1Derivative(double d, double beta) {
  if (beta <= 0) return d > 0 ? 1.0 : d < 0 ? -1.0 : 0.0;  // l1_loss_backward.
  return d < -beta ? -1.0 : d > beta ? 1.0 : d / beta;
}

absl::Status CheckBeta(double beta) {
  if (beta >= 0) return absl::OkStatus();
  return Invalid("smooth_l1_loss does not support negative values for beta, got ", beta);
}

// self and target broadcast to their common shape (ATen's loss backward
// normalizes by self's own element count, so the formulas expand first).
std::pair<ValueId, ValueId> ExpandLossOperands(GraphBuilder& b, ValueId x, ValueId t) {
  absl::StatusOr<Dims> shape = BroadcastShapes(b.type(x).shape, b.type(t).shape);
  if (!shape.ok()) return {x, t};
  return {b.Expand(x, *shape), b.Expand(t, *shape)};
}

// The double backward of mse/smooth_l1 loss: d/d(grad_output) of
// <G, backward(go, x, t)> is backward(G, x, t) when unreduced, its sum
// otherwise (the backward is elementwise linear in grad_output).
ValueId LossGradOutputGrad(GraphBuilder& b, ValueId per_element, ValueId grad_output,
                           int64_t reduction) {
  if (ReductionOf(reduction) == Reduction::kNone) return per_element;
  ValueId total = b.Op("aten.sum.default", {V::V(per_element)});
  return b.Reshape(total, b.type(grad_output).shape);
}

void DefineLosses(OpRegistry& r) {
  OpDefiner(r,
            "nll_loss_forward(Tensor self, Tensor target, Tensor? weight, "
            "int reduction, SymInt ignore_index) "
            "-> (Tensor output, Tensor total_weight)",
            OpKind::kOther)
      .LowerToKernel("nll_loss_forward")
      .Infer([](const TypeCall& call) -> Types {
        RETURN_IF_ERROR(CheckNllLoss(call, 0, 1, 2, 3));
        const TensorType& x = call.tensor(0);
        return std::vector<TensorType>{
            TensorType::Contiguous(x.dtype, NllOutputShape(x, call.Int(3))),
            TensorType::Contiguous(x.dtype, {})};
      })
      .Kernel([](const KernelCall& call, const std::vector<TensorType>&) -> Results {
        ASSIGN_OR_RETURN(auto out, NllLoss(call.tensor(0), call.tensor(1), Optional(call, 2),
                                           ReductionOf(call.Int(3)), call.Int(4)));
        return std::vector<HostTensor>{std::move(out.first), std::move(out.second)};
      })
      .Derivative([](DerivativeContext& c) -> Grads {
        if (!c.has_grad(0)) return {};  // total_weight takes no gradient.
        return {{0, c.b.Op("aten.nll_loss_backward.default",
                           {V::V(c.grad(0)), V::V(c.input(0)), V::V(c.input(1)), c.arg(2), c.arg(3),
                            c.arg(4), V::V(c.output(1))})}};
      });

  OpDefiner(r,
            "nll_loss_backward(Tensor grad_output, Tensor self, Tensor target, "
            "Tensor? weight, int reduction, SymInt ignore_index, "
            "Tensor total_weight) -> Tensor",
            OpKind::kOther)
      .LowerToKernel("nll_loss_backward")
      .Infer([](const TypeCall& call) -> Types {
        RETURN_IF_ERROR(CheckNllLoss(call, 1, 2, 3, 4));
        const TensorType& x = call.tensor(1);
        Dims expected = NllOutputShape(x, call.Int(4));
        const TensorType& g = call.tensor(0);
        bool ok = expected.empty() ? g.NumElements() == 1 && g.Rank() <= 1 : g.shape == expected;
        if (!ok) {
          return Invalid("grad_output of size ", ShapeString(g.shape),
                         " does not match the loss's size ", ShapeString(expected));
        }
        if (call.tensor(6).NumElements() != 1) {
          return Invalid("expected total_weight to be a single element tensor, got size ",
                         ShapeString(call.tensor(6).shape));
        }
        RETURN_IF_ERROR(RequireSameDType("grad_output", g.dtype, "self", x.dtype));
        return One(x.dtype, x.shape);
      })
      .Kernel([](const KernelCall& call, const std::vector<TensorType>&) -> Results {
        ASSIGN_OR_RETURN(
            HostTensor grad,
            NllLossBackward(call.tensor(0), call.tensor(1), call.tensor(2), Optional(call, 3),
                            ReductionOf(call.Int(4)), call.Int(5), call.tensor(6).data[0]));
        return std::vector<HostTensor>{std::move(grad)};
      })
      .Derivative([](DerivativeContext& c) -> Grads {
        // Linear in grad_output: its adjoint is the loss applied to the
        // incoming gradient (PyTorch's nll_loss(grad, ...)). For mean, the
        // sum is divided by the given total_weight rather than a recomputed
        // one, so the formula holds for any total_weight. Constant in self;
        // target and total_weight take no gradient.
        GraphBuilder& b = c.b;
        bool mean = ReductionOf(c.arg(4).AsInt()) == Reduction::kMean;
        std::vector<ValueId> loss = b.MultiOp(
            "aten.nll_loss_forward.default",
            {V::V(c.grad(0)), V::V(c.input(2)), c.arg(3),
             mean ? Argument::Int(static_cast<int64_t>(Reduction::kSum)) : c.arg(4), c.arg(5)});
        if (!b.ok()) return {};
        ValueId grad = mean ? b.Div(loss[0], c.input(6)) : loss[0];
        return {{0, b.Reshape(grad, b.type(c.input(0)).shape)}};
      });

  OpDefiner(r, "mse_loss(Tensor self, Tensor target, int reduction=Mean) -> Tensor", OpKind::kOther)
      .LowerToKernel("mse_loss")
      .Infer(InferPointwiseLoss)
      .Kernel([](const KernelCall& call, const std::vector<TensorType>& types) -> Results {
        return std::vector<HostTensor>{
            PointwiseLoss(call.tensor(0), call.tensor(1), LossShape(call), ReductionOf(call.Int(2)),
                          types[0].dtype, [](double d) { return d * d; })};
      })
      .Derivative([](DerivativeContext& c) -> Grads {
        auto [x, t] = ExpandLossOperands(c.b, c.input(0), c.input(1));
        return {{0, c.b.Op("aten.mse_loss_backward.default",
                           {V::V(c.grad(0)), V::V(x), V::V(t), c.arg(2)})},
                {1, c.b.Op("aten.mse_loss_backward.default",
                           {V::V(c.grad(0)), V::V(t), V::V(x), c.arg(2)})}};
      });

  OpDefiner(r,
            "mse_loss_backward(Tensor grad_output, Tensor self, Tensor target, "
            "int reduction) -> Tensor",
            OpKind::kOther)
      .LowerToKernel("mse_loss_backward")
      .Infer(InferPointwiseLossBackward)
      .Kernel([](const KernelCall& call, const std::vector<TensorType>& types) -> Results {
        return std::vector<HostTensor>{PointwiseLossBackward(
            call.tensor(0), call.tensor(1), call.tensor(2), types[0].shape,
            ReductionOf(call.Int(3)), types[0].dtype, [](double d) { return 2 * d; })};
      })
      .Derivative([](DerivativeContext& c) -> Grads {
        // f = norm * 2 * (x - t) * go, norm = 1/numel(x) for mean.
        GraphBuilder& b = c.b;
        ValueId g = c.grad(0), go = c.input(0), x = c.input(1), t = c.input(2);
        int64_t reduction = c.arg(3).AsInt();
        double norm = ReductionOf(reduction) == Reduction::kMean
                          ? 2.0 / static_cast<double>(b.type(x).NumElements())
                          : 2.0;
        ValueId grad_x = b.MulScalar(b.Mul(g, go), norm);
        ValueId per_element =
            b.Op("aten.mse_loss_backward.default", {V::V(g), V::V(x), V::V(t), c.arg(3)});
        return {{0, LossGradOutputGrad(b, per_element, go, reduction)},
                {1, grad_x},
                {2, b.Neg(grad_x)}};
      });

  OpDefiner(r,
            "smooth_l1_loss(Tensor self, Tensor target, int reduction=Mean, "
            "float beta=1.0) -> Tensor",
            OpKind::kOther)
      .LowerToKernel("smooth_l1_loss")
      .Infer([](const TypeCall& call) -> Types {
        RETURN_IF_ERROR(CheckBeta(call.Float(3)));
        return InferPointwiseLoss(call);
      })
      .Kernel([](const KernelCall& call, const std::vector<TensorType>& types) -> Results {
        double beta = call.Float(3);
        return std::vector<HostTensor>{
            PointwiseLoss(call.tensor(0), call.tensor(1), LossShape(call), ReductionOf(call.Int(2)),
                          types[0].dtype, [beta](double d) { return SmoothL1(d, beta); })};
      })
      .Derivative([](DerivativeContext& c) -> Grads {
        auto [x, t] = ExpandLossOperands(c.b, c.input(0), c.input(1));
        return {{0, c.b.Op("aten.smooth_l1_loss_backward.default",
                           {V::V(c.grad(0)), V::V(x), V::V(t), c.arg(2), c.arg(3)})},
                {1, c.b.Op("aten.smooth_l1_loss_backward.default",
                           {V::V(c.grad(0)), V::V(t), V::V(x), c.arg(2), c.arg(3)})}};
      });

  OpDefiner(r,
            "smooth_l1_loss_backward(Tensor grad_output, Tensor self, "
            "Tensor target, int reduction, float beta) -> Tensor",
            OpKind::kOther)
      .LowerToKernel("smooth_l1_loss_backward")
      .Infer([](const TypeCall& call) -> Types {
        RETURN_IF_ERROR(CheckBeta(call.Float(4)));
        return InferPointwiseLossBackward(call);
      })
      .Kernel([](const KernelCall& call, const std::vector<TensorType>& types) -> Results {
        double beta = call.Float(4);
        return std::vector<HostTensor>{
            PointwiseLossBackward(call.tensor(0), call.tensor(1), call.tensor(2), types[0].shape,
                                  ReductionOf(call.Int(3)), types[0].dtype,
                                  [beta](double d) { return SmoothL1Derivative(d, beta); })};
      })
      .Derivative([](DerivativeContext& c) -> Grads {
        // f = norm * go * clamp((x - t) / beta, -1, 1): in x, G * go * norm / beta
        // where |x - t| < beta (0 everywhere for beta 0).
        GraphBuilder& b = c.b;
        ValueId g = c.grad(0), go = c.input(0), x = c.input(1), t = c.input(2);
        int64_t reduction = c.arg(3).AsInt();
        double beta = c.arg(4).AsFloat();
        ValueId per_element = b.Op("aten.smooth_l1_loss_backward.default",
                                   {V::V(g), V::V(x), V::V(t), c.arg(3), c.arg(4)});
        Grads grads = {{0, LossGradOutputGrad(b, per_element, go, reduction)}};
        if (beta > 0) {
          double norm = ReductionOf(reduction) == Reduction::kMean
                            ? 1.0 / static_cast<double>(b.type(x).NumElements())
                            : 1.0;
          ValueId inside =
              b.Op("aten.lt.Scalar",
                   {V::V(b.Op("aten.abs.default", {V::V(b.Sub(x, t))})), Argument::Float(beta)});
          ValueId grad_x =
              b.MulScalar(b.Mul(b.Mul(g, go), b.Cast(inside, b.type(g).dtype)), norm / beta);
          grads.push_back({1, grad_x});
          grads.push_back({2, b.Neg(grad_x)});
        }
        return grads;
      });
}

// binary_cross_entropy_with_logits' per-element loss, ATen's stable form:
// (1 - t) x + lw (log(exp(-m) + exp(-x - m)) + m), m = max(-x, 0), lw =
// (pos_weight - 1) t + 1 (1 without pos_weight), times weight.
double BceWithLogits(double x, double t, double w, double pw) {
  double m = std::max(-x, 0.0);
  double lw = (pw - 1) * t + 1;
  return ((1 - t) * x + lw * (std::log(std::exp(-m) + std::exp(-x - m)) + m)) * w;
}

// The per-element losses as a graph (before reduction).
ValueId BceWithLogitsGraph(GraphBuilder& b, const std::vector<Argument>& args) {
  ValueId x = args[0].AsValue(), t = args[1].AsValue();
  ValueId m = b.Op("aten.clamp.default", {V::V(b.Neg(x)), Argument::Int(0)});
  ValueId log_term = b.Op(
      "aten.log.default",
      {V::V(b.Add(b.Op("aten.exp.default", {V::V(b.Neg(m))}),
                  b.Op("aten.exp.default", {V::V(b.Sub(b.Neg(x), m))})))});
  ValueId one_minus_t = b.Op("aten.rsub.Scalar", {V::V(t), Argument::Int(1)});
  ValueId loss;
  if (args[3].is_none()) {
    loss = b.Add(b.Add(b.Mul(one_minus_t, x), m), log_term);
  } else {
    ValueId lw = b.AddScalar(b.Mul(b.AddScalar(args[3].AsValue(), -1), t), 1);
    loss = b.Add(b.Mul(one_minus_t, x), b.Mul(lw, b.Add(log_term, m)));
  }
  if (!args[2].is_none()) loss = b.Mul(loss, args[2].AsValue());
  return loss;
}

ValueId ApplyLossReduction(GraphBuilder& b, ValueId loss, int64_t reduction) {
  if (ReductionOf(reduction) == Reduction::kMean) return b.Op("aten.mean.default", {V::V(loss)});
  if (ReductionOf(reduction) == Reduction::kSum) return b.Op("aten.sum.default", {V::V(loss)});
  return loss;
}

void DefineBceWithLogits(OpRegistry& r) {
  OpDefiner(r,
            "binary_cross_entropy_with_logits(Tensor self, Tensor target, Tensor? weight=None, "
            "Tensor? pos_weight=None, int reduction=Mean) -> Tensor",
            OpKind::kOther)
      .Infer([](const TypeCall& call) -> Types {
        const TensorType& x = call.tensor(0);
        const TensorType& t = call.tensor(1);
        if (x.shape != t.shape) {
          return Invalid("Target size (", ShapeString(t.shape),
                         ") must be the same as input size (", ShapeString(x.shape), ")");
        }
        DType dtype = ResultType(OperandsOf(call, {0, 1, 2, 3}));
        RETURN_IF_ERROR(RequireFloating("loss input", dtype));
        for (int i : {2, 3}) {
          if (call.IsNone(i)) continue;
          ASSIGN_OR_RETURN(Dims shape, BroadcastShapes(call.tensor(i).shape, x.shape));
          if (shape != x.shape) {
            return Invalid(i == 2 ? "weight" : "pos_weight", " of shape ",
                           ShapeString(call.tensor(i).shape), " does not broadcast to ",
                           ShapeString(x.shape));
          }
        }
        RETURN_IF_ERROR(CheckReduction(call.Int(4)));
        return One(dtype, ReductionOf(call.Int(4)) == Reduction::kNone ? x.shape : Dims{});
      })
      .Kernel([](const KernelCall& call, const std::vector<TensorType>& types) -> Results {
        DType d = types[0].dtype;
        const Dims& shape = call.tensor(0).shape;
        HostTensor x = call.tensor(0).Cast(d), t = call.tensor(1).Cast(d);
        HostTensor w = call.IsNone(2) ? HostTensor::Full(d, shape, 1)
                                      : reference::BroadcastTo(call.tensor(2).Cast(d), shape);
        HostTensor pw = call.IsNone(3) ? HostTensor::Full(d, shape, 1)
                                       : reference::BroadcastTo(call.tensor(3).Cast(d), shape);
        HostTensor loss(d, shape);
        double total = 0;
        for (int64_t i = 0; i < loss.NumElements(); ++i) {
          loss.data[i] = BceWithLogits(x.data[i], t.data[i], w.data[i], pw.data[i]);
          total += loss.data[i];
        }
        Reduction reduction = ReductionOf(call.Int(4));
        if (reduction == Reduction::kNone) {
          loss.RoundToDType();
          return std::vector<HostTensor>{std::move(loss)};
        }
        if (reduction == Reduction::kMean) total /= static_cast<double>(loss.NumElements());
        return std::vector<HostTensor>{HostTensor::Full(d, {}, total)};
      })
      .Derivative([](DerivativeContext& c) -> Grads {
        // binary_cross_entropy_with_logits_backward and its target_backward.
        GraphBuilder& b = c.b;
        ValueId x = c.input(0), t = c.input(1);
        const Dims shape = b.type(x).shape;
        int64_t reduction = c.arg(4).AsInt();
        ValueId g = b.Expand(c.grad(0), shape);
        if (!c.arg(2).is_none()) g = b.Mul(g, c.input(2));
        if (ReductionOf(reduction) == Reduction::kMean) {
          g = b.Op("aten.div.Tensor", {V::V(g), Argument::Int(b.type(x).NumElements())});
        }
        ValueId s = b.Op("aten.sigmoid.default", {V::V(x)});
        Grads grads;
        if (c.arg(3).is_none()) {
          grads.push_back({0, b.Mul(b.Sub(s, t), g)});
          grads.push_back({1, b.Mul(b.Neg(x), g)});
        } else {
          ValueId pw = c.input(3);
          ValueId pt = b.Mul(pw, t);
          ValueId self_grad = b.Sub(b.Mul(b.Sub(b.AddScalar(pt, 1), t), s), pt);
          auto log_sigmoid = [&](ValueId v) {
            std::vector<ValueId> out = b.MultiOp("aten.log_sigmoid_forward.default", {V::V(v)});
            return out.empty() ? kNoValue : out[0];
          };
          ValueId target_grad = b.Sub(log_sigmoid(b.Neg(x)), b.Mul(log_sigmoid(x), pw));
          grads.push_back({0, b.Mul(self_grad, g)});
          grads.push_back({1, b.Mul(target_grad, g)});
        }
        return grads;
      })
      .Decompose([](GraphBuilder& b, const ir::Node& node) -> std::vector<ValueId> {
        return {ApplyLossReduction(b, BceWithLogitsGraph(b, node.args), node.args[4].AsInt())};
      });
}

}  // namespace

absl::Status RegisterLossOps(OpRegistry& registry) {
  DefineLosses(registry);
  DefineBceWithLogits(registry);
  return absl::OkStatus();
}

}  // namespace aotd::ops::internal
