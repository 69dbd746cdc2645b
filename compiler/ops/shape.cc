// Views and other ops that move data without computing: reshapes,
// transposes, slicing, splitting, concatenation, copies of layout.
//
// A view's inference computes the strides PyTorch gives it from its input's
// strides. Its kernel sees only the input's values (HostTensor is always
// contiguous), so it reads them through the geometry the same view has over a
// contiguous input.
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
#include "compiler/ops/families.h"
#include "compiler/ops/core/op_util.h"

namespace aotd::ops::internal {
namespace {

using ir::Argument;
using V = GraphBuilder;

std::string Str(const Dims& d) { return absl::StrCat("[", absl::StrJoin(d, ","), "]"); }

int64_t NumElements(const Dims& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

// ---- Lowering: the storage offsets views add to their input's ----

// Dim argument `arg` of a view's node, wrapped into [0, rank of argument 0).
int64_t ViewDim(const ViewCall& v, int arg) {
  int64_t d = v.node.args[arg].AsInt();
  return d < 0 ? d + v.graph.type(v.node.args[0].AsValue()).Rank() : d;
}

int64_t SelectOffset(const ViewCall& v) {
  const TensorType& in = v.graph.type(v.node.args[0].AsValue());
  int64_t d = ViewDim(v, 1), index = v.node.args[2].AsInt();
  if (index < 0) index += in.shape[d];
  return index * in.strides[d];
}

int64_t SliceOffset(const ViewCall& v) {
  const TensorType& in = v.graph.type(v.node.args[0].AsValue());
  int64_t d = ViewDim(v, 1), size = in.shape[d];
  int64_t start = v.node.args[2].is_none() ? 0 : v.node.args[2].AsInt();
  if (start < 0) start += size;
  return std::clamp<int64_t>(start, 0, size) * in.strides[d];
}

// split and split_with_sizes: the pieces before this one.
int64_t SplitOffset(const ViewCall& v) {
  const TensorType& in = v.graph.type(v.node.args[0].AsValue());
  int64_t d = ViewDim(v, 2), before = 0;
  for (int k = 0; k < v.output; ++k) before += v.graph.type(v.node.outputs[k]).shape[d];
  return before * in.strides[d];
}

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

// Where a view's elements are in its input's storage.
struct Geometry {
  Dims shape;
  Dims strides;
  int64_t offset = 0;  // Storage offset, relative to the input's.
};

// at::infer_size: `size` with its one -1 resolved so that it holds as many
// elements as `input`.
absl::StatusOr<Dims> InferSize(const Dims& size, const Dims& input) {
  int64_t numel = NumElements(input), known = 1;
  int infer = -1;
  for (int i = 0; i < static_cast<int>(size.size()); ++i) {
    if (size[i] == -1) {
      if (infer >= 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("shape ", Str(size), ": only one dimension can be inferred"));
      }
      infer = i;
    } else if (size[i] < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("shape ", Str(size), ": invalid dimension ", size[i]));
    } else {
      known *= size[i];
    }
  }
  if (numel == known || (infer >= 0 && known > 0 && numel % known == 0)) {
    Dims out = size;
    if (infer >= 0) {
      if (known == 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            "cannot reshape a tensor of 0 elements into shape ", Str(size),
            " because the unspecified dimension size -1 can be any value"));
      }
      out[infer] = numel / known;
    }
    return out;
  }
  return absl::InvalidArgumentError(absl::StrCat("shape ", Str(size), " is invalid for input of shape ",
                                                 Str(input), " (", numel, " elements)"));
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
        "view size ", Str(shape), " is not compatible with the input's shape ", Str(self.shape),
        " and strides ", Str(self.strides), " (use reshape)"));
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
    return absl::InvalidArgumentError(absl::StrCat("expand to ", Str(size), ": the number of sizes (",
                                                   ndim, ") is less than the rank of shape ",
                                                   Str(self.shape)));
  }
  Geometry g{Dims(ndim), Dims(ndim)};
  for (int64_t i = ndim - 1; i >= 0; --i) {
    int64_t dim = rank - (ndim - i);
    int64_t d = dim >= 0 ? self.shape[dim] : 1;
    int64_t stride = dim >= 0 ? self.strides[dim] : (i + 1 < ndim ? g.shape[i + 1] * g.strides[i + 1] : 1);
    int64_t target = size[i];
    if (target == -1) {
      if (dim < 0) {
        return absl::InvalidArgumentError(absl::StrCat("expand of shape ", Str(self.shape), " to ",
                                                       Str(size), ": -1 is not allowed in new leading dim ", i));
      }
      target = d;
    }
    if (target < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("expand of shape ", Str(self.shape), " to ", Str(size), ": negative size"));
    }
    if (d != target) {
      if (d != 1) {
        return absl::InvalidArgumentError(absl::StrCat(
            "cannot expand shape ", Str(self.shape), " to ", Str(size), ": size ", d,
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
    return absl::InvalidArgumentError(absl::StrCat("permute ", Str(dims), " of shape ",
                                                   Str(self.shape), ": wrong number of dims"));
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

// Elements [start, start + length) of dim `dim` (already normalized).
Geometry Narrow(const TensorType& self, int64_t dim, int64_t start, int64_t length) {
  Geometry g{self.shape, self.strides, start * self.strides[dim]};
  g.shape[dim] = length;
  return g;
}

absl::StatusOr<Geometry> SelectGeometry(const TensorType& self, int64_t dim, int64_t index) {
  if (self.Rank() == 0) {
    return absl::InvalidArgumentError("select() cannot be applied to a 0-dim tensor");
  }
  ASSIGN_OR_RETURN(int64_t d, NormalizeDim(dim, self.Rank()));
  int64_t size = self.shape[d];
  if (index < -size || index >= size) {
    return absl::InvalidArgumentError(absl::StrCat("select(): index ", index,
                                                   " out of range for shape ", Str(self.shape),
                                                   " at dim ", d));
  }
  if (index < 0) index += size;
  Geometry g{self.shape, self.strides, index * self.strides[d]};
  g.shape.erase(g.shape.begin() + d);
  g.strides.erase(g.strides.begin() + d);
  return g;
}

// slice.Tensor's start and end, clamped as PyTorch clamps them.
struct SliceBounds {
  int64_t dim, start, end, step;
  int64_t Length() const { return (end - start + step - 1) / step; }
};

absl::StatusOr<SliceBounds> SliceOf(const TensorType& self, int64_t dim,
                                     std::optional<int64_t> start_arg,
                                     std::optional<int64_t> end_arg, int64_t step) {
  if (self.Rank() == 0) {
    return absl::InvalidArgumentError("slice() cannot be applied to a 0-dim tensor");
  }
  ASSIGN_OR_RETURN(int64_t d, NormalizeDim(dim, self.Rank()));
  int64_t size = self.shape[d];
  if (step <= 0) {
    return absl::InvalidArgumentError(absl::StrCat("slice step must be positive, got ", step));
  }
  int64_t start = start_arg.value_or(0);
  int64_t end = end_arg.value_or(size);
  if (start < 0) start += size;
  if (end < 0) end += size;
  start = std::clamp<int64_t>(start, 0, size);
  end = std::clamp<int64_t>(end, start, size);
  return SliceBounds{d, start, end, step};
}

absl::StatusOr<Geometry> SliceGeometry(const TensorType& self, const SliceBounds& s) {
  Geometry g = Narrow(self, s.dim, s.start, s.Length());
  g.strides[s.dim] *= s.step;
  return g;
}

// split.Tensor's pieces: (start, length) along the dim.
absl::StatusOr<std::vector<std::pair<int64_t, int64_t>>> SplitPieces(const TensorType& self,
                                                                       int64_t split_size,
                                                                       int64_t dim) {
  if (self.Rank() == 0) {
    return absl::InvalidArgumentError("split expects at least a 1-dimensional tensor");
  }
  int64_t size = self.shape[dim];
  if (split_size < 0 || (split_size == 0 && size != 0)) {
    return absl::InvalidArgumentError(absl::StrCat("split_size ", split_size,
                                                   " is invalid for dim ", dim, " of shape ",
                                                   Str(self.shape)));
  }
  int64_t n = split_size == 0 ? 1 : std::max<int64_t>((size + split_size - 1) / split_size, 1);
  std::vector<std::pair<int64_t, int64_t>> pieces;
  for (int64_t i = 0; i < n; ++i) {
    int64_t start = i * split_size;
    pieces.push_back({start, i + 1 < n ? split_size : size - start});
  }
  return pieces;
}

absl::StatusOr<std::vector<std::pair<int64_t, int64_t>>> SplitWithSizesPieces(
    const TensorType& self, const Dims& sizes, int64_t dim) {
  if (self.Rank() == 0) {
    return absl::InvalidArgumentError("split_with_sizes expects at least a 1-dimensional tensor");
  }
  std::vector<std::pair<int64_t, int64_t>> pieces;
  int64_t start = 0;
  for (int64_t s : sizes) {
    if (s < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("split_with_sizes: negative size in ", Str(sizes)));
    }
    pieces.push_back({start, s});
    start += s;
  }
  if (start != self.shape[dim]) {
    return absl::InvalidArgumentError(absl::StrCat("split_with_sizes ", Str(sizes), " of dim ", dim,
                                                   " of shape ", Str(self.shape),
                                                   ": sizes must sum to ", self.shape[dim]));
  }
  return pieces;
}

template <typename C>
absl::StatusOr<std::vector<Geometry>> SplitGeometries(const TensorType& self, const C& call,
                                                      bool with_sizes) {
  ASSIGN_OR_RETURN(int64_t dim, NormalizeDim(call.Int(2), self.Rank()));
  std::vector<std::pair<int64_t, int64_t>> pieces;
  if (with_sizes) {
    ASSIGN_OR_RETURN(pieces, SplitWithSizesPieces(self, call.Ints(1), dim));
  } else {
    ASSIGN_OR_RETURN(pieces, SplitPieces(self, call.Int(1), dim));
  }
  std::vector<Geometry> out;
  for (const auto& [start, length] : pieces) out.push_back(Narrow(self, dim, start, length));
  return out;
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
    return absl::InvalidArgumentError(absl::StrCat("as_strided: size ", Str(size), " and stride ",
                                                   Str(stride), " differ in length"));
  }
  for (size_t i = 0; i < size.size(); ++i) {
    if (size[i] < 0 || stride[i] < 0) {
      return absl::InvalidArgumentError(absl::StrCat("as_strided: negative size or stride in ",
                                                     Str(size), ", ", Str(stride)));
    }
  }
  if (offset.value_or(0) < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("as_strided: negative storage offset ", *offset));
  }
  return Geometry{size, stride, offset.value_or(0)};
}

// The elements of `in` (read as contiguous storage) that geometry `g` sees.
absl::StatusOr<HostTensor> Gather(const HostTensor& in, const Geometry& g) {
  HostTensor out(in.dtype, g.shape);
  if (out.NumElements() == 0) return out;
  int64_t last = g.offset;
  for (size_t i = 0; i < g.shape.size(); ++i) last += (g.shape[i] - 1) * g.strides[i];
  if (last >= in.NumElements()) {
    return absl::InvalidArgumentError(absl::StrCat("view reaches element ", last, " of an input of ",
                                                   in.NumElements(), " elements"));
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
InferFn ViewInfer(G geometry) {
  return [geometry](const TypeCall& call) -> absl::StatusOr<std::vector<TensorType>> {
    const TensorType& self = call.tensor(0);
    ASSIGN_OR_RETURN(Geometry g, geometry(self, call));
    return std::vector<TensorType>{{self.dtype, std::move(g.shape), std::move(g.strides)}};
  };
}

template <typename G>
KernelFn ViewKernel(G geometry) {
  return [geometry](const KernelCall& call, const std::vector<TensorType>&)
             -> absl::StatusOr<std::vector<HostTensor>> {
    const HostTensor& self = call.tensor(0);
    ASSIGN_OR_RETURN(Geometry g, geometry(TensorType::Contiguous(self.dtype, self.shape), call));
    ASSIGN_OR_RETURN(HostTensor out, Gather(self, g));
    return std::vector<HostTensor>{std::move(out)};
  };
}

// Kernel of ops whose values are their input's in the same order
// (reshapes, aliases, copies): the input at the result's shape and dtype.
absl::StatusOr<std::vector<HostTensor>> SameValues(const KernelCall& call,
                                                   const std::vector<TensorType>& results) {
  HostTensor out = call.tensor(0).Cast(results[0].dtype);
  out.shape = results[0].shape;
  return std::vector<HostTensor>{std::move(out)};
}

// Gradient of a reshape-like op: the gradient at the input's shape.
Grads ReshapeBack(DerivativeContext& c) {
  Dims shape = c.b.type(c.input(0)).shape;
  return {{0, c.b.Reshape(c.grad(0), shape)}};
}

ir::ValueId Unsqueeze(GraphBuilder& b, ir::ValueId v, int64_t dim) {
  return b.Op("aten.unsqueeze.default", {V::V(v), Argument::Int(dim)});
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
          return absl::InvalidArgumentError(absl::StrCat("_reshape_alias: shape ", Str(size),
                                                         " is invalid for input of shape ",
                                                         Str(self.shape)));
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
          "t() expects a tensor with <= 2 dimensions, got shape ", Str(self.shape)));
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

// `piece` placed at [start, start + its size) along `dim` of zeros of
// `shape`: the gradient of a slice or select.
ir::ValueId PlaceAlong(GraphBuilder& b, ir::ValueId piece, const Dims& shape, int64_t dim,
                       int64_t start) {
  TensorType t = b.type(piece);
  auto zeros = [&](int64_t n) {
    Dims s = shape;
    s[dim] = n;
    return V::V(b.Zeros(s, t.dtype));
  };
  std::vector<Argument> parts;
  if (start > 0) parts.push_back(zeros(start));
  parts.push_back(V::V(piece));
  int64_t after = shape[dim] - start - t.shape[dim];
  if (after > 0) parts.push_back(zeros(after));
  if (parts.size() == 1) return piece;
  return b.Op("aten.cat.default", {Argument::List(std::move(parts)), Argument::Int(dim)});
}

void DefineSlicing(OpRegistry& r) {
  auto select = [](const TensorType& self, const auto& call) {
    return SelectGeometry(self, call.Int(1), call.Int(2));
  };
  OpDefiner(r, "select.int(Tensor(a) self, int dim, int index) -> Tensor(a)", OpKind::kView)
      .LowerView({SelectOffset})
      .Infer(ViewInfer(select))
      .Kernel(ViewKernel(select))
      .Derivative([](DerivativeContext& c) -> Grads {
        Dims shape = c.b.type(c.input(0)).shape;
        int64_t rank = static_cast<int64_t>(shape.size());
        int64_t dim = c.arg(1).AsInt(), index = c.arg(2).AsInt();
        if (dim < 0) dim += rank;
        if (index < 0) index += shape[dim];
        return {{0, PlaceAlong(c.b, Unsqueeze(c.b, c.grad(0), dim), shape, dim, index)}};
      });

  auto slice = [](const TensorType& self, const auto& call) -> absl::StatusOr<Geometry> {
    ASSIGN_OR_RETURN(SliceBounds s,
                     SliceOf(self, call.Int(1), call.OptInt(2), call.OptInt(3), call.Int(4)));
    return SliceGeometry(self, s);
  };
  OpDefiner(r,
            "slice.Tensor(Tensor(a) self, int dim=0, SymInt? start=None, "
            "SymInt? end=None, SymInt step=1) -> Tensor(a)",
            OpKind::kView)
      .LowerView({SliceOffset})
      .Infer(ViewInfer(slice))
      .Kernel(ViewKernel(slice))
      .Derivative([](DerivativeContext& c) -> Grads {
        TensorType self = c.b.type(c.input(0));
        auto opt = [&](int i) {
          return c.arg(i).is_none() ? std::nullopt : std::optional<int64_t>(c.arg(i).AsInt());
        };
        absl::StatusOr<SliceBounds> s =
            SliceOf(self, c.arg(1).AsInt(), opt(2), opt(3), c.arg(4).AsInt());
        if (!s.ok()) return {};
        TensorType g = c.b.type(c.grad(0));
        int64_t n = g.shape[s->dim];
        if (n == 0) return {{0, c.b.Zeros(self.shape, g.dtype)}};
        ir::ValueId piece = c.grad(0);
        if (s->step > 1) {
          // Interleave step - 1 zeros after each element, then trim.
          Dims zeros_shape = g.shape;
          zeros_shape.insert(zeros_shape.begin() + s->dim + 1, s->step - 1);
          ir::ValueId spread = c.b.Op(
              "aten.cat.default",
              {Argument::List({V::V(Unsqueeze(c.b, piece, s->dim + 1)),
                               V::V(c.b.Zeros(zeros_shape, g.dtype))}),
               Argument::Int(s->dim + 1)});
          Dims flat = g.shape;
          flat[s->dim] = n * s->step;
          piece = c.b.Reshape(spread, flat);
          int64_t room = self.shape[s->dim] - s->start;
          if (n * s->step > room) {
            piece = c.b.Op("aten.slice.Tensor", {V::V(piece), Argument::Int(s->dim),
                                                 Argument::Int(0), Argument::Int(room)});
          }
        }
        return {{0, PlaceAlong(c.b, piece, self.shape, s->dim, s->start)}};
      });

  // The gradient of a split: the outputs' gradients concatenated back.
  auto split_back = [](DerivativeContext& c) -> Grads {
    int64_t rank = c.b.type(c.input(0)).Rank();
    int64_t dim = c.arg(2).AsInt();
    if (dim < 0) dim += rank;
    std::vector<Argument> parts;
    for (int i = 0; i < static_cast<int>(c.node().outputs.size()); ++i) {
      parts.push_back(V::V(c.GradOrZeros(i)));
    }
    if (parts.size() == 1) return {{0, parts[0].AsValue()}};
    return {{0, c.b.Op("aten.cat.default", {Argument::List(std::move(parts)), Argument::Int(dim)})}};
  };
  auto split_infer = [](bool with_sizes) {
    return [with_sizes](const TypeCall& call) -> absl::StatusOr<std::vector<TensorType>> {
      const TensorType& self = call.tensor(0);
      ASSIGN_OR_RETURN(std::vector<Geometry> gs, SplitGeometries(self, call, with_sizes));
      std::vector<TensorType> out;
      for (Geometry& g : gs) out.push_back({self.dtype, std::move(g.shape), std::move(g.strides)});
      return out;
    };
  };
  auto split_kernel = [](bool with_sizes) {
    return [with_sizes](const KernelCall& call, const std::vector<TensorType>&)
               -> absl::StatusOr<std::vector<HostTensor>> {
      const HostTensor& self = call.tensor(0);
      ASSIGN_OR_RETURN(std::vector<Geometry> gs,
                       SplitGeometries(TensorType::Contiguous(self.dtype, self.shape), call,
                                       with_sizes));
      std::vector<HostTensor> out;
      for (const Geometry& g : gs) {
        ASSIGN_OR_RETURN(HostTensor piece, Gather(self, g));
        out.push_back(std::move(piece));
      }
      return out;
    };
  };
  OpDefiner(r,
            "split.Tensor(Tensor(a -> *) self, SymInt split_size, int dim=0) "
            "-> Tensor(a)[]",
            OpKind::kView)
      .LowerView({SplitOffset})
      .Infer(split_infer(false))
      .Kernel(split_kernel(false))
      .Derivative(split_back);
  OpDefiner(r,
            "split_with_sizes(Tensor(a -> *) self, SymInt[] split_sizes, int dim=0) "
            "-> Tensor(a)[]",
            OpKind::kView)
      .LowerView({SplitOffset})
      .Infer(split_infer(true))
      .Kernel(split_kernel(true))
      .Derivative(split_back);
}

// unbind's pieces: one select per index along `dim`.
absl::StatusOr<std::vector<Geometry>> UnbindGeometries(const TensorType& self, int64_t dim) {
  if (self.Rank() == 0) {
    return absl::InvalidArgumentError("unbind: dimension specified but the tensor has no dimensions");
  }
  ASSIGN_OR_RETURN(int64_t d, NormalizeDim(dim, self.Rank()));
  std::vector<Geometry> out;
  for (int64_t i = 0; i < self.shape[d]; ++i) {
    ASSIGN_OR_RETURN(Geometry g, SelectGeometry(self, d, i));
    out.push_back(std::move(g));
  }
  return out;
}

void DefineUnbindAndUnsafeSplit(OpRegistry& r) {
  OpDefiner(r, "unbind.int(Tensor(a -> *) self, int dim=0) -> Tensor(a)[]", OpKind::kView)
      .Infer([](const TypeCall& call) -> absl::StatusOr<std::vector<TensorType>> {
        const TensorType& self = call.tensor(0);
        ASSIGN_OR_RETURN(std::vector<Geometry> gs, UnbindGeometries(self, call.Int(1)));
        std::vector<TensorType> out;
        for (Geometry& g : gs) out.push_back({self.dtype, std::move(g.shape), std::move(g.strides)});
        return out;
      })
      .Kernel([](const KernelCall& call, const std::vector<TensorType>&)
                  -> absl::StatusOr<std::vector<HostTensor>> {
        const HostTensor& self = call.tensor(0);
        ASSIGN_OR_RETURN(std::vector<Geometry> gs,
                         UnbindGeometries(TensorType::Contiguous(self.dtype, self.shape), call.Int(1)));
        std::vector<HostTensor> out;
        for (const Geometry& g : gs) {
          ASSIGN_OR_RETURN(HostTensor piece, Gather(self, g));
          out.push_back(std::move(piece));
        }
        return out;
      })
      .Derivative([](DerivativeContext& c) -> Grads {
        // unbind_backward: the gradients stacked back.
        std::vector<Argument> parts;
        for (int i = 0; i < static_cast<int>(c.node().outputs.size()); ++i) {
          parts.push_back(V::V(c.GradOrZeros(i)));
        }
        return {{0, c.b.Op("aten.stack.default", {Argument::List(std::move(parts)), c.arg(1)})}};
      })
      .Decompose([](GraphBuilder& b, const ir::Node& node) -> std::vector<ir::ValueId> {
        TensorType self = b.type(node.args[0].AsValue());
        int64_t dim = node.args[1].AsInt();
        if (dim < 0) dim += self.Rank();
        std::vector<ir::ValueId> out;
        for (int64_t i = 0; i < self.shape[dim]; ++i) {
          out.push_back(b.Op("aten.select.int", {node.args[0], Argument::Int(dim), Argument::Int(i)}));
        }
        return out;
      });

  // split.Tensor without the alias annotation (LSTM and GRU graphs).
  const OpDef* split = r.Find("aten.split.Tensor");
  OpDefiner(r, "unsafe_split.Tensor(Tensor self, SymInt split_size, int dim=0) -> Tensor[]",
            OpKind::kView)
      .Infer(split->infer)
      .Kernel(split->kernel)
      .Derivative(split->derivative)
      .Decompose([](GraphBuilder& b, const ir::Node& node) -> std::vector<ir::ValueId> {
        return b.BoundOp("aten.split.Tensor", node.args);
      });
}

// constant_pad_nd's result shape: pad holds (before, after) pairs from the
// last dim backwards; negative amounts crop.
absl::StatusOr<Dims> PaddedShape(const TensorType& self, const Dims& pad) {
  if (pad.size() % 2 != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("constant_pad_nd: padding length must be divisible by 2, got ", pad.size()));
  }
  if (static_cast<int64_t>(pad.size() / 2) > self.Rank()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "constant_pad_nd: padding length ", pad.size(), " is too large for a tensor of rank ",
        self.Rank()));
  }
  Dims shape = self.shape;
  for (size_t k = 0; k < pad.size() / 2; ++k) {
    int64_t d = self.Rank() - 1 - static_cast<int64_t>(k);
    shape[d] += pad[2 * k] + pad[2 * k + 1];
    if (shape[d] < 0) {
      return absl::InvalidArgumentError(absl::StrCat("constant_pad_nd: dim ", d, " of shape ",
                                                     Str(self.shape), " would have size ",
                                                     shape[d], " after padding ", Str(pad)));
    }
  }
  return shape;
}

