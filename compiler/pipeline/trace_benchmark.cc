// Time to trace each full-size workload (functionalize, autograd, DCE, CSE).
// Import is timed separately so the figures say where the time goes.
#include "benchmark/benchmark.h"
#include "compiler/frontend/load.h"
#include "compiler/pipeline/trace.h"
#include "tests/workloads.h"

namespace aotd {
namespace {

void BM_Import(benchmark::State& state, const testing::Workload& w) {
  absl::StatusOr<std::string> bytes = frontend::ReadFile(w.ForwardJson());
  if (!bytes.ok()) state.SkipWithError("cannot read workload");
  for (auto _ : state) {
    absl::StatusOr<ir::Graph> g = frontend::LoadGraph(*bytes);
    if (!g.ok()) state.SkipWithError("import failed");
    benchmark::DoNotOptimize(g);
  }
}

void BM_Trace(benchmark::State& state, const testing::Workload& w) {
  absl::StatusOr<ir::Graph> forward = frontend::LoadGraphFile(w.ForwardJson());
  if (!forward.ok()) {
    state.SkipWithError("import failed");
    return;
  }
  for (auto _ : state) {
    absl::StatusOr<pipeline::Traced> traced = pipeline::Trace(*forward);
    if (!traced.ok()) state.SkipWithError("trace failed");
    benchmark::DoNotOptimize(traced);
  }
  state.counters["forward_nodes"] = static_cast<double>(forward->nodes().size());
}

}  // namespace
}  // namespace aotd

int main(int argc, char** argv) {
  for (const aotd::testing::Workload& w : aotd::testing::Workloads("full")) {
    benchmark::RegisterBenchmark(("import/" + w.name).c_str(), aotd::BM_Import, w)
        ->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark(("trace/" + w.name).c_str(), aotd::BM_Trace, w)
        ->Unit(benchmark::kMicrosecond);
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  return 0;
}
