// Workloads compiled to native code and run through the client runtime
// reproduce PyTorch's recorded outputs, gradients and mutated buffers
// (rtol 1e-4, atol 1e-5), with both partitioners.
#include <algorithm>
#include <iterator>

#include "gtest/gtest.h"
#include "tests/workloads.h"
#include "tools/conformance.h"

namespace aotd {
namespace {

// The workloads whose every op code generation supports so far.
const char* const kCompiled[] = {"a_mlp", "b_transformer", "c_cnn", "d_pointwise", "e_loss"};

TEST(CompiledWorkloadTest, MatchesPyTorch) {
  int checked = 0;
  for (const testing::Workload& w : testing::Workloads("small")) {
    if (std::find(std::begin(kCompiled), std::end(kCompiled), w.name) == std::end(kCompiled)) {
      continue;
    }
    for (partition::Strategy s : {partition::Strategy::kDefault, partition::Strategy::kMinCut}) {
      absl::StatusOr<tools::ConformanceResult> r = tools::CheckConformance(w.dir, {s, 1.0}, 1e-4, 1e-5,
                                                                       tools::LocalArtifactSource());
      ASSERT_TRUE(r.ok()) << w.Id() << ": " << r.status();
      EXPECT_TRUE(r->passed) << w.Id() << " " << r->partitioner << ": " << r->failure;
      ++checked;
    }
  }
  EXPECT_EQ(checked, 2 * static_cast<int>(std::size(kCompiled)));
}

}  // namespace
}  // namespace aotd
