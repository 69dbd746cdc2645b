// Internal to compiler/ops: helpers shared by the op definitions: PyTorch's
// broadcasting and type promotion, dimension handling, and kernel loops.
#ifndef AOTD_COMPILER_OPS_CORE_OP_UTIL_H_
#define AOTD_COMPILER_OPS_CORE_OP_UTIL_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "compiler/ir/graph.h"
#include "compiler/ops/core/op_def.h"
#include "compiler/reference/host_tensor.h"

namespace aotd::ops::internal {

using ir::Dims;
using ir::DType;
using ir::kNoValue;
using ir::TensorType;
using reference::HostTensor;

// An INVALID_ARGUMENT status whose message is `parts` concatenated.
template <typename... Parts>
absl::Status Invalid(const Parts&... parts) {
  return absl::InvalidArgumentError(absl::StrCat(parts...));
}

// "[2,3]", as messages print shapes.
std::string ShapeString(const Dims& shape);

// at::Reduction: how a loss reduces its per-element values.
enum class Reduction : int64_t { kNone = 0, kMean = 1, kSum = 2 };

// torch.promote_types.
DType PromoteTypes(DType a, DType b);

// One participant in torch.result_type: a tensor (its rank matters: 0-dim
// tensors rank below others) or a Python number ("wrapped number": int ->
// int64, float -> float32, bool -> bool, ranking lowest).
struct Operand {
  DType dtype;
  int rank;            // Ignored for numbers.
  bool is_number = false;
};
DType ResultType(const std::vector<Operand>& operands);

// The operand for argument i of a call: a tensor, a number, or None (skipped).
template <typename T>
std::vector<Operand> OperandsOf(const Call<T>& call, std::initializer_list<int> args);

// Integer and bool inputs of float-only math (exp, sigmoid, div) give the
// default float dtype, float32.
inline DType ToFloating(DType d) { return ir::IsFloatingPoint(d) ? d : DType::kFloat32; }

// Numpy broadcasting. INVALID_ARGUMENT naming both shapes if they clash.
absl::StatusOr<Dims> BroadcastShapes(const Dims& a, const Dims& b);

// Wraps a possibly negative dim into [0, rank) (rank 0 accepts -1 and 0, as
// PyTorch does). INVALID_ARGUMENT if out of range.
absl::StatusOr<int64_t> NormalizeDim(int64_t dim, int64_t rank);
// The same for a list; also rejects repeated dims. Empty list: every dim.
absl::StatusOr<std::vector<int64_t>> NormalizeDims(const Dims& dims, int64_t rank);

// Shape after reducing `dims` (every dim when empty).
Dims ReducedShape(const Dims& shape, const std::vector<int64_t>& dims, bool keepdim);

// The value of argument i as a tensor: the tensor itself, or a 0-dim tensor
// holding a wrapped number (int64, float64 kept exact, or bool).
HostTensor TensorArg(const KernelCall& call, int i);
// The same for inference.
TensorType TypeArg(const TypeCall& call, int i);

// Elementwise kernels: inputs broadcast to the result's shape, computed in
// double, rounded to `out`.
HostTensor MapUnary(const HostTensor& x, DType out, const std::function<double(double)>& f);
HostTensor MapBinary(const HostTensor& a, const HostTensor& b, const Dims& shape, DType out,
                     const std::function<double(double, double)>& f);
HostTensor MapTernary(const HostTensor& a, const HostTensor& b, const HostTensor& c,
                      const Dims& shape, DType out,
                      const std::function<double(double, double, double)>& f);

// A single contiguous result.
inline std::vector<TensorType> One(DType dtype, Dims shape) {
  return {TensorType::Contiguous(dtype, std::move(shape))};
}

}  // namespace aotd::ops::internal

#endif  // AOTD_COMPILER_OPS_CORE_OP_UTIL_H_
