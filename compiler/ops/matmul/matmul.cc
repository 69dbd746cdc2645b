// Matrix products: mm, addmm, bmm, baddbmm.
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
#include "compiler/ops/matmul/matmul.h"
#include "compiler/reference/host_tensor.h"

namespace aotd::ops::internal {
namespace {

using ir::Argument;
using ir::TensorType;
using ir::ValueId;

// out[b] = a[b] @ c[b] for a [batch, n, m] and c [batch, m, p] given as
// row-major data; the result is [batch, n, p] row-major, unrounded.
std::vector<double> BatchedMatmul(const std::vector<double>& a, const std::vector<double>& c,
                                  int64_t batch, int64_t n, int64_t m, int64_t p) {
  std::vector<double> out(batch * n * p, 0.0);
  for (int64_t b = 0; b < batch; ++b) {
    const double* x = a.data() + b * n * m;
    const double* y = c.data() + b * m * p;
    double* z = out.data() + b * n * p;
    for (int64_t i = 0; i < n; ++i) {
      for (int64_t k = 0; k < m; ++k) {
        double xv = x[i * m + k];
        for (int64_t j = 0; j < p; ++j) z[i * p + j] += xv * y[k * p + j];
      }
    }
  }
  return out;
}

absl::Status CheckMatmulDType(DType a, DType b) {
  RETURN_IF_ERROR(RequireSameDType("mat1", a, "mat2", b));
  if (a == DType::kBool) return Invalid("matrix products do not support bool");
  return absl::OkStatus();
}

// [n, m] x [m, p] -> [n, p], the shapes checked.
absl::StatusOr<Dims> MmShape(const TensorType& a, const TensorType& b) {
  if (a.Rank() != 2 || b.Rank() != 2) {
    return Invalid("expected 2-d matrices, got ", ShapeString(a.shape), " and ",
                   ShapeString(b.shape));
  }
  if (a.shape[1] != b.shape[0]) {
    return Invalid("mat1 and mat2 shapes cannot be multiplied (", a.shape[0], "x", a.shape[1],
                   " and ", b.shape[0], "x", b.shape[1], ")");
  }
  RETURN_IF_ERROR(CheckMatmulDType(a.dtype, b.dtype));
  return Dims{a.shape[0], b.shape[1]};
}

Types InferMm(const TypeCall& call) {
  ASSIGN_OR_RETURN(Dims shape, MmShape(call.tensor(0), call.tensor(1)));
  return One(call.tensor(0).dtype, shape);
}

Types InferAddmm(const TypeCall& call) {
  const TensorType& self = call.tensor(0);
  ASSIGN_OR_RETURN(Dims shape, MmShape(call.tensor(1), call.tensor(2)));
  absl::StatusOr<Dims> b = BroadcastShapes(self.shape, shape);
  if (!b.ok() || *b != shape) {
    return Invalid("self of size ", ShapeString(self.shape),
                   " does not broadcast to the product's size ", ShapeString(shape));
  }
  RETURN_IF_ERROR(RequireSameDType("self", self.dtype, "mat1", call.tensor(1).dtype));
  return One(self.dtype, shape);
}

Types InferBmm(const TypeCall& call) {
  const TensorType& a = call.tensor(0);
  const TensorType& b = call.tensor(1);
  if (a.Rank() != 3 || b.Rank() != 3) {
    return Invalid("bmm expects 3-d tensors, got ", ShapeString(a.shape), " and ",
                   ShapeString(b.shape));
  }
  if (a.shape[0] != b.shape[0] || a.shape[2] != b.shape[1]) {
    return Invalid("bmm shapes do not match: ", ShapeString(a.shape), " and ", ShapeString(b.shape),
                   " (expected [b, n, m] and [b, m, p])");
  }
  RETURN_IF_ERROR(CheckMatmulDType(a.dtype, b.dtype));
  return One(a.dtype, {a.shape[0], a.shape[1], b.shape[2]});
}

// a @ b for 2-d (batch 1) or 3-d operands, as a tensor of `type`.
HostTensor Matmul(const HostTensor& a, const HostTensor& b, const TensorType& type) {
  bool batched = a.Rank() == 3;
  int64_t batch = batched ? a.shape[0] : 1;
  int64_t n = a.shape[a.Rank() - 2], m = a.shape[a.Rank() - 1], p = b.shape[b.Rank() - 1];
  HostTensor out(type.dtype, type.shape);
  out.data = BatchedMatmul(a.data, b.data, batch, n, m, p);
  return out;
}

// PyTorch's maybe_multiply: v * s unless s is 1.
ValueId MaybeMultiply(GraphBuilder& b, ValueId v, const Argument& s) {
  if (s.AsFloat() == 1.0) return v;
  return b.Op("aten.mul.Tensor", {V::V(v), s});
}

bool IsColumnMajor(const TensorType& t) { return t.strides[0] == 1 && t.strides[1] == t.shape[0]; }

// derivatives.yaml's mm_mat1_backward: the gradient of mat1 in
// alpha * mat1 @ mat2, column-major when mat1 was.
ValueId MmMat1Backward(GraphBuilder& b, ValueId grad, ValueId mat1, ValueId mat2,
                       const Argument& alpha) {
  ValueId g;
  if (IsColumnMajor(b.type(mat1))) {
    ValueId grad_t = b.Op("aten.t.default", {V::V(grad)});
    g = b.Op("aten.t.default", {V::V(b.Op("aten.mm.default", {V::V(mat2), V::V(grad_t)}))});
  } else {
    ValueId mat2_t = b.Op("aten.t.default", {V::V(mat2)});
    g = b.Op("aten.mm.default", {V::V(grad), V::V(mat2_t)});
  }
  return MaybeMultiply(b, g, alpha);
}

// mm_mat2_backward: the gradient of mat2, column-major when mat2 was.
ValueId MmMat2Backward(GraphBuilder& b, ValueId grad, ValueId mat1, ValueId mat2,
                       const Argument& alpha) {
  ValueId g;
  if (IsColumnMajor(b.type(mat2))) {
    ValueId grad_t = b.Op("aten.t.default", {V::V(grad)});
    g = b.Op("aten.t.default", {V::V(b.Op("aten.mm.default", {V::V(grad_t), V::V(mat1)}))});
  } else {
    ValueId mat1_t = b.Op("aten.t.default", {V::V(mat1)});
    g = b.Op("aten.mm.default", {V::V(mat1_t), V::V(grad)});
  }
  return MaybeMultiply(b, g, alpha);
}

void DefineMatmul(OpRegistry& r) {
  OpDefiner(r, "mm(Tensor self, Tensor mat2) -> Tensor", OpKind::kMatmul)
      .LowerToKernel("mm")
      .Infer(InferMm)
      .Kernel([](const KernelCall& call, const std::vector<TensorType>& types) -> Results {
        HostTensor out = Matmul(call.tensor(0), call.tensor(1), types[0]);
        out.RoundToDType();
        return std::vector<HostTensor>{std::move(out)};
      })
      .Derivative([](DerivativeContext& c) -> Grads {
        Argument one = Argument::Int(1);
        return {{0, MmMat1Backward(c.b, c.grad(0), c.input(0), c.input(1), one)},
                {1, MmMat2Backward(c.b, c.grad(0), c.input(0), c.input(1), one)}};
      });

  OpDefiner(r,
            "addmm(Tensor self, Tensor mat1, Tensor mat2, *, Scalar beta=1, "
            "Scalar alpha=1) -> Tensor",
            OpKind::kMatmul)
      .LowerToKernel("addmm")
      .Infer(InferAddmm)
      .Kernel([](const KernelCall& call, const std::vector<TensorType>& types) -> Results {
        HostTensor out = Matmul(call.tensor(1), call.tensor(2), types[0]);
        double beta = call.Float(3), alpha = call.Float(4);
        // beta == 0 ignores self entirely (NaN and inf included), as ATen does.
        HostTensor self = beta == 0 ? HostTensor(types[0].dtype, types[0].shape)
                                    : reference::BroadcastTo(call.tensor(0), types[0].shape);
        for (int64_t i = 0; i < out.NumElements(); ++i) {
          out.data[i] = alpha * out.data[i] + (beta == 0 ? 0.0 : beta * self.data[i]);
        }
        out.RoundToDType();
        return std::vector<HostTensor>{std::move(out)};
      })
      .Derivative([](DerivativeContext& c) -> Grads {
        return {{0, MaybeMultiply(c.b, c.grad(0), c.arg(3))},
                {1, MmMat1Backward(c.b, c.grad(0), c.input(1), c.input(2), c.arg(4))},
                {2, MmMat2Backward(c.b, c.grad(0), c.input(1), c.input(2), c.arg(4))}};
      });

  OpDefiner(r, "bmm(Tensor self, Tensor mat2) -> Tensor", OpKind::kMatmul)
      .LowerToKernel("bmm")
      .Infer(InferBmm)
      .Kernel([](const KernelCall& call, const std::vector<TensorType>& types) -> Results {
        HostTensor out = Matmul(call.tensor(0), call.tensor(1), types[0]);
        out.RoundToDType();
        return std::vector<HostTensor>{std::move(out)};
      })
      .Derivative([](DerivativeContext& c) -> Grads {
        GraphBuilder& b = c.b;
        auto transpose = [&](ValueId v) {
          return b.Op("aten.transpose.int", {V::V(v), Argument::Int(1), Argument::Int(2)});
        };
        return {{0, b.Op("aten.bmm.default", {V::V(c.grad(0)), V::V(transpose(c.input(1)))})},
                {1, b.Op("aten.bmm.default", {V::V(transpose(c.input(0))), V::V(c.grad(0))})}};
      });
}

Types InferBaddbmm(const TypeCall& call) {
  std::vector<Argument> args = {call.arg(1), call.arg(2)};
  ASSIGN_OR_RETURN(std::vector<TensorType> types,
                   InferBmm(TypeCall(args, [&call](ValueId v) -> const TensorType& {
                     return v == call.arg(1).AsValue() ? call.tensor(1) : call.tensor(2);
                   })));
  const TensorType& self = call.tensor(0);
  ASSIGN_OR_RETURN(Dims shape, BroadcastShapes(self.shape, types[0].shape));
  if (shape != types[0].shape) {
    return Invalid("baddbmm: self of shape ", ShapeString(self.shape),
                   " does not broadcast to the product's ", ShapeString(types[0].shape));
  }
  RETURN_IF_ERROR(RequireSameDType("self", self.dtype, "batch1", types[0].dtype));
  return types;
}

// beta * self + alpha * batch1 @ batch2; beta 0 ignores self (NaN too).
void DefineBaddbmm(OpRegistry& r) {
  OpDefiner(r,
            "baddbmm(Tensor self, Tensor batch1, Tensor batch2, *, Scalar beta=1, "
            "Scalar alpha=1) -> Tensor",
            OpKind::kMatmul)
      .Infer(InferBaddbmm)
      .Kernel([](const KernelCall& call, const std::vector<TensorType>& types) -> Results {
        HostTensor out = Matmul(call.tensor(1), call.tensor(2), types[0]);
        double beta = call.Float(3), alpha = call.Float(4);
        HostTensor self = reference::BroadcastTo(call.tensor(0), types[0].shape);
        for (int64_t i = 0; i < out.NumElements(); ++i) {
          out.data[i] = alpha * out.data[i] + (beta == 0 ? 0.0 : beta * self.data[i]);
        }
        out.RoundToDType();
        return std::vector<HostTensor>{std::move(out)};
      })
      .Derivative([](DerivativeContext& c) -> Grads {
        GraphBuilder& b = c.b;
        auto transpose = [&](ValueId v) {
          return b.Op("aten.transpose.int", {V::V(v), Argument::Int(1), Argument::Int(2)});
        };
        ValueId g = c.grad(0);
        return {{0, MaybeMultiply(b, g, c.arg(3))},
                {1, MaybeMultiply(b, b.Op("aten.bmm.default", {V::V(g), V::V(transpose(c.input(2)))}),
                                  c.arg(4))},
                {2, MaybeMultiply(b, b.Op("aten.bmm.default", {V::V(transpose(c.input(1))), V::V(g)}),
                                  c.arg(4))}};
      })
      .Decompose([](GraphBuilder& b, const ir::Node& node) -> std::vector<ValueId> {
        ValueId product = MaybeMultiply(b, b.Op("aten.bmm.default", {node.args[1], node.args[2]}),
                                        node.args[4]);
        if (node.args[3].AsFloat() == 0) return {product};
        ValueId self = MaybeMultiply(b, node.args[0].AsValue(), node.args[3]);
        return {b.Add(product, self)};
      });
}

}  // namespace

absl::Status RegisterMatmulOps(OpRegistry& registry) {
  DefineMatmul(registry);
  DefineBaddbmm(registry);
  return absl::OkStatus();
}

}  // namespace aotd::ops::internal