Dims Negated(Dims pad) {
  for (int64_t& p : pad) p = -p;
  return pad;
}

void DefinePadding(OpRegistry& r) {
  // Pads with `value` (converted to self's dtype), or crops.
  OpDefiner(r, "constant_pad_nd(Tensor self, SymInt[] pad, Scalar value=0) -> Tensor",
            OpKind::kOther)
      .Infer([](const TypeCall& call) -> absl::StatusOr<std::vector<TensorType>> {
        const TensorType& self = call.tensor(0);
        ASSIGN_OR_RETURN(Dims shape, PaddedShape(self, call.Ints(1)));
        return One(self.dtype, std::move(shape));
      })
      .Kernel([](const KernelCall& call, const std::vector<TensorType>& results)
                  -> absl::StatusOr<std::vector<HostTensor>> {
        const HostTensor& self = call.tensor(0);
        Dims pad = call.Ints(1);
        pad.resize(2 * self.Rank(), 0);
        HostTensor out = HostTensor::Full(results[0].dtype, results[0].shape, call.Float(2));
        if (self.NumElements() == 0 || out.NumElements() == 0) return std::vector<HostTensor>{out};
        Dims index(self.Rank(), 0);
        Dims out_strides = TensorType::Contiguous(out.dtype, out.shape).strides;
        int64_t i = 0;
        do {
          int64_t offset = 0;
          bool inside = true;
          for (int64_t d = 0; d < self.Rank(); ++d) {
            int64_t at = index[d] + pad[2 * (self.Rank() - 1 - d)];
            inside = inside && at >= 0 && at < out.shape[d];
            offset += at * out_strides[d];
          }
          if (inside) out.data[offset] = self.data[i];
          ++i;
        } while (reference::NextIndex(index, self.shape));
        return std::vector<HostTensor>{std::move(out)};
      })
      .Derivative([](DerivativeContext& c) -> Grads {
        return {{0, c.b.Op("aten.constant_pad_nd.default",
                           {V::V(c.grad(0)), Argument::IntList(Negated(c.arg(1).AsIntList())),
                            Argument::Int(0)})}};
      })
      .Decompose([](GraphBuilder& b, const ir::Node& node) -> std::vector<ir::ValueId> {
        // Crops become slices and pads concatenations with full tensors.
        ir::ValueId v = node.args[0].AsValue();
        const TensorType self = b.type(v);
        Dims pad = node.args[1].AsIntList();
        bool changed = false;
        for (size_t k = 0; k < pad.size() / 2; ++k) {
          int64_t d = self.Rank() - 1 - static_cast<int64_t>(k);
          int64_t before = pad[2 * k], after = pad[2 * k + 1];
          if (before < 0 || after < 0) {
            int64_t size = b.type(v).shape[d];
            v = b.Op("aten.slice.Tensor", {V::V(v), Argument::Int(d),
                                           Argument::Int(std::max<int64_t>(-before, 0)),
                                           Argument::Int(size - std::max<int64_t>(-after, 0))});
            changed = true;
          }
          auto fill = [&](int64_t n) {
            Dims shape = b.type(v).shape;
            shape[d] = n;
            return V::V(b.Op("aten.full.default", {Argument::IntList(shape), node.args[2]},
                             {{"dtype", Argument::DTypeArg(self.dtype)}}));
          };
          if (before <= 0 && after <= 0) continue;
          std::vector<Argument> parts;
          if (before > 0) parts.push_back(fill(before));
          parts.push_back(V::V(v));
          if (after > 0) parts.push_back(fill(after));
          v = b.Op("aten.cat.default", {Argument::List(std::move(parts)), Argument::Int(d)});
          changed = true;
        }
        if (!changed || !b.type(v).IsContiguous()) {
          v = b.Op("aten.clone.default", {V::V(v)},
                   {{"memory_format", Argument::MemoryFormat("contiguous_format")}});
        }
        return {v};
      });
}

