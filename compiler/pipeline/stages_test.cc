#include "compiler/pipeline/stages.h"

#include <string>
#include <vector>

#include "compiler/ir/text.h"
#include "compiler/pipeline/trace.h"
#include "gtest/gtest.h"

namespace aotd::pipeline {
namespace {

ir::Graph Parse(const std::string& text) {
  absl::StatusOr<ir::Graph> g = ir::ParseGraph(text);
  EXPECT_TRUE(g.ok()) << g.status();
  return *g;
}

std::vector<StageRecord> TraceStages(const std::string& text) {
  ir::Graph g = Parse(text);
  StageLog log;
  absl::StatusOr<Traced> traced = Trace(g, log);
  EXPECT_TRUE(traced.ok()) << traced.status();
  return log.records();
}

const StageRecord& Find(const std::vector<StageRecord>& records, const std::string& stage) {
  for (const StageRecord& r : records) {
    if (r.stage == stage) return r;
  }
  ADD_FAILURE() << "no stage " << stage;
  return records.front();
}

TEST(StagesTest, TraceRecordsEachStageInOrderWithWhetherItChanged) {
  std::vector<StageRecord> records = TraceStages(R"(graph(
  %x: f32[4] requires_grad
) {
  %a = aten.exp.default(%x) : f32[4]
  %b = aten.relu_.default(%a) : f32[4]
  %c = aten.sum.default(%b, None) : f32[]
  return (%c)
}
)");
  std::vector<std::string> names;
  for (const StageRecord& r : records) names.push_back(r.stage);
  EXPECT_EQ(names, (std::vector<std::string>{"functionalize", "autograd", "decompose", "cse",
                                             "dce"}));
  EXPECT_TRUE(Find(records, "functionalize").changed);  // relu_ became relu.
  EXPECT_TRUE(Find(records, "autograd").changed);
  EXPECT_GT(Find(records, "autograd").nodes, Find(records, "functionalize").nodes);
}

TEST(StagesTest, AStageThatChangesNothingSaysSo) {
  std::vector<StageRecord> records = TraceStages(R"(graph(
  %x: f32[4]
) {
  %a = aten.exp.default(%x) : f32[4]
  return (%a)
}
)");
  EXPECT_FALSE(Find(records, "functionalize").changed);
  EXPECT_FALSE(Find(records, "autograd").changed);  // Nothing requires grad.
  EXPECT_FALSE(Find(records, "decompose").changed);
  EXPECT_FALSE(Find(records, "cse").changed);
  EXPECT_FALSE(Find(records, "dce").changed);
  EXPECT_EQ(Find(records, "dce").nodes, 1);
}

TEST(StagesTest, DumpsTheGraphsOfTheStagesAsked) {
  ir::Graph g = Parse(R"(graph(
  %x: f32[4] requires_grad
) {
  %a = aten.exp.default(%x) : f32[4]
  %c = aten.sum.default(%a, None) : f32[]
  return (%c)
}
)");
  std::vector<std::string> seen;
  StageHooks hooks;
  hooks.dump_after = {"autograd"};
  hooks.dump = [&](absl::string_view stage, const ir::Graph& graph) {
    seen.push_back(absl::StrCat(stage, ":", graph.nodes().size()));
  };
  StageLog log(&hooks);
  ASSERT_TRUE(Trace(g, log).ok());
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].rfind("autograd:", 0), 0u) << seen[0];
}

// A pass that leaves a node whose declared type disagrees with inference.
TEST(StagesTest, DebugBuildsCheckInvariantsBetweenStages) {
  ir::Graph broken = Parse(R"(graph(
  %x: f32[4]
) {
  %a = aten.exp.default(%x) : f32[3]
  return (%a)
}
)");
  StageLog log;
  absl::Status s = log.Done("cse", /*changed=*/true, {&broken});
#ifndef NDEBUG
  EXPECT_EQ(s.code(), absl::StatusCode::kInternal);
  EXPECT_NE(s.message().find("the cse stage broke an invariant"), std::string::npos) << s;
#else
  EXPECT_TRUE(s.ok()) << s;  // Release builds trust the passes.
#endif
  ASSERT_EQ(log.records().size(), 1u);
  EXPECT_EQ(log.records()[0].stage, "cse");
}

TEST(StagesTest, StageNamesAreChecked) {
  EXPECT_TRUE(CheckStageName("partition").ok());
  EXPECT_TRUE(CheckStageName("all").ok());
  EXPECT_EQ(CheckStageName("codegen").code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace aotd::pipeline
