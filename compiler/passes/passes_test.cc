#include "compiler/ir/text.h"
#include "compiler/passes/cse.h"
#include "compiler/passes/autograd.h"
#include "compiler/passes/dce.h"
#include "compiler/passes/decompose.h"
#include "compiler/passes/functionalize.h"
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

TEST(CseTest, NeverMergesRandomCalls) {
  const char* text = R"(graph(
  %x: f32[4]
) {
  %a = aten.bernoulli.p(%x, 0.5, None) : f32[4]
  %b = aten.bernoulli.p(%x, 0.5, None) : f32[4]
  %c = aten.mul.Tensor(%a, %b) : f32[4]
  return (%c)
}
)";
  ir::Graph g = Parse(text);
  EXPECT_FALSE(EliminateCommonSubexpressions(g));
  EXPECT_EQ(ir::PrintGraph(g), ir::PrintGraph(Parse(text)));
}

}  // namespace
}  // namespace aotd::passes

namespace aotd::passes {
namespace {

TEST(FunctionalizeTest, InPlaceUpdateOfAnInputBecomesAWriteBack) {
  ir::Graph g = Parse(R"(graph(
  %x: f32[4] requires_grad,
  %count: i64[]
) {
  %e = aten.exp.default(%x) : f32[4]
  %inc = aten.add_.Tensor(%count, 1, 1) : i64[]
  %m = aten.mul_.Tensor(%e, %e) : f32[4]
  return (%m)
}
)");
  absl::StatusOr<FunctionalGraph> f = Functionalize(g);
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(f->num_user_outputs, 1);
  EXPECT_EQ(f->write_back_inputs, std::vector<int>({1}));
  EXPECT_EQ(ir::PrintGraph(f->graph), R"(graph(
  %x: f32[4] requires_grad,
  %count: i64[]
) {
  %e = aten.exp.default(%x) : f32[4]
  %add = aten.add.Tensor(%count, 1, 1) : i64[]
  %mul = aten.mul.Tensor(%e, %e) : f32[4]
  return (%mul, %add)
}
)");
}

TEST(FunctionalizeTest, TrainingBatchNormUpdatesRunningStatistics) {
  ir::Graph g = Parse(R"(graph(
  %x: f32[2,3,4,4] requires_grad,
  %rm: f32[3],
  %rv: f32[3]
) {
  %bn = aten.native_batch_norm.default(%x, None, None, %rm, %rv, true, 0.1, 1e-05) : (f32[2,3,4,4], f32[3], f32[3])
  return (%bn#0)
}
)");
  absl::StatusOr<FunctionalGraph> f = Functionalize(g);
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(f->write_back_inputs, std::vector<int>({1, 2}));
  ASSERT_EQ(f->graph.outputs().size(), 3u);
  std::string text = ir::PrintGraph(f->graph);
  EXPECT_NE(text.find("aten.var.correction(%x, [0, 2, 3], 1, false)"), std::string::npos) << text;
}

TEST(FunctionalizeTest, InPlaceOpsFindTheirPureForms) {
  ir::Graph g = Parse(R"(graph(
  %x: f32[2,3] requires_grad,
  %h: f32[3,2]
) {
  %e = aten.exp.default(%x) : f32[2,3]
  %s = aten.sigmoid_.default(%e) : f32[2,3]
  %t = aten.transpose_.default(%e, 0, 1) : f32[3,2]
  %d = aten.div_.Scalar(%h, 2) : f32[3,2]
  %y = aten.sub_.Tensor(%e, %d, 1) : f32[3,2]
  return (%y)
}
)");
  absl::StatusOr<FunctionalGraph> f = Functionalize(g);
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(f->write_back_inputs, std::vector<int>({1}));
  std::string text = ir::PrintGraph(f->graph);
  // transpose_ has no transpose.default: its pure form is transpose.int.
  EXPECT_NE(text.find("aten.transpose.int(%sigmoid, 0, 1)"), std::string::npos) << text;
  EXPECT_NE(text.find("aten.div.Scalar(%h, 2)"), std::string::npos) << text;
  EXPECT_NE(text.find("aten.sub.Tensor(%transpose, %div, 1)"), std::string::npos) << text;
}

// Dropout as make_fx records it: a mask drawn into a fresh empty_like.
TEST(FunctionalizeTest, BernoulliIntoEmptyLikeBecomesBernoulliP) {
  ir::Graph g = Parse(R"(graph(
  %x: f32[2,3] requires_grad
) {
  %e = aten.empty_like.default(%x, None, None, None, None, None) : f32[2,3]
  %m = aten.bernoulli_.float(%e, 0.75, None) : f32[2,3]
  %s = aten.div_.Scalar(%m, 0.75) : f32[2,3]
  %y = aten.mul.Tensor(%x, %s) : f32[2,3]
  return (%y)
}
)");
  absl::StatusOr<FunctionalGraph> f = Functionalize(g);
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_TRUE(f->write_back_inputs.empty());
  std::string text = ir::PrintGraph(f->graph);
  EXPECT_NE(text.find("aten.bernoulli.p(%e, 0.75, None)"), std::string::npos) << text;
  EXPECT_EQ(text.find("bernoulli_"), std::string::npos) << text;
}

