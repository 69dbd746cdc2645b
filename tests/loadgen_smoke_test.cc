// aotd_loadgen's library for a fraction of a second per row against an
// in-process server: every phase at 1, 8 and 64 clients gets a row with its
// figures, and the baseline is printed.
#include <filesystem>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "cache/testing/test_entries.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/server.h"
#include "tools/loadgen.h"

namespace aotd {
namespace {

using ::testing::HasSubstr;

constexpr char kGraph[] = "tests/testdata/workloads/d_pointwise/small/forward.json";

struct Row {
  long long requests = 0, errors = 0, misses = 0;
  double p50 = 0, p99 = 0, per_second = 0, over_copy = 0;
};

TEST(LoadgenSmokeTest, ReportsEveryPhaseAtEachConcurrency) {
  const std::string root = cache::testing::NewTempDir();
  server::ServerOptions server_options;
  server_options.listen = "127.0.0.1:0";
  server_options.cache_dir = root + "/cache";
  absl::StatusOr<std::unique_ptr<server::Server>> server = server::StartServer(server_options);
  ASSERT_TRUE(server.ok()) << server.status();

  tools::LoadgenOptions options;
  options.server = absl::StrCat("127.0.0.1:", (*server)->port());
  options.graph_file = kGraph;
  options.duration = absl::Milliseconds(200);
  options.distinct = 1;
  std::ostringstream out;
  absl::Status status = tools::RunLoadgen(options, out);
  ASSERT_TRUE(status.ok()) << status << "\n" << out.str();
  const std::string report = out.str();
  EXPECT_THAT(report, HasSubstr("warm-up: compiled"));
  EXPECT_THAT(report, HasSubstr("baseline: in-process copy of the artifact's"));
  EXPECT_THAT(report, HasSubstr("p50_ms"));
  EXPECT_THAT(report, HasSubstr("p99_ms"));
  EXPECT_THAT(report, HasSubstr("req/s"));

  std::map<std::pair<std::string, int>, Row> rows;
  std::istringstream lines(report);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    std::string phase;
    int clients = 0;
    Row row;
    if (fields >> phase >> clients >> row.requests >> row.errors >> row.misses >> row.p50 >>
        row.p99 >> row.per_second >> row.over_copy) {
      rows[{phase, clients}] = row;
    }
  }
  for (const char* phase : {"lookup_hit", "client_hit", "miss_then_hit"}) {
    for (int clients : {1, 8, 64}) {
      auto it = rows.find({phase, clients});
      ASSERT_NE(it, rows.end()) << phase << " " << clients << "\n" << report;
      const Row& row = it->second;
      EXPECT_GT(row.requests, 0) << phase << " " << clients;
      EXPECT_EQ(row.errors, 0) << phase << " " << clients;
      EXPECT_GT(row.p50, 0) << phase << " " << clients;
      EXPECT_GE(row.p99, row.p50) << phase << " " << clients;
      EXPECT_GT(row.per_second, 0) << phase << " " << clients;
      EXPECT_GT(row.over_copy, 0) << phase << " " << clients;
      if (std::string(phase) != "miss_then_hit") {
        EXPECT_EQ(row.misses, 0) << phase << " " << clients;
      } else {
        EXPECT_GT(row.misses, 0) << phase << " " << clients;  // A new graph each time.
      }
    }
  }
  // The warm graph, and one new graph per concurrency.
  EXPECT_EQ((*server)->compiles_started(), 4);

  server->reset();
  std::filesystem::remove_all(root);
}

TEST(LoadgenSmokeTest, DistinctGraphsChangeTheFloatConstant) {
  proto::Graph graph;
  graph.set_format_version(1);
  proto::Node* node = graph.add_nodes();
  node->add_args()->mutable_ref()->set_name("x");
  node->add_args()->set_float_value(0.5);
  absl::StatusOr<proto::Graph> changed = tools::WithFloatConstant(graph, 0.75);
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_EQ(changed->nodes(0).args(1).float_value(), 0.75);
  EXPECT_EQ(changed->nodes(0).args(0).ref().name(), "x");

  node->mutable_args()->RemoveLast();
  EXPECT_EQ(tools::WithFloatConstant(graph, 0.75).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace aotd
