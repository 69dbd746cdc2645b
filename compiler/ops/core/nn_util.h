// Internal to compiler/ops: what the neural-network families (conv, pool,
// norm, loss, ...) share: argument checks, output masks, undefined results.
//
// Where ATen returns an undefined tensor (an output_mask entry that is
// false, the saved statistics of batch norm in eval mode), the result here
// is an empty 1-d tensor of shape [0], as PyTorch 1.13 reports batch norm's.
//
// The families' reference kernels compute in double and return tensors of
// the dtype they are given, rounded once. Their inputs were checked by the
// op's inference (shapes, ranks, dtypes); what inference cannot see (index
// values) is checked by the kernel and reported as INVALID_ARGUMENT.
#ifndef AOTD_COMPILER_OPS_CORE_NN_UTIL_H_
#define AOTD_COMPILER_OPS_CORE_NN_UTIL_H_

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

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "common/status_macros.h"
#include "compiler/ir/graph.h"
#include "compiler/ops/core/builder.h"
#include "compiler/ops/core/op_definer.h"
#include "compiler/ops/core/op_util.h"
#include "compiler/reference/host_tensor.h"

namespace aotd::ops::internal {

using ir::Argument;
using ir::TensorType;
using ir::ValueId;

using V = GraphBuilder;

using Types = absl::StatusOr<std::vector<TensorType>>;

using Results = absl::StatusOr<std::vector<HostTensor>>;

inline int64_t Product(Dims::const_iterator begin, Dims::const_iterator end) {
  int64_t n = 1;
  for (auto it = begin; it != end; ++it) n *= *it;
  return n;
}

inline absl::Status IndexError(int64_t index, int64_t size) {
  return absl::InvalidArgumentError(
      absl::StrCat("index ", index, " is out of bounds for size ", size));
}

inline absl::Status RequireFloating(absl::string_view what, DType dtype) {
  if (ir::IsFloatingPoint(dtype)) return absl::OkStatus();
  return Invalid(what, " must be floating point, got ", ir::DTypeName(dtype));
}

inline absl::Status RequireSameDType(absl::string_view a_name, DType a, absl::string_view b_name,
                                     DType b) {
  if (a == b) return absl::OkStatus();
  return Invalid("expected ", a_name, " and ", b_name, " to have the same dtype, but got ",
                 ir::DTypeName(a), " and ", ir::DTypeName(b));
}

// The result of an output_mask entry that is false: ATen's undefined tensor.
inline TensorType Undefined(DType dtype) { return TensorType::Contiguous(dtype, {0}); }

inline std::vector<bool> Mask(const Argument& mask) {
  std::vector<bool> out;
  for (const Argument& a : mask.AsList()) out.push_back(a.AsBool());
  return out;
}

inline Argument MaskArg(bool a, bool b, bool c) {
  return Argument::List({Argument::Bool(a), Argument::Bool(b), Argument::Bool(c)});
}

// The result types of a backward op with an output_mask: contiguous of
// `shapes[i]` where the mask asks for result i, else undefined.
inline std::vector<TensorType> MaskedTypes(const Argument& mask, DType dtype,
                                           const std::vector<Dims>& shapes) {
  std::vector<bool> want = Mask(mask);
  std::vector<TensorType> types;
  for (size_t i = 0; i < shapes.size(); ++i) {
    types.push_back(want[i] ? TensorType::Contiguous(dtype, shapes[i]) : Undefined(dtype));
  }
  return types;
}

// The kernel of a backward op with a three-entry output_mask: zeroed results
// of `types`, which `compute` fills through its pointers (null for those the
// mask does not ask for).
inline Results MaskedKernel(
    const Argument& mask, const std::vector<TensorType>& types,
    const std::function<void(HostTensor*, HostTensor*, HostTensor*)>& compute) {
  std::vector<bool> want = Mask(mask);
  std::vector<HostTensor> out;
  for (const TensorType& t : types) out.emplace_back(t.dtype, t.shape);
  compute(want[0] ? &out[0] : nullptr, want[1] ? &out[1] : nullptr, want[2] ? &out[2] : nullptr);
  return out;
}

// Argument i of a kernel call as a tensor, or null for None.
inline const HostTensor* Optional(const KernelCall& call, int i) {
  return call.IsNone(i) ? nullptr : &call.tensor(i);
}

// The derivative of a node whose backward op takes `args` then a
// three-entry output_mask: result i is the gradient of the node's argument
// `grad_args[i]`. As ATen does, only the gradients wanted are computed.
inline Grads MaskedBackward(DerivativeContext& c, absl::string_view backward_op,
                            std::vector<Argument> args, const int (&grad_args)[3]) {
  bool want[3];
  for (int i = 0; i < 3; ++i) want[i] = c.needs_grad(grad_args[i]);
  args.push_back(MaskArg(want[0], want[1], want[2]));
  std::vector<ValueId> g = c.b.MultiOp(backward_op, std::move(args));
  if (!c.b.ok()) return {};
  Grads grads;
  for (int i = 0; i < 3; ++i) {
    if (want[i]) grads.push_back({grad_args[i], g[i]});
  }
  return grads;
}

inline Argument DimArg(int64_t dim) { return Argument::IntList({dim}); }

// sum(v, dim, keepdim=True).
inline ValueId SumKeepDim(GraphBuilder& b, ValueId v, const Argument& dim) {
  return b.Op("aten.sum.dim_IntList", {V::V(v), dim, Argument::Bool(true)});
}

inline absl::Status CheckGradShape(const TensorType& grad, const Dims& expected) {
  if (grad.shape == expected) return absl::OkStatus();
  return Invalid("grad_output of size ", ShapeString(grad.shape), " does not match the size ",
                 ShapeString(expected), " the forward computes");
}

}  // namespace aotd::ops::internal

#endif  // AOTD_COMPILER_OPS_CORE_NN_UTIL_H_
