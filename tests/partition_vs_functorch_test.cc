// On every full-size workload, aotd's min_cut saves no more new storage than
// functorch's min_cut (reference.json) and than aotd's default.
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
    ASSERT_TRUE(d.ok()) << d.status();
    ASSERT_TRUE(m.ok()) << m.status();
    int64_t functorch = ref["min_cut"]["saved_new_storage_bytes"].get<int64_t>();
    int64_t ours = m->report.saved_new_storage_bytes;
    std::printf("%-18s functorch min_cut %12lld  aotd default %12lld  aotd min_cut %12lld\n",
                w.Id().c_str(), static_cast<long long>(functorch),
                static_cast<long long>(d->report.saved_new_storage_bytes), static_cast<long long>(ours));
    EXPECT_LE(ours, functorch);
    EXPECT_LE(ours, d->report.saved_new_storage_bytes);
  }
}

}  // namespace
}  // namespace aotd
