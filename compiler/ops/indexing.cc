// Indexing ops: index_select, gather, the scatters, index_add, index_copy,
// advanced indexing (index.Tensor, index_put) and the ops along one dim
// (cumsum, flip, topk).
//
// Index tensors hold int64 (gather and the scatters) or int64/int32
// (index_select, index_add, index_copy); an index out of range is an
// INVALID_ARGUMENT of the kernel, since inference cannot see values. A 0-d
// tensor counts as 1-d of size 1 where ATen says so (the dim-wise ops).
#include <algorithm>
#include <cmath>
#include <numeric>
#include <optional>
#include <string>
#include <type_traits>
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
using ir::ValueId;
using reference::Offset;
using V = GraphBuilder;
using Types = absl::StatusOr<std::vector<TensorType>>;
using Results = absl::StatusOr<std::vector<HostTensor>>;

template <typename... Parts>
absl::Status Invalid(const Parts&... parts) {
  return absl::InvalidArgumentError(absl::StrCat(parts...));
}

std::string Str(const Dims& d) { return absl::StrCat("[", absl::StrJoin(d, ","), "]"); }

// The shape ATen's dim-wise ops see: a 0-d tensor as [1].
Dims AtLeast1d(const Dims& shape) { return shape.empty() ? Dims{1} : shape; }

