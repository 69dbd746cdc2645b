// Tensor element types, named as torch.dtype names them.
#ifndef AOTD_COMPILER_IR_DTYPE_H_
#define AOTD_COMPILER_IR_DTYPE_H_

#include <cstdint>
#include <optional>
#include "absl/strings/string_view.h"

namespace aotd::ir {

enum class DType : uint8_t {
  kFloat32,
  kFloat64,
  kFloat16,
  kBFloat16,
  kInt64,
  kInt32,
  kInt16,
  kInt8,
  kUInt8,
  kBool,
};

inline constexpr DType kAllDTypes[] = {
    DType::kFloat32, DType::kFloat64, DType::kFloat16, DType::kBFloat16,
    DType::kInt64,   DType::kInt32,   DType::kInt16,   DType::kInt8,
    DType::kUInt8,   DType::kBool,
};

// "float32", "int64", ... (torch.dtype without the "torch.").
absl::string_view DTypeName(DType dtype);
// "f32", "i64", "b8" ...: the short form used by the text IR.
absl::string_view DTypeShortName(DType dtype);
// Accepts either form; nullopt for anything else.
std::optional<DType> ParseDType(absl::string_view name);

int64_t ItemSize(DType dtype);
bool IsFloatingPoint(DType dtype);
bool IsIntegral(DType dtype);  // Integer types, bool excluded.

}  // namespace aotd::ir

#endif  // AOTD_COMPILER_IR_DTYPE_H_
