#include "compiler/frontend/load.h"
#include "compiler/frontend/proto_convert.h"
#include "compiler/ir/text.h"
#include "compiler/ops/core/verify.h"
#include "gtest/gtest.h"
#include "tests/workloads.h"

namespace aotd::frontend {
namespace {

TEST(FrontendTest, EveryWorkloadImportsAndRoundTrips) {
  std::vector<testing::Workload> workloads = testing::Workloads();
  ASSERT_EQ(workloads.size(), 10u);
  for (const testing::Workload& w : workloads) {
    SCOPED_TRACE(w.Id());
    absl::StatusOr<ir::Graph> graph = LoadGraphFile(w.ForwardJson());
    ASSERT_TRUE(graph.ok()) << graph.status();
    EXPECT_TRUE(ops::VerifyNodes(*graph).ok()) << ops::VerifyNodes(*graph);

    // text -> parse -> text is exact, and the parsed graph is the same IR.
    std::string text = ir::PrintGraph(*graph);
    absl::StatusOr<ir::Graph> parsed = ir::ParseGraph(text);
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_EQ(ir::PrintGraph(*parsed), text);
    EXPECT_EQ(*parsed, *graph);

    // IR -> proto -> IR is the identity, through serialized bytes too.
    proto::Graph wire = GraphToProto(*graph);
    absl::StatusOr<ir::Graph> back = LoadGraph(wire.SerializeAsString());
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(*back, *graph);
    EXPECT_EQ(ir::PrintGraph(*back), text);
  }
}

TEST(FrontendTest, GetItemBecomesAnOutputReference) {
  absl::StatusOr<ir::Graph> graph =
      LoadGraphFile("tests/testdata/workloads/e_loss/small/forward.json");
  ASSERT_TRUE(graph.ok()) << graph.status();
  // _log_softmax, detach, nll_loss_forward: the two getitems are gone.
  ASSERT_EQ(graph->nodes().size(), 3u);
  const ir::Node& nll = graph->nodes()[2];
  EXPECT_EQ(nll.op, "aten.nll_loss_forward.default");
  ASSERT_EQ(graph->outputs().size(), 1u);
  EXPECT_EQ(graph->outputs()[0], nll.outputs[0]);
}

TEST(FrontendTest, AWorkloadFolderLoadsItsForwardGraph) {
  absl::StatusOr<ir::Graph> from_folder = LoadGraphFile("tests/testdata/workloads/e_loss/small");
  absl::StatusOr<ir::Graph> from_file =
      LoadGraphFile("tests/testdata/workloads/e_loss/small/forward.json");
  ASSERT_TRUE(from_folder.ok()) << from_folder.status();
  ASSERT_TRUE(from_file.ok()) << from_file.status();
  EXPECT_EQ(*from_folder, *from_file);
  EXPECT_EQ(LoadGraphFile("tests/testdata/workloads").status().code(),
            absl::StatusCode::kNotFound);
}

TEST(FrontendTest, KwargsAndDefaultsAreBoundToTheSchema) {
  constexpr char kJson[] = R"({"format": "aten-fx-json/1",
    "inputs": [{"name": "x", "shape": [2, 3], "dtype": "float32", "stride": [3, 1],
                "requires_grad": true}],
    "nodes": [
      {"name": "a", "target": "aten.add.Tensor", "args": [{"ref": "x"}, {"ref": "x"}],
       "kwargs": {"alpha": 2}, "out": {"shape": [2, 3], "dtype": "float32", "stride": [3, 1]}},
      {"name": "g", "target": "aten.gelu.default", "args": [{"ref": "a"}],
       "kwargs": {}, "out": {"shape": [2, 3], "dtype": "float32", "stride": [3, 1]}}],
    "outputs": [{"ref": "g"}]})";
  absl::StatusOr<ir::Graph> graph = LoadGraph(kJson);
  ASSERT_TRUE(graph.ok()) << graph.status();
  EXPECT_EQ(ir::PrintGraph(*graph),
            "graph(\n"
            "  %x: f32[2,3] requires_grad\n"
            ") {\n"
            "  %a = aten.add.Tensor(%x, %x, 2) : f32[2,3]\n"
            "  %g = aten.gelu.default(%a, \"none\") : f32[2,3]\n"
            "  return (%g)\n"
            "}\n");
}

}  // namespace
}  // namespace aotd::frontend