// ---- Pixel shuffles and repeat ----

// The result shape of pixel_shuffle (upscale, `shuffle`) or
// pixel_unshuffle: [*, C * r^2, H, W] <-> [*, C, H * r, W * r].
absl::StatusOr<Dims> PixelShuffleShape(const TensorType& self, int64_t r, bool shuffle) {
  const char* name = shuffle ? "pixel_shuffle" : "pixel_unshuffle";
  const char* factor = shuffle ? "upscale_factor" : "downscale_factor";
  if (self.Rank() < 3) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, " expects input to have at least 3 dimensions, but got input with ",
                     self.Rank(), " dimension(s)"));
  }
  if (r <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, " expects a positive ", factor, ", but got ", r));
  }
  Dims shape = self.shape;
  const size_t c = shape.size() - 3, h = c + 1, w = c + 2;
  if (shuffle) {
    if (shape[c] % (r * r) != 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of "
          "upscale_factor, but input.size(-3)=",
          shape[c], " is not divisible by ", r * r));
    }
    shape[c] /= r * r;
    shape[h] *= r;
    shape[w] *= r;
    return shape;
  }
  for (size_t d : {h, w}) {
    if (shape[d] % r != 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "pixel_unshuffle expects ", d == h ? "height" : "width",
          " to be divisible by downscale_factor, but input.size(", d == h ? "-2" : "-1", ")=",
          shape[d], " is not divisible by ", r));
    }
  }
  shape[c] *= r * r;
  shape[h] /= r;
  shape[w] /= r;
  return shape;
}

