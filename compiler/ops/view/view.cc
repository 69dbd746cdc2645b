// Views: view, reshape, expand, squeeze and unsqueeze, permutations, as_strided,
// aliases.
// A view's inference computes the strides PyTorch gives it from its input's
// strides. Its kernel sees only the input's values (HostTensor is always
// contiguous), so it reads them through the geometry the same view has over a
// contiguous input.
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "common/status_macros.h"
#include "compiler/ops/core/builder.h"
#include "compiler/ops/core/op_definer.h"
#include "compiler/ops/core/op_util.h"
#include "compiler/ops/core/shape_util.h"
#include "compiler/ops/view/view.h"
#include "compiler/ops/view/view_util.h"

namespace aotd::ops::internal {
namespace {

using ir::Argument;

// as_strided's storage offset is absolute.
int64_t AsStridedOffset(const ViewCall& v) {
  return (v.node.args[3].is_none() ? 0 : v.node.args[3].AsInt()) - v.input_offset;
}

// reshape and flatten alias their input when inference gave the result its
// strides (not contiguous ones) or the input is contiguous; otherwise they
// copy.
bool ReshapeAliases(const ir::Graph& g, const ir::Node& node) {
  return !g.type(node.outputs[0]).IsContiguous() || g.type(node.args[0].AsValue()).IsContiguous();
}

// at::infer_size: `size` with its one -1 resolved so that it holds as many
// elements as `input`.
absl::StatusOr<Dims> InferSize(const Dims& size, const Dims& input) {
  int64_t numel = NumElements(input), known = 1;
  int infer = -1;
  for (int i = 0; i < static_cast<int>(size.size()); ++i) {
    if (size[i] == -1) {
      if (infer >= 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("shape ", ShapeString(size), ": only one dimension can be inferred"));
      }
      infer = i;
    } else if (size[i] < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("shape ", ShapeString(size), ": invalid dimension ", size[i]));
    } else {
      known *= size[i];
    }
  }
  if (numel == known || (infer >= 0 && known > 0 && numel % known == 0)) {
    Dims out = size;
    if (infer >= 0) {
      if (known == 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            "cannot reshape a tensor of 0 elements into shape ", ShapeString(size),
            " because the unspecified dimension size -1 can be any value"));
      }
      out[infer] = numel / known;
    }
    return out;
  }
  return absl::InvalidArgumentError(absl::StrCat("shape ", ShapeString(size), " is invalid for input of shape ",
                                                 ShapeString(input), " (", numel, " elements)"));
}

// at::detail::computeStride: the strides a view of shape `to` of a tensor
// with `shape` and `strides` has, or nullopt if no view can express it.
std::optional<Dims> ComputeStride(const Dims& shape, const Dims& strides, const Dims& to) {
  if (shape.empty()) return Dims(to.size(), 1);
  int64_t numel = NumElements(shape);
  if (numel == 0 && shape == to) return strides;
  Dims out(to.size());
  if (numel == 0) {
    for (int64_t d = static_cast<int64_t>(to.size()) - 1; d >= 0; --d) {
      out[d] = d == static_cast<int64_t>(to.size()) - 1
                   ? 1
                   : std::max<int64_t>(to[d + 1], 1) * out[d + 1];
    }
    return out;
  }
  int64_t view_d = static_cast<int64_t>(to.size()) - 1;
  int64_t chunk_base_stride = strides.back();
  int64_t tensor_numel = 1, view_numel = 1;
  for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
    tensor_numel *= shape[d];
    // At the end of a chunk of dims that are contiguous among themselves.
    if (d == 0 || (shape[d - 1] != 1 && strides[d - 1] != tensor_numel * chunk_base_stride)) {
      while (view_d >= 0 && (view_numel < tensor_numel || to[view_d] == 1)) {
        out[view_d] = view_numel * chunk_base_stride;
        view_numel *= to[view_d];
        --view_d;
      }
      if (view_numel != tensor_numel) return std::nullopt;
      if (d > 0) {
        chunk_base_stride = strides[d - 1];
        tensor_numel = 1;
        view_numel = 1;
      }
    }
  }
  if (view_d != -1) return std::nullopt;
  return out;
}

