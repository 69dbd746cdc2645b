// Generated code stays proportional to the graph: each value is bound once
// (a chain of ops that repeat their operand's text, like relu and gelu, does
// not grow exponentially), walks are iterative (a chain of 50,000 nodes
// generates), and reductions of 0-d tensors over dim 0 or -1 generate.
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "compiler/ir/text.h"
#include "compiler/pipeline/compile.h"
#include "compiler/toolchain/toolchain.h"
#include "gtest/gtest.h"
#include "proto/artifact.pb.h"

namespace aotd {
namespace {

// Compiles nothing: the pipeline's generated source is what is tested.
class NoCompiler final : public toolchain::Toolchain {
 public:
  absl::StatusOr<std::string> CompileSharedObject(const toolchain::SharedObjectSources&) override {
    return std::string();
  }
  std::string CpuLevel() const override { return "x86-64-v2"; }
  std::string Fingerprint() const override { return "no-compiler"; }
};

// The generated source of a graph in the text IR.
absl::StatusOr<std::string> Source(const std::string& text) {
  absl::StatusOr<ir::Graph> graph = ir::ParseGraph(text);
  if (!graph.ok()) return graph.status();
  NoCompiler none;
  absl::StatusOr<proto::Artifact> artifact =
      pipeline::Compile(*graph, pipeline::CompileOptions(), none);
  if (!artifact.ok()) return artifact.status();
  return artifact->source();
}

// A chain of `n` calls of `op` on a [4, 4] input, with `extra` arguments.
std::string Chain(const std::string& op, int n, bool requires_grad,
                  const std::string& extra = "") {
  std::string text = absl::StrCat("graph(\n  %v0: f32[4,4]", requires_grad ? " requires_grad" : "",
                                  "\n) {\n");
  for (int k = 1; k <= n; ++k) {
    absl::StrAppend(&text, "  %v", k, " = ", op, "(%v", k - 1, extra, ") : f32[4,4]\n");
  }
  absl::StrAppend(&text, "  return (%v", n, ")\n}\n");
  return text;
}

// Bytes of source per node a chain adds.
double BytesPerNode(const std::string& op, int n, bool requires_grad,
                    const std::string& extra = "") {
  absl::StatusOr<std::string> one = Source(Chain(op, 1, requires_grad, extra));
  absl::StatusOr<std::string> many = Source(Chain(op, n, requires_grad, extra));
  EXPECT_TRUE(one.ok()) << one.status();
  EXPECT_TRUE(many.ok()) << many.status();
  if (!one.ok() || !many.ok()) return 1e9;
  return static_cast<double>(many->size() - one->size()) / (n - 1);
}

TEST(CodegenSizeTest, ChainsOfOpsThatRepeatTheirOperandGrowLinearly) {
  for (const char* op : {"aten.relu.default", "aten.silu.default", "aten.sgn.default"}) {
    EXPECT_LT(BytesPerNode(op, 30, /*requires_grad=*/false), 400) << op;
  }
  // Forward and backward of gelu.
  EXPECT_LT(BytesPerNode("aten.gelu.default", 30, /*requires_grad=*/true, ", \"none\""), 3000);
}

TEST(CodegenSizeTest, AVeryLongChainGenerates) {
  EXPECT_LT(BytesPerNode("aten.neg.default", 50000, /*requires_grad=*/false), 100);
}

TEST(CodegenSizeTest, ReductionsOfZeroDimTensorsGenerate) {
  const char* const kCalls[] = {
      "aten.sum.dim_IntList(%x, [0], true, None)", "aten.sum.dim_IntList(%x, [-1], false, None)",
      "aten.mean.dim(%x, [0], true, None)",  "aten.amax.default(%x, [0], true)",
      "aten.amin.default(%x, [-1], false)",  "aten.logsumexp.default(%x, [0], true)",
  };
  for (const char* call : kCalls) {
    absl::StatusOr<std::string> source = Source(absl::StrCat(
        "graph(\n  %x: f32[] requires_grad\n) {\n  %r = ", call, " : f32[]\n  return (%r)\n}\n"));
    EXPECT_TRUE(source.ok()) << call << ": " << source.status();
  }
}

}  // namespace
}  // namespace aotd
