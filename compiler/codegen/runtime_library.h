// The runtime kernel library generated code links: the header a generated
// translation unit includes and the kernels precompiled into a static
// archive for one CPU level (compiler/codegen/runtime: ref.h states the
// calling convention). Both are embedded in the binary at build time, so
// nothing is read from disk at run time.
#ifndef AOTD_COMPILER_CODEGEN_RUNTIME_LIBRARY_H_
#define AOTD_COMPILER_CODEGEN_RUNTIME_LIBRARY_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace aotd::codegen {

// The name generated code includes the runtime header under.
inline constexpr char kRuntimeHeaderName[] = "aotd_runtime.h";

struct RuntimeLibrary {
  // What the unit includes as #include "<header_name>": standard headers,
  // the vector-math declarations and every kernel's declaration.
  absl::string_view header_name;
  absl::string_view header;
  // The kernels' definitions, an `ar` archive of position-independent
  // objects compiled by g++ with the system toolchain's flags and
  // -march=<level>, one section per function.
  absl::string_view archive_name;
  absl::string_view archive;
};

// The library for `cpu_level` ("x86-64-v2", "x86-64-v3" or "x86-64-v4");
// the views point at static data. INVALID_ARGUMENT for another level.
absl::StatusOr<RuntimeLibrary> RuntimeLibraryFor(absl::string_view cpu_level);

}  // namespace aotd::codegen

#endif  // AOTD_COMPILER_CODEGEN_RUNTIME_LIBRARY_H_
