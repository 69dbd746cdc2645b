// Advanced indexing: index.Tensor and index_put, and their backward.
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

int64_t Numel(const Dims& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

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
          return Invalid(op, "(): the shape of the mask ", ShapeString(t->shape), " at index ", k,
                         " does not match the shape of the indexed tensor ", ShapeString(self.shape));
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
  ValueId linear = kNoValue, bad = kNoValue;
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
    linear = linear == kNoValue ? term : b.Add(linear, term);
    bad = bad == kNoValue ? out : b.Op("aten.logical_or.default", {V::V(bad), V::V(out)});
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

}  // namespace

void DefineAdvancedIndexing(OpRegistry& r) {
  OpDefiner(r, "index.Tensor(Tensor self, Tensor?[] indices) -> Tensor", OpKind::kOther)
      .Infer([](const TypeCall& call) -> Types {
        const TensorType& self = call.tensor(0);
        std::vector<TensorType> storage;
        ASSIGN_OR_RETURN(IndexPlan plan, PlanIndex("index", self, IndexTypes(call, 1, storage)));
        if (plan.mask_item >= 0) {
          return Invalid(
              "index(): indexing with a bool or uint8 mask gives a shape that depends "
              "on the mask's values, which compiled graphs do not support");
        }
        return One(self.dtype, plan.result);
      })
      .Kernel([](const KernelCall& call, const std::vector<TensorType>& types) -> Results {
        const HostTensor& self = call.tensor(0);
        std::vector<TensorType> storage;
        ASSIGN_OR_RETURN(IndexPlan plan,
                         PlanIndex("index", TensorType::Contiguous(self.dtype, self.shape),
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
        if (!plan.ok()) return {kNoValue};
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
        ASSIGN_OR_RETURN(IndexPlan plan,
                         PlanIndex("index_put", self, IndexTypes(call, 1, storage)));
        RETURN_IF_ERROR(RequireSameDType("index_put", self, values, "values"));
        Dims target = plan.result;
        if (plan.mask_item >= 0) {
          target = MaskValuesShape(self, *call.tensors(1)[plan.mask_item], plan.mask_dim);
        }
        absl::StatusOr<Dims> shape = BroadcastShapes(values.shape, target);
        if (!shape.ok() || *shape != target) {
          return Invalid("index_put(): values of shape ", ShapeString(values.shape),
                         " do not broadcast to the indexed shape ", ShapeString(plan.result),
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
          Dims vshape =
              MaskValuesShape(TensorType::Contiguous(out.dtype, out.shape),
                              TensorType::Contiguous(mask.dtype, mask.shape), plan.mask_dim);
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
          grads.push_back(
              {0, b.Op("aten.index_put.default",
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
        if (!plan.ok()) return {kNoValue};
        if (plan->mask_item >= 0) {
          // A masked write: where() over self (or adding where() for an
          // accumulation).
          ValueId m =
              MaskOverSelf(b, self, *plan, node.args[1].AsList()[plan->mask_item].AsValue());
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
        ValueId put =
            b.Op(accumulate ? "aten.index_add.default" : "aten.index_copy.default",
                 {V::V(blocked.value), Argument::Int(blocked.dim), V::V(linear), V::V(slices)});
        if (blocked.perm.empty()) return {b.Reshape(put, self.shape)};
        // Back to self's dim order, contiguous.
        Dims permuted_shape;
        for (int64_t d : blocked.perm) permuted_shape.push_back(self.shape[d]);
        std::vector<int64_t> inverse(blocked.perm.size());
        for (size_t k = 0; k < blocked.perm.size(); ++k) inverse[blocked.perm[k]] = k;
        ValueId back = b.Op("aten.permute.default",
                            {V::V(b.Reshape(put, permuted_shape)), Argument::IntList(inverse)});
        return {b.Op("aten.clone.default", {V::V(back)},
                     {{"memory_format", Argument::MemoryFormat("contiguous_format")}})};
      });
}

}  // namespace aotd::ops::internal
