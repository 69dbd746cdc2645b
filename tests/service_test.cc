// The compile service end to end: a real gRPC server on loopback with its
// RocksDB cache in a temporary folder, and the C++ client.
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "client/remote_client.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/workloads.h"
#include "proto/service.grpc.pb.h"
#include "server/server.h"

namespace aotd {
namespace {

class ServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(std::getenv("TEST_TMPDIR") ? std::getenv("TEST_TMPDIR") : "/tmp") /
           ("aotd-service-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    Start();
  }
  void TearDown() override {
    server_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Start() {
    server::ServerOptions options;
    options.listen = "127.0.0.1:0";
    options.cache_dir = dir_.string();
    options.max_nodes = 200;
    absl::StatusOr<std::unique_ptr<server::Server>> s = server::StartServer(options);
    ASSERT_TRUE(s.ok()) << s.status();
    server_ = *std::move(s);
  }
  client::Client NewClient() {
    client::Client::Options options;
    options.address = "127.0.0.1:" + std::to_string(server_->port());
    return client::Client(options);
  }

  std::filesystem::path dir_;
  std::unique_ptr<server::Server> server_;
};

TEST_F(ServiceTest, MissThenHitThenHitAfterRestart) {
  proto::Graph graph = ::aotd::testing::WorkloadGraph("e_loss/small");
  client::Client first = NewClient();
  absl::StatusOr<client::Client::Compiled> a = first.Compile(graph, {});
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_FALSE(a->cache_hit);
  EXPECT_TRUE(a->uploaded_graph);
  EXPECT_EQ(server_->compiles_started(), 1);

  // Another job: found by key, the graph is not sent again.
  client::Client second = NewClient();
  absl::StatusOr<client::Client::Compiled> b = second.Compile(graph, {});
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_TRUE(b->cache_hit);
  EXPECT_FALSE(b->uploaded_graph);

  // A restart costs a cache hit, not a compile.
  server_.reset();
  Start();
  client::Client third = NewClient();
  absl::StatusOr<client::Client::Compiled> c = third.Compile(graph, {});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_TRUE(c->cache_hit);
  EXPECT_EQ(server_->compiles_started(), 0);
}

TEST_F(ServiceTest, ConcurrentRequestsForOneNewGraphCompileOnce) {
  proto::Graph graph = ::aotd::testing::WorkloadGraph("d_pointwise/small");
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 32; ++i) {
    threads.emplace_back([&] {
      client::Client c = NewClient();
      absl::StatusOr<client::Client::Compiled> r = c.Compile(graph, {});
      if (r.ok()) ++ok;
      else ADD_FAILURE() << r.status();
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(ok.load(), 32);
  EXPECT_EQ(server_->compiles_started(), 1);
}

TEST_F(ServiceTest, BadClientsGetClearErrorsAndOthersAreStillServed) {
  auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->port()),
                                     grpc::InsecureChannelCredentials());
  auto stub = proto::Compiler::NewStub(channel);
  auto compile = [&](const proto::CompileRequest& request) {
    grpc::ClientContext context;
    proto::CompileResponse response;
    return stub->Compile(&context, request, &response);
  };
  {
    proto::CompileRequest request;  // Empty graph, no format version.
    grpc::Status s = compile(request);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_NE(s.error_message().find("format_version"), std::string::npos) << s.error_message();
  }
  {
    proto::CompileRequest request;
    *request.mutable_graph() = ::aotd::testing::WorkloadGraph("e_loss/small");
    request.mutable_graph()->mutable_nodes(0)->set_op("aten.frobnicate.default");
    grpc::Status s = compile(request);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_NE(s.error_message().find("unknown op 'aten.frobnicate.default'"), std::string::npos);
  }
  {
    proto::CompileRequest request;
    *request.mutable_graph() = ::aotd::testing::WorkloadGraph("e_loss/small");
    for (int i = 0; i < 300; ++i) *request.mutable_graph()->add_nodes() = request.graph().nodes(1);
    grpc::Status s = compile(request);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_NE(s.error_message().find("at most 200"), std::string::npos) << s.error_message();
  }
  {
    proto::LookupRequest request;
    request.set_graph_key("not a key");
    grpc::ClientContext context;
    proto::LookupResponse response;
    grpc::Status s = stub->Lookup(&context, request, &response);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  }
  // Everyone else is still served.
  client::Client good = NewClient();
  absl::StatusOr<client::Client::Compiled> r = good.Compile(::aotd::testing::WorkloadGraph("e_loss/small"), {});
  EXPECT_TRUE(r.ok()) << r.status();
}

TEST(ClientTest, UnreachableServerIsNamed) {
  client::Client::Options options;
  options.address = "127.0.0.1:1";
  options.max_attempts = 2;
  options.initial_backoff = absl::Milliseconds(10);
  options.deadline = absl::Seconds(2);
  client::Client c(options);
  absl::StatusOr<client::Client::Compiled> r = c.Compile(::aotd::testing::WorkloadGraph("e_loss/small"), {});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(r.status().message().find("127.0.0.1:1"), std::string::npos) << r.status();
}

}  // namespace
}  // namespace aotd
