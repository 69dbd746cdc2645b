// The shared-object ABI between generated code and the client runtime
// (docs/formats.md, "Shared-object ABI"): what the code generator emits and
// the compile pipeline records, and what the runtime checks when it loads
// an artifact. A change to the calling convention bumps kAbiVersion.
#ifndef AOTD_COMMON_SHARED_OBJECT_ABI_H_
#define AOTD_COMMON_SHARED_OBJECT_ABI_H_

#include <cstdint>

namespace aotd::abi {

// What `int aotd_abi_version(void)` returns.
inline constexpr int kAbiVersion = 2;

// The exported C symbols: the version, and the entry points' default names
// (an artifact's forward_symbol / backward_symbol may name others).
inline constexpr char kAbiVersionSymbol[] = "aotd_abi_version";
inline constexpr char kForwardSymbol[] = "aotd_forward";
inline constexpr char kBackwardSymbol[] = "aotd_backward";

// The entry points' signature: data pointers of the inputs and of the
// caller-allocated outputs; 0 on success.
using EntryPoint = int (*)(void* const* inputs, void* const* outputs);
// Its declaration in C source text, for a name: "int NAME(void* const* in,
// void* const* out)" with this parameter list.
inline constexpr char kEntryPointParameters[] = "(void* const* in, void* const* out)";

// The alignment in bytes of every caller-allocated buffer and of each saved
// tensor's offset in the saved arena.
inline constexpr int64_t kArenaAlignment = 64;

}  // namespace aotd::abi

#endif  // AOTD_COMMON_SHARED_OBJECT_ABI_H_
