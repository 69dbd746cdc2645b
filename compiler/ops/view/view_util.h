// Internal to compiler/ops/view: helpers its files share.
#ifndef AOTD_COMPILER_OPS_VIEW_VIEW_UTIL_H_
#define AOTD_COMPILER_OPS_VIEW_VIEW_UTIL_H_

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "common/status_macros.h"
#include "compiler/ops/core/builder.h"
#include "compiler/ops/core/op_definer.h"
#include "compiler/ops/core/op_util.h"
#include "compiler/ops/core/shape_util.h"

namespace aotd::ops::internal {

using ir::Argument;

// Where a view's elements are in its input's storage.
struct Geometry {
  Dims shape;
  Dims strides;
  int64_t offset = 0;  // Storage offset, relative to the input's.
};

// The elements of `in` (read as contiguous storage) that geometry `g` sees.
inline absl::StatusOr<HostTensor> Gather(const HostTensor& in, const Geometry& g) {
  HostTensor out(in.dtype, g.shape);
  if (out.NumElements() == 0) return out;
  int64_t last = g.offset;
  for (size_t i = 0; i < g.shape.size(); ++i) last += (g.shape[i] - 1) * g.strides[i];
  if (last >= in.NumElements()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "view reaches element ", last, " of an input of ", in.NumElements(), " elements"));
  }
  Dims index(g.shape.size(), 0);
  int64_t i = 0;
  do {
    out.data[i++] = in.data[g.offset + reference::Offset(index, g.strides)];
  } while (reference::NextIndex(index, g.shape));
  return out;
}

// Inference and kernel of a view op from its geometry function
// G(const TensorType& self, const Call<T>& call) -> StatusOr<Geometry>.
template <typename G>
inline InferFn ViewInfer(G geometry) {
  return [geometry](const TypeCall& call) -> absl::StatusOr<std::vector<TensorType>> {
    const TensorType& self = call.tensor(0);
    ASSIGN_OR_RETURN(Geometry g, geometry(self, call));
    return std::vector<TensorType>{{self.dtype, std::move(g.shape), std::move(g.strides)}};
  };
}

template <typename G>
inline KernelFn ViewKernel(G geometry) {
  return [geometry](const KernelCall& call,
                    const std::vector<TensorType>&) -> absl::StatusOr<std::vector<HostTensor>> {
    const HostTensor& self = call.tensor(0);
    ASSIGN_OR_RETURN(Geometry g, geometry(TensorType::Contiguous(self.dtype, self.shape), call));
    ASSIGN_OR_RETURN(HostTensor out, Gather(self, g));
    return std::vector<HostTensor>{std::move(out)};
  };
}

inline ir::ValueId Unsqueeze(GraphBuilder& b, ir::ValueId v, int64_t dim) {
  return b.Op("aten.unsqueeze.default", {V::V(v), Argument::Int(dim)});
}

}  // namespace aotd::ops::internal

#endif  // AOTD_COMPILER_OPS_VIEW_VIEW_UTIL_H_
