#include "tests/host_client_tensor.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "compiler/frontend/proto_convert.h"
#include "compiler/reference/host_tensor.h"

namespace aotd::testing {
namespace {

template <typename T>
void Store(const reference::HostTensor& h, void* data) {
  T* out = static_cast<T*>(data);
  for (int64_t i = 0; i < h.NumElements(); ++i) out[i] = static_cast<T>(h.data[i]);
}

template <typename T>
double Load(const void* data, int64_t offset) {
  return static_cast<double>(static_cast<const T*>(data)[offset]);
}

double LoadAny(proto::DType dtype, const void* data, int64_t offset) {
  switch (dtype) {
    case proto::FLOAT32: return Load<float>(data, offset);
    case proto::FLOAT64: return Load<double>(data, offset);
    case proto::INT64: return Load<int64_t>(data, offset);
    case proto::INT32: return Load<int32_t>(data, offset);
    case proto::INT16: return Load<int16_t>(data, offset);
    case proto::INT8: return Load<int8_t>(data, offset);
    case proto::UINT8:
    case proto::BOOL: return Load<uint8_t>(data, offset);
    default: return 0;
  }
}

}  // namespace

absl::StatusOr<client::Tensor> ToClient(const reference::HostTensor& host) {
  proto::DType dtype = frontend::ToProtoDType(host.dtype);
  absl::StatusOr<client::Tensor> t = client::Tensor::AllocateContiguous(dtype, host.shape);
  if (!t.ok()) return t.status();
  switch (host.dtype) {
    case ir::DType::kFloat32: Store<float>(host, t->data()); break;
    case ir::DType::kFloat64: Store<double>(host, t->data()); break;
    case ir::DType::kInt64: Store<int64_t>(host, t->data()); break;
    case ir::DType::kInt32: Store<int32_t>(host, t->data()); break;
    case ir::DType::kInt16: Store<int16_t>(host, t->data()); break;
    case ir::DType::kInt8: Store<int8_t>(host, t->data()); break;
    case ir::DType::kUInt8:
    case ir::DType::kBool: Store<uint8_t>(host, t->data()); break;
    default:
      return absl::UnimplementedError(absl::StrCat("no host conversion for ", ir::DTypeName(host.dtype)));
  }
  return t;
}

absl::StatusOr<reference::HostTensor> ToHost(const client::Tensor& tensor) {
  std::optional<ir::DType> dtype = frontend::FromProtoDType(tensor.dtype());
  if (!dtype) return absl::InvalidArgumentError("unknown dtype");
  reference::HostTensor h(*dtype, tensor.shape());
  ir::Dims index(tensor.shape().size(), 0);
  for (int64_t i = 0; i < h.NumElements(); ++i) {
    h.data[i] = LoadAny(tensor.dtype(), tensor.data(), reference::Offset(index, tensor.strides()));
    reference::NextIndex(index, tensor.shape());
  }
  return h;
}

}  // namespace aotd::testing