// pixel_shuffle's values: out[b, c, h * r + i, w * r + j] = in[b, c * r * r
// + i * r + j, h, w], with [b, c, h, w] indexing the small side (`low`,
// the result of pixel_unshuffle); the other direction reads it backwards.
HostTensor PixelShuffleValues(const HostTensor& in, const Dims& out_shape, int64_t r,
                              bool shuffle) {
  HostTensor out(in.dtype, out_shape);
  const Dims& low = shuffle ? in.shape : out_shape;
  const size_t k = low.size() - 3;
  const int64_t batch = NumElements(Dims(low.begin(), low.begin() + k));
  const int64_t channels = low[k] / (r * r), height = low[k + 1], width = low[k + 2];
  for (int64_t b = 0; b < batch; ++b) {
    for (int64_t c = 0; c < channels; ++c) {
      for (int64_t h = 0; h < height; ++h) {
        for (int64_t i = 0; i < r; ++i) {
          for (int64_t w = 0; w < width; ++w) {
            for (int64_t j = 0; j < r; ++j) {
              const int64_t small =
                  ((b * channels * r * r + (c * r + i) * r + j) * height + h) * width + w;
              const int64_t large =
                  ((b * channels + c) * height * r + h * r + i) * width * r + w * r + j;
              if (shuffle) {
                out.data[large] = in.data[small];
              } else {
                out.data[small] = in.data[large];
              }
            }
          }
        }
      }
    }
  }
  return out;
}

