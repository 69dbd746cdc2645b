// aotctl's admin commands (tools/admin_commands.h) against a real aotd on
// loopback with a scratch cache: what each prints, --json, bundles, and how
// the server's errors come back.
#include "tools/admin_commands.h"

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "cache/testing/test_entries.h"
#include "compiler/frontend/load.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/workloads.h"
#include "proto/service.grpc.pb.h"
#include "server/server.h"

namespace aotd::tools {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr char kForward[] = "tests/testdata/workloads/e_loss/small/forward.json";

class AdminCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = cache::testing::NewTempDir();
    std::ofstream(root_ + "/token") << "tok-123\n";
    Start(root_ + "/cache");
  }
  void TearDown() override {
    server_.reset();
    std::filesystem::remove_all(root_);
  }

  void Start(const std::string& cache_dir) {
    server_.reset();
    server::ServerOptions options;
    options.listen = "127.0.0.1:0";
    options.cache_dir = cache_dir;
    options.admin_token_file = root_ + "/token";
    absl::StatusOr<std::unique_ptr<server::Server>> started = server::StartServer(options);
    ASSERT_TRUE(started.ok()) << started.status();
    server_ = *std::move(started);
    admin_.server = absl::StrCat("127.0.0.1:", server_->port());
    admin_.admin_token_file = root_ + "/token";
    admin_.json = false;
  }

  // Compiles e_loss/small through the compile service; returns its key.
  std::string Compile(const std::string& partitioner = "") {
    proto::CompileRequest request;
    *request.mutable_graph() = ::aotd::testing::WorkloadGraph("e_loss/small");
    request.mutable_options()->set_partitioner(partitioner);
    auto stub = proto::Compiler::NewStub(
        grpc::CreateChannel(admin_.server, grpc::InsecureChannelCredentials()));
    grpc::ClientContext context;
    proto::CompileResponse response;
    grpc::Status status = stub->Compile(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.key();
  }

  // Runs a command; returns what it printed, failing the test on an error.
  template <typename Command>
  std::string Run(Command command) {
    std::ostringstream out;
    absl::Status status = command(out);
    EXPECT_TRUE(status.ok()) << status;
    return out.str();
  }

  std::string root_;
  std::unique_ptr<server::Server> server_;
  AdminOptions admin_;
};