// view: fails when the input's strides cannot express the new shape.
absl::StatusOr<Geometry> ViewGeometry(const TensorType& self, const Dims& size) {
  ASSIGN_OR_RETURN(Dims shape, InferSize(size, self.shape));
  std::optional<Dims> strides = ComputeStride(self.shape, self.strides, shape);
  if (!strides.has_value()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "view size ", ShapeString(shape), " is not compatible with the input's shape ", ShapeString(self.shape),
        " and strides ", ShapeString(self.strides), " (use reshape)"));
  }
  return Geometry{std::move(shape), *std::move(strides)};
}

// reshape: a view when one can express it, else a contiguous copy.
absl::StatusOr<Geometry> ReshapeGeometry(const TensorType& self, const Dims& size) {
  ASSIGN_OR_RETURN(Dims shape, InferSize(size, self.shape));
  std::optional<Dims> strides = ComputeStride(self.shape, self.strides, shape);
  Dims s = strides.has_value() ? *std::move(strides) : ir::ContiguousStrides(shape);
  return Geometry{std::move(shape), std::move(s)};
}

// at::inferExpandGeometry.
absl::StatusOr<Geometry> ExpandGeometry(const TensorType& self, const Dims& size) {
  int64_t ndim = static_cast<int64_t>(size.size()), rank = self.Rank();
  if (ndim < rank) {
    return absl::InvalidArgumentError(absl::StrCat("expand to ", ShapeString(size), ": the number of sizes (",
                                                   ndim, ") is less than the rank of shape ",
                                                   ShapeString(self.shape)));
  }
  Geometry g{Dims(ndim), Dims(ndim)};
  for (int64_t i = ndim - 1; i >= 0; --i) {
    int64_t dim = rank - (ndim - i);
    int64_t d = dim >= 0 ? self.shape[dim] : 1;
    int64_t stride = dim >= 0 ? self.strides[dim] : (i + 1 < ndim ? g.shape[i + 1] * g.strides[i + 1] : 1);
    int64_t target = size[i];
    if (target == -1) {
      if (dim < 0) {
        return absl::InvalidArgumentError(absl::StrCat("expand of shape ", ShapeString(self.shape), " to ",
                                                       ShapeString(size), ": -1 is not allowed in new leading dim ", i));
      }
      target = d;
    }
    if (target < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("expand of shape ", ShapeString(self.shape), " to ", ShapeString(size), ": negative size"));
    }
    if (d != target) {
      if (d != 1) {
        return absl::InvalidArgumentError(absl::StrCat(
            "cannot expand shape ", ShapeString(self.shape), " to ", ShapeString(size), ": size ", d,
            " must match ", target, " at non-singleton dim ", i));
      }
      d = target;
      stride = 0;
    }
    g.shape[i] = d;
    g.strides[i] = rank == 0 ? 0 : stride;
  }
  return g;
}

absl::StatusOr<Geometry> UnsqueezeGeometry(const TensorType& self, int64_t dim) {
  ASSIGN_OR_RETURN(int64_t d, NormalizeDim(dim, self.Rank() + 1));
  Geometry g{self.shape, self.strides};
  int64_t stride = d >= self.Rank() ? 1 : self.shape[d] * self.strides[d];
  g.shape.insert(g.shape.begin() + d, 1);
  g.strides.insert(g.strides.begin() + d, stride);
  return g;
}

