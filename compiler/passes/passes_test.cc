#include "compiler/ir/text.h"
#include "compiler/passes/cse.h"
#include "compiler/passes/dce.h"
#include "gtest/gtest.h"

namespace aotd::passes {
namespace {

ir::Graph Parse(const char* text) {
  absl::StatusOr<ir::Graph> g = ir::ParseGraph(text);
  EXPECT_TRUE(g.ok()) << g.status();
  return *g;
}

TEST(DceTest, DropsNodesThatReachNoOutput) {
  ir::Graph g = Parse(R"(graph(
  %x: f32[4]
) {
  %a = aten.neg.default(%x) : f32[4]
  %dead = aten.exp.default(%a) : f32[4]
  %b = aten.exp.default(%x) : f32[4]
  return (%b)
}
)");
  EXPECT_TRUE(EliminateDeadCode(g));
  EXPECT_EQ(ir::PrintGraph(g), R"(graph(
  %x: f32[4]
) {
  %b = aten.exp.default(%x) : f32[4]
  return (%b)
}
)");
  EXPECT_FALSE(EliminateDeadCode(g));
}

TEST(CseTest, MergesIdenticalCalls) {
  ir::Graph g = Parse(R"(graph(
  %x: f32[4]
) {
  %a = aten.exp.default(%x) : f32[4]
  %b = aten.exp.default(%x) : f32[4]
  %c = aten.mul.Tensor(%a, %b) : f32[4]
  %d = aten.mul.Tensor(%a, 2.0) : f32[4]
  %e = aten.mul.Tensor(%a, 2) : f32[4]
  return (%c, %d, %e)
}
)");
  EXPECT_TRUE(EliminateCommonSubexpressions(g));
  EXPECT_EQ(ir::PrintGraph(g), R"(graph(
  %x: f32[4]
) {
  %a = aten.exp.default(%x) : f32[4]
  %c = aten.mul.Tensor(%a, %a) : f32[4]
  %d = aten.mul.Tensor(%a, 2.0) : f32[4]
  %e = aten.mul.Tensor(%a, 2) : f32[4]
  return (%c, %d, %e)
}
)");
  EXPECT_FALSE(EliminateCommonSubexpressions(g));
}

}  // namespace
}  // namespace aotd::passes
