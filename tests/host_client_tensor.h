// Moving values between the reference evaluator's HostTensors and the
// client runtime's Tensors, for tests and conformance checks.
#ifndef AOTD_TESTS_HOST_CLIENT_TENSOR_H_
#define AOTD_TESTS_HOST_CLIENT_TENSOR_H_

#include "absl/status/statusor.h"
#include "client/tensor.h"
#include "compiler/reference/host_tensor.h"

namespace aotd::testing {

// A contiguous client tensor holding `host`'s values.
absl::StatusOr<client::Tensor> ToClient(const reference::HostTensor& host);

// The values of `tensor` (any strides) as a HostTensor.
absl::StatusOr<reference::HostTensor> ToHost(const client::Tensor& tensor);

}  // namespace aotd::testing

#endif  // AOTD_TESTS_HOST_CLIENT_TENSOR_H_