absl::StatusOr<Geometry> PermuteGeometry(const TensorType& self, const Dims& dims) {
  if (static_cast<int>(dims.size()) != self.Rank()) {
    return absl::InvalidArgumentError(absl::StrCat("permute ", ShapeString(dims), " of shape ",
                                                   ShapeString(self.shape), ": wrong number of dims"));
  }
  ASSIGN_OR_RETURN(std::vector<int64_t> perm, NormalizeDims(dims, self.Rank()));
  Geometry g;
  for (int64_t d : perm) {
    g.shape.push_back(self.shape[d]);
    g.strides.push_back(self.strides[d]);
  }
  return g;
}

absl::StatusOr<Geometry> TransposeGeometry(const TensorType& self, int64_t dim0, int64_t dim1) {
  ASSIGN_OR_RETURN(int64_t a, NormalizeDim(dim0, self.Rank()));
  ASSIGN_OR_RETURN(int64_t b, NormalizeDim(dim1, self.Rank()));
  Geometry g{self.shape, self.strides};
  if (self.Rank() == 0) return g;
  std::swap(g.shape[a], g.shape[b]);
  std::swap(g.strides[a], g.strides[b]);
  return g;
}

// Dims d of `self` with d in `dims` (or every size-1 dim when `dims` is
// empty) removed if their size is 1.
Geometry SqueezeGeometry(const TensorType& self, const std::vector<int64_t>& dims) {
  Geometry g;
  for (int64_t d = 0; d < self.Rank(); ++d) {
    bool listed = dims.empty() || std::find(dims.begin(), dims.end(), d) != dims.end();
    if (listed && self.shape[d] == 1) continue;
    g.shape.push_back(self.shape[d]);
    g.strides.push_back(self.strides[d]);
  }
  return g;
}

// flatten.using_ints: the shape, then reshape's rule.
absl::StatusOr<Geometry> FlattenGeometry(const TensorType& self, int64_t start_dim,
                                         int64_t end_dim) {
  if (self.Rank() == 0) return Geometry{{1}, {1}};
  ASSIGN_OR_RETURN(int64_t start, NormalizeDim(start_dim, self.Rank()));
  ASSIGN_OR_RETURN(int64_t end, NormalizeDim(end_dim, self.Rank()));
  if (start > end) {
    return absl::InvalidArgumentError(absl::StrCat("flatten(): start_dim ", start_dim,
                                                   " comes after end_dim ", end_dim));
  }
  if (start == end) return Geometry{self.shape, self.strides};
  Dims shape(self.shape.begin(), self.shape.begin() + start);
  int64_t n = 1;
  for (int64_t d = start; d <= end; ++d) n *= self.shape[d];
  shape.push_back(n);
  shape.insert(shape.end(), self.shape.begin() + end + 1, self.shape.end());
  return ReshapeGeometry(self, shape);
}

absl::StatusOr<Geometry> AsStridedGeometry(const Dims& size, const Dims& stride,
                                           std::optional<int64_t> offset) {
  if (size.size() != stride.size()) {
    return absl::InvalidArgumentError(absl::StrCat("as_strided: size ", ShapeString(size), " and stride ",
                                                   ShapeString(stride), " differ in length"));
  }
  for (size_t i = 0; i < size.size(); ++i) {
    if (size[i] < 0 || stride[i] < 0) {
      return absl::InvalidArgumentError(absl::StrCat("as_strided: negative size or stride in ",
                                                     ShapeString(size), ", ", ShapeString(stride)));
    }
  }
  if (offset.value_or(0) < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("as_strided: negative storage offset ", *offset));
  }
  return Geometry{size, stride, offset.value_or(0)};
}

// Gradient of a reshape-like op: the gradient at the input's shape.
Grads ReshapeBack(DerivativeContext& c) {
  Dims shape = c.b.type(c.input(0)).shape;
  return {{0, c.b.Reshape(c.grad(0), shape)}};
}

