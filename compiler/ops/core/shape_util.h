// Internal to compiler/ops: what the view and shape families share.
#ifndef AOTD_COMPILER_OPS_CORE_SHAPE_UTIL_H_
#define AOTD_COMPILER_OPS_CORE_SHAPE_UTIL_H_

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

namespace aotd::ops::internal {

using ir::Argument;

using V = GraphBuilder;

inline int64_t NumElements(const Dims& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

// Kernel of ops whose values are their input's in the same order
// (reshapes, aliases, copies): the input at the result's shape and dtype.
inline absl::StatusOr<std::vector<HostTensor>> SameValues(const KernelCall& call,
                                                          const std::vector<TensorType>& results) {
  HostTensor out = call.tensor(0).Cast(results[0].dtype);
  out.shape = results[0].shape;
  return std::vector<HostTensor>{std::move(out)};
}

}  // namespace aotd::ops::internal

#endif  // AOTD_COMPILER_OPS_CORE_SHAPE_UTIL_H_