TEST(ParseAgeTest, DurationsAndDays) {
  EXPECT_EQ(*ParseAge("90s"), absl::Seconds(90));
  EXPECT_EQ(*ParseAge("1h30m"), absl::Minutes(90));
  EXPECT_EQ(*ParseAge("7d"), absl::Hours(7 * 24));
  EXPECT_EQ(*ParseAge("250ms"), absl::Milliseconds(250));
  EXPECT_EQ(ParseAge("soon").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseAge("-5m").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(AdminCommandsTest, HealthAndStats) {
  EXPECT_EQ(Run([&](std::ostream& out) { return HealthCommand(admin_, out); }), "SERVING\n");
  admin_.json = true;
  EXPECT_THAT(Run([&](std::ostream& out) { return HealthCommand(admin_, out); }),
              HasSubstr("\"status\": \"SERVING\""));
  admin_.json = false;

  Compile();
  std::string stats = Run([&](std::ostream& out) { return StatsCommand(admin_, out); });
  EXPECT_THAT(stats, HasSubstr("cache tiered: 1 entries"));
  EXPECT_THAT(stats, HasSubstr("tier memory: 1 entries"));
  EXPECT_THAT(stats, HasSubstr("tier rocksdb: 1 entries"));
  EXPECT_THAT(stats, HasSubstr("  default: 1 entries"));
  EXPECT_THAT(stats, HasSubstr("compiles started 1, queue depth 0"));
  admin_.json = true;
  std::string json = Run([&](std::ostream& out) { return StatsCommand(admin_, out); });
  EXPECT_THAT(json, StartsWith("{"));
  EXPECT_THAT(json, HasSubstr("\"compiles_started\": \"1\""));
  EXPECT_THAT(json, HasSubstr("\"tier\": \"rocksdb\""));
}

TEST_F(AdminCommandsTest, LsShowAndRm) {
  const std::string min_cut = Compile();
  const std::string by_default = Compile("default");

  std::string listing = Run([&](std::ostream& out) { return ListCommand(admin_, {}, out); });
  EXPECT_THAT(listing, StartsWith("KEY "));
  EXPECT_THAT(listing, HasSubstr("LAST USE"));
  EXPECT_THAT(listing, HasSubstr(min_cut.substr(0, 16)));
  EXPECT_THAT(listing, HasSubstr(by_default.substr(0, 16)));
  EXPECT_THAT(listing, HasSubstr("default"));

  ListArgs one;
  one.sort = "size";
  one.limit = 1;
  listing = Run([&](std::ostream& out) { return ListCommand(admin_, one, out); });
  EXPECT_THAT(listing, HasSubstr("(more entries"));
  one.sort = "sideways";
  std::ostringstream ignored;
  EXPECT_EQ(ListCommand(admin_, one, ignored).code(), absl::StatusCode::kInvalidArgument);

  admin_.json = true;
  ListArgs all;
  all.sort = "hits";
  std::string json = Run([&](std::ostream& out) { return ListCommand(admin_, all, out); });
  EXPECT_THAT(json, HasSubstr(absl::StrCat("\"key\": \"", min_cut, "\"")));
  admin_.json = false;

  std::string shown = Run(
      [&](std::ostream& out) { return ShowCommand(admin_, min_cut.substr(0, 12), false, out); });
  EXPECT_THAT(shown, HasSubstr(absl::StrCat("key        ", min_cut)));
  EXPECT_THAT(shown, HasSubstr("options           partitioner=min_cut;memory_budget=1"));
  EXPECT_THAT(shown, HasSubstr("partition: min_cut"));
  EXPECT_THAT(shown, HasSubstr("(--source prints it)"));
  shown = Run([&](std::ostream& out) { return ShowCommand(admin_, min_cut, true, out); });
  EXPECT_THAT(shown, HasSubstr("source:\n"));
  EXPECT_THAT(shown, HasSubstr("extern \"C\""));

  EXPECT_THAT(Run([&](std::ostream& out) { return RemoveCommand(admin_, by_default, out); }),
              HasSubstr(absl::StrCat("removed ", by_default)));
  listing = Run([&](std::ostream& out) { return ListCommand(admin_, {}, out); });
  EXPECT_THAT(listing, Not(HasSubstr(by_default.substr(0, 16))));

  std::ostringstream out;
  absl::Status missing = ShowCommand(admin_, by_default, false, out);
  EXPECT_EQ(missing.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(missing.message()), StartsWith("NOT_FOUND from 127.0.0.1:"));
}

TEST_F(AdminCommandsTest, EvictAndVerify) {
  Compile();
  EXPECT_EQ(Run([&](std::ostream& out) { return VerifyCommand(admin_, out); }),
            "checked 1 entries (2 copies over all tiers): all intact\n");

  EvictArgs young;
  young.older_than = "1h";
  EXPECT_EQ(Run([&](std::ostream& out) { return EvictCommand(admin_, young, out); }),
            "evicted 0 entries, 0 B\n");
  EvictArgs to_zero;
  to_zero.max_bytes = 0;
  EXPECT_THAT(Run([&](std::ostream& out) { return EvictCommand(admin_, to_zero, out); }),
              StartsWith("evicted 1 entries"));

  std::ostringstream out;
  EXPECT_EQ(EvictCommand(admin_, EvictArgs(), out).code(), absl::StatusCode::kInvalidArgument);
  EvictArgs bad_age;
  bad_age.older_than = "a while";
  EXPECT_EQ(EvictCommand(admin_, bad_age, out).code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(AdminCommandsTest, ExportThenImportIntoAFreshServer) {
  const std::string key = Compile();
  const std::string bundle = root_ + "/cache.bundle";
  std::ostringstream progress;
  admin_.progress = &progress;
  EXPECT_THAT(Run([&](std::ostream& out) { return ExportCommand(admin_, bundle, {}, out); }),
              HasSubstr("exported 1 entries"));
  EXPECT_THAT(progress.str(), HasSubstr("exported 1/1 entries"));
  EXPECT_FALSE(std::filesystem::exists(bundle + ".partial"));

  Start(root_ + "/fresh");
  admin_.json = true;
  EXPECT_THAT(Run([&](std::ostream& out) { return ImportCommand(admin_, bundle, out); }),
              HasSubstr("\"imported\": \"1\""));
  admin_.json = false;
  std::string explained = Run([&](std::ostream& out) {
    return ExplainCommand(admin_, kForward, ExplainArgs(), out);
  });
  EXPECT_THAT(explained, HasSubstr(absl::StrCat("key ", key)));
  EXPECT_THAT(explained, HasSubstr("a compile would hit"));

  // Not a bundle; a truncated bundle stores nothing.
  std::ostringstream out;
  EXPECT_EQ(ImportCommand(admin_, kForward, out).code(), absl::StatusCode::kInvalidArgument);
  std::string bytes = *frontend::ReadFile(bundle);
  std::ofstream(root_ + "/cut.bundle", std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  Start(root_ + "/another");
  EXPECT_EQ(ImportCommand(admin_, root_ + "/cut.bundle", out).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Run([&](std::ostream& o) { return StatsCommand(admin_, o); }),
              HasSubstr("cache tiered: 0 entries"));
}

TEST_F(AdminCommandsTest, ExplainNamesTheDifference) {
  std::string explained = Run([&](std::ostream& out) {
    return ExplainCommand(admin_, kForward, ExplainArgs(), out);
  });
  EXPECT_THAT(explained, HasSubstr("not in the cache"));
  EXPECT_THAT(explained, HasSubstr("the cache is empty"));

  const std::string key = Compile();
  ExplainArgs other;
  other.partitioner = "default";
  explained = Run([&](std::ostream& out) { return ExplainCommand(admin_, kForward, other, out); });
  EXPECT_THAT(explained, HasSubstr(absl::StrCat(key.substr(0, 16), " (namespace default): "
                                                                   "differs in options")));
  EXPECT_THAT(explained, HasSubstr("options: wanted \"partitioner=default;memory_budget=1\", "
                                   "cached \"partitioner=min_cut;memory_budget=1\""));
}

TEST_F(AdminCommandsTest, ServerErrorsKeepTheirCode) {
  std::ofstream(root_ + "/wrong") << "nope\n";
  AdminOptions wrong = admin_;
  wrong.admin_token_file = root_ + "/wrong";
  std::ostringstream out;
  absl::Status denied = StatsCommand(wrong, out);
  EXPECT_EQ(denied.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(std::string(denied.message()), StartsWith("PERMISSION_DENIED from 127.0.0.1:"));

  AdminOptions anonymous = admin_;
  anonymous.admin_token_file.clear();
  EXPECT_EQ(VerifyCommand(anonymous, out).code(), absl::StatusCode::kUnauthenticated);
  // Health needs no credential.
  EXPECT_TRUE(HealthCommand(anonymous, out).ok());

  AdminOptions nowhere = admin_;
  nowhere.server = "127.0.0.1:1";
  nowhere.deadline = absl::Seconds(2);
  absl::Status unreachable = StatsCommand(nowhere, out);
  EXPECT_EQ(unreachable.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(unreachable.message()), HasSubstr("127.0.0.1:1"));
  EXPECT_EQ(HealthCommand(nowhere, out).code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace aotd::tools
