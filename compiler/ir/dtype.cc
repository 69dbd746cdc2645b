#include "compiler/ir/dtype.h"

namespace aotd::ir {
namespace {

struct DTypeInfo {
  DType dtype;
  absl::string_view name;
  absl::string_view short_name;
  int64_t item_size;
};

constexpr DTypeInfo kInfo[] = {
    {DType::kFloat32, "float32", "f32", 4}, {DType::kFloat64, "float64", "f64", 8},
    {DType::kFloat16, "float16", "f16", 2}, {DType::kBFloat16, "bfloat16", "bf16", 2},
    {DType::kInt64, "int64", "i64", 8},     {DType::kInt32, "int32", "i32", 4},
    {DType::kInt16, "int16", "i16", 2},     {DType::kInt8, "int8", "i8", 1},
    {DType::kUInt8, "uint8", "u8", 1},      {DType::kBool, "bool", "b8", 1},
};

const DTypeInfo& Info(DType dtype) { return kInfo[static_cast<int>(dtype)]; }

}  // namespace

absl::string_view DTypeName(DType dtype) { return Info(dtype).name; }
absl::string_view DTypeShortName(DType dtype) { return Info(dtype).short_name; }
int64_t ItemSize(DType dtype) { return Info(dtype).item_size; }

std::optional<DType> ParseDType(absl::string_view name) {
  for (const DTypeInfo& info : kInfo) {
    if (name == info.name || name == info.short_name) return info.dtype;
  }
  return std::nullopt;
}

bool IsFloatingPoint(DType dtype) {
  return dtype == DType::kFloat32 || dtype == DType::kFloat64 ||
         dtype == DType::kFloat16 || dtype == DType::kBFloat16;
}

bool IsIntegral(DType dtype) {
  return !IsFloatingPoint(dtype) && dtype != DType::kBool;
}

}  // namespace aotd::ir