void DefineReshapes(OpRegistry& r) {
  OpDefiner(r, "view(Tensor(a) self, SymInt[] size) -> Tensor(a)", OpKind::kView)
      .LowerView()
      .Infer(ViewInfer([](const TensorType& self, const auto& call) {
        return ViewGeometry(self, call.Ints(1));
      }))
      .Kernel(SameValues)
      .Derivative(ReshapeBack);

  OpDefiner(r, "_unsafe_view(Tensor self, SymInt[] size) -> Tensor", OpKind::kView)
      .LowerView()
      .Infer(ViewInfer([](const TensorType& self, const auto& call) {
        return ViewGeometry(self, call.Ints(1));
      }))
      .Kernel(SameValues)
      .Derivative(ReshapeBack);

  OpDefiner(r, "reshape(Tensor(a) self, SymInt[] shape) -> Tensor(a)", OpKind::kView)
      .LowerView({nullptr, ReshapeAliases, "copy_strided"})
      .Infer(ViewInfer([](const TensorType& self, const auto& call) {
        return ReshapeGeometry(self, call.Ints(1));
      }))
      .Kernel(SameValues)
      .Derivative(ReshapeBack);

  // The strides are given (PyTorch computed them for the input's strides);
  // the values are the input's in order, as for view.
  OpDefiner(r,
            "_reshape_alias(Tensor(a) self, SymInt[] size, SymInt[] stride) "
            "-> Tensor(a)",
            OpKind::kView)
      .LowerView()
      .Infer([](const TypeCall& call) -> absl::StatusOr<std::vector<TensorType>> {
        const TensorType& self = call.tensor(0);
        Dims size = call.Ints(1), stride = call.Ints(2);
        ASSIGN_OR_RETURN(Geometry g, AsStridedGeometry(size, stride, std::nullopt));
        if (NumElements(size) != self.NumElements()) {
          return absl::InvalidArgumentError(absl::StrCat("_reshape_alias: shape ", ShapeString(size),
                                                         " is invalid for input of shape ",
                                                         ShapeString(self.shape)));
        }
        return std::vector<TensorType>{{self.dtype, std::move(g.shape), std::move(g.strides)}};
      })
      .Kernel(SameValues)
      .Derivative(ReshapeBack);

  OpDefiner(r,
            "flatten.using_ints(Tensor(a) self, int start_dim=0, int end_dim=-1) "
            "-> Tensor(a)",
            OpKind::kView)
      .LowerView({nullptr, ReshapeAliases, "copy_strided"})
      .Infer(ViewInfer([](const TensorType& self, const auto& call) {
        return FlattenGeometry(self, call.Int(1), call.Int(2));
      }))
      .Kernel(SameValues)
      .Derivative(ReshapeBack);
}

