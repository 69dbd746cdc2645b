#include "client/tensor.h"

#include <cstring>
#include <new>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace aotd::client {
namespace {

constexpr int64_t kMaxElements = int64_t{1} << 48;
constexpr std::align_val_t kAlignment{64};
// DLPack >= 0.8's kDLBool; the 0.6 header does not name it.
constexpr uint8_t kDLBoolCode = 6;

std::optional<DLDataType> ToDLDataType(proto::DType dtype) {
  auto make = [](uint8_t code, uint8_t bits) {
    DLDataType type;
    type.code = code;
    type.bits = bits;
    type.lanes = 1;
    return type;
  };
  switch (dtype) {
    case proto::FLOAT32: return make(kDLFloat, 32);
    case proto::FLOAT64: return make(kDLFloat, 64);
    case proto::FLOAT16: return make(kDLFloat, 16);
    case proto::BFLOAT16: return make(kDLBfloat, 16);
    case proto::INT64: return make(kDLInt, 64);
    case proto::INT32: return make(kDLInt, 32);
    case proto::INT16: return make(kDLInt, 16);
    case proto::INT8: return make(kDLInt, 8);
    case proto::UINT8: return make(kDLUInt, 8);
    case proto::BOOL: return make(kDLBoolCode, 8);
    default: return std::nullopt;
  }
}

std::optional<proto::DType> FromDLDataType(DLDataType type) {
  if (type.lanes != 1) return std::nullopt;
  for (proto::DType dtype :
       {proto::FLOAT32, proto::FLOAT64, proto::FLOAT16, proto::BFLOAT16,
        proto::INT64, proto::INT32, proto::INT16, proto::INT8, proto::UINT8,
        proto::BOOL}) {
    DLDataType candidate = *ToDLDataType(dtype);
    if (candidate.code == type.code && candidate.bits == type.bits) {
      return dtype;
    }
  }
  return std::nullopt;
}

// Offset in elements of the last element, or -1 for a tensor without
// elements. Assumes ValidateLayout passed.
int64_t LastElementOffset(const std::vector<int64_t>& shape,
                          const std::vector<int64_t>& strides) {
  int64_t offset = 0;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 0) return -1;
    offset += (shape[d] - 1) * strides[d];
  }
  return offset;
}

// Copies `count` items of kSize bytes between strided rows.
template <int kSize>
void CopyRow(const char* source, int64_t source_stride, char* destination,
             int64_t destination_stride, int64_t count) {
  for (int64_t i = 0; i < count; ++i) {
    std::memcpy(destination + i * destination_stride * kSize,
                source + i * source_stride * kSize, kSize);
  }
}

void CopyStridedRow(const char* source, int64_t source_stride,
                    char* destination, int64_t destination_stride,
                    int64_t count, int64_t item_size) {
  if (source_stride == 1 && destination_stride == 1) {
    std::memcpy(destination, source, static_cast<size_t>(count * item_size));
    return;
  }
  switch (item_size) {
    case 1: return CopyRow<1>(source, source_stride, destination, destination_stride, count);
    case 2: return CopyRow<2>(source, source_stride, destination, destination_stride, count);
    case 4: return CopyRow<4>(source, source_stride, destination, destination_stride, count);
    case 8: return CopyRow<8>(source, source_stride, destination, destination_stride, count);
    default:
      for (int64_t i = 0; i < count; ++i) {
        std::memcpy(destination + i * destination_stride * item_size,
                    source + i * source_stride * item_size,
                    static_cast<size_t>(item_size));
      }
  }
}

}  // namespace

absl::string_view DTypeName(proto::DType dtype) {
  switch (dtype) {
    case proto::FLOAT32: return "float32";
    case proto::FLOAT64: return "float64";
    case proto::FLOAT16: return "float16";
    case proto::BFLOAT16: return "bfloat16";
    case proto::INT64: return "int64";
    case proto::INT32: return "int32";
    case proto::INT16: return "int16";
    case proto::INT8: return "int8";
    case proto::UINT8: return "uint8";
    case proto::BOOL: return "bool";
    default: return "invalid";
  }
}

int64_t ItemSize(proto::DType dtype) {
  switch (dtype) {
    case proto::FLOAT64:
    case proto::INT64:
      return 8;
    case proto::FLOAT32:
    case proto::INT32:
      return 4;
    case proto::FLOAT16:
    case proto::BFLOAT16:
    case proto::INT16:
      return 2;
    case proto::INT8:
    case proto::UINT8:
    case proto::BOOL:
      return 1;
    default:
      return 0;
  }
}

std::vector<int64_t> ContiguousStrides(const std::vector<int64_t>& shape) {
  std::vector<int64_t> strides(shape.size());
  int64_t stride = 1;
  for (size_t d = shape.size(); d-- > 0;) {
    strides[d] = stride;
    stride *= shape[d] > 1 ? shape[d] : 1;
  }
  return strides;
}