// A contiguous copy of `v`.
ir::ValueId ContiguousCopy(GraphBuilder& b, ir::ValueId v) {
  return b.Op("aten.clone.default", {V::V(v)},
              {{"memory_format", Argument::MemoryFormat("contiguous_format")}});
}

// pixel_shuffle or pixel_unshuffle as a view, permute, copy and view.
ir::ValueId PixelShuffleDecomposition(GraphBuilder& b, ir::ValueId x, int64_t r, bool shuffle) {
  const Dims shape = b.type(x).shape;
  const int64_t k = static_cast<int64_t>(shape.size()) - 3;
  Dims split(shape.begin(), shape.begin() + k), out(split);
  Dims perm;
  for (int64_t d = 0; d < k; ++d) perm.push_back(d);
  const int64_t c = shape[k], h = shape[k + 1], w = shape[k + 2];
  if (shuffle) {
    // [*, C, r, r, H, W] -> [*, C, H, r, W, r].
    for (int64_t s : {c / (r * r), r, r, h, w}) split.push_back(s);
    for (int64_t p : {0, 3, 1, 4, 2}) perm.push_back(k + p);
    for (int64_t s : {c / (r * r), h * r, w * r}) out.push_back(s);
  } else {
    // [*, C, H, r, W, r] -> [*, C, r, r, H, W].
    for (int64_t s : {c, h / r, r, w / r, r}) split.push_back(s);
    for (int64_t p : {0, 2, 4, 1, 3}) perm.push_back(k + p);
    for (int64_t s : {c * r * r, h / r, w / r}) out.push_back(s);
  }
  ir::ValueId v = b.Op("aten.permute.default", {V::V(b.Reshape(x, split)), Argument::IntList(perm)});
  return b.Reshape(ContiguousCopy(b, v), out);
}

