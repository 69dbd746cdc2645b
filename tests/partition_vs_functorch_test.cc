// On every full-size workload, aotd's min_cut with functorch's cost model
// (saved bytes only) saves no more new storage than functorch's min_cut
// (reference.json), and aotd's min_cut, which also weighs recomputing
// transcendental ops, saves no more than aotd's default.
#include <cstdio>
#include <fstream>

#include "compiler/frontend/load.h"
#include "compiler/partition/partition.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/workloads.h"

namespace aotd {
namespace {

TEST(PartitionVsFunctorchTest, MinCutSavesNoMoreThanFunctorch) {
  for (const testing::Workload& w : testing::Workloads("full")) {
    SCOPED_TRACE(w.Id());
    std::ifstream in(w.ReferenceJson());
    nlohmann::json ref = nlohmann::json::parse(in);
    absl::StatusOr<ir::Graph> forward = frontend::LoadGraphFile(w.ForwardJson());
    ASSERT_TRUE(forward.ok()) << forward.status();
    absl::StatusOr<pipeline::Traced> traced = pipeline::Trace(*forward);
    ASSERT_TRUE(traced.ok()) << traced.status();
    absl::StatusOr<partition::Partitioned> d =
        partition::Partition(*traced, {partition::Strategy::kDefault, 1.0});
    absl::StatusOr<partition::Partitioned> m =
        partition::Partition(*traced, {partition::Strategy::kMinCut, 1.0});
    absl::StatusOr<partition::Partitioned> bytes_only = partition::Partition(
        *traced, {partition::Strategy::kMinCut, 1.0, /*weigh_recompute=*/false});
    ASSERT_TRUE(d.ok()) << d.status();
    ASSERT_TRUE(m.ok()) << m.status();
    ASSERT_TRUE(bytes_only.ok()) << bytes_only.status();
    int64_t functorch = ref["min_cut"]["saved_new_storage_bytes"].get<int64_t>();
    int64_t ours = bytes_only->report.saved_new_storage_bytes;
    std::printf("%-18s functorch min_cut %12lld  aotd default %12lld  aotd min_cut %12lld"
                " (bytes only %12lld)\n",
                w.Id().c_str(), static_cast<long long>(functorch),
                static_cast<long long>(d->report.saved_new_storage_bytes),
                static_cast<long long>(m->report.saved_new_storage_bytes),
                static_cast<long long>(ours));
    EXPECT_LE(ours, functorch);
    EXPECT_LE(m->report.saved_new_storage_bytes, d->report.saved_new_storage_bytes);
  }
}

}  // namespace
}  // namespace aotd
