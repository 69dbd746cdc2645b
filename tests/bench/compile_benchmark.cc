// Cold compile time of each full workload, from import to a loadable
// artifact (import, trace, partition, codegen, the C++ compile and link,
// loading with the client runtime), next to the C++ compile and link of a
// trivial translation unit through the same toolchain, and their ratio.
// Each figure is the median of --runs runs (default 3); each run of a
// workload is paired with a run of the trivial unit, so that both see the
// same load on the machine.
//
// bazel run -c opt //tests/bench:compile_benchmark [-- --runs=N]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "client/loaded_artifact.h"
#include "compiler/frontend/load.h"
#include "compiler/pipeline/compile.h"
#include "compiler/toolchain/toolchain.h"
#include "tests/workloads.h"

namespace aotd {
namespace {

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

double Seconds(const std::function<void()>& f) {
  auto start = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

constexpr const char* kStages[] = {"import", "trace", "partition", "codegen", "cc", "load"};

// One cold compile's seconds per stage and in all, or the error.
absl::StatusOr<std::map<std::string, double>> CompileOnce(const testing::Workload& w,
                                                          toolchain::Toolchain& tc) {
  std::map<std::string, double> stages;
  absl::StatusOr<ir::Graph> forward;
  stages["import"] = Seconds([&] { forward = frontend::LoadGraphFile(w.ForwardJson()); });
  if (!forward.ok()) return forward.status();
  absl::StatusOr<proto::Artifact> artifact = pipeline::Compile(*forward, {}, tc);
  if (!artifact.ok()) return artifact.status();
  for (const proto::StageTiming& t : artifact->timings()) stages[t.stage()] += t.seconds();
  absl::StatusOr<std::shared_ptr<client::LoadedArtifact>> loaded;
  stages["load"] = Seconds([&] { loaded = client::LoadedArtifact::Load(*artifact, nullptr); });
  if (!loaded.ok()) return loaded.status();
  double total = 0;
  for (const char* s : kStages) total += stages[s];
  stages["total"] = total;
  return stages;
}

int Main(int argc, char** argv) {
  int runs = 3;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--runs=", 7) == 0) runs = std::max(1, std::atoi(argv[i] + 7));
  }
  std::unique_ptr<toolchain::Toolchain> tc = toolchain::NewSystemToolchain();
  // Seconds to compile and link the trivial unit, or -1 on an error.
  auto trivial_once = [&]() -> double {
    absl::StatusOr<std::string> so;
    const double s = Seconds([&] { so = tc->CompileSharedObject({{"int f() { return 0; }\n"}}); });
    if (!so.ok()) {
      std::fprintf(stderr, "trivial unit: %s\n", std::string(so.status().message()).c_str());
      return -1;
    }
    return s;
  };
  if (trivial_once() < 0) return 1;
  std::printf("toolchain: %s\n", tc->Fingerprint().c_str());
  std::printf("%-16s %8s %7s %7s %7s %7s %7s %7s %8s %6s\n", "workload", "cold_s", "import",
              "trace", "part", "codegen", "cc", "load", "trivial", "ratio");
  for (const testing::Workload& w : testing::Workloads("full")) {
    std::map<std::string, std::vector<double>> samples;
    std::string error;
    for (int r = 0; r < runs && error.empty(); ++r) {
      samples["trivial"].push_back(trivial_once());
      absl::StatusOr<std::map<std::string, double>> stages = CompileOnce(w, *tc);
      if (!stages.ok()) {
        error = std::string(stages.status().message()).substr(0, 80);
        break;
      }
      for (const auto& [stage, s] : *stages) samples[stage].push_back(s);
    }
    if (!error.empty()) {
      std::printf("%-16s error: %s\n", w.name.c_str(), error.c_str());
      continue;
    }
    const double cold = Median(samples["total"]), trivial = Median(samples["trivial"]);
    std::printf("%-16s %8.3f", w.name.c_str(), cold);
    for (const char* s : kStages) std::printf(" %7.3f", Median(samples[s]));
    std::printf(" %8.3f %5.1fx\n", trivial, cold / trivial);
  }
  return 0;
}

}  // namespace
}  // namespace aotd

int main(int argc, char** argv) { return aotd::Main(argc, argv); }
