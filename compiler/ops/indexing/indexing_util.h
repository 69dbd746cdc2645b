// Internal to compiler/ops/indexing: helpers its files share.
#ifndef AOTD_COMPILER_OPS_INDEXING_INDEXING_UTIL_H_
#define AOTD_COMPILER_OPS_INDEXING_INDEXING_UTIL_H_

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
#include "compiler/ops/core/op_util.h"

namespace aotd::ops::internal {

using ir::Argument;
using ir::ValueId;
using reference::Offset;

using V = GraphBuilder;

using Types = absl::StatusOr<std::vector<TensorType>>;

using Results = absl::StatusOr<std::vector<HostTensor>>;

inline absl::Status IndexOutOfRange(absl::string_view op, int64_t index, int64_t size) {
  return Invalid(op, "(): index ", index, " is out of bounds for dimension of size ", size);
}

// The int64 at element i of an index tensor.
inline int64_t IndexAt(const HostTensor& index, int64_t i) {
  return static_cast<int64_t>(index.data[i]);
}

// Multi-index of flat element `i` of `shape`.
inline Dims Unflatten(int64_t i, const Dims& shape) {
  Dims c(shape.size());
  for (int d = static_cast<int>(shape.size()) - 1; d >= 0; --d) {
    c[d] = i % shape[d];
    i /= shape[d];
  }
  return c;
}

inline absl::Status RequireSameDType(absl::string_view op, const TensorType& self,
                                     const TensorType& other, absl::string_view other_name) {
  if (self.dtype == other.dtype) return absl::OkStatus();
  return Invalid(op, "(): expected self and ", other_name, " to have the same dtype, got ",
                 ir::DTypeName(self.dtype), " and ", ir::DTypeName(other.dtype));
}

// The gradient of a scatter's src: the output gradient gathered at the
// index, zero-padded to src's shape where src is larger than the index.
// Zeros shaped like input 0 in the gradient's dtype, with `op` putting the
// gradient back into them: `op`(zeros, args...) where each arg is a
// call argument index (>= 0) or kGrad0.
constexpr int kGrad0 = -1;

inline Grads GradIntoZeros(DerivativeContext& c, const char* op, std::vector<int> args,
                           std::vector<Argument> trailing = {}) {
  GraphBuilder& b = c.b;
  ValueId zeros = b.Zeros(b.type(c.input(0)).shape, b.type(c.grad(0)).dtype);
  std::vector<Argument> call = {V::V(zeros)};
  for (int a : args) call.push_back(a == kGrad0 ? V::V(c.grad(0)) : c.arg(a));
  for (Argument& a : trailing) call.push_back(std::move(a));
  return {{0, b.Op(op, std::move(call))}};
}

}  // namespace aotd::ops::internal

#endif  // AOTD_COMPILER_OPS_INDEXING_INDEXING_UTIL_H_
