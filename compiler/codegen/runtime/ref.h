// The runtime kernel library of generated code: the ATen ops that do not
// fuse into generated loop nests (matrix products, convolution, pooling,
// normalization, softmax, losses, embedding, some reductions, joins and
// strided copies), each with its backward.
//
// This header holds what every kernel shares: the tensor reference and the
// calling convention. Each family's kernels are declared in its own header
// (matmul.h, conv.h, pool.h, norm.h, softmax.h, loss.h, embedding.h,
// join.h, reduce.h, indexing.h, random.h) and defined in the matching .cc,
// explicitly instantiated for the dtypes its ops allow. The declarations
// reach generated code through aotd_runtime.h; the definitions are compiled
// once per CPU level into a static archive that each generated shared
// object links (see runtime_library.h). The headers include only
// <cstdint>, define no macro but their include guards and keep every name
// in namespace aotd_rt. Kernels throw nothing and have no global state
// (random.h's call counter aside): they are reentrant and may run
// concurrently on distinct outputs.
//
// Calling convention, the same for every kernel:
//   * Arguments come in the order of the ATen schema, then the outputs.
//     ScalarType (dtype) arguments are left out: the template types carry
//     them.
//   * A tensor input is a Ref<const T> with any strides (0 for a broadcast
//     dim). A None optional tensor is none<const T>().
//   * An output is a Ref<T> whose data is contiguous row-major, of the shape
//     the op's inference gives; kernels read its shape, never its strides,
//     and write every element (an output a mask leaves out is not touched
//     and may be none<T>()). Outputs must not alias inputs.
//   * int[] arguments are (pointer, length); a bool[3] output_mask is a
//     pointer to 3 bools; an optional int is (has_x, x); a Scalar or float
//     is a double.
//   * Kernels whose inputs may hold bad data (an index out of range) return
//     bool, false meaning the data was bad and the outputs are unspecified.
//     Everything else inference checks (shapes, dtypes, geometry) is a
//     precondition.
//
// Semantics are ATen's (PyTorch 1.13) as the reference kernels in
// compiler/ops/<family>/ define them.
// float computes in float and double in double; reductions accumulate in
// double (integers in int64); softmax's exp is detail::exp_vec (within 1
// ulp, vectorizable, IEEE at the edges). Loops run OpenMP-parallel when the
// work passes kParallelWork elements, with results independent of the
// thread count except for the order of a few double-precision sums. Call
// kernels from serial code: they open their own parallel regions. BLAS runs
// outside them (OpenBLAS threads itself) or, for batches of small products
// (bmm, convolution), single-threaded inside them, one product per thread.
#ifndef AOTD_COMPILER_CODEGEN_RUNTIME_REF_H_
#define AOTD_COMPILER_CODEGEN_RUNTIME_REF_H_

#include <cstdint>

namespace aotd_rt {

// A tensor argument: `rank` sizes and strides (in elements, non-negative, 0
// for a broadcast dim) of the data at `data`. Plain aggregate; owns nothing.
template <typename T>
struct Ref {
  T* data;
  const int64_t* shape;
  const int64_t* strides;
  int rank;
};

// The None of an optional tensor argument (rank -1).
template <typename T>
constexpr Ref<T> none() {
  return Ref<T>{nullptr, nullptr, nullptr, -1};
}

template <typename T>
constexpr bool is_none(const Ref<T>& t) {
  return t.rank < 0;
}

// Elements of work above which a loop nest runs OpenMP-parallel.
inline constexpr int64_t kParallelWork = 32768;

}  // namespace aotd_rt

#endif  // AOTD_COMPILER_CODEGEN_RUNTIME_REF_H_
