// What a generated translation unit includes, and all it includes: the
// standard headers its loops use, the vector-math declarations
// (vector_math.h), the runtime kernels' declarations (ref.h and one header
// per family) and aotd_ok. The code generator embeds this header flattened
// (its includes of this folder's headers replaced by their text) and the
// toolchain writes it next to the generated source; the kernels' definitions
// come from the precompiled archive linked with it (runtime_library.h).
// Kept small: every generated unit parses it.
#ifndef AOTD_COMPILER_CODEGEN_RUNTIME_AOTD_RUNTIME_H_
#define AOTD_COMPILER_CODEGEN_RUNTIME_AOTD_RUNTIME_H_

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <type_traits>

#include "compiler/codegen/runtime/vector_math.h"
#include "compiler/codegen/runtime/ref.h"
#include "compiler/codegen/runtime/conv.h"
#include "compiler/codegen/runtime/embedding.h"
#include "compiler/codegen/runtime/indexing.h"
#include "compiler/codegen/runtime/join.h"
#include "compiler/codegen/runtime/loss.h"
#include "compiler/codegen/runtime/matmul.h"
#include "compiler/codegen/runtime/norm.h"
#include "compiler/codegen/runtime/pool.h"
#include "compiler/codegen/runtime/random.h"
#include "compiler/codegen/runtime/reduce.h"
#include "compiler/codegen/runtime/softmax.h"

// Runs a kernel call; false when a kernel that checks its data (returning
// bool) found it bad.
template <typename F>
static bool aotd_ok(F call) {
  if constexpr (std::is_void_v<decltype(call())>) {
    call();
    return true;
  } else {
    return call();
  }
}

#endif  // AOTD_COMPILER_CODEGEN_RUNTIME_AOTD_RUNTIME_H_
