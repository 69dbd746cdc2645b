// The view family: views (view, reshape, expand, squeeze, permute, select,
// slice, split, unbind, as_strided, alias).
#ifndef AOTD_COMPILER_OPS_VIEW_VIEW_H_
#define AOTD_COMPILER_OPS_VIEW_VIEW_H_

#include "absl/status/status.h"
#include "compiler/ops/core/registry.h"

namespace aotd::ops::internal {

// Adds the family's ops to `registry`; errors name the signature at fault.
absl::Status RegisterViewOps(OpRegistry& registry);

// Parts of the family in files of their own, which RegisterViewOps calls.
void DefineSlicing(OpRegistry& r);               // slice.cc
void DefineUnbindAndUnsafeSplit(OpRegistry& r);  // slice.cc

}  // namespace aotd::ops::internal

#endif  // AOTD_COMPILER_OPS_VIEW_VIEW_H_
