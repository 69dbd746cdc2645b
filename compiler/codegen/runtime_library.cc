#include "compiler/codegen/runtime_library.h"

#include <cstddef>

#include "absl/strings/str_cat.h"

namespace aotd::codegen {
namespace embedded {

// Defined by the runtime_library_data genrule (compiler/codegen/runtime).
extern const char kRuntimeHeader[];
extern const size_t kRuntimeHeaderSize;
extern const char kRuntimeArchive_x86_64_v2[];
extern const size_t kRuntimeArchive_x86_64_v2Size;
extern const char kRuntimeArchive_x86_64_v3[];
extern const size_t kRuntimeArchive_x86_64_v3Size;
extern const char kRuntimeArchive_x86_64_v4[];
extern const size_t kRuntimeArchive_x86_64_v4Size;

}  // namespace embedded

absl::StatusOr<RuntimeLibrary> RuntimeLibraryFor(absl::string_view cpu_level) {
  absl::string_view archive;
  if (cpu_level == "x86-64-v2") {
    archive = {embedded::kRuntimeArchive_x86_64_v2, embedded::kRuntimeArchive_x86_64_v2Size};
  } else if (cpu_level == "x86-64-v3") {
    archive = {embedded::kRuntimeArchive_x86_64_v3, embedded::kRuntimeArchive_x86_64_v3Size};
  } else if (cpu_level == "x86-64-v4") {
    archive = {embedded::kRuntimeArchive_x86_64_v4, embedded::kRuntimeArchive_x86_64_v4Size};
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("no runtime kernel library for CPU level ", cpu_level));
  }
  return RuntimeLibrary{kRuntimeHeaderName,
                        {embedded::kRuntimeHeader, embedded::kRuntimeHeaderSize},
                        "libaotd_runtime.a", archive};
}

}  // namespace aotd::codegen