void DefineExpandAndDims(OpRegistry& r) {
  OpDefiner(r,
            "expand(Tensor(a) self, SymInt[] size, *, bool implicit=False) "
            "-> Tensor(a)",
            OpKind::kView)
      .LowerView()
      .Infer(ViewInfer([](const TensorType& self, const auto& call) {
        return ExpandGeometry(self, call.Ints(1));
      }))
      .Kernel(ViewKernel([](const TensorType& self, const auto& call) {
        return ExpandGeometry(self, call.Ints(1));
      }))
      .Derivative([](DerivativeContext& c) -> Grads {
        Dims shape = c.b.type(c.input(0)).shape;
        return {{0, c.b.SumToShape(c.grad(0), shape)}};
      });

  auto unsqueeze = [](const TensorType& self, const auto& call) {
    return UnsqueezeGeometry(self, call.Int(1));
  };
  OpDefiner(r, "unsqueeze(Tensor(a) self, int dim) -> Tensor(a)", OpKind::kView)
      .LowerView()
      .Infer(ViewInfer(unsqueeze))
      .Kernel(ViewKernel(unsqueeze))
      .Derivative([](DerivativeContext& c) -> Grads {
        int64_t rank = c.b.type(c.input(0)).Rank();
        int64_t dim = c.arg(1).AsInt();
        if (dim < 0) dim += rank + 1;
        return {{0, c.b.Op("aten.squeeze.dim", {V::V(c.grad(0)), Argument::Int(dim)})}};
      });

  auto squeeze = [](const TensorType& self, const auto&) -> absl::StatusOr<Geometry> {
    return SqueezeGeometry(self, {});
  };
  OpDefiner(r, "squeeze(Tensor(a) self) -> Tensor(a)", OpKind::kView)
      .LowerView()
      .Infer(ViewInfer(squeeze))
      .Kernel(ViewKernel(squeeze))
      .Derivative([](DerivativeContext& c) -> Grads {
        Dims shape = c.b.type(c.input(0)).shape;
        ir::ValueId g = c.grad(0);
        for (int64_t d = 0; d < static_cast<int64_t>(shape.size()); ++d) {
          if (shape[d] == 1) g = Unsqueeze(c.b, g, d);
        }
        return {{0, g}};
      });

  auto squeeze_dim = [](const TensorType& self, const auto& call) -> absl::StatusOr<Geometry> {
    ASSIGN_OR_RETURN(int64_t d, NormalizeDim(call.Int(1), self.Rank()));
    if (self.Rank() == 0) return Geometry{self.shape, self.strides};
    return SqueezeGeometry(self, {d});
  };
  OpDefiner(r, "squeeze.dim(Tensor(a) self, int dim) -> Tensor(a)", OpKind::kView)
      .LowerView()
      .Infer(ViewInfer(squeeze_dim))
      .Kernel(ViewKernel(squeeze_dim))
      .Derivative([](DerivativeContext& c) -> Grads {
        Dims shape = c.b.type(c.input(0)).shape;
        int64_t d = c.arg(1).AsInt();
        if (d < 0) d += std::max<int64_t>(shape.size(), 1);
        if (shape.empty() || shape[d] != 1) return {{0, c.grad(0)}};
        return {{0, Unsqueeze(c.b, c.grad(0), d)}};
      });
}

void DefinePermutations(OpRegistry& r) {
  auto t = [](const TensorType& self, const auto&) -> absl::StatusOr<Geometry> {
    if (self.Rank() > 2) {
      return absl::InvalidArgumentError(absl::StrCat(
          "t() expects a tensor with <= 2 dimensions, got shape ", ShapeString(self.shape)));
    }
    return TransposeGeometry(self, 0, self.Rank() < 2 ? 0 : 1);
  };
  OpDefiner(r, "t(Tensor(a) self) -> Tensor(a)", OpKind::kView)
      .LowerView()
      .Infer(ViewInfer(t))
      .Kernel(ViewKernel(t))
      .Derivative([](DerivativeContext& c) -> Grads {
        return {{0, c.b.Op("aten.t.default", {V::V(c.grad(0))})}};
      });

  auto transpose = [](const TensorType& self, const auto& call) {
    return TransposeGeometry(self, call.Int(1), call.Int(2));
  };
  OpDefiner(r, "transpose.int(Tensor(a) self, int dim0, int dim1) -> Tensor(a)", OpKind::kView)
      .LowerView()
      .Infer(ViewInfer(transpose))
      .Kernel(ViewKernel(transpose))
      .Derivative([](DerivativeContext& c) -> Grads {
        return {{0, c.b.Op("aten.transpose.int", {V::V(c.grad(0)), c.arg(1), c.arg(2)})}};
      });

  // In place: self becomes its transpose (shape and strides, not data). The
  // functionalization pass makes it transpose.int.
  OpDefiner(r, "transpose_(Tensor(a!) self, int dim0, int dim1) -> Tensor(a!)", OpKind::kView)
      .Infer(ViewInfer(transpose))
      .Kernel(ViewKernel(transpose));

  auto permute = [](const TensorType& self, const auto& call) {
    return PermuteGeometry(self, call.Ints(1));
  };
  OpDefiner(r, "permute(Tensor(a) self, int[] dims) -> Tensor(a)", OpKind::kView)
      .LowerView()
      .Infer(ViewInfer(permute))
      .Kernel(ViewKernel(permute))
      .Derivative([](DerivativeContext& c) -> Grads {
        Dims dims = c.arg(1).AsIntList();
        int64_t rank = static_cast<int64_t>(dims.size());
        Dims inverse(rank);
        for (int64_t i = 0; i < rank; ++i) inverse[dims[i] < 0 ? dims[i] + rank : dims[i]] = i;
        return {{0, c.b.Op("aten.permute.default", {V::V(c.grad(0)), Argument::IntList(inverse)})}};
      });
}

