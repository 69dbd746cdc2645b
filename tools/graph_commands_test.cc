#include "tools/graph_commands.h"

#include <algorithm>
#include <sstream>

#include "gtest/gtest.h"
#include "tests/workloads.h"

namespace aotd::tools {
namespace {

TEST(GraphCommandsTest, CheckAcceptsEveryWorkload) {
  std::vector<std::string> files;
  for (const testing::Workload& w : testing::Workloads()) files.push_back(w.ForwardJson());
  std::ostringstream out;
  absl::Status status = GraphCheck(files, out);
  EXPECT_TRUE(status.ok()) << status << "\n" << out.str();
  std::string text = out.str();
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 10);
  EXPECT_EQ(text.find("FAIL"), std::string::npos) << text;
}

TEST(GraphCommandsTest, CheckReportsEachFailureAndFails) {
  std::ostringstream out;
  absl::Status status = GraphCheck(
      {"tests/testdata/workloads/e_loss/small/forward.json", "no/such/file.json",
       "tests/testdata/workloads/e_loss/small/vectors/in_0.npy"},
      out);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("2 of 3"), std::string::npos) << status;
  EXPECT_NE(out.str().find("OK   tests/testdata/workloads/e_loss/small/forward.json"),
            std::string::npos) << out.str();
  EXPECT_NE(out.str().find("FAIL no/such/file.json"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("FAIL tests/testdata/workloads/e_loss/small/vectors/in_0.npy"),
            std::string::npos) << out.str();
}

TEST(GraphCommandsTest, KeyIsHexAndStable) {
  std::ostringstream a, b;
  ASSERT_TRUE(GraphKeyCommand("tests/testdata/workloads/c_cnn/small/forward.json", a).ok());
  ASSERT_TRUE(GraphKeyCommand("tests/testdata/workloads/c_cnn/small/forward.json", b).ok());
  EXPECT_EQ(a.str(), b.str());
  EXPECT_EQ(a.str().size(), 65u);
  std::ostringstream c;
  ASSERT_TRUE(GraphKeyCommand("tests/testdata/workloads/c_cnn/full/forward.json", c).ok());
  EXPECT_NE(a.str(), c.str());
}

TEST(GraphCommandsTest, PrintShowsTheTextIr) {
  std::ostringstream out;
  ASSERT_TRUE(GraphPrint("tests/testdata/workloads/e_loss/small/forward.json", out).ok());
  EXPECT_NE(out.str().find("aten.nll_loss_forward.default(%_log_softmax, %target_1, None, 1, -100)"),
            std::string::npos) << out.str();
}

}  // namespace
}  // namespace aotd::tools