TEST(FunctionalizeTest, TransposeOfAnInputInPlaceIsAnError) {
  ir::Graph g = Parse(R"(graph(
  %x: f32[2,3]
) {
  %t = aten.transpose_.default(%x, 0, 1) : f32[3,2]
  return (%t)
}
)");
  absl::StatusOr<FunctionalGraph> f = Functionalize(g);
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(FunctionalizeTest, InPlaceUpdatesOfSplitPiecesStayInTheirPieces) {
  // LSTM cells: gates split into pieces, each activated in place.
  ir::Graph g = Parse(R"(graph(
  %x: f32[2,4] requires_grad
) {
  %e = aten.exp.default(%x) : f32[2,4]
  %sp = aten.split.Tensor(%e, 2, 1) : (f32[2,2]{4,1}, f32[2,2]{4,1})
  %s = aten.sigmoid_.default(%sp#0) : f32[2,2]{4,1}
  %t = aten.tanh_.default(%sp#1) : f32[2,2]{4,1}
  %v = aten.t.default(%sp#0) : f32[2,2]{1,4}
  %m = aten.mul.Tensor(%v, %sp#1) : f32[2,2]{1,2}
  return (%m)
}
)");
  absl::StatusOr<FunctionalGraph> f = Functionalize(g);
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_TRUE(f->write_back_inputs.empty());
  std::string text = ir::PrintGraph(f->graph);
  // Later nodes read the new values, typed by their contiguous layout.
  EXPECT_NE(text.find("aten.t.default(%sigmoid) : f32[2,2]{1,2}"), std::string::npos) << text;
  EXPECT_NE(text.find("aten.mul.Tensor(%t, %tanh) : f32[2,2]\n"), std::string::npos) << text;
}

TEST(FunctionalizeTest, InPlaceUpdatesOfViewsSeenElsewhereAreErrors) {
  for (const char* text : {
           // The base is read after its view changed.
           R"(graph(
  %x: f32[2,4]
) {
  %e = aten.exp.default(%x) : f32[2,4]
  %v = aten.slice.Tensor(%e, 1, 0, 2, 1) : f32[2,2]{4,1}
  %s = aten.sigmoid_.default(%v) : f32[2,2]{4,1}
  return (%e)
}
)",
           // A view taken before the change is read after it.
           R"(graph(
  %x: f32[2,4]
) {
  %e = aten.exp.default(%x) : f32[2,4]
  %v = aten.slice.Tensor(%e, 1, 0, 2, 1) : f32[2,2]{4,1}
  %w = aten.t.default(%v) : f32[2,2]{1,4}
  %s = aten.sigmoid_.default(%v) : f32[2,2]{4,1}
  return (%w)
}
)",
           // A view of a graph input.
           R"(graph(
  %x: f32[2,4]
) {
  %v = aten.slice.Tensor(%x, 1, 0, 2, 1) : f32[2,2]{4,1}
  %s = aten.sigmoid_.default(%v) : f32[2,2]{4,1}
  return (%s)
}
)"}) {
    absl::StatusOr<FunctionalGraph> f = Functionalize(Parse(text));
    ASSERT_FALSE(f.ok()) << text;
    EXPECT_EQ(f.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(f.status().message().find("in-place update of a view"), std::string::npos)
        << f.status();
  }
}

TEST(DecomposeTest, ReplacesCompositeOpsUntilNoneIsLeft) {
  ir::Graph g = Parse(R"(graph(
  %x: f32[4],
  %n: i32[4]
) {
  %c = aten.lift_fresh_copy.default(%x) : f32[4]
  %s = aten.sign.default(%c) : f32[4]
  %b = aten.bitwise_not.default(%n) : i32[4]
  return (%s, %b)
}
)");
  absl::StatusOr<bool> changed = Decompose(g);
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_TRUE(*changed);
  EXPECT_EQ(ir::PrintGraph(g), R"(graph(
  %x: f32[4],
  %n: i32[4]
) {
  %clone = aten.clone.default(%x, None) : f32[4]
  %sgn = aten.sgn.default(%clone) : f32[4]
  %rsub = aten.rsub.Scalar(%n, -1, 1) : i32[4]
  return (%sgn, %rsub)
}
)");
  changed = Decompose(g);
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_FALSE(*changed);
}

TEST(AutogradTest, GradientsOfAValueUsedTwiceAccumulate) {
  ir::Graph g = Parse(R"(graph(
  %x: f64[3] requires_grad,
  %y: f64[2,3] requires_grad,
  %n: i64[3]
) {
  %a = aten.mul.Tensor(%x, %x) : f64[3]
  %b = aten.add.Tensor(%a, %y, 1) : f64[2,3]
  %c = aten.add.Tensor(%b, %n, 1) : f64[2,3]
  return (%c)
}
)");
  absl::StatusOr<JointGraph> joint = BuildJointGraph(g, 1);
  ASSERT_TRUE(joint.ok()) << joint.status();
  EXPECT_EQ(joint->num_primals, 3);
  EXPECT_EQ(joint->tangent_outputs, std::vector<int>({0}));
  // No gradient for the integer input.
  EXPECT_EQ(joint->grad_inputs, std::vector<int>({0, 1}));
  std::string text = ir::PrintGraph(joint->graph);
  // The broadcast gradient of x is summed over the leading dim, then both
  // uses of x add up.
  EXPECT_NE(text.find("aten.sum.dim_IntList(%tangents_1, [0], true"), std::string::npos) << text;
  EXPECT_NE(text.find("aten.add.Tensor(%mul"), std::string::npos) << text;
}

TEST(AutogradTest, MissingDerivativeNamesTheNode) {
  ir::Graph g = Parse(R"(graph(
  %x: f64[3] requires_grad
) {
  %s = aten.add_.Tensor(%x, %x, 1) : f64[3]
  return (%s)
}
)");
  absl::StatusOr<JointGraph> joint = BuildJointGraph(g, 1);
  ASSERT_FALSE(joint.ok());
  EXPECT_EQ(joint.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_NE(joint.status().message().find("node 's' (aten.add_.Tensor)"), std::string::npos)
      << joint.status();
}

}  // namespace
}  // namespace aotd::passes
