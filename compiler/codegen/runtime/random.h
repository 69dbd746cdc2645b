// Random kernels: bernoulli (dropout's mask). The one exception to the
// no-global-state rule: they share a process-wide atomic call counter (one
// per shared object), from which each call takes its own seed. Their stream
// is the runtime's own (splitmix64 over the element index, keyed by that
// seed), not PyTorch's: only the distribution matches.
// Declarations only (calling convention: ref.h); definitions in random.cc.
#ifndef AOTD_COMPILER_CODEGEN_RUNTIME_RANDOM_H_
#define AOTD_COMPILER_CODEGEN_RUNTIME_RANDOM_H_

#include <cstdint>

#include "compiler/codegen/runtime/ref.h"

namespace aotd_rt {

// bernoulli.p(self, p, generator=None) -> out [self.shape]: each element 1
// with probability p (in [0, 1]), else 0. Reads only self's shape. Each
// call draws new values.
template <typename T>
void bernoulli(Ref<const T> self, double p, Ref<T> out);

}  // namespace aotd_rt

#endif  // AOTD_COMPILER_CODEGEN_RUNTIME_RANDOM_H_
