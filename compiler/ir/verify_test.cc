#include "compiler/ir/verify.h"

#include "compiler/ir/text.h"
#include "gtest/gtest.h"

namespace aotd::ir {
namespace {

void ExpectInvalid(const Graph& g, const std::string& fragment) {
  absl::Status s = VerifyGraph(g);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << fragment;
  EXPECT_NE(s.message().find(fragment), std::string::npos) << s << " lacks " << fragment;
}

TEST(VerifyTest, AcceptsWellFormedGraph) {
  Graph g;
  ValueId x = g.AddInput("x", TensorType::Contiguous(DType::kFloat32, {2, 3}), true);
  int n = g.AddNode("neg", "aten.neg.default", {Argument::Value(x)},
                    {TensorType::Contiguous(DType::kFloat32, {2, 3})});
  g.AddOutput(g.node(n).outputs[0]);
  EXPECT_TRUE(VerifyGraph(g).ok()) << VerifyGraph(g);
}

TEST(VerifyTest, RejectsStructuralProblems) {
  TensorType f32 = TensorType::Contiguous(DType::kFloat32, {2});
  {
    Graph g;
    ExpectInvalid(g, "empty graph");
  }
  {
    Graph g;
    g.AddInput("x", f32, false);
    ExpectInvalid(g, "no outputs");
  }
  {
    Graph g;
    ValueId x = g.AddInput("x", f32, false);
    g.AddInput("x", f32, false);
    g.AddOutput(x);
    ExpectInvalid(g, "duplicate name 'x'");
  }
  {
    Graph g;
    ValueId x = g.AddInput("x", TensorType{DType::kFloat32, {-1}, {1}}, false);
    g.AddOutput(x);
    ExpectInvalid(g, "input 'x': negative dimension -1");
  }
  {
    Graph g;
    ValueId x = g.AddInput("x", TensorType{DType::kFloat32, {1 << 25, 1 << 25}, {1 << 25, 1}}, false);
    g.AddOutput(x);
    ExpectInvalid(g, "exceeds the limit of 2^48");
  }
  {
    Graph g;
    ValueId x = g.AddInput("x", TensorType{DType::kFloat32, {4, 4}, {1}}, false);
    g.AddOutput(x);
    ExpectInvalid(g, "1 strides for shape [4,4]");
  }
  {
    Graph g;
    ValueId x = g.AddInput("x", f32, false);
    // A node that uses its own output: a cycle.
    int n = g.AddNode("loop", "aten.neg.default", {Argument::Value(x + 1)}, {f32});
    g.AddOutput(g.node(n).outputs[0]);
    ExpectInvalid(g, "node 'loop' (aten.neg.default): argument 0 uses %loop before it is defined");
  }
  {
    Graph g;
    g.AddInput("x", f32, false);
    g.AddOutput(42);
    ExpectInvalid(g, "graph output 0 refers to no value");
  }
}

}  // namespace
}  // namespace aotd::ir
