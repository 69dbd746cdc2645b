// Time to partition each full-size workload's joint graph, per strategy.
#include "benchmark/benchmark.h"
#include "compiler/frontend/load.h"
#include "compiler/partition/partition.h"
#include "tests/workloads.h"

namespace aotd {
namespace {

void BM_Partition(benchmark::State& state, const testing::Workload& w, partition::Strategy s) {
  absl::StatusOr<ir::Graph> forward = frontend::LoadGraphFile(w.ForwardJson());
  absl::StatusOr<pipeline::Traced> traced =
      forward.ok() ? pipeline::Trace(*forward) : absl::StatusOr<pipeline::Traced>(forward.status());
  if (!traced.ok()) {
    state.SkipWithError("trace failed");
    return;
  }
  for (auto _ : state) {
    absl::StatusOr<partition::Partitioned> p = partition::Partition(*traced, {s, 1.0});
    if (!p.ok()) state.SkipWithError("partition failed");
    benchmark::DoNotOptimize(p);
  }
  state.counters["joint_nodes"] = static_cast<double>(traced->joint.graph.nodes().size());
}

}  // namespace
}  // namespace aotd

int main(int argc, char** argv) {
  for (const aotd::testing::Workload& w : aotd::testing::Workloads("full")) {
    benchmark::RegisterBenchmark(("default/" + w.name).c_str(), aotd::BM_Partition, w,
                                 aotd::partition::Strategy::kDefault)
        ->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark(("min_cut/" + w.name).c_str(), aotd::BM_Partition, w,
                                 aotd::partition::Strategy::kMinCut)
        ->Unit(benchmark::kMicrosecond);
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  return 0;
}
