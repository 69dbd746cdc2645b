// Reading and writing NumPy .npy files (format 1.0-3.0, little endian,
// C order) as HostTensors.
#ifndef AOTD_COMPILER_REFERENCE_NPY_H_
#define AOTD_COMPILER_REFERENCE_NPY_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "compiler/reference/host_tensor.h"

namespace aotd::reference {

// INVALID_ARGUMENT on a malformed header, an unsupported dtype, Fortran
// order, or a size that does not match the data.
absl::StatusOr<HostTensor> ParseNpy(absl::string_view bytes);
absl::StatusOr<HostTensor> ReadNpy(const std::string& path);

std::string SerializeNpy(const HostTensor& tensor);

}  // namespace aotd::reference

#endif  // AOTD_COMPILER_REFERENCE_NPY_H_