// repeat's result shape: self's shape padded with leading ones to the
// length of `repeats`, times the repeats.
absl::StatusOr<Dims> RepeatShape(const TensorType& self, const Dims& repeats) {
  if (static_cast<int64_t>(repeats.size()) < self.Rank()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Number of dimensions of repeat dims can not be smaller than number of dimensions of "
        "tensor: repeats ",
        Str(repeats), " for a tensor of shape ", Str(self.shape)));
  }
  Dims shape(repeats.size() - self.Rank(), 1);
  shape.insert(shape.end(), self.shape.begin(), self.shape.end());
  for (size_t d = 0; d < shape.size(); ++d) {
    if (repeats[d] < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "Trying to create tensor with negative dimension ", repeats[d], ": repeats ",
          Str(repeats)));
    }
    shape[d] *= repeats[d];
  }
  return shape;
}

void DefineShuffles(OpRegistry& r) {
  for (bool shuffle : {true, false}) {
    OpDefiner(r,
              shuffle ? "pixel_shuffle(Tensor self, int upscale_factor) -> Tensor"
                      : "pixel_unshuffle(Tensor self, int downscale_factor) -> Tensor",
              OpKind::kOther)
        .Infer([shuffle](const TypeCall& call) -> absl::StatusOr<std::vector<TensorType>> {
          ASSIGN_OR_RETURN(Dims shape, PixelShuffleShape(call.tensor(0), call.Int(1), shuffle));
          return One(call.tensor(0).dtype, std::move(shape));
        })
        .Kernel([shuffle](const KernelCall& call, const std::vector<TensorType>& results)
                    -> absl::StatusOr<std::vector<HostTensor>> {
          return std::vector<HostTensor>{
              PixelShuffleValues(call.tensor(0), results[0].shape, call.Int(1), shuffle)};
        })
        .Derivative([shuffle](DerivativeContext& c) -> Grads {
          return {{0, c.b.Op(shuffle ? "aten.pixel_unshuffle.default" : "aten.pixel_shuffle.default",
                             {V::V(c.grad(0)), c.arg(1)})}};
        })
        .Decompose([shuffle](GraphBuilder& b, const ir::Node& node) -> std::vector<ir::ValueId> {
          return {PixelShuffleDecomposition(b, node.args[0].AsValue(), node.args[1].AsInt(),
                                            shuffle)};
        });
  }

  OpDefiner(r, "repeat(Tensor self, SymInt[] repeats) -> Tensor", OpKind::kOther)
      .Infer([](const TypeCall& call) -> absl::StatusOr<std::vector<TensorType>> {
        ASSIGN_OR_RETURN(Dims shape, RepeatShape(call.tensor(0), call.Ints(1)));
        return One(call.tensor(0).dtype, std::move(shape));
      })
      .Kernel([](const KernelCall& call, const std::vector<TensorType>& results)
                  -> absl::StatusOr<std::vector<HostTensor>> {
        const HostTensor& self = call.tensor(0);
        HostTensor out(self.dtype, results[0].shape);
        if (out.NumElements() == 0) return std::vector<HostTensor>{std::move(out)};
        const size_t lead = out.shape.size() - self.shape.size();
        const Dims strides = TensorType::Contiguous(self.dtype, self.shape).strides;
        Dims index(out.shape.size(), 0);
        int64_t i = 0;
        do {
          int64_t offset = 0;
          for (size_t d = 0; d < self.shape.size(); ++d) {
            offset += index[lead + d] % self.shape[d] * strides[d];
          }
          out.data[i++] = self.data[offset];
        } while (reference::NextIndex(index, out.shape));
        return std::vector<HostTensor>{std::move(out)};
      })
      .Derivative([](DerivativeContext& c) -> Grads {
        // repeat_backward: the copies summed; zeros when a repeat is 0.
        GraphBuilder& b = c.b;
        const TensorType self = b.type(c.input(0));
        const Dims repeats = c.arg(1).AsIntList();
        if (std::find(repeats.begin(), repeats.end(), 0) != repeats.end()) {
          return {{0, b.Zeros(self.shape, self.dtype)}};
        }
        const int64_t lead = static_cast<int64_t>(repeats.size()) - self.Rank();
        Dims split, sum_dims;
        for (int64_t d = 0; d < lead; ++d) {
          split.push_back(repeats[d]);
          sum_dims.push_back(d);
        }
        for (int64_t d = 0; d < self.Rank(); ++d) {
          if (repeats[lead + d] != 1) {
            sum_dims.push_back(static_cast<int64_t>(split.size()));
            split.push_back(repeats[lead + d]);
          }
          split.push_back(self.shape[d]);
        }
        ir::ValueId g = b.Reshape(c.grad(0), split);
        if (!sum_dims.empty()) {
          g = b.Op("aten.sum.dim_IntList",
                   {V::V(g), Argument::IntList(sum_dims), Argument::Bool(false)});
        }
        return {{0, b.Reshape(g, self.shape)}};
      })
      .Decompose([](GraphBuilder& b, const ir::Node& node) -> std::vector<ir::ValueId> {
        // self viewed as [1, s0, 1, s1, ...], expanded to [r0, s0, r1, s1,
        // ...], copied and viewed as [r0 * s0, r1 * s1, ...].
        const ir::ValueId x = node.args[0].AsValue();
        const TensorType self = b.type(x);
        const Dims repeats = node.args[1].AsIntList();
        const size_t lead = repeats.size() - self.shape.size();
        Dims ones, expanded, out;
        for (size_t d = 0; d < repeats.size(); ++d) {
          const int64_t s = d < lead ? 1 : self.shape[d - lead];
          for (int64_t v : {int64_t{1}, s}) ones.push_back(v);
          for (int64_t v : {repeats[d], s}) expanded.push_back(v);
          out.push_back(repeats[d] * s);
        }
        ir::ValueId v = b.Expand(b.Reshape(x, ones), expanded);
        return {b.Reshape(ContiguousCopy(b, v), out)};
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

// tril/triu: whether element (row, col) is kept.
using KeepFn = bool (*)(int64_t row, int64_t col, int64_t diagonal);

void DefineTriangle(OpRegistry& r, absl::string_view signature, const char* op, KeepFn keep) {
  OpDefiner(r, signature, OpKind::kOther)
      .LowerToKernel(op)
      .Infer([op](const TypeCall& call) -> absl::StatusOr<std::vector<TensorType>> {
        const TensorType& self = call.tensor(0);
        if (self.Rank() < 2) {
          return absl::InvalidArgumentError(absl::StrCat(
              op, ": input of shape ", Str(self.shape), " needs at least 2 dimensions"));
        }
        return One(self.dtype, self.shape);
      })
      .Kernel([keep](const KernelCall& call, const std::vector<TensorType>&)
                  -> absl::StatusOr<std::vector<HostTensor>> {
        HostTensor out = call.tensor(0);
        int64_t rows = out.shape[out.Rank() - 2], cols = out.shape[out.Rank() - 1];
        for (int64_t i = 0; i < out.NumElements(); ++i) {
          int64_t col = i % cols, row = (i / cols) % rows;
          if (!keep(row, col, call.Int(1))) out.data[i] = 0;
        }
        return std::vector<HostTensor>{std::move(out)};
      })
      .Derivative([op](DerivativeContext& c) -> Grads {
        return {{0, c.b.Op(absl::StrCat("aten.", op, ".default"), {V::V(c.grad(0)), c.arg(1)})}};
      });
}

void DefineCopies(OpRegistry& r) {
  OpDefiner(r, "clone(Tensor self, *, MemoryFormat? memory_format=None) -> Tensor",
            OpKind::kPointwise)
      .LowerElementwise([](const ElementExpr& e) { return e.x(0); })
      .Infer([](const TypeCall& call) -> absl::StatusOr<std::vector<TensorType>> {
        // clone is empty_like(self, memory_format) filled with self's values:
        // it has empty_like's result type.
        const OpDef* empty_like = OpRegistry::Global().Find("aten.empty_like.default");
        std::vector<Argument> args = {Argument::Value(0), Argument::None(), Argument::None(),
                                      Argument::None(), Argument::None(), call.arg(1)};
        TypeCall like(args, [&call](ir::ValueId) -> const TensorType& { return call.tensor(0); });
        return empty_like->infer(like);
      })
      .Kernel(SameValues)
      .Derivative([](DerivativeContext& c) -> Grads { return {{0, c.grad(0)}}; });

  // make_fx's copy of a tensor constant (torch.tensor(...)): a clone.
  OpDefiner(r, "lift_fresh_copy(Tensor self) -> Tensor", OpKind::kPointwise)
      .Infer([](const TypeCall& call) -> absl::StatusOr<std::vector<TensorType>> {
        const OpDef* clone = OpRegistry::Global().Find("aten.clone.default");
        std::vector<Argument> args = {call.arg(0), Argument::None()};
        return clone->infer(TypeCall(args, [&call](ir::ValueId) -> const TensorType& {
          return call.tensor(0);
        }));
      })
      .Kernel(SameValues)
      .Derivative([](DerivativeContext& c) -> Grads { return {{0, c.grad(0)}}; })
      .Decompose([](GraphBuilder& b, const ir::Node& node) -> std::vector<ir::ValueId> {
        return {b.Op("aten.clone.default", {node.args[0]})};
      });

  DefineTriangle(r, "tril(Tensor self, int diagonal=0) -> Tensor", "tril",
                 [](int64_t row, int64_t col, int64_t k) { return col - row <= k; });
  DefineTriangle(r, "triu(Tensor self, int diagonal=0) -> Tensor", "triu",
                 [](int64_t row, int64_t col, int64_t k) { return col - row >= k; });
}

// The tensors of a cat or stack, which must be at least one.
absl::Status CheckNonEmpty(const std::vector<const TensorType*>& tensors, absl::string_view op) {
  if (tensors.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(op, "(): expected a non-empty list of tensors"));
  }
  for (const TensorType* t : tensors) {
    if (t == nullptr) return absl::InvalidArgumentError(absl::StrCat(op, "(): a tensor is None"));
  }
  return absl::OkStatus();
}

DType JoinedDType(const std::vector<const TensorType*>& tensors) {
  std::vector<Operand> operands;
  for (const TensorType* t : tensors) operands.push_back({t->dtype, t->Rank()});
  return ResultType(operands);
}

// Copies `parts` (all of `outer` blocks) block by block into `out`: block
// o of part i is parts[i] elements [o * block_i, (o + 1) * block_i).
void Interleave(const std::vector<HostTensor>& parts, int64_t outer, HostTensor& out) {
  int64_t pos = 0;
  for (int64_t o = 0; o < outer; ++o) {
    for (const HostTensor& p : parts) {
      int64_t block = outer == 0 ? 0 : p.NumElements() / outer;
      for (int64_t k = 0; k < block; ++k) out.data[pos++] = p.data[o * block + k];
    }
  }
}

int64_t Prefix(const Dims& shape, int64_t dim) {
  int64_t n = 1;
  for (int64_t d = 0; d < dim; ++d) n *= shape[d];
  return n;
}

// The dim of a cat or stack (argument 1, checked by inference) as a dim of
// its result, of rank `rank`.
int64_t JoinedDim(int64_t dim, int64_t rank) { return dim < 0 ? dim + rank : dim; }

// cat's and stack's kernel: the parts, cast to the result's dtype, joined
// block by block along the result's dim.
absl::StatusOr<std::vector<HostTensor>> JoinKernel(const KernelCall& call,
                                                   const std::vector<TensorType>& results) {
  const TensorType& type = results[0];
  int64_t dim = JoinedDim(call.Int(1), type.Rank());
  std::vector<HostTensor> parts;
  for (const HostTensor* t : call.tensors(0)) parts.push_back(t->Cast(type.dtype));
  HostTensor out(type.dtype, type.shape);
  Interleave(parts, Prefix(type.shape, dim), out);
  return std::vector<HostTensor>{std::move(out)};
}

void DefineJoins(OpRegistry& r) {
  OpDefiner(r, "cat(Tensor[] tensors, int dim=0) -> Tensor", OpKind::kOther)
      .LowerToKernel("cat")
      .Infer([](const TypeCall& call) -> absl::StatusOr<std::vector<TensorType>> {
        std::vector<const TensorType*> ts = call.tensors(0);
        RETURN_IF_ERROR(CheckNonEmpty(ts, "cat"));
        const Dims& first = ts[0]->shape;
        ASSIGN_OR_RETURN(int64_t dim, NormalizeDim(call.Int(1), first.size()));
        Dims shape = first;
        for (size_t i = 0; i < ts.size(); ++i) {
          const Dims& s = ts[i]->shape;
          if (s.empty()) {
            return absl::InvalidArgumentError(
                absl::StrCat("cat(): tensor ", i, " is 0-dimensional and cannot be concatenated"));
          }
          bool match = s.size() == first.size();
          for (size_t d = 0; match && d < s.size(); ++d) {
            match = static_cast<int64_t>(d) == dim || s[d] == first[d];
          }
          if (!match) {
            return absl::InvalidArgumentError(absl::StrCat("cat() along dim ", dim, ": shapes ",
                                                           Str(first), " and ", Str(s),
                                                           " (tensor ", i, ") do not match"));
          }
          if (i > 0) shape[dim] += s[dim];
        }
        return One(JoinedDType(ts), shape);
      })
      .Kernel(JoinKernel)
      .Derivative([](DerivativeContext& c) -> Grads {
        std::vector<ir::ValueId> inputs = c.arg(0).AsValueList();
        int64_t dim = JoinedDim(c.arg(1).AsInt(), c.b.type(c.output(0)).Rank());
        Grads grads;
        int64_t start = 0;
        for (size_t i = 0; i < inputs.size(); ++i) {
          int64_t size = c.b.type(inputs[i]).shape[dim];
          ir::ValueId g = c.b.Op("aten.slice.Tensor", {V::V(c.grad(0)), Argument::Int(dim),
                                                       Argument::Int(start),
                                                       Argument::Int(start + size)});
          grads.push_back({0, g, static_cast<int>(i)});
          start += size;
        }
        return grads;
      });

  OpDefiner(r, "stack(Tensor[] tensors, int dim=0) -> Tensor", OpKind::kOther)
      .LowerToKernel("stack")
      .Infer([](const TypeCall& call) -> absl::StatusOr<std::vector<TensorType>> {
        std::vector<const TensorType*> ts = call.tensors(0);
        RETURN_IF_ERROR(CheckNonEmpty(ts, "stack"));
        const Dims& first = ts[0]->shape;
        ASSIGN_OR_RETURN(int64_t dim, NormalizeDim(call.Int(1), first.size() + 1));
        for (size_t i = 1; i < ts.size(); ++i) {
          if (ts[i]->shape != first) {
            return absl::InvalidArgumentError(
                absl::StrCat("stack(): shapes ", Str(first), " and ", Str(ts[i]->shape),
                             " (tensor ", i, ") differ"));
          }
        }
        Dims shape = first;
        shape.insert(shape.begin() + dim, static_cast<int64_t>(ts.size()));
        return One(JoinedDType(ts), shape);
      })
      .Kernel(JoinKernel)
      .Derivative([](DerivativeContext& c) -> Grads {
        int n = static_cast<int>(c.arg(0).AsList().size());
        int64_t dim = JoinedDim(c.arg(1).AsInt(), c.b.type(c.output(0)).Rank());
        Grads grads;
        for (int i = 0; i < n; ++i) {
          grads.push_back({0,
                           c.b.Op("aten.select.int",
                                  {V::V(c.grad(0)), Argument::Int(dim), Argument::Int(i)}),
                           i});
        }
        return grads;
      });
}

}  // namespace

absl::Status RegisterShapeOps(OpRegistry& registry) {
  DefineReshapes(registry);
  DefineExpandAndDims(registry);
  DefinePermutations(registry);
  DefineSlicing(registry);
  DefineUnbindAndUnsafeSplit(registry);
  DefinePadding(registry);
  DefineShuffles(registry);
  DefineAliases(registry);
  DefineCopies(registry);
  DefineJoins(registry);
  return absl::OkStatus();
}

}  // namespace aotd::ops::internal
