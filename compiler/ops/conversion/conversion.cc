// Conversions and copies: to, _to_copy, fill, copy_ ...
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "common/status_macros.h"
#include "compiler/ops/conversion/conversion.h"
#include "compiler/ops/core/builder.h"
#include "compiler/ops/core/elementwise.h"
#include "compiler/ops/core/op_definer.h"
#include "compiler/ops/core/op_util.h"

namespace aotd::ops::internal {
namespace {

using ir::Argument;
using ir::Dims;
using ir::DType;
using ir::TensorType;
using ir::ValueId;
using reference::HostTensor;
using reference::RoundTo;

// Strides for `memory_format` (None: contiguous, as for every new result
// here). INVALID_ARGUMENT for channels_last on a tensor that is not 4-d
// (5-d for channels_last_3d).
absl::StatusOr<TensorType> WithMemoryFormat(DType dtype, const Dims& shape,
                                            const Argument& memory_format) {
  TensorType t = TensorType::Contiguous(dtype, shape);
  if (memory_format.is_none()) return t;
  const std::string& format = memory_format.AsString();
  if (format != "channels_last" && format != "channels_last_3d") return t;
  size_t rank = format == "channels_last" ? 4 : 5;
  if (shape.size() != rank) {
    return absl::InvalidArgumentError(
        absl::StrCat(format, " needs a tensor of rank ", rank, ", got shape ", ShapeString(shape)));
  }
  // Channels (dim 1) innermost, then the spatial dims, then the batch.
  int64_t stride = 1;
  t.strides[1] = stride;
  stride *= std::max<int64_t>(shape[1], 1);
  for (size_t i = rank - 1; i >= 2; --i) {
    t.strides[i] = stride;
    stride *= std::max<int64_t>(shape[i], 1);
  }
  t.strides[0] = stride;
  return t;
}

absl::Status CheckStridedLayout(const Argument& layout) {
  if (!layout.is_none() && layout.AsString() != "strided") {
    return absl::InvalidArgumentError(
        absl::StrCat("only the strided layout is supported, got ", layout.AsString()));
  }
  return absl::OkStatus();
}

// A conversion's value: self cast to the result dtype.
Values CastKernel(const KernelCall& call, const std::vector<TensorType>& results) {
  return std::vector<HostTensor>{call.tensor(0).Cast(results[0].dtype)};
}

// The gradient of a conversion is grad; the autograd pass casts it back to
// the input's dtype (derivatives.yaml's _to_copy_backward).
Grads ConversionGrad(DerivativeContext& c) { return {{0, c.grad(0)}}; }

void DefineConversions(OpRegistry& r) {
  // Layout, device and pin_memory are accepted and ignored except that the
  // layout must be strided.
  OpDefiner(r,
            "_to_copy(Tensor self, *, ScalarType? dtype=None, Layout? layout=None, "
            "Device? device=None, bool? pin_memory=None, bool non_blocking=False, "
            "MemoryFormat? memory_format=None) -> Tensor",
            OpKind::kPointwise)
      .LowerElementwise([](const ElementExpr& e) { return e.x(0); })
      .Infer([](const TypeCall& call) -> Types {
        RETURN_IF_ERROR(CheckStridedLayout(call.arg(2)));
        const TensorType& self = call.tensor(0);
        ASSIGN_OR_RETURN(TensorType t, WithMemoryFormat(call.OptDType(1).value_or(self.dtype),
                                                        self.shape, call.arg(6)));
        return std::vector<TensorType>{t};
      })
      .Kernel(CastKernel)
      .Derivative(ConversionGrad);

  // Returns self itself when it already has the dtype and no copy is asked.
  OpDefiner(r,
            "to.dtype(Tensor(a) self, ScalarType dtype, bool non_blocking=False, "
            "bool copy=False, MemoryFormat? memory_format=None) -> Tensor(a)",
            OpKind::kPointwise)
      .LowerElementwise([](const ElementExpr& e) { return e.x(0); })
      .Infer([](const TypeCall& call) -> Types {
        const TensorType& self = call.tensor(0);
        DType dtype = call.arg(1).AsDType();
        if (dtype == self.dtype && !call.Bool(3)) return std::vector<TensorType>{self};
        ASSIGN_OR_RETURN(TensorType t, WithMemoryFormat(dtype, self.shape, call.arg(4)));
        return std::vector<TensorType>{t};
      })
      .Kernel(CastKernel)
      .Derivative(ConversionGrad);

  // Every element becomes `value` (cast to self's dtype); no gradient flows
  // to self.
  OpDefiner(r, "fill.Scalar(Tensor self, Scalar value) -> Tensor", OpKind::kPointwise)
      .LowerElementwise([](const ElementExpr& e) { return e.scalar(1); })
      .Infer(SameAsInput)
      .Kernel([](const KernelCall& call, const std::vector<TensorType>& results) -> Values {
        return std::vector<HostTensor>{
            HostTensor::Full(results[0].dtype, results[0].shape, call.Float(1))};
      })
      .Derivative([](DerivativeContext&) -> Grads { return {}; });

  // In place: self's new value is src cast to self's dtype and broadcast to
  // its shape. The functionalization pass rewrites it before autograd.
  OpDefiner(r, "copy_(Tensor(a!) self, Tensor src, bool non_blocking=False) -> Tensor(a!)",
            OpKind::kPointwise)
      .Infer([](const TypeCall& call) -> Types {
        const TensorType& self = call.tensor(0);
        const Dims& src = call.tensor(1).shape;
        absl::StatusOr<Dims> shape = BroadcastShapes(self.shape, src);
        if (!shape.ok() || *shape != self.shape) {
          return absl::InvalidArgumentError(
              absl::StrCat("copy_: source of shape ", ShapeString(src),
                           " does not broadcast to self's shape ", ShapeString(self.shape)));
        }
        return std::vector<TensorType>{self};
      })
      .Kernel([](const KernelCall& call, const std::vector<TensorType>& results) -> Values {
        return std::vector<HostTensor>{
            reference::BroadcastTo(call.tensor(1).Cast(results[0].dtype), results[0].shape)};
      });
}

}  // namespace

absl::Status RegisterConversionOps(OpRegistry& registry) {
  DefineConversions(registry);
  return absl::OkStatus();
}

}  // namespace aotd::ops::internal