std::string DescribeLayout(proto::DType dtype, const std::vector<int64_t>& shape,
                           const std::vector<int64_t>& strides) {
  return absl::StrCat(DTypeName(dtype), "[", absl::StrJoin(shape, ", "),
                      "] strides [", absl::StrJoin(strides, ", "), "]");
}

bool SameLayout(const std::vector<int64_t>& shape,
                const std::vector<int64_t>& strides_a,
                const std::vector<int64_t>& strides_b) {
  if (strides_a.size() != shape.size() || strides_b.size() != shape.size()) {
    return false;
  }
  for (int64_t size : shape) {
    if (size == 0) return true;
  }
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] > 1 && strides_a[d] != strides_b[d]) return false;
  }
  return true;
}

Tensor::Tensor(proto::DType dtype, std::vector<int64_t> shape,
               std::vector<int64_t> strides, void* data,
               std::shared_ptr<void> owner)
    : dtype_(dtype),
      shape_(std::move(shape)),
      strides_(std::move(strides)),
      data_(data),
      owner_(std::move(owner)) {}

absl::Status Tensor::ValidateLayout(proto::DType dtype,
                                    const std::vector<int64_t>& shape,
                                    const std::vector<int64_t>& strides) {
  if (ItemSize(dtype) == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("unsupported dtype ", static_cast<int>(dtype)));
  }
  if (strides.size() != shape.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat(shape.size(), " dimensions but ", strides.size(),
                     " strides"));
  }
  int64_t elements = 1;
  int64_t extent = 1;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] < 0 || strides[d] < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "negative size or stride in dimension ", d, " of ",
          client::DescribeLayout(dtype, shape, strides)));
    }
    if (shape[d] > kMaxElements || strides[d] > kMaxElements) {
      return absl::InvalidArgumentError(absl::StrCat(
          "size or stride beyond 2^48 in dimension ", d, " of ",
          client::DescribeLayout(dtype, shape, strides)));
    }
  }
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 0) return absl::OkStatus();
  }
  for (size_t d = 0; d < shape.size(); ++d) {
    // Both factors are at most 2^48 and each product is checked against
    // 2^48 before the next, so nothing overflows int64.
    elements *= shape[d];
    extent += (shape[d] - 1) * strides[d];
    if (elements > kMaxElements || extent > kMaxElements) {
      return absl::InvalidArgumentError(absl::StrCat(
          "more than 2^48 elements or storage extent: ",
          client::DescribeLayout(dtype, shape, strides)));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<Tensor> Tensor::Allocate(proto::DType dtype,
                                        std::vector<int64_t> shape,
                                        std::vector<int64_t> strides) {
  absl::Status valid = ValidateLayout(dtype, shape, strides);
  if (!valid.ok()) return valid;
  const int64_t last = LastElementOffset(shape, strides);
  const size_t bytes = static_cast<size_t>((last + 1) * ItemSize(dtype));
  // Never ask for zero bytes, so that every owned tensor has a unique,
  // non-null address.
  void* data = ::operator new(bytes > 0 ? bytes : 1, kAlignment, std::nothrow);
  if (data == nullptr) {
    return absl::ResourceExhaustedError(
        absl::StrCat("cannot allocate ", bytes, " bytes for ",
                     client::DescribeLayout(dtype, shape, strides)));
  }
  std::shared_ptr<void> owner(
      data, [](void* p) { ::operator delete(p, kAlignment); });
  return Tensor(dtype, std::move(shape), std::move(strides), data,
                std::move(owner));
}

absl::StatusOr<Tensor> Tensor::AllocateContiguous(proto::DType dtype,
                                                  std::vector<int64_t> shape) {
  std::vector<int64_t> strides = ContiguousStrides(shape);
  return Allocate(dtype, std::move(shape), std::move(strides));
}

absl::StatusOr<Tensor> Tensor::Borrow(proto::DType dtype,
                                      std::vector<int64_t> shape,
                                      std::vector<int64_t> strides,
                                      void* data) {
  absl::Status valid = ValidateLayout(dtype, shape, strides);
  if (!valid.ok()) return valid;
  if (data == nullptr && LastElementOffset(shape, strides) >= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("null data for ",
                     client::DescribeLayout(dtype, shape, strides)));
  }
  return Tensor(dtype, std::move(shape), std::move(strides), data, nullptr);
}

absl::StatusOr<Tensor> Tensor::FromDLPack(DLManagedTensor* managed) {
  if (managed == nullptr) {
    return absl::InvalidArgumentError("null DLManagedTensor");
  }
  const DLTensor& dl = managed->dl_tensor;
  if (dl.device.device_type != kDLCPU) {
    return absl::InvalidArgumentError(absl::StrCat(
        "DLPack tensor is on device type ", dl.device.device_type,
        "; only CPU tensors (kDLCPU) are supported"));
  }
  std::optional<proto::DType> dtype = FromDLDataType(dl.dtype);
  if (!dtype.has_value()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "DLPack dtype code ", dl.dtype.code, " bits ", dl.dtype.bits,
        " lanes ", dl.dtype.lanes, " has no aotd dtype"));
  }
  if (dl.ndim < 0 || (dl.ndim > 0 && dl.shape == nullptr)) {
    return absl::InvalidArgumentError("DLPack tensor without a valid shape");
  }
  std::vector<int64_t> shape(dl.shape, dl.shape + dl.ndim);
  std::vector<int64_t> strides = dl.strides == nullptr
                                     ? ContiguousStrides(shape)
                                     : std::vector<int64_t>(
                                           dl.strides, dl.strides + dl.ndim);
  absl::Status valid = ValidateLayout(*dtype, shape, strides);
  if (!valid.ok()) return valid;
  char* data = static_cast<char*>(dl.data);
  if (data == nullptr && LastElementOffset(shape, strides) >= 0) {
    return absl::InvalidArgumentError("DLPack tensor with elements but no data");
  }
  if (data != nullptr) data += dl.byte_offset;
  std::shared_ptr<void> owner(managed, [](void* p) {
    auto* tensor = static_cast<DLManagedTensor*>(p);
    if (tensor->deleter != nullptr) tensor->deleter(tensor);
  });
  return Tensor(*dtype, std::move(shape), std::move(strides), data,
                std::move(owner));
}

