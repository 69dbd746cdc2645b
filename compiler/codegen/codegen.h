// Code generation: from the partitioned forward and backward programs to one
// C++ translation unit that exports the shared-object ABI (docs/formats.md,
// "Shared-object ABI"; common/shared_object_abi.h): aotd_abi_version,
// aotd_forward, aotd_backward.
//
// Scheduling: chains of pointwise ops fuse into one loop nest (a value used
// once by a pointwise op or a reduction is computed inline, never stored);
// reductions fuse with their pointwise producers; views are folded into
// indexing (no copies); everything else is a call into the runtime kernel
// library (runtime_library.h: the unit includes its header and links its
// precompiled archive). Intermediate buffers live in one workspace per call and in the
// unused regions of the saved arena, placed by liveness so memory is reused. Loops are OpenMP-parallel over the outer
// dimension and SIMD over the inner one; transcendental math vectorizes
// through vector-ABI functions (libmvec and SLEEF), keeping IEEE inf/NaN
// semantics.
//
// The generated text contains no text from the request: identifiers are
// generated from value numbers.
#ifndef AOTD_COMPILER_CODEGEN_CODEGEN_H_
#define AOTD_COMPILER_CODEGEN_CODEGEN_H_

#include <cstdint>
#include <string>
#include <vector>

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

// The saved activations the forward computes live in one arena per step
// (shared-object ABI version 2): the forward writes it, the backward reads it
// and reuses each tensor's memory after its last read.
struct SavedArena {
  // Per saved tensor, in the backward's input order: its byte offset in the
  // arena (a multiple of 64), or -1 for a tensor the caller passes itself (a
  // forward input kept for the backward).
  std::vector<int64_t> offsets;
  int64_t bytes = 0;  // The arena's size.
};

// Lays out the saved tensors of `forward` in one arena, in order, each at a
// multiple of 64 bytes. Forward outputs from `first_saved` on are the saved
// tensors the forward computes, in the order of the entries of
// `saved_inputs` that are -1 (the others are indices of forward inputs).
SavedArena PlanSavedArena(const ir::Graph& forward, int first_saved,
                          const std::vector<int>& saved_inputs);

// The shared object's translation units: the forward's (with the ABI
// version) and the backward's, each an #include of the runtime library's
// header (kRuntimeHeaderName), its program and its ABI entry point, so the
// two compile in parallel; the kernels they call are not in them but in the
// library's archive. `forward`'s outputs are the user outputs and
// write-backs, then the saved tensors of `arena` that it computes; the
// backward's inputs are all saved tensors, in `arena`'s order, then the
// tangents. Each program's workspace is one allocation per call, its
// buffers placed by liveness; buffers also go to arena regions whose saved
// tensor the forward has not written yet or the backward has finished
// reading. UNIMPLEMENTED naming the op for an op or dtype the code
// generator does not handle yet.
absl::StatusOr<std::vector<std::string>> EmitTranslationUnits(const ir::Graph& forward,
                                                              const ir::Graph& backward,
                                                              const SavedArena& arena);

}  // namespace aotd::codegen

#endif  // AOTD_COMPILER_CODEGEN_CODEGEN_H_
