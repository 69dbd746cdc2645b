// embedding and embedding_dense_backward.
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
#include "compiler/ops/embedding/embedding.h"
#include "compiler/reference/host_tensor.h"

namespace aotd::ops::internal {
namespace {

using ir::Argument;
using ir::TensorType;
using ir::ValueId;

// Rows of weight [V, D] at `indices`: indices.shape + [D].
// INVALID_ARGUMENT for an index outside [0, V).
absl::StatusOr<HostTensor> Embedding(const HostTensor& weight, const HostTensor& indices) {
  const int64_t rows = weight.shape[0], dim = weight.shape[1];
  Dims shape = indices.shape;
  shape.push_back(dim);
  HostTensor out(weight.dtype, shape);
  for (int64_t i = 0; i < indices.NumElements(); ++i) {
    int64_t r = static_cast<int64_t>(indices.data[i]);
    if (r < 0 || r >= rows) return IndexError(r, rows);
    std::copy_n(weight.data.begin() + r * dim, dim, out.data.begin() + i * dim);
  }
  return out;
}

// [num_weights, D]: row r sums the grad_out rows whose index is r (each
// divided by r's count when scale_grad_by_freq), row padding_idx stays 0.
absl::StatusOr<HostTensor> EmbeddingDenseBackward(const HostTensor& grad_out,
                                                  const HostTensor& indices, int64_t num_weights,
                                                  int64_t padding_idx, bool scale_grad_by_freq,
                                                  DType dtype) {
  const int64_t dim = grad_out.shape.back();
  HostTensor grad(dtype, {num_weights, dim});
  std::vector<double> counts(num_weights, 0.0);
  for (double v : indices.data) {
    int64_t r = static_cast<int64_t>(v);
    if (r < 0 || r >= num_weights) return IndexError(r, num_weights);
    counts[r] += 1;
  }
  for (int64_t i = 0; i < indices.NumElements(); ++i) {
    int64_t r = static_cast<int64_t>(indices.data[i]);
    if (r == padding_idx) continue;
    double scale = scale_grad_by_freq ? 1.0 / counts[r] : 1.0;
    for (int64_t d = 0; d < dim; ++d) grad.data[r * dim + d] += scale * grad_out.data[i * dim + d];
  }
  grad.RoundToDType();
  return grad;
}

absl::Status CheckIndices(const TensorType& indices) {
  if (indices.dtype == DType::kInt64 || indices.dtype == DType::kInt32) return absl::OkStatus();
  return Invalid("expected indices of dtype int64 or int32, got ", ir::DTypeName(indices.dtype));
}

void DefineEmbedding(OpRegistry& r) {
  OpDefiner(r,
            "embedding(Tensor weight, Tensor indices, SymInt padding_idx=-1, "
            "bool scale_grad_by_freq=False, bool sparse=False) -> Tensor",
            OpKind::kOther)
      .LowerToKernel("embedding")
      .Infer([](const TypeCall& call) -> Types {
        const TensorType& weight = call.tensor(0);
        const TensorType& indices = call.tensor(1);
        if (weight.Rank() != 2) {
          return Invalid("'weight' must be 2-D, got weight of size ", ShapeString(weight.shape));
        }
        RETURN_IF_ERROR(CheckIndices(indices));
        Dims shape = indices.shape;
        shape.push_back(weight.shape[1]);
        return One(weight.dtype, shape);
      })
      .Kernel([](const KernelCall& call, const std::vector<TensorType>&) -> Results {
        ASSIGN_OR_RETURN(HostTensor out, Embedding(call.tensor(0), call.tensor(1)));
        return std::vector<HostTensor>{std::move(out)};
      })
      .Derivative([](DerivativeContext& c) -> Grads {
        // sparse=True asks for a sparse gradient; it is given dense.
        int64_t rows = c.b.type(c.input(0)).shape[0];
        return {{0, c.b.Op("aten.embedding_dense_backward.default",
                           {V::V(c.grad(0)), V::V(c.input(1)), Argument::Int(rows), c.arg(2),
                            c.arg(3)})}};
      });

  OpDefiner(r,
            "embedding_dense_backward(Tensor grad_output, Tensor indices, "
            "SymInt num_weights, SymInt padding_idx, bool scale_grad_by_freq) "
            "-> Tensor",
            OpKind::kOther)
      .LowerToKernel("embedding_dense_backward")
      .Infer([](const TypeCall& call) -> Types {
        const TensorType& grad = call.tensor(0);
        const TensorType& indices = call.tensor(1);
        RETURN_IF_ERROR(CheckIndices(indices));
        if (grad.Rank() < 1 || grad.NumElements() != indices.NumElements() * grad.shape.back()) {
          return Invalid("grad_output of size ", ShapeString(grad.shape),
                         " does not hold one row per index of indices of size ",
                         ShapeString(indices.shape));
        }
        if (call.Int(2) < 0) return Invalid("num_weights must be non-negative, got ", call.Int(2));
        RETURN_IF_ERROR(RequireFloating("grad_output", grad.dtype));
        return One(grad.dtype, {call.Int(2), grad.shape.back()});
      })
      .Kernel([](const KernelCall& call, const std::vector<TensorType>& types) -> Results {
        ASSIGN_OR_RETURN(HostTensor grad,
                         EmbeddingDenseBackward(call.tensor(0), call.tensor(1), call.Int(2),
                                                call.Int(3), call.Bool(4), types[0].dtype));
        return std::vector<HostTensor>{std::move(grad)};
      })
      .Derivative([](DerivativeContext& c) -> Grads {
        // The adjoint reads the table rows back: embedding(G, indices), zero
        // at padding_idx and divided by the index's count when scaled.
        // (PyTorch's embedding_dense_double_backward omits the scale.)
        GraphBuilder& b = c.b;
        ValueId indices = c.input(1);
        int64_t padding_idx = c.arg(3).AsInt();
        ValueId rows = b.Op("aten.embedding.default", {V::V(c.grad(0)), V::V(indices)});
        if (padding_idx >= 0) {
          ValueId pad = b.Op("aten.eq.Scalar", {V::V(indices), Argument::Int(padding_idx)});
          pad = b.Op("aten.unsqueeze.default", {V::V(pad), Argument::Int(-1)});
          rows = b.Op("aten.masked_fill.Scalar", {V::V(rows), V::V(pad), Argument::Int(0)});
        }
        if (c.arg(4).AsBool()) {
          Dims ones_shape = b.type(indices).shape;
          ones_shape.push_back(1);
          DType dtype = b.type(c.grad(0)).dtype;
          ValueId ones = b.Op("aten.ones.default", {Argument::IntList(ones_shape)},
                              {{"dtype", Argument::DTypeArg(dtype)}});
          ValueId counts =
              b.Op("aten.embedding_dense_backward.default",
                   {V::V(ones), V::V(indices), c.arg(2), Argument::Int(-1), Argument::Bool(false)});
          rows = b.Div(rows, b.Op("aten.embedding.default", {V::V(counts), V::V(indices)}));
        }
        return {{0, b.Reshape(rows, b.type(c.input(0)).shape)}};
      });
}

}  // namespace

absl::Status RegisterEmbeddingOps(OpRegistry& registry) {
  DefineEmbedding(registry);
  return absl::OkStatus();
}

}  // namespace aotd::ops::internal
