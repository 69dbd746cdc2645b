// HostTensor: a dense, contiguous tensor on the host for the reference
// evaluator, constant folding and tests.
//
// Values are held as doubles whatever the dtype, and RoundToDType() makes
// them what the dtype can represent (float32 rounding, integer truncation
// with wrap-around, bool 0/1). Kernels compute in double and round once per
// op, which is at least as accurate as PyTorch computing in the dtype itself.
// Plain value type; not thread-safe for concurrent mutation.
#ifndef AOTD_COMPILER_REFERENCE_HOST_TENSOR_H_
#define AOTD_COMPILER_REFERENCE_HOST_TENSOR_H_

#include <cstdint>
#include <string>
#include <vector>

#include "compiler/ir/dtype.h"
#include "compiler/ir/graph.h"

namespace aotd::reference {

using ir::Dims;
using ir::DType;

struct HostTensor {
  DType dtype = DType::kFloat32;
  Dims shape;
  std::vector<double> data;  // Row-major, NumElements() values.

  HostTensor() = default;
  // Zeros of the given dtype and shape.
  HostTensor(DType dtype, Dims shape);
  static HostTensor Full(DType dtype, Dims shape, double value);

  int Rank() const { return static_cast<int>(shape.size()); }
  int64_t NumElements() const { return static_cast<int64_t>(data.size()); }
  Dims Strides() const { return ir::ContiguousStrides(shape); }

  // Makes every value representable in `dtype` (see the file comment).
  void RoundToDType();
  // A copy converted to `to`, rounded.
  HostTensor Cast(DType to) const;
};

// Rounds one value as RoundToDType does.
double RoundTo(DType dtype, double v);

// The broadcast shape of a and b (numpy rules), or nullopt-like failure:
// returns false if they do not broadcast.
bool BroadcastShapes(const Dims& a, const Dims& b, Dims* out);

// `t` materialized at `shape`, which t's shape must broadcast to.
HostTensor BroadcastTo(const HostTensor& t, const Dims& shape);

// Multi-index iteration helper: the flat row-major offset of `index` under
// `strides`.
int64_t Offset(const Dims& index, const Dims& strides);

// Advances a row-major multi-index within `shape`; false after the last.
bool NextIndex(Dims& index, const Dims& shape);

// Largest |a - b| over elements, and whether every pair is close in the
// numpy sense (|a - b| <= atol + rtol * |b|; NaNs match NaNs, infs match
// equal infs). Shapes must match (else not close, error = inf).
struct Closeness {
  bool close = true;
  double max_abs_error = 0;
  double max_rel_error = 0;
};
Closeness CompareClose(const HostTensor& actual, const HostTensor& expected,
                       double rtol, double atol);

std::string DescribeTensor(const HostTensor& t);  // "f32[2,3]"

}  // namespace aotd::reference

#endif  // AOTD_COMPILER_REFERENCE_HOST_TENSOR_H_
