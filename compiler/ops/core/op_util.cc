#include "compiler/ops/core/op_util.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace aotd::ops::internal {
namespace {

bool IsUnsigned(DType d) { return d == DType::kUInt8; }

// c10's combine_categories: a higher-priority result wins unless a
// lower-priority one is of a higher category (float over int over bool).
DType Combine(std::optional<DType> higher, std::optional<DType> lower, bool* defined) {
  *defined = true;
  if (!higher && !lower) {
    *defined = false;
    return DType::kFloat32;
  }
  if (!higher) return *lower;
  if (!lower) return *higher;
  if (ir::IsFloatingPoint(*higher)) return *higher;
  if (*higher == DType::kBool || ir::IsFloatingPoint(*lower)) return PromoteTypes(*higher, *lower);
  return *higher;
}

}  // namespace

std::string ShapeString(const Dims& shape) {
  return absl::StrCat("[", absl::StrJoin(shape, ","), "]");
}

DType PromoteTypes(DType a, DType b) {
  if (a == b) return a;
  if (a == DType::kBool) return b;
  if (b == DType::kBool) return a;
  bool fa = ir::IsFloatingPoint(a), fb = ir::IsFloatingPoint(b);
  if (fa && fb) {
    if ((a == DType::kFloat16 && b == DType::kBFloat16) ||
        (a == DType::kBFloat16 && b == DType::kFloat16)) {
      return DType::kFloat32;
    }
    return ir::ItemSize(a) >= ir::ItemSize(b) ? a : b;
  }
  if (fa) return a;
  if (fb) return b;
  if (IsUnsigned(a) || IsUnsigned(b)) {
    DType other = IsUnsigned(a) ? b : a;
    return other == DType::kInt8 ? DType::kInt16 : other;
  }
  return ir::ItemSize(a) >= ir::ItemSize(b) ? a : b;
}

DType ResultType(const std::vector<Operand>& operands) {
  std::optional<DType> dim, zero, wrapped;
  auto update = [](std::optional<DType>& slot, DType d) {
    slot = slot ? PromoteTypes(*slot, d) : d;
  };
  for (const Operand& op : operands) {
    if (op.is_number) {
      update(wrapped, ir::IsFloatingPoint(op.dtype) ? DType::kFloat32 : op.dtype);
    } else if (op.rank == 0) {
      update(zero, op.dtype);
    } else {
      update(dim, op.dtype);
    }
  }
  bool defined;
  DType low = Combine(zero, wrapped, &defined);
  return Combine(dim, defined ? std::optional<DType>(low) : std::nullopt, &defined);
}

template <typename T>
std::vector<Operand> OperandsOf(const Call<T>& call, std::initializer_list<int> args) {
  std::vector<Operand> out;
  for (int i : args) {
    const ir::Argument& a = call.arg(i);
    if (a.is_value()) {
      const T& t = call.tensor(i);
      out.push_back({t.dtype, static_cast<int>(t.shape.size()), false});
    } else if (a.kind() == ir::Argument::Kind::kInt) {
      out.push_back({DType::kInt64, 0, true});
    } else if (a.kind() == ir::Argument::Kind::kFloat) {
      out.push_back({DType::kFloat64, 0, true});
    } else if (a.kind() == ir::Argument::Kind::kBool) {
      out.push_back({DType::kBool, 0, true});
    }
  }
  return out;
}

template std::vector<Operand> OperandsOf(const TypeCall&, std::initializer_list<int>);
template std::vector<Operand> OperandsOf(const KernelCall&, std::initializer_list<int>);

absl::StatusOr<Dims> BroadcastShapes(const Dims& a, const Dims& b) {
  Dims out;
  if (!reference::BroadcastShapes(a, b, &out)) {
    return absl::InvalidArgumentError(absl::StrCat("shapes [", absl::StrJoin(a, ","), "] and [",
                                                   absl::StrJoin(b, ","), "] do not broadcast"));
  }
  return out;
}

absl::StatusOr<int64_t> NormalizeDim(int64_t dim, int64_t rank) {
  int64_t wrap = std::max<int64_t>(rank, 1);
  if (dim < -wrap || dim >= wrap) {
    return absl::InvalidArgumentError(
        absl::StrCat("dim ", dim, " out of range for a tensor of rank ", rank));
  }
  return dim < 0 ? dim + wrap : dim;
}

absl::StatusOr<std::vector<int64_t>> NormalizeDims(const Dims& dims, int64_t rank) {
  std::vector<int64_t> out;
  if (dims.empty()) {
    for (int64_t d = 0; d < rank; ++d) out.push_back(d);
    return out;
  }
  for (int64_t d : dims) {
    absl::StatusOr<int64_t> n = NormalizeDim(d, rank);
    if (!n.ok()) return n.status();
    if (std::find(out.begin(), out.end(), *n) != out.end()) {
      return absl::InvalidArgumentError(absl::StrCat("dim ", d, " appears twice"));
    }
    out.push_back(*n);
  }
  return out;
}

Dims ReducedShape(const Dims& shape, const std::vector<int64_t>& dims, bool keepdim) {
  Dims out;
  for (int64_t i = 0; i < static_cast<int64_t>(shape.size()); ++i) {
    bool reduced = dims.empty() || std::find(dims.begin(), dims.end(), i) != dims.end();
    if (!reduced) out.push_back(shape[i]);
    else if (keepdim) out.push_back(1);
  }
  return out;
}

HostTensor TensorArg(const KernelCall& call, int i) {
  const ir::Argument& a = call.arg(i);
  if (a.is_value()) return call.tensor(i);
  DType d = a.kind() == ir::Argument::Kind::kFloat ? DType::kFloat64
            : a.kind() == ir::Argument::Kind::kBool ? DType::kBool
                                                     : DType::kInt64;
  return HostTensor::Full(d, {}, a.AsFloat());
}

TensorType TypeArg(const TypeCall& call, int i) {
  const ir::Argument& a = call.arg(i);
  if (a.is_value()) return call.tensor(i);
  DType d = a.kind() == ir::Argument::Kind::kFloat ? DType::kFloat64
            : a.kind() == ir::Argument::Kind::kBool ? DType::kBool
                                                     : DType::kInt64;
  return TensorType::Contiguous(d, {});
}

HostTensor MapUnary(const HostTensor& x, DType out, const std::function<double(double)>& f) {
  HostTensor r(out, x.shape);
  for (int64_t i = 0; i < x.NumElements(); ++i) r.data[i] = f(x.data[i]);
  r.RoundToDType();
  return r;
}

HostTensor MapBinary(const HostTensor& a, const HostTensor& b, const Dims& shape, DType out,
                     const std::function<double(double, double)>& f) {
  HostTensor x = reference::BroadcastTo(a, shape), y = reference::BroadcastTo(b, shape);
  HostTensor r(out, shape);
  for (int64_t i = 0; i < r.NumElements(); ++i) r.data[i] = f(x.data[i], y.data[i]);
  r.RoundToDType();
  return r;
}

HostTensor MapTernary(const HostTensor& a, const HostTensor& b, const HostTensor& c,
                      const Dims& shape, DType out,
                      const std::function<double(double, double, double)>& f) {
  HostTensor x = reference::BroadcastTo(a, shape), y = reference::BroadcastTo(b, shape),
             z = reference::BroadcastTo(c, shape);
  HostTensor r(out, shape);
  for (int64_t i = 0; i < r.NumElements(); ++i) r.data[i] = f(x.data[i], y.data[i], z.data[i]);
  r.RoundToDType();
  return r;
}

}  // namespace aotd::ops::internal
