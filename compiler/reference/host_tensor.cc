#include "compiler/reference/host_tensor.h"

#include <cmath>
#include <cstring>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace aotd::reference {
namespace {

int64_t ElementCount(const Dims& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

double RoundBFloat16(double v) {
  float f = static_cast<float>(v);
  if (std::isnan(f)) return v;
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  bits += 0x7fff + ((bits >> 16) & 1);  // Round to nearest even.
  bits &= 0xffff0000u;
  std::memcpy(&f, &bits, 4);
  return f;
}

template <typename T>
double WrapInteger(double v) {
  if (std::isnan(v) || std::isinf(v)) return 0;
  // Truncate toward zero, then wrap like a two's-complement cast.
  double t = std::trunc(v);
  if (t >= -9.2e18 && t <= 9.2e18) return static_cast<double>(static_cast<T>(static_cast<int64_t>(t)));
  return static_cast<double>(static_cast<T>(static_cast<uint64_t>(std::fmod(t, 18446744073709551616.0))));
}

}  // namespace

HostTensor::HostTensor(DType dtype, Dims shape)
    : dtype(dtype), shape(std::move(shape)), data(ElementCount(this->shape), 0.0) {}

HostTensor HostTensor::Full(DType dtype, Dims shape, double value) {
  HostTensor t(dtype, std::move(shape));
  for (double& v : t.data) v = RoundTo(dtype, value);
  return t;
}

double RoundTo(DType dtype, double v) {
  switch (dtype) {
    case DType::kFloat64:
      return v;
    case DType::kFloat32:
      return static_cast<float>(v);
    case DType::kFloat16:
      return static_cast<double>(static_cast<_Float16>(v));
    case DType::kBFloat16:
      return RoundBFloat16(v);
    case DType::kInt64:
      return WrapInteger<int64_t>(v);
    case DType::kInt32:
      return WrapInteger<int32_t>(v);
    case DType::kInt16:
      return WrapInteger<int16_t>(v);
    case DType::kInt8:
      return WrapInteger<int8_t>(v);
    case DType::kUInt8:
      return WrapInteger<uint8_t>(v);
    case DType::kBool:
      return v != 0 ? 1.0 : 0.0;
  }
  return v;
}

void HostTensor::RoundToDType() {
  if (dtype == DType::kFloat64) return;
  for (double& v : data) v = RoundTo(dtype, v);
}

HostTensor HostTensor::Cast(DType to) const {
  HostTensor out = *this;
  out.dtype = to;
  out.RoundToDType();
  return out;
}

bool BroadcastShapes(const Dims& a, const Dims& b, Dims* out) {
  size_t rank = std::max(a.size(), b.size());
  Dims result(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da != db && da != 1 && db != 1) return false;
    result[i] = da == 1 ? db : da;
  }
  *out = std::move(result);
  return true;
}

int64_t Offset(const Dims& index, const Dims& strides) {
  int64_t offset = 0;
  for (size_t i = 0; i < index.size(); ++i) offset += index[i] * strides[i];
  return offset;
}

bool NextIndex(Dims& index, const Dims& shape) {
  for (int i = static_cast<int>(shape.size()) - 1; i >= 0; --i) {
    if (++index[i] < shape[i]) return true;
    index[i] = 0;
  }
  return false;
}

HostTensor BroadcastTo(const HostTensor& t, const Dims& shape) {
  if (t.shape == shape) return t;
  HostTensor out(t.dtype, shape);
  if (out.data.empty()) return out;
  // Strides of t seen at `shape`: 0 on broadcast dimensions.
  Dims src_strides(shape.size(), 0);
  Dims t_strides = t.Strides();
  size_t lead = shape.size() - t.shape.size();
  for (size_t i = 0; i < t.shape.size(); ++i) {
    src_strides[lead + i] = t.shape[i] == 1 ? 0 : t_strides[i];
  }
  Dims index(shape.size(), 0);
  int64_t flat = 0;
  do {
    out.data[flat++] = t.data[Offset(index, src_strides)];
  } while (NextIndex(index, shape));
  return out;
}

Closeness CompareClose(const HostTensor& actual, const HostTensor& expected, double rtol,
                       double atol) {
  Closeness c;
  if (actual.shape != expected.shape) {
    c.close = false;
    c.max_abs_error = c.max_rel_error = std::numeric_limits<double>::infinity();
    return c;
  }
  for (int64_t i = 0; i < actual.NumElements(); ++i) {
    double a = actual.data[i], e = expected.data[i];
    if (std::isnan(a) || std::isnan(e)) {
      if (std::isnan(a) != std::isnan(e)) {
        c.close = false;
        c.max_abs_error = std::numeric_limits<double>::infinity();
      }
      continue;
    }
    if (std::isinf(a) || std::isinf(e)) {
      if (a != e) {
        c.close = false;
        c.max_abs_error = std::numeric_limits<double>::infinity();
      }
      continue;
    }
    double err = std::fabs(a - e);
    c.max_abs_error = std::max(c.max_abs_error, err);
    if (e != 0) c.max_rel_error = std::max(c.max_rel_error, err / std::fabs(e));
    if (err > atol + rtol * std::fabs(e)) c.close = false;
  }
  return c;
}

std::string DescribeTensor(const HostTensor& t) {
  return absl::StrCat(ir::DTypeShortName(t.dtype), "[", absl::StrJoin(t.shape, ","), "]");
}

}  // namespace aotd::reference
