// The C++ toolchain: turns one generated translation unit into a shared
// object. An interface, so tests can substitute a fake and the real one can
// be sandboxed.
#ifndef AOTD_COMPILER_TOOLCHAIN_TOOLCHAIN_H_
#define AOTD_COMPILER_TOOLCHAIN_TOOLCHAIN_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace aotd::toolchain {

class Toolchain {
 public:
  virtual ~Toolchain() = default;
  // The shared object's bytes. Errors: INTERNAL with the compiler's message
  // if the source does not compile (generated code: a compiler bug),
  // DEADLINE_EXCEEDED or RESOURCE_EXHAUSTED when a limit stops it,
  // UNAVAILABLE if the compiler cannot be run.
  virtual absl::StatusOr<std::string> CompileSharedObject(absl::string_view source) = 0;
  // Identifies the compiler and flags, for cache keys ("g++ 12.2.0 -O3 ...").
  virtual std::string Fingerprint() const = 0;
};

struct SystemToolchainOptions {
  std::string compiler = "/usr/bin/g++";
  std::string target_cpu = "native";  // -march value.
  std::vector<std::string> flags = {"-std=c++17", "-O3", "-fPIC", "-shared", "-fopenmp",
                                    "-fno-math-errno"};
  // OpenBLAS's OpenMP build, whatever the system default: its pthread build
  // fights the generated code's OpenMP threads. libmvec and libsleef serve
  // the vector math functions (see compiler/codegen/prelude.cc).
  std::vector<std::string> libs = {"-L/usr/lib/x86_64-linux-gnu/openblas-openmp",
                                   "-Wl,-rpath,/usr/lib/x86_64-linux-gnu/openblas-openmp",
                                   "-lopenblas", "-lmvec", "-lsleef", "-lm"};
  absl::Duration time_limit = absl::Seconds(120);
  int64_t memory_limit_bytes = int64_t{4} << 30;
  std::string temp_root = "/tmp";  // Each compile gets its own folder here.
};

// Runs the system compiler as a child process: no shell, a clean
// environment (PATH=/usr/bin:/bin only), its own temporary folder (removed
// afterwards), CPU-time and address-space limits, and a wall-clock limit.
// Thread-safe.
std::unique_ptr<Toolchain> NewSystemToolchain(SystemToolchainOptions options = {});

}  // namespace aotd::toolchain

#endif  // AOTD_COMPILER_TOOLCHAIN_TOOLCHAIN_H_
