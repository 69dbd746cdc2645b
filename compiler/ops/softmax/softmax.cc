// softmax and log_softmax and their backward ops.
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
#include "compiler/ops/softmax/softmax.h"
#include "compiler/reference/host_tensor.h"

namespace aotd::ops::internal {
namespace {

using ir::Argument;
using ir::TensorType;
using ir::ValueId;

// Outer, dim and inner extents of `shape` around `dim`.
struct Lanes {
  int64_t outer, n, inner;
};

Lanes LanesOf(const Dims& shape, int64_t dim) {
  if (shape.empty()) return {1, 1, 1};
  return {Product(shape.begin(), shape.begin() + dim), shape[dim],
          Product(shape.begin() + dim + 1, shape.end())};
}

HostTensor Softmax(const HostTensor& input, int64_t dim, bool log, DType dtype) {
  HostTensor out(dtype, input.shape);
  Lanes l = LanesOf(input.shape, dim);
  for (int64_t o = 0; o < l.outer; ++o) {
    for (int64_t in = 0; in < l.inner; ++in) {
      auto at = [&](int64_t i) { return (o * l.n + i) * l.inner + in; };
      double max = -std::numeric_limits<double>::infinity();
      for (int64_t i = 0; i < l.n; ++i) max = std::max(max, input.data[at(i)]);
      double sum = 0;
      for (int64_t i = 0; i < l.n; ++i) sum += std::exp(input.data[at(i)] - max);
      for (int64_t i = 0; i < l.n; ++i) {
        double shifted = input.data[at(i)] - max;
        out.data[at(i)] = log ? shifted - std::log(sum) : std::exp(shifted) / sum;
      }
    }
  }
  out.RoundToDType();
  return out;
}

// grad_output and output have one shape. Softmax: y * (g - sum(g * y));
// log-softmax: g - exp(y) * sum(g).
HostTensor SoftmaxBackward(const HostTensor& grad_out, const HostTensor& output, int64_t dim,
                           bool log, DType dtype) {
  HostTensor grad(dtype, grad_out.shape);
  Lanes l = LanesOf(grad_out.shape, dim);
  for (int64_t o = 0; o < l.outer; ++o) {
    for (int64_t in = 0; in < l.inner; ++in) {
      auto at = [&](int64_t i) { return (o * l.n + i) * l.inner + in; };
      double sum = 0;
      for (int64_t i = 0; i < l.n; ++i) {
        sum += log ? grad_out.data[at(i)] : grad_out.data[at(i)] * output.data[at(i)];
      }
      for (int64_t i = 0; i < l.n; ++i) {
        double g = grad_out.data[at(i)], y = output.data[at(i)];
        grad.data[at(i)] = log ? g - std::exp(y) * sum : y * (g - sum);
      }
    }
  }
  grad.RoundToDType();
  return grad;
}

Types InferSoftmax(const TypeCall& call) {
  const TensorType& self = call.tensor(0);
  RETURN_IF_ERROR(NormalizeDim(call.Int(1), self.Rank()).status());
  if (call.Bool(2)) return Invalid("softmax with half to float conversion is not supported");
  RETURN_IF_ERROR(RequireFloating("softmax input", self.dtype));
  return One(self.dtype, self.shape);
}

Types InferSoftmaxBackward(const TypeCall& call) {
  const TensorType& grad = call.tensor(0);
  const TensorType& output = call.tensor(1);
  if (grad.shape != output.shape) {
    return Invalid("grad_output of size ", ShapeString(grad.shape),
                   " does not match output of size ", ShapeString(output.shape));
  }
  RETURN_IF_ERROR(NormalizeDim(call.Int(2), grad.Rank()).status());
  RETURN_IF_ERROR(RequireFloating("grad_output", grad.dtype));
  // ATen's only mixed case (CUDA's half_to_float) gives the input's dtype.
  DType dtype = grad.dtype == DType::kFloat32 && call.arg(3).AsDType() == DType::kFloat16
                    ? DType::kFloat16
                    : grad.dtype;
  return One(dtype, grad.shape);
}

template <bool kLog>
Results SoftmaxKernel(const KernelCall& call, const std::vector<TensorType>& types) {
  ASSIGN_OR_RETURN(int64_t dim, NormalizeDim(call.Int(1), call.tensor(0).Rank()));
  return std::vector<HostTensor>{Softmax(call.tensor(0), dim, kLog, types[0].dtype)};
}

template <bool kLog>
Results SoftmaxBackwardKernel(const KernelCall& call, const std::vector<TensorType>& types) {
  ASSIGN_OR_RETURN(int64_t dim, NormalizeDim(call.Int(2), call.tensor(0).Rank()));
  return std::vector<HostTensor>{
      SoftmaxBackward(call.tensor(0), call.tensor(1), dim, kLog, types[0].dtype)};
}

void DefineSoftmax(OpRegistry& r) {
  OpDefiner(r, "_softmax(Tensor self, int dim, bool half_to_float) -> Tensor", OpKind::kOther)
      .LowerToKernel("softmax")
      .Infer(InferSoftmax)
      .Kernel(SoftmaxKernel<false>)
      .Derivative([](DerivativeContext& c) -> Grads {
        return {{0, c.b.Op("aten._softmax_backward_data.default",
                           {V::V(c.grad(0)), V::V(c.output(0)), c.arg(1),
                            Argument::DTypeArg(c.b.type(c.input(0)).dtype)})}};
      });

  OpDefiner(r, "_log_softmax(Tensor self, int dim, bool half_to_float) -> Tensor", OpKind::kOther)
      .LowerToKernel("log_softmax")
      .Infer(InferSoftmax)
      .Kernel(SoftmaxKernel<true>)
      .Derivative([](DerivativeContext& c) -> Grads {
        return {{0, c.b.Op("aten._log_softmax_backward_data.default",
                           {V::V(c.grad(0)), V::V(c.output(0)), c.arg(1),
                            Argument::DTypeArg(c.b.type(c.input(0)).dtype)})}};
      });

  OpDefiner(r,
            "_softmax_backward_data(Tensor grad_output, Tensor output, int dim, "
            "ScalarType input_dtype) -> Tensor",
            OpKind::kOther)
      .LowerToKernel("softmax_backward_data")
      .Infer(InferSoftmaxBackward)
      .Kernel(SoftmaxBackwardKernel<false>)
      .Derivative([](DerivativeContext& c) -> Grads {
        // f = y * (go - sum(go * y)): linear in go; in y,
        // df/dy . G = G * (go - sum(go * y)) - go * sum(G * y).
        GraphBuilder& b = c.b;
        ValueId g = c.grad(0), go = c.input(0), y = c.input(1);
        Argument dim = DimArg(c.arg(2).AsInt());
        ValueId grad_go =
            b.Op("aten._softmax_backward_data.default", {V::V(g), V::V(y), c.arg(2), c.arg(3)});
        ValueId grad_y = b.Sub(b.Mul(g, b.Sub(go, SumKeepDim(b, b.Mul(go, y), dim))),
                               b.Mul(go, SumKeepDim(b, b.Mul(g, y), dim)));
        return {{0, grad_go}, {1, grad_y}};
      });

  OpDefiner(r,
            "_log_softmax_backward_data(Tensor grad_output, Tensor output, int dim, "
            "ScalarType input_dtype) -> Tensor",
            OpKind::kOther)
      .LowerToKernel("log_softmax_backward_data")
      .Infer(InferSoftmaxBackward)
      .Kernel(SoftmaxBackwardKernel<true>)
      .Derivative([](DerivativeContext& c) -> Grads {
        // f = go - exp(y) * sum(go).
        GraphBuilder& b = c.b;
        ValueId g = c.grad(0), go = c.input(0), y = c.input(1);
        Argument dim = DimArg(c.arg(2).AsInt());
        ValueId exp_y = b.Op("aten.exp.default", {V::V(y)});
        ValueId grad_go = b.Sub(g, SumKeepDim(b, b.Mul(g, exp_y), dim));
        ValueId grad_y = b.Neg(b.Mul(b.Mul(g, exp_y), SumKeepDim(b, go, dim)));
        return {{0, grad_go}, {1, grad_y}};
      });
}

}  // namespace

absl::Status RegisterSoftmaxOps(OpRegistry& registry) {
  DefineSoftmax(registry);
  return absl::OkStatus();
}

}  // namespace aotd::ops::internal