void DefineAliases(OpRegistry& r) {
  auto same = [](const TensorType& self, const auto&) -> absl::StatusOr<Geometry> {
    return Geometry{self.shape, self.strides};
  };
  OpDefiner(r, "detach(Tensor(a) self) -> Tensor(a)", OpKind::kView)
      .LowerView()
      .Infer(ViewInfer(same))
      .Kernel(SameValues)
      .NonDifferentiable();

  OpDefiner(r, "alias(Tensor(a) self) -> Tensor(a)", OpKind::kView)
      .LowerView()
      .Infer(ViewInfer(same))
      .Kernel(SameValues)
      .Derivative([](DerivativeContext& c) -> Grads { return {{0, c.grad(0)}}; });

  // The kernel reads the input's values as the storage, from its start: the
  // input must be contiguous with no storage offset of its own, as
  // functionalization's bases are.
  auto as_strided = [](const TensorType&, const auto& call) {
    return AsStridedGeometry(call.Ints(1), call.Ints(2), call.OptInt(3));
  };
  OpDefiner(r,
            "as_strided(Tensor(a) self, SymInt[] size, SymInt[] stride, "
            "SymInt? storage_offset=None) -> Tensor(a)",
            OpKind::kView)
      .LowerView({AsStridedOffset})
      .Infer(ViewInfer(as_strided))
      .Kernel(ViewKernel(as_strided))
      .Derivative([](DerivativeContext& c) -> Grads {
        // Each result element's gradient is added into the storage element
        // it reads (several, when the view overlaps itself).
        TensorType self = c.b.type(c.input(0));
        Dims size = c.arg(1).AsIntList(), stride = c.arg(2).AsIntList();
        int64_t offset = c.arg(3).is_none() ? 0 : c.arg(3).AsInt();
        Kwargs int64 = {{"dtype", Argument::DTypeArg(DType::kInt64)}};
        ir::ValueId index =
            c.b.Op("aten.full.default", {Argument::IntList({}), Argument::Int(offset)}, int64);
        for (size_t k = 0; k < size.size(); ++k) {
          ir::ValueId steps = c.b.Op("aten.arange.default", {Argument::Int(size[k])}, int64);
          steps = c.b.Op("aten.mul.Tensor", {V::V(steps), Argument::Int(stride[k])});
          Dims along(size.size(), 1);
          along[k] = size[k];
          index = c.b.Add(index, c.b.Reshape(steps, along));
        }
        int64_t n = NumElements(size);
        ir::ValueId summed = c.b.Op(
            "aten.embedding_dense_backward.default",
            {V::V(c.b.Reshape(c.grad(0), {n, 1})), V::V(c.b.Reshape(index, {n})),
             Argument::Int(self.NumElements()), Argument::Int(-1), Argument::Bool(false)});
        return {{0, c.b.Reshape(summed, self.shape)}};
      });
}

}  // namespace

absl::Status RegisterViewOps(OpRegistry& registry) {
  DefineReshapes(registry);
  DefineExpandAndDims(registry);
  DefinePermutations(registry);
  DefineSlicing(registry);
  DefineUnbindAndUnsafeSplit(registry);
  DefineAliases(registry);
  return absl::OkStatus();
}

}  // namespace aotd::ops::internal