namespace {

// What an exported DLManagedTensor points into; freed by its deleter.
struct DLPackExport {
  DLManagedTensor managed;
  std::vector<int64_t> shape;
  std::vector<int64_t> strides;
  std::shared_ptr<void> owner;
};

void DeleteDLPackExport(DLManagedTensor* self) {
  delete static_cast<DLPackExport*>(self->manager_ctx);
}

}  // namespace

DLManagedTensor* Tensor::ToDLPack() const {
  auto* exported = new DLPackExport;
  exported->shape = shape_;
  exported->strides = strides_;
  exported->owner = owner_;
  DLTensor& dl = exported->managed.dl_tensor;
  dl.data = data_;
  dl.device.device_type = kDLCPU;
  dl.device.device_id = 0;
  dl.ndim = static_cast<int>(shape_.size());
  dl.dtype = ToDLDataType(dtype_).value_or(DLDataType{kDLOpaqueHandle, 0, 1});
  dl.shape = exported->shape.data();
  dl.strides = exported->strides.data();
  dl.byte_offset = 0;
  exported->managed.manager_ctx = exported;
  exported->managed.deleter = &DeleteDLPackExport;
  return &exported->managed;
}

int64_t Tensor::num_elements() const {
  int64_t elements = 1;
  for (int64_t size : shape_) elements *= size;
  return elements;
}

int64_t Tensor::byte_size() const {
  return (LastElementOffset(shape_, strides_) + 1) * item_size();
}

bool Tensor::is_contiguous() const {
  return SameLayout(shape_, strides_, ContiguousStrides(shape_));
}

bool Tensor::has_internal_overlap() const {
  for (size_t d = 0; d < shape_.size(); ++d) {
    if (shape_[d] > 1 && strides_[d] == 0) return true;
  }
  return false;
}

std::string Tensor::DescribeLayout() const {
  return client::DescribeLayout(dtype_, shape_, strides_);
}

absl::Status CopyElements(const Tensor& source, const Tensor& destination) {
  if (source.shape() != destination.shape() ||
      source.item_size() != destination.item_size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot copy ", source.DescribeLayout(), " into ",
                     destination.DescribeLayout()));
  }
  if (source.num_elements() == 0) return absl::OkStatus();
  const int64_t item_size = source.item_size();
  const char* from = static_cast<const char*>(source.data());
  char* to = static_cast<char*>(destination.data());
  const int64_t rank = source.rank();
  if (rank == 0) {
    std::memcpy(to, from, static_cast<size_t>(item_size));
    return absl::OkStatus();
  }
  const std::vector<int64_t>& shape = source.shape();
  const std::vector<int64_t>& from_strides = source.strides();
  const std::vector<int64_t>& to_strides = destination.strides();
  const int64_t inner = rank - 1;
  // Odometer over every dimension but the innermost, which CopyStridedRow
  // does in one go.
  std::vector<int64_t> index(static_cast<size_t>(inner), 0);
  while (true) {
    int64_t from_offset = 0;
    int64_t to_offset = 0;
    for (int64_t d = 0; d < inner; ++d) {
      from_offset += index[d] * from_strides[d];
      to_offset += index[d] * to_strides[d];
    }
    CopyStridedRow(from + from_offset * item_size, from_strides[inner],
                   to + to_offset * item_size, to_strides[inner], shape[inner],
                   item_size);
    int64_t d = inner - 1;
    for (; d >= 0; --d) {
      if (++index[d] < shape[d]) break;
      index[d] = 0;
    }
    if (d < 0) break;
  }
  return absl::OkStatus();
}

}  // namespace aotd::client
