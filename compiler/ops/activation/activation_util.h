// Internal to compiler/ops/activation: helpers its files share.
#ifndef AOTD_COMPILER_OPS_ACTIVATION_ACTIVATION_UTIL_H_
#define AOTD_COMPILER_OPS_ACTIVATION_ACTIVATION_UTIL_H_

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "common/status_macros.h"
#include "compiler/ops/core/builder.h"
#include "compiler/ops/core/elementwise.h"
#include "compiler/ops/core/op_definer.h"
#include "compiler/ops/core/op_util.h"

namespace aotd::ops::internal {

using ir::Argument;
using ir::Dims;
using ir::DType;
using ir::TensorType;
using ir::ValueId;
using reference::HostTensor;
using reference::RoundTo;

constexpr double kSqrt2OverPi = 0.79788456080286535588;

constexpr double kGeluKappa = 0.044715;

// gelu's approximate argument.
inline absl::Status CheckApproximate(const std::string& approximate) {
  if (approximate != "none" && approximate != "tanh") {
    return absl::InvalidArgumentError(
        absl::StrCat("gelu: approximate must be 'none' or 'tanh', got '", approximate, "'"));
  }
  return absl::OkStatus();
}

// 1 - v.
inline ValueId OneMinus(B& b, ValueId v) {
  return b.Op("aten.rsub.Scalar", {Val(v), Argument::Int(1)});
}

}  // namespace aotd::ops::internal

#endif  // AOTD_COMPILER_OPS_ACTIVATION_ACTIVATION_UTIL_H_
