// A CPU tensor as the client runtime passes it across the shared-object ABI.
//
// A Tensor is a handle: dtype, shape, strides (in elements, never negative)
// and a data pointer, plus an optional share in the memory's owner. Copying a
// Tensor copies the handle, not the elements; both handles see the same
// memory. Memory is one of
//   - owned: allocated by Tensor::Allocate, freed when the last handle (or
//     exported DLManagedTensor) that shares it is gone;
//   - imported: a DLManagedTensor taken by FromDLPack, whose deleter runs
//     once, when the last handle that shares it is gone;
//   - borrowed: Tensor::Borrow; the caller keeps the memory alive for as
//     long as any handle to it, or any DLManagedTensor exported from it, is
//     in use.
// A Tensor is a value type: distinct handles may be used from different
// threads; writing elements through two handles at once is the caller's race.
//
// DLPack (0.6 header; kDLCPU only, lanes 1): import and export are zero copy.
// bool is exported with type code 6 (DLPack >= 0.8's kDLBool); on import that
// code reads as BOOL, and {kDLUInt, 8} (how PyTorch 1.13 exports bool too)
// reads as UINT8.
#ifndef AOTD_CLIENT_TENSOR_H_
#define AOTD_CLIENT_TENSOR_H_

#include <dlpack/dlpack.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "proto/graph.pb.h"

namespace aotd::client {

// "float32", "int64", ... as torch.dtype names them; "invalid" otherwise.
absl::string_view DTypeName(proto::DType dtype);
// Bytes per element; 0 for DTYPE_UNSPECIFIED and unknown values.
int64_t ItemSize(proto::DType dtype);

// Row-major contiguous strides for `shape`.
std::vector<int64_t> ContiguousStrides(const std::vector<int64_t>& shape);

// "float32[2, 3] strides [3, 1]", for messages.
std::string DescribeLayout(proto::DType dtype, const std::vector<int64_t>& shape,
                           const std::vector<int64_t>& strides);

class Tensor {
 public:
  // An empty handle: no dtype, rank 0, null data. Only assignable.
  Tensor() = default;

  // Allocates owned memory for `dtype`, `shape`, `strides`: byte_size()
  // bytes, 64-byte aligned, uninitialized. INVALID_ARGUMENT on an invalid
  // layout (see ValidateLayout); RESOURCE_EXHAUSTED if memory runs out.
  static absl::StatusOr<Tensor> Allocate(proto::DType dtype,
                                         std::vector<int64_t> shape,
                                         std::vector<int64_t> strides);
  // Allocate with ContiguousStrides(shape).
  static absl::StatusOr<Tensor> AllocateContiguous(proto::DType dtype,
                                                   std::vector<int64_t> shape);

  // A handle to caller-owned memory at `data` (see the file comment for the
  // lifetime rule). INVALID_ARGUMENT on an invalid layout, or a null `data`
  // for a tensor with elements.
  static absl::StatusOr<Tensor> Borrow(proto::DType dtype,
                                       std::vector<int64_t> shape,
                                       std::vector<int64_t> strides,
                                       void* data);

  // Takes `managed` without copying. On success the Tensor (and its copies)
  // own it and call its deleter once, when the last of them is gone; on
  // error nothing is taken and the caller still owns `managed`.
  // INVALID_ARGUMENT if it is not a CPU tensor, has lanes != 1, a dtype with
  // no proto::DType, negative strides, or an invalid layout.
  static absl::StatusOr<Tensor> FromDLPack(DLManagedTensor* managed);

  // Exports a DLManagedTensor over the same memory, without copying. It
  // shares ownership of owned or imported memory (the memory outlives this
  // Tensor until the consumer calls the deleter); for borrowed memory the
  // borrow rule holds. The consumer must call `deleter` exactly once.
  // Never null. An empty Tensor exports a rank-0 tensor with null data.
  DLManagedTensor* ToDLPack() const;

  // Checks that a layout is one this runtime handles: a known dtype, one
  // stride per dimension, no negative size or stride, and at most 2^48
  // elements and storage extent. INVALID_ARGUMENT naming the fault.
  static absl::Status ValidateLayout(proto::DType dtype,
                                     const std::vector<int64_t>& shape,
                                     const std::vector<int64_t>& strides);

  proto::DType dtype() const { return dtype_; }
  const std::vector<int64_t>& shape() const { return shape_; }
  const std::vector<int64_t>& strides() const { return strides_; }
  int64_t rank() const { return static_cast<int64_t>(shape_.size()); }
  void* data() const { return data_; }
  int64_t item_size() const { return ItemSize(dtype_); }
  // Product of the shape (1 for rank 0).
  int64_t num_elements() const;
  // Bytes from data() to the end of the last element: the memory the tensor
  // spans (0 if it has no elements).
  int64_t byte_size() const;
  // Row-major contiguous (strides of dimensions of size 1 do not matter).
  bool is_contiguous() const;
  // True when two dimensions' elements share memory (a size > 1 dimension
  // with stride 0), so writing into the tensor is ill-defined.
  bool has_internal_overlap() const;
  std::string DescribeLayout() const;

 private:
  Tensor(proto::DType dtype, std::vector<int64_t> shape,
         std::vector<int64_t> strides, void* data,
         std::shared_ptr<void> owner);

  proto::DType dtype_ = proto::DTYPE_UNSPECIFIED;
  std::vector<int64_t> shape_;
  std::vector<int64_t> strides_;
  void* data_ = nullptr;
  std::shared_ptr<void> owner_;  // Null for borrowed memory.
};

// True if a tensor laid out with `strides_a` and one with `strides_b`, both
// of `shape`, place every element at the same offset (strides of dimensions
// of size 1 are ignored; any layouts of an empty shape are the same).
bool SameLayout(const std::vector<int64_t>& shape,
                const std::vector<int64_t>& strides_a,
                const std::vector<int64_t>& strides_b);

// Copies every element of `source` into `destination`, each with its own
// strides. INVALID_ARGUMENT unless they have the same shape and the same item
// size. The two must not overlap in memory.
absl::Status CopyElements(const Tensor& source, const Tensor& destination);

}  // namespace aotd::client

#endif  // AOTD_CLIENT_TENSOR_H_
