// prelu and prelu_backward.
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
#include "compiler/ops/activation/activation.h"
#include "compiler/ops/core/builder.h"
#include "compiler/ops/core/nn_util.h"
#include "compiler/ops/core/op_definer.h"
#include "compiler/ops/core/op_util.h"
#include "compiler/reference/host_tensor.h"

namespace aotd::ops::internal {
namespace {

using ir::Argument;
using ir::TensorType;
using ir::ValueId;

// The checks of ATen's prelu: float input and weight of one dtype, weight
// a scalar or 1-d with one value or one per channel (dim 1).
absl::Status CheckPrelu(const TensorType& self, const TensorType& weight) {
  RETURN_IF_ERROR(RequireFloating("prelu input", self.dtype));
  RETURN_IF_ERROR(RequireSameDType("input", self.dtype, "weight", weight.dtype));
  if (weight.Rank() > 1) {
    return Invalid("prelu: Expected `weight` to be a scalar or 1D tensor, but got: ndim = ",
                   weight.Rank());
  }
  const int64_t weight_num = weight.NumElements();
  if (weight_num == 1) return absl::OkStatus();
  if (self.Rank() == 0) return Invalid("prelu: Not allow zero-dim input tensor.");
  const int64_t channels = self.Rank() > 1 ? self.shape[1] : 1;
  if (channels != weight_num) {
    return Invalid("Mismatch of parameter numbers and input channel size. Found parameter numbers = ",
                   weight_num, " and channel size = ", channels, ".");
  }
  return absl::OkStatus();
}

// The weight index of element i of `self` in prelu.
int64_t PreluChannel(const Dims& self, int64_t weight_num, int64_t i) {
  if (weight_num == 1) return 0;
  int64_t inner = 1;
  for (size_t d = 2; d < self.size(); ++d) inner *= self[d];
  return i / inner % weight_num;
}

// The weight shaped to broadcast against `self` along dim 1.
ValueId PreluWeight(GraphBuilder& b, ValueId weight, const TensorType& self) {
  if (b.type(weight).NumElements() == 1) return b.Reshape(weight, {});
  Dims shape(std::max<int64_t>(self.Rank() - 1, 1), 1);
  shape[0] = b.type(weight).NumElements();
  return b.Reshape(weight, shape);
}

// A 0-d zero of `like`'s dtype.
ValueId ScalarZeroLike(GraphBuilder& b, ValueId like) {
  return b.Op("aten.scalar_tensor.default", {Argument::Float(0)},
              {{"dtype", Argument::DTypeArg(b.type(like).dtype)}});
}

// `v` where self > 0, else `other` (a 0-d zero when kNoValue).
ValueId WherePositive(GraphBuilder& b, ValueId self, ValueId v, ValueId other) {
  ValueId positive = b.Op("aten.gt.Scalar", {V::V(self), Argument::Int(0)});
  if (other == kNoValue) other = ScalarZeroLike(b, v);
  return b.Op("aten.where.self", {V::V(positive), V::V(v), V::V(other)});
}

// `v` summed over every dim but the channel dim, shaped as `weight`.
ValueId SumToPreluWeight(GraphBuilder& b, ValueId v, ValueId weight) {
  const TensorType t = b.type(v);
  ValueId sum;
  if (b.type(weight).NumElements() == 1 || t.Rank() < 2) {
    sum = b.Op("aten.sum.default", {V::V(v)});
  } else {
    Dims dims = {0};
    for (int64_t d = 2; d < t.Rank(); ++d) dims.push_back(d);
    sum = b.Op("aten.sum.dim_IntList", {V::V(v), Argument::IntList(dims), Argument::Bool(false)});
  }
  return b.Reshape(sum, b.type(weight).shape);
}

}  // namespace

void DefinePrelu(OpRegistry& r) {
  // self where self > 0, else weight * self (weight per channel).
  OpDefiner(r, "prelu(Tensor self, Tensor weight) -> Tensor", OpKind::kOther)
      .Infer([](const TypeCall& call) -> Types {
        RETURN_IF_ERROR(CheckPrelu(call.tensor(0), call.tensor(1)));
        return One(call.tensor(0).dtype, call.tensor(0).shape);
      })
      .Kernel([](const KernelCall& call, const std::vector<TensorType>& types) -> Results {
        const HostTensor& self = call.tensor(0);
        const HostTensor& weight = call.tensor(1);
        HostTensor out(types[0].dtype, types[0].shape);
        for (int64_t i = 0; i < self.NumElements(); ++i) {
          double x = self.data[i];
          out.data[i] =
              x > 0 ? x : weight.data[PreluChannel(self.shape, weight.NumElements(), i)] * x;
        }
        out.RoundToDType();
        return std::vector<HostTensor>{std::move(out)};
      })
      .Derivative([](DerivativeContext& c) -> Grads {
        std::vector<ValueId> g = c.b.MultiOp("aten.prelu_backward.default",
                                             {V::V(c.grad(0)), V::V(c.input(0)), V::V(c.input(1))});
        if (!c.b.ok()) return {};
        return {{0, g[0]}, {1, g[1]}};
      })
      .Decompose([](GraphBuilder& b, const ir::Node& node) -> std::vector<ValueId> {
        ValueId x = node.args[0].AsValue();
        ValueId w = PreluWeight(b, node.args[1].AsValue(), b.type(x));
        return {WherePositive(b, x, x, b.Mul(w, x))};
      });

  // grad_input = grad_output where self > 0, else weight * grad_output;
  // grad_weight = the sums of self * grad_output where self <= 0, per
  // weight entry.
  OpDefiner(r, "prelu_backward(Tensor grad_output, Tensor self, Tensor weight) -> (Tensor, Tensor)",
            OpKind::kOther)
      .Infer([](const TypeCall& call) -> Types {
        const TensorType& grad = call.tensor(0);
        const TensorType& self = call.tensor(1);
        const TensorType& weight = call.tensor(2);
        RETURN_IF_ERROR(CheckPrelu(self, weight));
        RETURN_IF_ERROR(RequireSameDType("grad_output", grad.dtype, "input", self.dtype));
        if (grad.shape != self.shape) {
          return Invalid("prelu_backward: grad_output of size ", ShapeString(grad.shape),
                         " does not match the input's size ", ShapeString(self.shape));
        }
        return std::vector<TensorType>{TensorType::Contiguous(self.dtype, self.shape),
                                       TensorType::Contiguous(weight.dtype, weight.shape)};
      })
      .Kernel([](const KernelCall& call, const std::vector<TensorType>& types) -> Results {
        const HostTensor& grad = call.tensor(0);
        const HostTensor& self = call.tensor(1);
        const HostTensor& weight = call.tensor(2);
        HostTensor grad_input(types[0].dtype, types[0].shape);
        HostTensor grad_weight(types[1].dtype, types[1].shape);
        for (int64_t i = 0; i < self.NumElements(); ++i) {
          const int64_t c = PreluChannel(self.shape, weight.NumElements(), i);
          const double x = self.data[i], g = grad.data[i];
          grad_input.data[i] = x > 0 ? g : weight.data[c] * g;
          if (!(x > 0)) grad_weight.data[c] += x * g;
        }
        grad_input.RoundToDType();
        grad_weight.RoundToDType();
        return std::vector<HostTensor>{std::move(grad_input), std::move(grad_weight)};
      })
      .Derivative([](DerivativeContext& c) -> Grads {
        // prelu_double_backward: grad_input is bilinear in (grad_output,
        // weight) off the positive part, grad_weight in (grad_output, self);
        // the mask self > 0 has no gradient.
        GraphBuilder& b = c.b;
        ValueId grad_out = c.input(0), self = c.input(1), weight = c.input(2);
        const TensorType self_type = b.type(self);
        ValueId w = PreluWeight(b, weight, self_type);
        ValueId gg_out = kNoValue, g_self = kNoValue, g_weight = kNoValue;
        if (c.has_grad(0)) {
          ValueId ggi = c.grad(0);
          gg_out = WherePositive(b, self, ggi, b.Mul(w, ggi));
          g_weight = SumToPreluWeight(
              b, WherePositive(b, self, ScalarZeroLike(b, ggi), b.Mul(ggi, grad_out)), weight);
        }
        if (c.has_grad(1)) {
          ValueId ggw = PreluWeight(b, c.grad(1), self_type);
          ValueId zero = ScalarZeroLike(b, self);
          ValueId from_w = WherePositive(b, self, zero, b.Mul(ggw, self));
          gg_out = gg_out == kNoValue ? from_w : b.Add(gg_out, from_w);
          g_self = WherePositive(b, self, zero, b.Mul(ggw, grad_out));
        }
        Grads grads;
        if (gg_out != kNoValue) grads.push_back({0, b.Expand(gg_out, self_type.shape)});
        if (g_self != kNoValue) grads.push_back({1, b.Expand(g_self, self_type.shape)});
        if (g_weight != kNoValue) grads.push_back({2, g_weight});
        return grads;
      })
      .Decompose([](GraphBuilder& b, const ir::Node& node) -> std::vector<ValueId> {
        ValueId g = node.args[0].AsValue(), x = node.args[1].AsValue();
        ValueId weight = node.args[2].AsValue();
        ValueId w = PreluWeight(b, weight, b.type(x));
        ValueId grad_input = WherePositive(b, x, g, b.Mul(w, g));
        ValueId grad_weight =
            SumToPreluWeight(b, WherePositive(b, x, ScalarZeroLike(b, x), b.Mul(x, g)), weight);
        return {grad_input, grad_weight};
      });
}

}  // namespace aotd::ops::internal
