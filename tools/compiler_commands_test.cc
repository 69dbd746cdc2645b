#include "tools/compiler_commands.h"

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace aotd::tools {
namespace {

TEST(CompilerCommandsTest, TraceJsonSummarisesTheJointGraph) {
  std::ostringstream out;
  absl::Status s =
      TraceCommand("tests/testdata/workloads/e_loss/small/forward.json", /*json=*/true, {}, out);
  ASSERT_TRUE(s.ok()) << s;
  nlohmann::json summary = nlohmann::json::parse(out.str());
  EXPECT_EQ(summary["primals"], 2);
  EXPECT_EQ(summary["tangents"], 1);
  EXPECT_EQ(summary["grad_inputs"], nlohmann::json::array({0}));
  EXPECT_EQ(summary["joint_ops"]["aten._log_softmax_backward_data.default"], 1);
  EXPECT_EQ(summary["joint_ops"]["aten.nll_loss_backward.default"], 1);
  EXPECT_EQ(summary["functorch_joint_ops"]["aten.nll_loss_backward.default"], 1);
}

TEST(CompilerCommandsTest, TraceTextIsTheJointGraph) {
  std::ostringstream out;
  ASSERT_TRUE(
      TraceCommand("tests/testdata/workloads/e_loss/small/forward.json", /*json=*/false, {}, out)
          .ok());
  EXPECT_NE(out.str().find("%tangents_1: f32[]"), std::string::npos) << out.str();
}

TEST(CompilerCommandsTest, TraceDumpsTheGraphAfterTheStagesAsked) {
  std::ostringstream out;
  ASSERT_TRUE(TraceCommand("tests/testdata/workloads/e_loss/small/forward.json", /*json=*/false,
                           {"functionalize", "decompose"}, out)
                  .ok());
  const std::string text = out.str();
  const size_t functionalized = text.find("=== after functionalize ===\n");
  const size_t decomposed = text.find("=== after decompose ===\n");
  ASSERT_NE(functionalized, std::string::npos) << text;
  ASSERT_NE(decomposed, std::string::npos) << text;
  EXPECT_LT(functionalized, decomposed);
  EXPECT_EQ(text.find("=== after autograd"), std::string::npos) << text;
  // The functional forward has no tangents; the joint graph does.
  const std::string forward = text.substr(functionalized, decomposed - functionalized);
  EXPECT_EQ(forward.find("%tangents_1"), std::string::npos) << forward;
  EXPECT_NE(text.find("%tangents_1", decomposed), std::string::npos) << text;
}

TEST(CompilerCommandsTest, AnUnknownStageIsRefusedByName) {
  std::ostringstream out;
  absl::Status s = TraceCommand("tests/testdata/workloads/e_loss/small/forward.json",
                                /*json=*/false, {"inline"}, out);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("unknown stage 'inline'"), std::string::npos) << s;
  EXPECT_NE(s.message().find("decompose"), std::string::npos) << s;
}

TEST(CompilerCommandsTest, OpsMarkdownListsEveryOp) {
  std::ostringstream out;
  ASSERT_TRUE(OpsCommand(/*markdown=*/true, out).ok());
  EXPECT_NE(out.str().find("| `aten.addmm.default` | matmul | yes | yes | yes | yes |"),
            std::string::npos)
      << out.str();
  // Every op has inference, a kernel and its derivative.
  std::istringstream rows(out.str());
  std::string row;
  std::vector<std::string> missing;
  while (std::getline(rows, row)) {
    if (row.rfind("| `", 0) != 0) continue;
    std::vector<std::string> cells;
    std::stringstream cellstream(row);
    std::string cell;
    while (std::getline(cellstream, cell, '|')) cells.push_back(cell);
    ASSERT_GE(cells.size(), 7u) << row;
    EXPECT_EQ(cells[4], " yes ") << row;  // Inference.
    EXPECT_EQ(cells[5], " yes ") << row;  // Kernel.
    if (cells[6].find("MISSING") != std::string::npos) missing.push_back(cells[1]);
  }
  EXPECT_EQ(missing, std::vector<std::string>());
}

TEST(CompilerCommandsTest, DocsOpsTableIsUpToDate) {
  std::ifstream in("docs/ops.md");
  ASSERT_TRUE(in) << "docs/ops.md missing";
  std::stringstream committed;
  committed << in.rdbuf();
  std::ostringstream out;
  ASSERT_TRUE(OpsCommand(/*markdown=*/true, out).ok());
  EXPECT_NE(committed.str().find(out.str()), std::string::npos)
      << "docs/ops.md is stale: regenerate it with `aotctl ops --markdown`";
}

}  // namespace
}  // namespace aotd::tools

namespace aotd::tools {
namespace {

TEST(CompilerCommandsTest, PartitionJsonHasFunctorchFields) {
  std::ostringstream out;
  absl::Status s = PartitionCommand("tests/testdata/workloads/e_loss/small/forward.json",
                                    "min_cut", 1.0, /*json=*/true, out);
  ASSERT_TRUE(s.ok()) << s;
  nlohmann::json j = nlohmann::json::parse(out.str());
  for (const char* field : {"saved_values", "saved_new_storage_tensors", "saved_new_storage_bytes",
                            "recomputed_values"}) {
    EXPECT_TRUE(j.contains(field)) << field;
  }
  EXPECT_GT(j["saved_values"].get<int>(), 0);
}

TEST(CompilerCommandsTest, PartitionRejectsUnknownPartitioner) {
  std::ostringstream out;
  absl::Status s = PartitionCommand("tests/testdata/workloads/e_loss/small/forward.json", "greedy",
                                    1.0, false, out);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace aotd::tools