int64_t Numel(const Dims& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

absl::Status CheckIndexDType(absl::string_view op, const TensorType& index, bool allow_int32) {
  if (index.dtype == DType::kInt64 || (allow_int32 && index.dtype == DType::kInt32)) {
    return absl::OkStatus();
  }
  return Invalid(op, "(): expected index of dtype int64", allow_int32 ? " or int32" : "",
                 ", got ", ir::DTypeName(index.dtype));
}

absl::Status IndexOutOfRange(absl::string_view op, int64_t index, int64_t size) {
  return Invalid(op, "(): index ", index, " is out of bounds for dimension of size ", size);
}

// The int64 at element i of an index tensor.
int64_t IndexAt(const HostTensor& index, int64_t i) { return static_cast<int64_t>(index.data[i]); }

// Multi-index of flat element `i` of `shape`.
Dims Unflatten(int64_t i, const Dims& shape) {
  Dims c(shape.size());
  for (int d = static_cast<int>(shape.size()) - 1; d >= 0; --d) {
    c[d] = i % shape[d];
    i /= shape[d];
  }
  return c;
}

// gather's and the scatters' shape rules (ATen's gather_shape_check and
// scatter_shape_check): index has self's rank; index.size(d) <=
// self.size(d) for d != dim, and <= src.size(d) for every d.
absl::Status CheckScatterShapes(absl::string_view op, const TensorType& self, int64_t dim,
                                const TensorType& index, const TensorType* src) {
  Dims s = AtLeast1d(self.shape), i = AtLeast1d(index.shape);
  if (index.NumElements() == 0) return absl::OkStatus();
  if (s.size() != i.size()) {
    return Invalid(op, "(): index ", Str(index.shape), " must have as many dims as self ",
                   Str(self.shape));
  }
  for (size_t d = 0; d < s.size(); ++d) {
    if (static_cast<int64_t>(d) != dim && i[d] > s[d]) {
      return Invalid(op, "(): index ", Str(index.shape), " is larger than self ",
                     Str(self.shape), " apart from dimension ", dim);
    }
  }
  if (src != nullptr) {
    Dims c = AtLeast1d(src->shape);
    if (c.size() != i.size()) {
      return Invalid(op, "(): index ", Str(index.shape), " must have as many dims as src ",
                     Str(src->shape));
    }
    for (size_t d = 0; d < c.size(); ++d) {
      if (i[d] > c[d]) {
        return Invalid(op, "(): index ", Str(index.shape), " is larger than src ", Str(src->shape));
      }
    }
  }
  return absl::OkStatus();
}

absl::Status RequireSameDType(absl::string_view op, const TensorType& self, const TensorType& other,
                              absl::string_view other_name) {
  if (self.dtype == other.dtype) return absl::OkStatus();
  return Invalid(op, "(): expected self and ", other_name, " to have the same dtype, got ",
                 ir::DTypeName(self.dtype), " and ", ir::DTypeName(other.dtype));
}

// Walks the elements of `index` (any rank, 0-d as [1]); for each calls
// f(position of the element in index, its position in a tensor of shape
// `target` with the dim replaced by the index value). INVALID_ARGUMENT for a
// value outside [0, target[dim]).
template <typename F>
absl::Status ForEachScatter(absl::string_view op, const HostTensor& index, int64_t dim,
                            const Dims& target, F f) {
  Dims ishape = AtLeast1d(index.shape), tshape = AtLeast1d(target);
  Dims tstrides = ir::ContiguousStrides(tshape);
  for (int64_t i = 0; i < index.NumElements(); ++i) {
    Dims c = Unflatten(i, ishape);
    int64_t k = IndexAt(index, i);
    if (k < 0 || k >= tshape[dim]) return IndexOutOfRange(op, k, tshape[dim]);
    c[dim] = k;
    f(i, Offset(c, tstrides), c);
  }
  return absl::OkStatus();
}

// ---- gather and the scatters ----

// The gradient of a scatter's src: the output gradient gathered at the
// index, zero-padded to src's shape where src is larger than the index.
// Zeros shaped like input 0 in the gradient's dtype, with `op` putting the
// gradient back into them: `op`(zeros, args...) where each arg is a
// call argument index (>= 0) or kGrad0.
constexpr int kGrad0 = -1;
Grads GradIntoZeros(DerivativeContext& c, const char* op, std::vector<int> args,
                    std::vector<Argument> trailing = {}) {
  GraphBuilder& b = c.b;
  ValueId zeros = b.Zeros(b.type(c.input(0)).shape, b.type(c.grad(0)).dtype);
  std::vector<Argument> call = {V::V(zeros)};
  for (int a : args) call.push_back(a == kGrad0 ? V::V(c.grad(0)) : c.arg(a));
  for (Argument& a : trailing) call.push_back(std::move(a));
  return {{0, b.Op(op, std::move(call))}};
}

ValueId ScatterSrcGrad(DerivativeContext& c) {
  GraphBuilder& b = c.b;
  ValueId g = b.Op("aten.gather.default", {V::V(c.grad(0)), c.arg(1), V::V(c.input(2))});
  Dims have = b.type(g).shape, want = b.type(c.input(3)).shape;
  if (have == want) return g;
  if (have.empty() || want.empty()) return b.Reshape(g, want);
  Dims pad;
  for (int d = static_cast<int>(want.size()) - 1; d >= 0; --d) {
    pad.push_back(0);
    pad.push_back(want[d] - have[d]);
  }
  return b.Op("aten.constant_pad_nd.default", {V::V(g), Argument::IntList(pad)});
}

void DefineGatherScatter(OpRegistry& r) {
  OpDefiner(r, "gather(Tensor self, int dim, Tensor index, *, bool sparse_grad=False) -> Tensor",
            OpKind::kOther)
      .LowerToKernel("gather")
      .Infer([](const TypeCall& call) -> Types {
        const TensorType& self = call.tensor(0);
        const TensorType& index = call.tensor(2);
        ASSIGN_OR_RETURN(int64_t dim, NormalizeDim(call.Int(1), self.Rank()));
        RETURN_IF_ERROR(CheckIndexDType("gather", index, false));
        RETURN_IF_ERROR(CheckScatterShapes("gather", self, dim, index, nullptr));
        return One(self.dtype, index.shape);
      })
      .Kernel([](const KernelCall& call, const std::vector<TensorType>& types) -> Results {
        const HostTensor& self = call.tensor(0);
        const HostTensor& index = call.tensor(2);
        ASSIGN_OR_RETURN(int64_t dim, NormalizeDim(call.Int(1), self.Rank()));
        HostTensor out(types[0].dtype, types[0].shape);
        RETURN_IF_ERROR(ForEachScatter("gather", index, dim, self.shape,
                                       [&](int64_t i, int64_t at, const Dims&) {
                                         out.data[i] = self.data[at];
                                       }));
        return std::vector<HostTensor>{std::move(out)};
      })
      .Derivative([](DerivativeContext& c) -> Grads {
        // gather_backward: the gradient scattered back, summing repeats.
        // sparse_grad asks for a sparse gradient; it is given dense.
        return GradIntoZeros(c, "aten.scatter_add.default", {1, 2, kGrad0});
      });

  // scatter_add, scatter.src and scatter.value share inference.
  auto infer = [](absl::string_view op, bool has_src) {
    return [op, has_src](const TypeCall& call) -> Types {
      const TensorType& self = call.tensor(0);
      const TensorType& index = call.tensor(2);
      ASSIGN_OR_RETURN(int64_t dim, NormalizeDim(call.Int(1), self.Rank()));
      RETURN_IF_ERROR(CheckIndexDType(op, index, false));
      if (has_src) {
        const TensorType& src = call.tensor(3);
        RETURN_IF_ERROR(RequireSameDType(op, self, src, "src"));
        RETURN_IF_ERROR(CheckScatterShapes(op, self, dim, index, &src));
      } else {
        RETURN_IF_ERROR(CheckScatterShapes(op, self, dim, index, nullptr));
      }
      return One(self.dtype, self.shape);
    };
  };
  // Writes in index order, so with repeated indices the last write wins.
  auto kernel = [](absl::string_view op, bool add, bool has_src) {
    return [op, add, has_src](const KernelCall& call, const std::vector<TensorType>&) -> Results {
      HostTensor out = call.tensor(0);
      const HostTensor& index = call.tensor(2);
      ASSIGN_OR_RETURN(int64_t dim, NormalizeDim(call.Int(1), out.Rank()));
      HostTensor src;
      if (has_src) src = call.tensor(3);
      Dims src_strides = has_src ? ir::ContiguousStrides(AtLeast1d(src.shape)) : Dims{};
      double value = has_src ? 0 : call.Float(3);
      Dims ishape = AtLeast1d(index.shape);
      RETURN_IF_ERROR(ForEachScatter(op, index, dim, out.shape,
                                     [&](int64_t i, int64_t at, const Dims&) {
                                       double v = value;
                                       if (has_src) v = src.data[Offset(Unflatten(i, ishape), src_strides)];
                                       out.data[at] = add ? out.data[at] + v : v;
                                     }));
      out.RoundToDType();
      return std::vector<HostTensor>{std::move(out)};
    };
  };

  OpDefiner(r, "scatter_add(Tensor self, int dim, Tensor index, Tensor src) -> Tensor",
            OpKind::kOther)
      .LowerToKernel("scatter_add")
      .Infer(infer("scatter_add", true))
      .Kernel(kernel("scatter_add", true, true))
      .Derivative([](DerivativeContext& c) -> Grads {
        Grads grads = {{0, c.grad(0)}};
        if (c.needs_grad(3)) grads.push_back({3, ScatterSrcGrad(c)});
        return grads;
      });

  OpDefiner(r, "scatter.src(Tensor self, int dim, Tensor index, Tensor src) -> Tensor",
            OpKind::kOther)
      .LowerToKernel("scatter")
      .Infer(infer("scatter", true))
      .Kernel(kernel("scatter", false, true))
      .Derivative([](DerivativeContext& c) -> Grads {
        GraphBuilder& b = c.b;
        Grads grads = {{0, b.Op("aten.scatter.value",
                                {V::V(c.grad(0)), c.arg(1), V::V(c.input(2)), Argument::Int(0)})}};
        if (c.needs_grad(3)) grads.push_back({3, ScatterSrcGrad(c)});
        return grads;
      });

  OpDefiner(r, "scatter.value(Tensor self, int dim, Tensor index, Scalar value) -> Tensor",
            OpKind::kOther)
      .LowerToKernel("scatter")
      .Infer(infer("scatter", false))
      .Kernel(kernel("scatter", false, false))
      .Derivative([](DerivativeContext& c) -> Grads {
        return {{0, c.b.Op("aten.scatter.value",
                           {V::V(c.grad(0)), c.arg(1), V::V(c.input(2)), Argument::Int(0)})}};
      });
}

// ---- index_select, index_add, index_copy ----

// The checks of an index along one dim: int64 or int32, at most 1-d.
absl::Status CheckDimIndex(absl::string_view op, const TensorType& index) {
  RETURN_IF_ERROR(CheckIndexDType(op, index, true));
  if (index.Rank() > 1) {
    return Invalid(op, "(): index must be at most 1-d, got index of size ", Str(index.shape));
  }
  return absl::OkStatus();
}

// index_add's and index_copy's checks of source against self.
absl::Status CheckIndexSource(absl::string_view op, const TensorType& self, int64_t dim,
                              const TensorType& index, const TensorType& source) {
  RETURN_IF_ERROR(CheckDimIndex(op, index));
  RETURN_IF_ERROR(RequireSameDType(op, self, source, "source"));
  Dims s = AtLeast1d(self.shape), c = AtLeast1d(source.shape);
  bool ok = s.size() == c.size();
  for (size_t d = 0; ok && d < s.size(); ++d) {
    ok = static_cast<int64_t>(d) == dim ? c[d] == index.NumElements() : c[d] == s[d];
  }
  if (!ok) {
    return Invalid(op, "(): source ", Str(source.shape), " must match self ", Str(self.shape),
                   " except in dimension ", dim, ", which holds one slice per index (",
                   index.NumElements(), ")");
  }
  return absl::OkStatus();
}

// Calls f(index position, slice offset in a [outer, size, inner] view of
// `shape` at that index, stride of the dim, inner size) for each index.
struct DimView {
  int64_t outer = 1, size = 1, inner = 1;
};
DimView ViewAlong(const Dims& shape, int64_t dim) {
  Dims s = AtLeast1d(shape);
  DimView v;
  for (int64_t d = 0; d < dim; ++d) v.outer *= s[d];
  v.size = s[dim];
  for (size_t d = dim + 1; d < s.size(); ++d) v.inner *= s[d];
  return v;
}

void DefineIndexAlongDim(OpRegistry& r) {
  OpDefiner(r, "index_select(Tensor self, int dim, Tensor index) -> Tensor", OpKind::kOther)
      .LowerToKernel("index_select")
      .Infer([](const TypeCall& call) -> Types {
        const TensorType& self = call.tensor(0);
        const TensorType& index = call.tensor(2);
        ASSIGN_OR_RETURN(int64_t dim, NormalizeDim(call.Int(1), self.Rank()));
        RETURN_IF_ERROR(CheckDimIndex("index_select", index));
        if (self.Rank() == 0) {
          if (index.NumElements() != 1) {
            return Invalid("index_select(): an index of a 0-d self holds one value, got ",
                           index.NumElements());
          }
          return One(self.dtype, {});
        }
        Dims shape = self.shape;
        shape[dim] = index.NumElements();
        return One(self.dtype, shape);
      })
      .Kernel([](const KernelCall& call, const std::vector<TensorType>& types) -> Results {
        const HostTensor& self = call.tensor(0);
        const HostTensor& index = call.tensor(2);
        ASSIGN_OR_RETURN(int64_t dim, NormalizeDim(call.Int(1), self.Rank()));
        DimView in = ViewAlong(self.shape, dim);
        const int64_t n = index.NumElements();
        HostTensor out(types[0].dtype, types[0].shape);
        for (int64_t j = 0; j < n; ++j) {
          int64_t k = IndexAt(index, j);
          if (k < 0 || k >= in.size) return IndexOutOfRange("index_select", k, in.size);
          for (int64_t o = 0; o < in.outer; ++o) {
            std::copy_n(self.data.begin() + (o * in.size + k) * in.inner, in.inner,
                        out.data.begin() + (o * n + j) * in.inner);
          }
        }
        return std::vector<HostTensor>{std::move(out)};
      })
      .Derivative([](DerivativeContext& c) -> Grads {
        // index_select_backward: zeros with the gradient's slices added back.
        return GradIntoZeros(c, "aten.index_add.default", {1, 2, kGrad0});
      });

  // index_add and index_copy: slices of source added (written) at the
  // indexed positions of self, in index order.
  auto kernel = [](absl::string_view op, bool add) {
    return [op, add](const KernelCall& call, const std::vector<TensorType>&) -> Results {
      HostTensor out = call.tensor(0);
      const HostTensor& index = call.tensor(2);
      const HostTensor& source = call.tensor(3);
      ASSIGN_OR_RETURN(int64_t dim, NormalizeDim(call.Int(1), out.Rank()));
      double alpha = add ? call.Float(4) : 1;
      DimView v = ViewAlong(out.shape, dim);
      const int64_t n = index.NumElements();
      for (int64_t j = 0; j < n; ++j) {
        int64_t k = IndexAt(index, j);
        if (k < 0 || k >= v.size) return IndexOutOfRange(op, k, v.size);
        for (int64_t o = 0; o < v.outer; ++o) {
          for (int64_t i = 0; i < v.inner; ++i) {
            double s = source.data[(o * n + j) * v.inner + i];
            double& d = out.data[(o * v.size + k) * v.inner + i];
            d = add ? d + alpha * s : s;
          }
        }
      }
      out.RoundToDType();
      return std::vector<HostTensor>{std::move(out)};
    };
  };

  OpDefiner(r,
            "index_add(Tensor self, int dim, Tensor index, Tensor source, *, Scalar alpha=1) "
            "-> Tensor",
            OpKind::kOther)
      .LowerToKernel("index_add")
      .Infer([](const TypeCall& call) -> Types {
        const TensorType& self = call.tensor(0);
        ASSIGN_OR_RETURN(int64_t dim, NormalizeDim(call.Int(1), self.Rank()));
        RETURN_IF_ERROR(CheckIndexSource("index_add", self, dim, call.tensor(2), call.tensor(3)));
        if (!ir::IsFloatingPoint(self.dtype) && call.arg(4).kind() == Argument::Kind::kFloat) {
          return Invalid("index_add(): alpha must be an integer for a tensor of dtype ",
                         ir::DTypeName(self.dtype));
        }
        return One(self.dtype, self.shape);
      })
      .Kernel(kernel("index_add", true))
      .Derivative([](DerivativeContext& c) -> Grads {
        GraphBuilder& b = c.b;
        Grads grads = {{0, c.grad(0)}};
        if (c.needs_grad(3)) {
          // The source's slices read back, times alpha; a 0-d source takes
          // the one slice as it is.
          ValueId g = b.Op("aten.index_select.default",
                           {V::V(c.grad(0)), c.arg(1), V::V(c.input(2))});
          g = b.Reshape(g, b.type(c.input(3)).shape);
          if (c.arg(4).AsFloat() != 1) g = b.Op("aten.mul.Scalar", {V::V(g), c.arg(4)});
          grads.push_back({3, g});
        }
        return grads;
      });

  OpDefiner(r, "index_copy(Tensor self, int dim, Tensor index, Tensor source) -> Tensor",
            OpKind::kOther)
      .LowerToKernel("index_copy")
      .Infer([](const TypeCall& call) -> Types {
        const TensorType& self = call.tensor(0);
        ASSIGN_OR_RETURN(int64_t dim, NormalizeDim(call.Int(1), self.Rank()));
        RETURN_IF_ERROR(
            CheckIndexSource("index_copy", self, dim, call.tensor(2), call.tensor(3)));
        return One(self.dtype, self.shape);
      })
      .Kernel(kernel("index_copy", false))
      .Derivative([](DerivativeContext& c) -> Grads {
        // self: the gradient with the overwritten slices zeroed; source: the
        // slices read back.
        GraphBuilder& b = c.b;
        ValueId zeros = b.ZerosLike(c.input(3));
        Grads grads = {{0, b.Op("aten.index_copy.default",
                                {V::V(c.grad(0)), c.arg(1), V::V(c.input(2)), V::V(zeros)})}};
        if (c.needs_grad(3)) {
          ValueId g = b.Op("aten.index_select.default",
                           {V::V(c.grad(0)), c.arg(1), V::V(c.input(2))});
          grads.push_back({3, b.Reshape(g, b.type(c.input(3)).shape)});
        }
        return grads;
      });
}


// ---- Advanced indexing: index.Tensor and index_put ----

// How a Tensor?[] index list indexes self: the dims each index tensor
// takes, the broadcast shape of the index tensors, and the result shape of
// self[indices] (PyTorch's rule: the broadcast dims replace the indexed
// dims when those are adjacent, else they come first).
struct IndexPlan {
  std::vector<int64_t> dims;  // Indexed dims of self, in order.
  std::vector<int> items;     // The list item indexing each of `dims`.
  Dims broadcast;
  bool adjacent = true;
  Dims result;
  // A single bool or uint8 mask (every other item None): its list item and
  // first dim, else -1.
  int mask_item = -1;
  int64_t mask_dim = -1;
};

absl::StatusOr<IndexPlan> PlanIndex(absl::string_view op, const TensorType& self,
                                    const std::vector<const TensorType*>& indices) {
  IndexPlan plan;
  int64_t dim = 0;
  int tensors = 0;
  for (size_t k = 0; k < indices.size(); ++k) {
    const TensorType* t = indices[k];
    if (t == nullptr) {
      ++dim;
      continue;
    }
    ++tensors;
    if (t->dtype == DType::kBool || t->dtype == DType::kUInt8) {
      if (dim + t->Rank() > self.Rank()) {
        dim += t->Rank();
        break;
      }
      for (int d = 0; d < t->Rank(); ++d) {
        if (t->shape[d] != self.shape[dim + d]) {
          return Invalid(op, "(): the shape of the mask ", Str(t->shape), " at index ", k,
                         " does not match the shape of the indexed tensor ", Str(self.shape));
        }
      }
      plan.mask_item = static_cast<int>(k);
      plan.mask_dim = dim;
      dim += t->Rank();
      continue;
    }
    if (t->dtype != DType::kInt64 && t->dtype != DType::kInt32) {
      return Invalid(op, "(): tensors used as indices must be int64, int32, bool or uint8, got ",
                     ir::DTypeName(t->dtype), " at index ", k);
    }
    if (dim >= self.Rank()) {
      ++dim;
      break;
    }
    if (!plan.dims.empty() && plan.dims.back() != dim - 1) plan.adjacent = false;
    plan.dims.push_back(dim);
    plan.items.push_back(static_cast<int>(k));
    ASSIGN_OR_RETURN(plan.broadcast, BroadcastShapes(plan.broadcast, t->shape));
    ++dim;
  }
  if (dim > self.Rank()) {
    return Invalid(op, "(): too many indices for a tensor of dimension ", self.Rank());
  }
  if (plan.mask_item >= 0) {
    if (tensors > 1) {
      return Invalid(op, "(): a bool or uint8 mask is supported only as the one index tensor");
    }
    return plan;
  }
  if (plan.dims.empty()) return Invalid(op, "(): expected at least one index tensor");
  std::vector<bool> indexed(self.Rank(), false);
  for (int64_t d : plan.dims) indexed[d] = true;
  if (plan.adjacent) {
    plan.result.assign(self.shape.begin(), self.shape.begin() + plan.dims.front());
    plan.result.insert(plan.result.end(), plan.broadcast.begin(), plan.broadcast.end());
    plan.result.insert(plan.result.end(), self.shape.begin() + plan.dims.back() + 1,
                       self.shape.end());
  } else {
    plan.result = plan.broadcast;
    for (int64_t d = 0; d < self.Rank(); ++d) {
      if (!indexed[d]) plan.result.push_back(self.shape[d]);
    }
  }
  return plan;
}

// The plan of a node's index list (a Tensor?[] argument) in the graph `b`
// builds.
absl::StatusOr<IndexPlan> PlanIndexList(GraphBuilder& b, absl::string_view op,
                                        const TensorType& self, const Argument& list) {
  std::vector<TensorType> types;
  for (const Argument& a : list.AsList()) {
    types.push_back(a.is_value() ? b.type(a.AsValue()) : TensorType());
  }
  std::vector<const TensorType*> items;
  for (size_t k = 0; k < types.size(); ++k) {
    items.push_back(list.AsList()[k].is_value() ? &types[k] : nullptr);
  }
  return PlanIndex(op, self, items);
}

// The plan of a call's index list (argument `arg`).
template <typename T>
std::vector<const TensorType*> IndexTypes(const Call<T>& call, int arg,
                                          std::vector<TensorType>& storage) {
  std::vector<const T*> items = call.tensors(arg);
  storage.clear();
  storage.reserve(items.size());
  std::vector<const TensorType*> out;
  for (const T* t : items) {
    if (t == nullptr) {
      out.push_back(nullptr);
      continue;
    }
    if constexpr (std::is_same_v<T, TensorType>) {
      storage.push_back(*t);
    } else {
      storage.push_back(TensorType::Contiguous(t->dtype, t->shape));
    }
    out.push_back(&storage.back());
  }
  return out;
}

// For each element of the result of self[indices] (row-major), the flat
// offset in self it reads; INVALID_ARGUMENT for an index out of range.
absl::StatusOr<std::vector<int64_t>> IndexOffsets(absl::string_view op, const HostTensor& self,
                                                  const std::vector<const HostTensor*>& indices,
                                                  const IndexPlan& plan) {
  std::vector<HostTensor> expanded;
  for (int item : plan.items) expanded.push_back(BroadcastTo(*indices[item], plan.broadcast));
  Dims strides = ir::ContiguousStrides(self.shape);
  std::vector<bool> indexed(self.Rank(), false);
  for (int64_t d : plan.dims) indexed[d] = true;
  const int64_t nb = static_cast<int64_t>(plan.broadcast.size());
  const int64_t lead = plan.adjacent ? plan.dims.front() : 0;
  int64_t n = 1;
  for (int64_t d : plan.result) n *= d;
  std::vector<int64_t> out(n);
  for (int64_t i = 0; i < n; ++i) {
    Dims r = Unflatten(i, plan.result);
    Dims b(r.begin() + lead, r.begin() + lead + nb);
    int64_t bi = Offset(b, ir::ContiguousStrides(plan.broadcast));
    int64_t at = 0;
    for (size_t k = 0; k < plan.dims.size(); ++k) {
      int64_t d = plan.dims[k], size = self.shape[d];
      int64_t v = IndexAt(expanded[k], bi);
      if (v < -size || v >= size) return IndexOutOfRange(op, v, size);
      at += (v < 0 ? v + size : v) * strides[d];
    }
    // The other dims, in order, from the rest of the result index.
    int64_t pos = plan.adjacent ? 0 : nb;
    for (int64_t d = 0; d < self.Rank(); ++d) {
      if (indexed[d]) continue;
      if (plan.adjacent && pos == lead) pos += nb;
      at += r[pos++] * strides[d];
    }
    out[i] = at;
  }
  return out;
}

// Linear offsets into the indexed dims of self (row-major over them), of
// the index tensors' broadcast shape; -1 where an index is out of range, so
// that the index_select or index_add reading it fails.
ValueId LinearIndex(GraphBuilder& b, const TensorType& self, const IndexPlan& plan,
                    const std::vector<Argument>& items) {
  ValueId linear = GraphBuilder::kNoValue, bad = GraphBuilder::kNoValue;
  int64_t stride = 1;
  for (int k = static_cast<int>(plan.dims.size()) - 1; k >= 0; --k) {
    int64_t size = self.shape[plan.dims[k]];
    ValueId i = b.Cast(items[plan.items[k]].AsValue(), DType::kInt64);
    ValueId wrapped = b.Op("aten.where.self", {V::V(b.Op("aten.lt.Scalar", {V::V(i), Argument::Int(0)})),
                                               V::V(b.Op("aten.add.Scalar", {V::V(i), Argument::Int(size)})),
                                               V::V(i)});
    ValueId out = b.Op("aten.logical_or.default",
                       {V::V(b.Op("aten.lt.Scalar", {V::V(wrapped), Argument::Int(0)})),
                        V::V(b.Op("aten.ge.Scalar", {V::V(wrapped), Argument::Int(size)}))});
    ValueId term = stride == 1 ? wrapped
                               : b.Op("aten.mul.Scalar", {V::V(wrapped), Argument::Int(stride)});
    linear = linear == GraphBuilder::kNoValue ? term : b.Add(linear, term);
    bad = bad == GraphBuilder::kNoValue ? out : b.Op("aten.logical_or.default", {V::V(bad), V::V(out)});
    stride *= size;
  }
  linear = b.Op("aten.masked_fill.Scalar", {V::V(linear), V::V(bad), Argument::Int(-1)});
  return b.Reshape(b.Expand(linear, plan.broadcast), {Numel(plan.broadcast)});
}

// Self laid out for index_select/index_add along one dim: [pre, block,
// post] when the indexed dims are adjacent (the dim is pre's length), else
// [block, other dims...] (dim 0).
struct Blocked {
  ValueId value;
  int64_t dim;
  Dims shape;  // Of `value`.
  std::vector<int64_t> perm;  // Applied to self first (non-adjacent only).
};

Blocked BlockIndexedDims(GraphBuilder& b, ValueId self_v, const TensorType& self,
                         const IndexPlan& plan) {
  Blocked out;
  int64_t block = 1;
  for (int64_t d : plan.dims) block *= self.shape[d];
  if (plan.adjacent) {
    out.dim = plan.dims.front();
    out.shape.assign(self.shape.begin(), self.shape.begin() + out.dim);
    out.shape.push_back(block);
    out.shape.insert(out.shape.end(), self.shape.begin() + plan.dims.back() + 1, self.shape.end());
    out.value = b.Reshape(self_v, out.shape);
    return out;
  }
  out.dim = 0;
  out.shape = {block};
  out.perm = plan.dims;
  std::vector<bool> indexed(self.Rank(), false);
  for (int64_t d : plan.dims) indexed[d] = true;
  for (int64_t d = 0; d < self.Rank(); ++d) {
    if (indexed[d]) continue;
    out.perm.push_back(d);
    out.shape.push_back(self.shape[d]);
  }
  ValueId permuted = b.Op("aten.permute.default", {V::V(self_v), Argument::IntList(out.perm)});
  out.value = b.Reshape(permuted, out.shape);
  return out;
}

// `values` expanded to the index result and laid out as Blocked's slices.
ValueId BlockValues(GraphBuilder& b, ValueId values, const IndexPlan& plan, const Blocked& blocked) {
  Dims shape = blocked.shape;
  shape[blocked.dim] = Numel(plan.broadcast);
  return b.Reshape(b.Expand(values, plan.result), shape);
}

// A bool mask (uint8 converted) shaped to broadcast against self.
ValueId MaskOverSelf(GraphBuilder& b, const TensorType& self, const IndexPlan& plan,
                     ValueId mask) {
  if (b.type(mask).dtype != DType::kBool) {
    mask = b.Op("aten.ne.Scalar", {V::V(mask), Argument::Int(0)});
  }
  Dims shape(self.Rank(), 1);
  const TensorType m = b.type(mask);
  for (int d = 0; d < m.Rank(); ++d) shape[plan.mask_dim + d] = m.shape[d];
  return b.Reshape(mask, shape);
}

// The shape of index_put's values with the mask's selected elements as one
// dim of size 1: [pre, 1, post].
Dims MaskValuesShape(const TensorType& self, const TensorType& mask, int64_t mask_dim) {
  Dims shape(self.shape.begin(), self.shape.begin() + mask_dim);
  shape.push_back(1);
  shape.insert(shape.end(), self.shape.begin() + mask_dim + mask.Rank(), self.shape.end());
  return shape;
}

// values laid out over self for a mask: [pre, 1..., post].
ValueId MaskValuesOverSelf(GraphBuilder& b, const TensorType& self, const TensorType& mask,
                           const IndexPlan& plan, ValueId values) {
  Dims r = MaskValuesShape(self, mask, plan.mask_dim);
  Dims shape(self.shape.begin(), self.shape.begin() + plan.mask_dim);
  for (int d = 0; d < mask.Rank(); ++d) shape.push_back(1);
  shape.insert(shape.end(), r.begin() + plan.mask_dim + 1, r.end());
  return b.Reshape(b.Expand(values, r), shape);
}

void DefineAdvancedIndexing(OpRegistry& r) {
  OpDefiner(r, "index.Tensor(Tensor self, Tensor?[] indices) -> Tensor", OpKind::kOther)
      .Infer([](const TypeCall& call) -> Types {
        const TensorType& self = call.tensor(0);
        std::vector<TensorType> storage;
        ASSIGN_OR_RETURN(IndexPlan plan, PlanIndex("index", self, IndexTypes(call, 1, storage)));
        if (plan.mask_item >= 0) {
          return Invalid("index(): indexing with a bool or uint8 mask gives a shape that depends "
                         "on the mask's values, which compiled graphs do not support");
        }
        return One(self.dtype, plan.result);
      })
      .Kernel([](const KernelCall& call, const std::vector<TensorType>& types) -> Results {
        const HostTensor& self = call.tensor(0);
        std::vector<TensorType> storage;
        ASSIGN_OR_RETURN(IndexPlan plan, PlanIndex("index", TensorType::Contiguous(self.dtype, self.shape),
                                   IndexTypes(call, 1, storage)));
        ASSIGN_OR_RETURN(std::vector<int64_t> offsets,
                         IndexOffsets("index", self, call.tensors(1), plan));
        HostTensor out(types[0].dtype, types[0].shape);
        for (size_t i = 0; i < offsets.size(); ++i) out.data[i] = self.data[offsets[i]];
        return std::vector<HostTensor>{std::move(out)};
      })
      .Derivative([](DerivativeContext& c) -> Grads {
        // index_backward: the gradient accumulated into zeros at the indices.
        return GradIntoZeros(c, "aten.index_put.default", {1, kGrad0}, {Argument::Bool(true)});
      })
      .Decompose([](GraphBuilder& b, const ir::Node& node) -> std::vector<ValueId> {
        ValueId self_v = node.args[0].AsValue();
        const TensorType self = b.type(self_v);
        absl::StatusOr<IndexPlan> plan = PlanIndexList(b, "index", self, node.args[1]);
        if (!plan.ok()) return {GraphBuilder::kNoValue};
        ValueId linear = LinearIndex(b, self, *plan, node.args[1].AsList());
        Blocked blocked = BlockIndexedDims(b, self_v, self, *plan);
        ValueId picked = b.Op("aten.index_select.default",
                              {V::V(blocked.value), Argument::Int(blocked.dim), V::V(linear)});
        return {b.Reshape(picked, plan->result)};
      });

  OpDefiner(r,
            "index_put(Tensor self, Tensor?[] indices, Tensor values, bool accumulate=False) "
            "-> Tensor",
            OpKind::kOther)
      .Infer([](const TypeCall& call) -> Types {
        const TensorType& self = call.tensor(0);
        const TensorType& values = call.tensor(2);
        std::vector<TensorType> storage;
        ASSIGN_OR_RETURN(IndexPlan plan, PlanIndex("index_put", self, IndexTypes(call, 1, storage)));
        RETURN_IF_ERROR(RequireSameDType("index_put", self, values, "values"));
        Dims target = plan.result;
        if (plan.mask_item >= 0) {
          target = MaskValuesShape(self, *call.tensors(1)[plan.mask_item], plan.mask_dim);
        }
        absl::StatusOr<Dims> shape = BroadcastShapes(values.shape, target);
        if (!shape.ok() || *shape != target) {
          return Invalid("index_put(): values of shape ", Str(values.shape),
                         " do not broadcast to the indexed shape ", Str(plan.result),
                         plan.mask_item >= 0 ? " (one element per value the mask selects)" : "");
        }
        return One(self.dtype, self.shape);
      })
      .Kernel([](const KernelCall& call, const std::vector<TensorType>&) -> Results {
        HostTensor out = call.tensor(0);
        const HostTensor& values = call.tensor(2);
        const bool accumulate = call.Bool(3);
        std::vector<TensorType> storage;
        ASSIGN_OR_RETURN(IndexPlan plan,
                         PlanIndex("index_put", TensorType::Contiguous(out.dtype, out.shape),
                                   IndexTypes(call, 1, storage)));
        if (plan.mask_item >= 0) {
          // Each selected element takes the value at its position with the
          // mask's dims collapsed.
          const HostTensor& mask = *call.tensors(1)[plan.mask_item];
          Dims vshape = MaskValuesShape(TensorType::Contiguous(out.dtype, out.shape),
                                        TensorType::Contiguous(mask.dtype, mask.shape),
                                        plan.mask_dim);
          HostTensor v = BroadcastTo(values, vshape);
          Dims vstrides = ir::ContiguousStrides(vshape);
          Dims mstrides = ir::ContiguousStrides(mask.shape);
          for (int64_t i = 0; i < out.NumElements(); ++i) {
            Dims c = Unflatten(i, out.shape);
            Dims mc(c.begin() + plan.mask_dim, c.begin() + plan.mask_dim + mask.Rank());
            if (mask.data[Offset(mc, mstrides)] == 0) continue;
            Dims vc(c.begin(), c.begin() + plan.mask_dim);
            vc.push_back(0);
            vc.insert(vc.end(), c.begin() + plan.mask_dim + mask.Rank(), c.end());
            double x = v.data[Offset(vc, vstrides)];
            out.data[i] = accumulate ? out.data[i] + x : x;
          }
        } else {
          ASSIGN_OR_RETURN(std::vector<int64_t> offsets,
                           IndexOffsets("index_put", out, call.tensors(1), plan));
          HostTensor v = BroadcastTo(values, plan.result);
          for (size_t i = 0; i < offsets.size(); ++i) {
            out.data[offsets[i]] = accumulate ? out.data[offsets[i]] + v.data[i] : v.data[i];
          }
        }
        out.RoundToDType();
        return std::vector<HostTensor>{std::move(out)};
      })
      .Derivative([](DerivativeContext& c) -> Grads {
        // self: the gradient, with the overwritten elements zeroed unless
        // accumulating; values: the gradient read at the indices, summed
        // over broadcasting.
        GraphBuilder& b = c.b;
        const bool accumulate = c.arg(3).AsBool();
        ValueId values = c.input(2);
        Grads grads;
        if (accumulate) {
          grads.push_back({0, c.grad(0)});
        } else {
          ValueId zeros = b.ZerosLike(values);
          grads.push_back({0, b.Op("aten.index_put.default",
                                   {V::V(c.grad(0)), c.arg(1), V::V(zeros), Argument::Bool(false)})});
        }
        if (!c.needs_grad(2)) return grads;
        const TensorType self = b.type(c.input(0));
        absl::StatusOr<IndexPlan> plan = PlanIndexList(b, "index_put", self, c.arg(1));
        if (!plan.ok()) return grads;
        ValueId g;
        if (plan->mask_item >= 0) {
          const TensorType mask = b.type(c.arg(1).AsList()[plan->mask_item].AsValue());
          ValueId m = MaskOverSelf(b, self, *plan, c.arg(1).AsList()[plan->mask_item].AsValue());
          ValueId zero = b.Op("aten.scalar_tensor.default", {Argument::Int(0)},
                              {{"dtype", Argument::DTypeArg(b.type(c.grad(0)).dtype)}});
          ValueId picked = b.Op("aten.where.self", {V::V(m), V::V(c.grad(0)), V::V(zero)});
          Dims mask_dims;
          for (int d = 0; d < mask.Rank(); ++d) mask_dims.push_back(plan->mask_dim + d);
          if (!mask_dims.empty()) {
            picked = b.Op("aten.sum.dim_IntList", {V::V(picked), Argument::IntList(mask_dims)});
          }
          g = b.Reshape(picked, MaskValuesShape(self, mask, plan->mask_dim));
        } else {
          g = b.Op("aten.index.Tensor", {V::V(c.grad(0)), c.arg(1)});
        }
        grads.push_back({2, b.SumToShape(g, b.type(values).shape)});
        return grads;
      })
      .Decompose([](GraphBuilder& b, const ir::Node& node) -> std::vector<ValueId> {
        ValueId self_v = node.args[0].AsValue();
        ValueId values = node.args[2].AsValue();
        const bool accumulate = node.args[3].AsBool();
        const TensorType self = b.type(self_v);
        absl::StatusOr<IndexPlan> plan = PlanIndexList(b, "index_put", self, node.args[1]);
        if (!plan.ok()) return {GraphBuilder::kNoValue};
        if (plan->mask_item >= 0) {
          // A masked write: where() over self (or adding where() for an
          // accumulation).
          ValueId m = MaskOverSelf(b, self, *plan, node.args[1].AsList()[plan->mask_item].AsValue());
          ValueId v = MaskValuesOverSelf(
              b, self, b.type(node.args[1].AsList()[plan->mask_item].AsValue()), *plan, values);
          if (!accumulate) return {b.Op("aten.where.self", {V::V(m), V::V(v), V::V(self_v)})};
          ValueId zero = b.Op("aten.scalar_tensor.default", {Argument::Int(0)},
                              {{"dtype", Argument::DTypeArg(self.dtype)}});
          return {b.Add(self_v, b.Op("aten.where.self", {V::V(m), V::V(v), V::V(zero)}))};
        }
        ValueId linear = LinearIndex(b, self, *plan, node.args[1].AsList());
        Blocked blocked = BlockIndexedDims(b, self_v, self, *plan);
        ValueId slices = BlockValues(b, values, *plan, blocked);
        ValueId put = b.Op(accumulate ? "aten.index_add.default" : "aten.index_copy.default",
                           {V::V(blocked.value), Argument::Int(blocked.dim), V::V(linear),
                            V::V(slices)});
        if (blocked.perm.empty()) return {b.Reshape(put, self.shape)};
        // Back to self's dim order, contiguous.
        Dims permuted_shape;
        for (int64_t d : blocked.perm) permuted_shape.push_back(self.shape[d]);
        std::vector<int64_t> inverse(blocked.perm.size());
        for (size_t k = 0; k < blocked.perm.size(); ++k) inverse[blocked.perm[k]] = k;
        ValueId back = b.Op("aten.permute.default", {V::V(b.Reshape(put, permuted_shape)),
                                                     Argument::IntList(inverse)});
        return {b.Op("aten.clone.default", {V::V(back)},
                     {{"memory_format", Argument::MemoryFormat("contiguous_format")}})};
      });
}

// ---- Ops along one dim: cumsum, flip, topk ----

// Whether `a` comes before `b` in topk's order: larger first (smaller
// first unless `largest`), NaN counting as the largest value, ties by
// position.
bool TopkBefore(double a, int64_t ia, double b, int64_t ib, bool largest) {
  bool na = std::isnan(a), nb = std::isnan(b);
  if (na != nb) return largest ? na : nb;
  if (!na && a != b) return largest ? a > b : a < b;
  return ia < ib;
}

void DefineAlongDim(OpRegistry& r) {
  OpDefiner(r, "cumsum(Tensor self, int dim, *, ScalarType? dtype=None) -> Tensor",
            OpKind::kOther)
      .LowerToKernel("cumsum")
      .Infer([](const TypeCall& call) -> Types {
        const TensorType& self = call.tensor(0);
        RETURN_IF_ERROR(NormalizeDim(call.Int(1), self.Rank()).status());
        // Integers and bools sum in int64 unless a dtype is given.
        DType dtype = call.OptDType(2).value_or(
            ir::IsFloatingPoint(self.dtype) ? self.dtype : DType::kInt64);
        return One(dtype, self.shape);
      })
      .Kernel([](const KernelCall& call, const std::vector<TensorType>& types) -> Results {
        const HostTensor self = call.tensor(0).Cast(types[0].dtype);
        ASSIGN_OR_RETURN(int64_t dim, NormalizeDim(call.Int(1), self.Rank()));
        DimView v = ViewAlong(self.shape, dim);
        HostTensor out(types[0].dtype, types[0].shape);
        for (int64_t o = 0; o < v.outer; ++o) {
          for (int64_t i = 0; i < v.inner; ++i) {
            double acc = 0;
            for (int64_t j = 0; j < v.size; ++j) {
              int64_t at = (o * v.size + j) * v.inner + i;
              acc += self.data[at];
              out.data[at] = acc;
            }
          }
        }
        out.RoundToDType();
        return std::vector<HostTensor>{std::move(out)};
      })
      .Derivative([](DerivativeContext& c) -> Grads {
        // cumsum_backward: the gradient summed from the end, in self's dtype.
        GraphBuilder& b = c.b;
        TensorType self = b.type(c.input(0));
        ValueId g = c.grad(0);
        if (self.Rank() > 0) {
          Argument dims = Argument::IntList({c.arg(1).AsInt()});
          g = b.Op("aten.flip.default", {V::V(g), dims});
          g = b.Op("aten.cumsum.default", {V::V(g), c.arg(1)});
          g = b.Op("aten.flip.default", {V::V(g), dims});
        }
        return {{0, b.Cast(g, self.dtype)}};
      });

  OpDefiner(r, "flip(Tensor self, int[] dims) -> Tensor", OpKind::kOther)
      .LowerToKernel("flip")
      .Infer([](const TypeCall& call) -> Types {
        const TensorType& self = call.tensor(0);
        if (!call.Ints(1).empty()) RETURN_IF_ERROR(NormalizeDims(call.Ints(1), self.Rank()).status());
        return One(self.dtype, self.shape);
      })
      .Kernel([](const KernelCall& call, const std::vector<TensorType>& types) -> Results {
        const HostTensor& self = call.tensor(0);
        std::vector<int64_t> dims;
        if (!call.Ints(1).empty()) {
          ASSIGN_OR_RETURN(dims, NormalizeDims(call.Ints(1), self.Rank()));
        }
        HostTensor out(types[0].dtype, types[0].shape);
        Dims strides = self.Strides();
        for (int64_t i = 0; i < self.NumElements(); ++i) {
          Dims c = Unflatten(i, self.shape);
          for (int64_t d : dims) {
            if (d < self.Rank()) c[d] = self.shape[d] - 1 - c[d];
          }
          out.data[i] = self.data[Offset(c, strides)];
        }
        return std::vector<HostTensor>{std::move(out)};
      })
      .Derivative([](DerivativeContext& c) -> Grads {
        return {{0, c.b.Op("aten.flip.default", {V::V(c.grad(0)), c.arg(1)})}};
      });

  OpDefiner(r,
            "topk(Tensor self, int k, int dim=-1, bool largest=True, bool sorted=True) -> "
            "(Tensor values, Tensor indices)",
            OpKind::kOther)
      .LowerToKernel("topk")
      .Infer([](const TypeCall& call) -> Types {
        const TensorType& self = call.tensor(0);
        ASSIGN_OR_RETURN(int64_t dim, NormalizeDim(call.Int(2), self.Rank()));
        int64_t size = self.Rank() == 0 ? 1 : self.shape[dim];
        int64_t k = call.Int(1);
        if (k < 0 || k > size) {
          return Invalid("topk(): k ", k, " is out of range for dimension ", dim, " of size ", size);
        }
        Dims shape = self.shape;
        if (self.Rank() > 0) shape[dim] = k;
        return std::vector<TensorType>{TensorType::Contiguous(self.dtype, shape),
                                       TensorType::Contiguous(DType::kInt64, shape)};
      })
      .Kernel([](const KernelCall& call, const std::vector<TensorType>& types) -> Results {
        // Always sorted (sorted=False leaves the order to the implementation).
        const HostTensor& self = call.tensor(0);
        ASSIGN_OR_RETURN(int64_t dim, NormalizeDim(call.Int(2), self.Rank()));
        const int64_t k = call.Int(1);
        const bool largest = call.Bool(3);
        DimView v = ViewAlong(self.shape, dim);
        HostTensor values(types[0].dtype, types[0].shape), indices(DType::kInt64, types[1].shape);
        std::vector<int64_t> order(v.size);
        for (int64_t o = 0; o < v.outer; ++o) {
          for (int64_t i = 0; i < v.inner; ++i) {
            auto at = [&](int64_t j) { return self.data[(o * v.size + j) * v.inner + i]; };
            std::iota(order.begin(), order.end(), 0);
            std::sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
              return TopkBefore(at(a), a, at(b), b, largest);
            });
            for (int64_t j = 0; j < k; ++j) {
              values.data[(o * k + j) * v.inner + i] = at(order[j]);
              indices.data[(o * k + j) * v.inner + i] = static_cast<double>(order[j]);
            }
          }
        }
        return std::vector<HostTensor>{std::move(values), std::move(indices)};
      })
      .Derivative([](DerivativeContext& c) -> Grads {
        // value_selecting_reduction_backward: the gradient scattered into
        // zeros at the indices.
        GraphBuilder& b = c.b;
        TensorType self = b.type(c.input(0));
        ValueId zeros = b.Zeros(self.shape, b.type(c.grad(0)).dtype);
        return {{0, b.Op("aten.scatter.src",
                         {V::V(zeros), c.arg(2), V::V(c.output(1)), V::V(c.grad(0))})}};
      });
}

}  // namespace

absl::Status RegisterIndexingOps(OpRegistry& registry) {
  DefineGatherScatter(registry);
  DefineIndexAlongDim(registry);
  DefineAdvancedIndexing(registry);
  DefineAlongDim(registry);
  return absl::OkStatus();
}

}  // namespace aotd::ops::internal
