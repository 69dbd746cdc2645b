// Views that take part of a tensor: select, slice, split, unbind, and their
// backward ops.
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
                                                   " out of range for shape ", ShapeString(self.shape),
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
                                                   ShapeString(self.shape)));
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
          absl::StrCat("split_with_sizes: negative size in ", ShapeString(sizes)));
    }
    pieces.push_back({start, s});
    start += s;
  }
  if (start != self.shape[dim]) {
    return absl::InvalidArgumentError(absl::StrCat("split_with_sizes ", ShapeString(sizes), " of dim ", dim,
                                                   " of shape ", ShapeString(self.shape),
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

}  // namespace

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
          ir::ValueId spread =
              c.b.Op("aten.cat.default", {Argument::List({V::V(Unsqueeze(c.b, piece, s->dim + 1)),
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
    return {
        {0, c.b.Op("aten.cat.default", {Argument::List(std::move(parts)), Argument::Int(dim)})}};
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
    return [with_sizes](const KernelCall& call,
                        const std::vector<TensorType>&) -> absl::StatusOr<std::vector<HostTensor>> {
      const HostTensor& self = call.tensor(0);
      ASSIGN_OR_RETURN(
          std::vector<Geometry> gs,
          SplitGeometries(TensorType::Contiguous(self.dtype, self.shape), call, with_sizes));
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

void DefineUnbindAndUnsafeSplit(OpRegistry& r) {
  OpDefiner(r, "unbind.int(Tensor(a -> *) self, int dim=0) -> Tensor(a)[]", OpKind::kView)
      .Infer([](const TypeCall& call) -> absl::StatusOr<std::vector<TensorType>> {
        const TensorType& self = call.tensor(0);
        ASSIGN_OR_RETURN(std::vector<Geometry> gs, UnbindGeometries(self, call.Int(1)));
        std::vector<TensorType> out;
        for (Geometry& g : gs)
          out.push_back({self.dtype, std::move(g.shape), std::move(g.strides)});
        return out;
      })
      .Kernel([](const KernelCall& call,
                 const std::vector<TensorType>&) -> absl::StatusOr<std::vector<HostTensor>> {
        const HostTensor& self = call.tensor(0);
        ASSIGN_OR_RETURN(
            std::vector<Geometry> gs,
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
          out.push_back(
              b.Op("aten.select.int", {node.args[0], Argument::Int(dim), Argument::Int(i)}));
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

}  // namespace aotd::ops::internal
