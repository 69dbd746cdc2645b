// `aotctl conformance` through a server: the five small workloads, compiled
// by a real aotd on loopback and run here, match PyTorch with both
// partitioners; a second run (another job) finds every artifact in the cache
// and compiles nothing.
#include <filesystem>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cache/testing/test_entries.h"
#include "client/remote_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/server.h"
#include "tests/workloads.h"
#include "tools/conformance.h"

namespace aotd {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr double kRtol = 1e-4, kAtol = 1e-5;

class ServerConformanceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = cache::testing::NewTempDir();
    server::ServerOptions options;
    options.listen = "127.0.0.1:0";
    options.cache_dir = root_ + "/cache";
    absl::StatusOr<std::unique_ptr<server::Server>> started = server::StartServer(options);
    ASSERT_TRUE(started.ok()) << started.status();
    server_ = *std::move(started);
  }
  void TearDown() override {
    server_.reset();
    std::filesystem::remove_all(root_);
  }

  // What one job sees: a client of its own (clients keep what they loaded).
  client::Client NewClient() const {
    client::Client::Options options;
    options.address = absl::StrCat("127.0.0.1:", server_->port());
    return client::Client(options);
  }

  // Checks every small workload with both partitioners through a new client.
  std::vector<tools::ConformanceResult> CheckAll() {
    client::Client client = NewClient();
    tools::ArtifactSource source = tools::ServerArtifactSource(&client);
    std::vector<tools::ConformanceResult> results;
    for (const testing::Workload& w : testing::Workloads("small")) {
      for (partition::Strategy s : {partition::Strategy::kDefault, partition::Strategy::kMinCut}) {
        absl::StatusOr<tools::ConformanceResult> r =
            tools::CheckConformance(w.dir, {s, 1.0}, kRtol, kAtol, source);
        EXPECT_TRUE(r.ok()) << w.Id() << ": " << r.status();
        if (r.ok()) results.push_back(*std::move(r));
      }
    }
    return results;
  }

  std::string root_;
  std::unique_ptr<server::Server> server_;
};

TEST_F(ServerConformanceTest, PassesTwiceAndTheSecondRunIsAllCacheHits) {
  const int checks = 2 * static_cast<int>(testing::Workloads("small").size());
  ASSERT_EQ(checks, 10);

  std::vector<tools::ConformanceResult> first = CheckAll();
  ASSERT_EQ(static_cast<int>(first.size()), checks);
  for (const tools::ConformanceResult& r : first) {
    EXPECT_TRUE(r.passed) << r.dir << " " << r.partitioner << ": " << r.failure;
    EXPECT_EQ(r.cache_hit, std::optional<bool>(false)) << r.dir << " " << r.partitioner;
  }
  EXPECT_EQ(server_->compiles_started(), checks);

  std::vector<tools::ConformanceResult> second = CheckAll();
  ASSERT_EQ(static_cast<int>(second.size()), checks);
  for (const tools::ConformanceResult& r : second) {
    EXPECT_TRUE(r.passed) << r.dir << " " << r.partitioner << ": " << r.failure;
    EXPECT_EQ(r.cache_hit, std::optional<bool>(true)) << r.dir << " " << r.partitioner;
  }
  EXPECT_EQ(server_->compiles_started(), checks);
}

TEST_F(ServerConformanceTest, CommandPrintsWhetherEachArtifactWasACacheHit) {
  std::vector<std::string> dirs = {testing::Workloads("small").front().dir};
  for (const char* expected_hit : {"no", "yes"}) {
    client::Client client = NewClient();
    std::ostringstream out;
    absl::Status status =
        tools::ConformanceCommand(dirs, tools::ServerArtifactSource(&client), out);
    EXPECT_TRUE(status.ok()) << status << "\n" << out.str();
    std::istringstream lines(out.str());
    std::string header, row;
    std::getline(lines, header);
    EXPECT_THAT(header, HasSubstr(" hit "));
    int rows = 0;
    while (std::getline(lines, row)) {
      std::istringstream fields(row);
      std::string dir, partitioner, hit, ok;
      fields >> dir >> partitioner >> hit >> ok;
      EXPECT_EQ(hit, expected_hit) << row;
      EXPECT_EQ(ok, "yes") << row;
      ++rows;
    }
    EXPECT_EQ(rows, 2) << out.str();
  }
  EXPECT_EQ(server_->compiles_started(), 2);

  // Compiled here, the artifact has no cache to hit.
  std::ostringstream local;
  ASSERT_TRUE(tools::ConformanceCommand(dirs, tools::LocalArtifactSource(), local).ok());
  EXPECT_THAT(local.str(), HasSubstr(" -  "));
  EXPECT_THAT(local.str(), Not(HasSubstr(" NO ")));
}

}  // namespace
}  // namespace aotd
