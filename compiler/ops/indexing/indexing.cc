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

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "common/status_macros.h"
#include "compiler/ops/core/builder.h"
#include "compiler/ops/core/op_definer.h"
#include "compiler/ops/core/op_util.h"
#include "compiler/ops/indexing/indexing.h"
#include "compiler/ops/indexing/indexing_util.h"

namespace aotd::ops::internal {
namespace {

using ir::Argument;
using ir::ValueId;
using reference::Offset;

// The shape ATen's dim-wise ops see: a 0-d tensor as [1].
Dims AtLeast1d(const Dims& shape) { return shape.empty() ? Dims{1} : shape; }

absl::Status CheckIndexDType(absl::string_view op, const TensorType& index, bool allow_int32) {
  if (index.dtype == DType::kInt64 || (allow_int32 && index.dtype == DType::kInt32)) {
    return absl::OkStatus();
  }
  return Invalid(op, "(): expected index of dtype int64", allow_int32 ? " or int32" : "",
                 ", got ", ir::DTypeName(index.dtype));
}

// gather's and the scatters' shape rules (ATen's gather_shape_check and
// scatter_shape_check): index has self's rank; index.size(d) <=
// self.size(d) for d != dim, and <= src.size(d) for every d.
absl::Status CheckScatterShapes(absl::string_view op, const TensorType& self, int64_t dim,
                                const TensorType& index, const TensorType* src) {
  Dims s = AtLeast1d(self.shape), i = AtLeast1d(index.shape);
  if (index.NumElements() == 0) return absl::OkStatus();
  if (s.size() != i.size()) {
    return Invalid(op, "(): index ", ShapeString(index.shape), " must have as many dims as self ",
                   ShapeString(self.shape));
  }
  for (size_t d = 0; d < s.size(); ++d) {
    if (static_cast<int64_t>(d) != dim && i[d] > s[d]) {
      return Invalid(op, "(): index ", ShapeString(index.shape), " is larger than self ",
                     ShapeString(self.shape), " apart from dimension ", dim);
    }
  }
  if (src != nullptr) {
    Dims c = AtLeast1d(src->shape);
    if (c.size() != i.size()) {
      return Invalid(op, "(): index ", ShapeString(index.shape), " must have as many dims as src ",
                     ShapeString(src->shape));
    }
    for (size_t d = 0; d < c.size(); ++d) {
      if (i[d] > c[d]) {
        return Invalid(op, "(): index ", ShapeString(index.shape), " is larger than src ", ShapeString(src->shape));
      }
    }
  }
  return absl::OkStatus();
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

// The checks of an index along one dim: int64 or int32, at most 1-d.
absl::Status CheckDimIndex(absl::string_view op, const TensorType& index) {
  RETURN_IF_ERROR(CheckIndexDType(op, index, true));
  if (index.Rank() > 1) {
    return Invalid(op, "(): index must be at most 1-d, got index of size ", ShapeString(index.shape));
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
    return Invalid(op, "(): source ", ShapeString(source.shape), " must match self ", ShapeString(self.shape),
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
