// The C++ toolchain: turns one generated translation unit into a shared
// object for one CPU level. An interface, so tests can substitute a fake and
// the real one can be sandboxed.
#ifndef AOTD_COMPILER_TOOLCHAIN_TOOLCHAIN_H_
#define AOTD_COMPILER_TOOLCHAIN_TOOLCHAIN_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace aotd::toolchain {

// The x86-64 microarchitecture levels a toolchain targets (-march values):
// v2 (SSE4.2, POPCNT, SSSE3), v3 (AVX2, FMA, BMI2, ...) and v4 (AVX-512 F,
// BW, CD, DQ, VL).
inline constexpr absl::string_view kCpuLevels[] = {"x86-64-v2", "x86-64-v3", "x86-64-v4"};

// The highest of kCpuLevels this machine's CPU supports ("x86-64-v2" when it
// supports none).
std::string HostCpuLevel();

// A file the source uses, by name: written next to it (a header it
// includes) or linked into the shared object (a static archive). `contents`
// must stay valid for the compile call.
struct NamedFile {
  std::string name;  // A plain file name ("aotd_runtime.h"), no folders.
  absl::string_view contents;
};

// The sources of one shared object and what they need besides the system
// libraries. Each translation unit is compiled on its own, all of them at
// once (a forward and a backward program compile in parallel), then linked.
struct SharedObjectSources {
  std::vector<std::string> units;   // Each a translation unit's source.
  std::vector<NamedFile> headers;   // Included as #include "name".
  std::vector<NamedFile> archives;  // Linked in order, before the libraries.
};

class Toolchain {
 public:
  virtual ~Toolchain() = default;
  // The shared object's bytes. Errors: INVALID_ARGUMENT without units;
  // INTERNAL with the compiler's message if a unit does not compile (generated code: a compiler bug),
  // DEADLINE_EXCEEDED or RESOURCE_EXHAUSTED when a limit stops it,
  // UNAVAILABLE if the compiler cannot be run or a file cannot be written,
  // INVALID_ARGUMENT for a file name that is not a plain name.
  virtual absl::StatusOr<std::string> CompileSharedObject(const SharedObjectSources& sources) = 0;
  // The CPU level the shared objects are for, one of kCpuLevels: archives
  // the unit links must be built for it.
  virtual std::string CpuLevel() const = 0;
  // Identifies the compiler, CPU level and flags, for cache keys
  // ("/usr/bin/g++ -march=x86-64-v3 -std=c++17 -O3 ...").
  virtual std::string Fingerprint() const = 0;
};

struct SystemToolchainOptions {
  std::string compiler = "/usr/bin/g++";
  // -march value, one of kCpuLevels.
  std::string target_cpu = HostCpuLevel();
  // Archives a unit links must be compiled with the same flags (without
  // -shared, with -ffunction-sections): the runtime kernel archive's build
  // repeats them. --gc-sections drops what the unit does not call.
  std::vector<std::string> flags = {"-std=c++17", "-O3", "-fPIC", "-shared", "-fopenmp",
                                    "-fno-math-errno", "-Wl,--gc-sections"};
  // OpenBLAS's OpenMP build, whatever the system default: its pthread build
  // fights the generated code's OpenMP threads. libmvec and libsleef serve
  // the vector math functions generated code calls.
  std::vector<std::string> libs = {"-L/usr/lib/x86_64-linux-gnu/openblas-openmp",
                                   "-Wl,-rpath,/usr/lib/x86_64-linux-gnu/openblas-openmp",
                                   "-lopenblas", "-lmvec", "-lsleef", "-lm"};
  absl::Duration time_limit = absl::Seconds(120);
  int64_t memory_limit_bytes = int64_t{4} << 30;
  std::string temp_root = "/tmp";  // Each compile gets its own folder here.
};

// Runs the system compiler as a child process (compile and link in one
// run, the unit's files written next to its source): no shell, a clean
// environment (PATH=/usr/bin:/bin only), its own temporary folder (removed
// afterwards), CPU-time and address-space limits, and a wall-clock limit.
// Thread-safe. Compiles fail with INVALID_ARGUMENT if options.target_cpu
// is not one of kCpuLevels.
std::unique_ptr<Toolchain> NewSystemToolchain(SystemToolchainOptions options = {});

}  // namespace aotd::toolchain

#endif  // AOTD_COMPILER_TOOLCHAIN_TOOLCHAIN_H_
