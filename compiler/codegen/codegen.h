// Code generation: from the partitioned forward and backward programs to one
// C++ translation unit that exports the shared-object ABI (docs/formats.md,
// "Shared-object ABI"): aotd_abi_version, aotd_forward, aotd_backward.
//
// Scheduling: chains of pointwise ops fuse into one loop nest (a value used
// once by a pointwise op or a reduction is computed inline, never stored);
// reductions fuse with their pointwise producers; views are folded into
// indexing (no copies); everything else is a call into the runtime kernel
// library. Intermediate buffers live in one workspace per call, placed by
// liveness so memory is reused. Loops are OpenMP-parallel over the outer
// dimension and SIMD over the inner one; transcendental math vectorizes
// through vector-ABI functions (libmvec and SLEEF), keeping IEEE inf/NaN
// semantics.
//
// The generated text contains no text from the request: identifiers are
// generated from value numbers.
#ifndef AOTD_COMPILER_CODEGEN_CODEGEN_H_
#define AOTD_COMPILER_CODEGEN_CODEGEN_H_

#include <string>

#include "absl/status/statusor.h"
#include "compiler/ir/graph.h"

namespace aotd::codegen {

// How a program's caller lays out its output buffers: kStored gives each
// output its value's StoredLayout() (forward outputs, which include saved
// activations the backward reads back with the same strides); kContiguous
// makes them all contiguous (gradients).
enum class OutputLayout { kStored, kContiguous };

// The layout the caller allocates for output i of `program`.
ir::TensorType ProgramOutputType(const ir::Graph& program, int i, OutputLayout layout);

// The C++ of one program as a function `static int <name>(void* const* in,
// void* const* out)`: `in` holds the program's inputs' data pointers in
// order, laid out as the input values' types say; `out` its outputs', laid
// out as ProgramOutputType says. Returns 0, or 1 if workspace allocation
// fails. UNIMPLEMENTED naming the op for an op or dtype the code generator
// does not handle yet.
absl::StatusOr<std::string> EmitProgram(const ir::Graph& program, const std::string& name,
                                        OutputLayout layout);

// A whole translation unit: the runtime prelude, both programs, and the ABI
// entry points.
absl::StatusOr<std::string> EmitTranslationUnit(const ir::Graph& forward,
                                                const ir::Graph& backward);

}  // namespace aotd::codegen

#endif  // AOTD_COMPILER_CODEGEN_CODEGEN_H_
