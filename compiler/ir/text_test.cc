#include "compiler/ir/text.h"

#include <cmath>
#include <limits>

#include "gtest/gtest.h"

namespace aotd::ir {
namespace {

constexpr char kLoss[] = R"(graph(
  %x: f32[8,10] requires_grad label="logits",
  %t: i64[8]
) {
  %ls = aten._log_softmax.default(%x, 1, false) : f32[8,10]
  %nll = aten.nll_loss_forward.default(%ls, %t, None, 1, -100) : (f32[], f32[])
  return (%nll#0)
}
)";

TEST(TextTest, ParsesAndPrintsExactly) {
  absl::StatusOr<Graph> graph = ParseGraph(kLoss);
  ASSERT_TRUE(graph.ok()) << graph.status();
  EXPECT_EQ(PrintGraph(*graph), kLoss);
  ASSERT_EQ(graph->nodes().size(), 2u);
  EXPECT_EQ(graph->nodes()[1].outputs.size(), 2u);
  EXPECT_EQ(graph->outputs()[0], graph->nodes()[1].outputs[0]);
  EXPECT_TRUE(graph->inputs()[0].requires_grad);
  EXPECT_EQ(graph->inputs()[0].label, "logits");
}

TEST(TextTest, EveryArgumentKindRoundTrips) {
  Graph g;
  ValueId x = g.AddInput("x", TensorType{DType::kFloat64, {2, 3}, {1, 2}}, false,
                         "a \"quoted\"\n label");
  g.AddNode("odd name", "aten.test.default",
            {Argument::None(), Argument::Bool(true), Argument::Int(-7),
             Argument::Float(1e-5), Argument::Float(2.0), Argument::Float(0.1),
             Argument::Float(std::numeric_limits<double>::infinity()),
             Argument::Float(-std::numeric_limits<double>::infinity()),
             Argument::Float(std::nan("")), Argument::String("tanh"),
             Argument::DTypeArg(DType::kBFloat16), Argument::Device("cpu"),
             Argument::Layout("strided"), Argument::MemoryFormat("channels_last"),
             Argument::Value(x), Argument::List({Argument::Int(1), Argument::Value(x)}),
             Argument::List({})},
            {TensorType::Contiguous(DType::kBool, {}),
             TensorType::Contiguous(DType::kInt32, {0, 4})});
  g.AddOutput(g.nodes()[0].outputs[1]);
  std::string text = PrintGraph(g);
  absl::StatusOr<Graph> parsed = ParseGraph(text);
  ASSERT_TRUE(parsed.ok()) << parsed.status() << "\n" << text;
  EXPECT_EQ(*parsed, g) << text;
  EXPECT_EQ(PrintGraph(*parsed), text);
}

TEST(TextTest, NonContiguousStridesArePrinted) {
  EXPECT_EQ(PrintType(TensorType{DType::kFloat32, {3, 4}, {1, 3}}), "f32[3,4]{1,3}");
  EXPECT_EQ(PrintType(TensorType::Contiguous(DType::kFloat32, {3, 4})), "f32[3,4]");
}

struct BadText {
  const char* text;
  const char* message;
};

TEST(TextTest, ErrorsNameTheProblem) {
  const BadText cases[] = {
      {"graph() { return (%y) }", "unknown value %y"},
      {"graph(%x: f32[2], %x: f32[2]) { return (%x) }", "duplicate name %x"},
      {"graph(%x: q32[2]) { return (%x) }", "expected a dtype"},
      {"graph(%x: f32[2]) { %a = aten.neg.default(%b) : f32[2]\n return (%a) }",
       "unknown value %b"},
      {"graph(%x: f32[2]) { %a = aten.split.Tensor(%x, 1, 0) : (f32[1], f32[1])\n"
       " return (%a) }",
       "several outputs"},
      {"graph(%x: f32[2]) { %a = aten.split.Tensor(%x, 1, 0) : (f32[1], f32[1])\n"
       " return (%a#2) }",
       "has no output 2"},
      {"graph(%x: f32[2]) { return (%x) } trailing", "unexpected text"},
      {"graph(%x: f32[2]) { %a = aten.neg.default(99999999999999999999) : f32[2]\n"
       " return (%a) }",
       "bad integer"},
      {"graph(%x: f32[2] label=\"open) { return (%x) }", "unterminated string"},
      {"", "expected 'graph'"},
  };
  for (const BadText& c : cases) {
    absl::StatusOr<Graph> g = ParseGraph(c.text);
    ASSERT_FALSE(g.ok()) << c.text;
    EXPECT_EQ(g.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(g.status().message().find(c.message), std::string::npos)
        << g.status() << " should mention " << c.message;
  }
}

}  // namespace
}  // namespace aotd::ir
