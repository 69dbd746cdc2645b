// The metrics endpoint and the RPC log of a real server on loopback (ports
// 0) with a scratch cache: a scrape over HTTP before and after compiles
// shows the counters moving; each RPC logs one line.
#include "server/metrics.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "cache/testing/test_entries.h"
#include "gmock/gmock.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/workloads.h"
#include "nlohmann/json.hpp"
#include "proto/service.grpc.pb.h"
#include "server/rpc_observer.h"
#include "server/server.h"

namespace aotd::server {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;

// GET http://127.0.0.1:`port``path` over a plain socket; the body, or ""
// when the answer is not 200.
std::string HttpGet(int port, const std::string& path) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  EXPECT_GE(fd, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    ADD_FAILURE() << "cannot connect to port " << port;
    ::close(fd);
    return "";
  }
  const std::string request =
      absl::StrCat("GET ", path, " HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(::send(fd, request.data(), request.size(), 0), static_cast<ssize_t>(request.size()));
  std::string answer;
  char buffer[4096];
  for (ssize_t n; (n = ::recv(fd, buffer, sizeof(buffer), 0)) > 0;) answer.append(buffer, n);
  ::close(fd);
  const size_t body = answer.find("\r\n\r\n");
  if (!absl::StartsWith(answer, "HTTP/1.1 200") && !absl::StartsWith(answer, "HTTP/1.0 200")) {
    ADD_FAILURE() << "HTTP answer: " << answer.substr(0, 200);
    return "";
  }
  return body == std::string::npos ? "" : answer.substr(body + 4);
}

// The value of the sample `name` whose labels include `labels`, in a
// scrape in Prometheus's text format; nullopt when there is none.
std::optional<double> Sample(const std::string& scrape, const std::string& name,
                             const std::map<std::string, std::string>& labels = {}) {
  for (absl::string_view line : absl::StrSplit(scrape, '\n')) {
    if (line.empty() || line[0] == '#') continue;
    const size_t end = line.find_first_of("{ ");
    if (end == absl::string_view::npos || line.substr(0, end) != name) continue;
    bool matches = true;
    for (const auto& [label, value] : labels) {
      matches = matches && absl::StrContains(line, absl::StrCat(label, "=\"", value, "\""));
    }
    double number = 0;
    if (matches && absl::SimpleAtod(line.substr(line.rfind(' ') + 1), &number)) return number;
  }
  return std::nullopt;
}

class MetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = cache::testing::NewTempDir();
    ServerOptions options;
    options.listen = "127.0.0.1:0";
    options.metrics_listen = "127.0.0.1:0";
    options.cache_dir = root_ + "/cache";
    options.log_format = LogFormat::kJson;
    options.log_writer = [this](absl::string_view line) {
      absl::MutexLock lock(&mu_);
      log_.emplace_back(line);
    };
    absl::StatusOr<std::unique_ptr<Server>> started = StartServer(options);
    ASSERT_TRUE(started.ok()) << started.status();
    server_ = *std::move(started);
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                                   grpc::InsecureChannelCredentials());
  }
  void TearDown() override {
    server_.reset();
    std::filesystem::remove_all(root_);
  }

  std::string Scrape() { return HttpGet(server_->metrics_port(), "/metrics"); }

  grpc::Status Compile(const proto::Graph& graph, proto::CompileResponse* response) {
    proto::CompileRequest request;
    *request.mutable_graph() = graph;
    grpc::ClientContext context;
    return proto::Compiler::NewStub(channel_)->Compile(&context, request, response);
  }

  std::vector<std::string> Log() {
    absl::MutexLock lock(&mu_);
    return log_;
  }

  std::string root_;
  std::unique_ptr<Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
  absl::Mutex mu_;
  std::vector<std::string> log_ ABSL_GUARDED_BY(mu_);
};

constexpr char kCompileMethod[] = "/aotd.proto.Compiler/Compile";

TEST_F(MetricsTest, ScrapeShowsCountersMovingAcrossAMissAndAHit) {
  ASSERT_GT(server_->metrics_port(), 0);
  const std::string before = Scrape();
  EXPECT_EQ(Sample(before, "aotd_compiles_started_total"), 0);
  EXPECT_EQ(Sample(before, "aotd_compile_queue_depth"), 0);
  EXPECT_EQ(Sample(before, "aotd_cache_entries", {{"tier", "rocksdb"}}), 0);
  EXPECT_EQ(Sample(before, "aotd_cache_hits_total", {{"tier", "memory"}}), 0);
  EXPECT_EQ(Sample(before, "aotd_cache_misses_total", {{"tier", "rocksdb"}}), 0);
  EXPECT_EQ(Sample(before, "aotd_cache_digest_failures_total", {{"tier", "rocksdb"}}), 0);
  EXPECT_EQ(Sample(before, "aotd_cache_evictions_total", {{"tier", "memory"}}), 0);
  EXPECT_EQ(Sample(before, "aotd_rpcs_total", {{"method", kCompileMethod}}), std::nullopt);

  const proto::Graph graph = ::aotd::testing::WorkloadGraph("e_loss/small");
  proto::CompileResponse miss, hit;
  ASSERT_TRUE(Compile(graph, &miss).ok());
  ASSERT_FALSE(miss.cache_hit());
  ASSERT_TRUE(Compile(graph, &hit).ok());
  ASSERT_TRUE(hit.cache_hit());

  const std::string after = Scrape();
  EXPECT_EQ(Sample(after, "aotd_compiles_started_total"), 1);
  EXPECT_EQ(Sample(after, "aotd_compile_seconds_count", {{"result", "ok"}}), 1);
  EXPECT_GT(Sample(after, "aotd_compile_seconds_sum", {{"result", "ok"}}).value_or(0), 0);
  EXPECT_EQ(Sample(after, "aotd_rpcs_total", {{"method", kCompileMethod}, {"code", "OK"}}), 2);
  EXPECT_EQ(Sample(after, "aotd_rpc_seconds_count", {{"method", kCompileMethod}}), 2);
  EXPECT_EQ(Sample(after, "aotd_cache_misses_total", {{"tier", "rocksdb"}}), 1);
  EXPECT_EQ(Sample(after, "aotd_cache_hits_total", {{"tier", "memory"}}), 1);
  EXPECT_EQ(Sample(after, "aotd_cache_entries", {{"tier", "rocksdb"}}), 1);
  EXPECT_EQ(Sample(after, "aotd_cache_entries", {{"tier", "memory"}}), 1);
  EXPECT_GT(Sample(after, "aotd_cache_bytes", {{"tier", "rocksdb"}}).value_or(0), 0);

  // One JSON line per RPC, the cache result and key prefix included.
  std::vector<std::string> log = Log();
  ASSERT_THAT(log, SizeIs(2));
  for (size_t i = 0; i < log.size(); ++i) {
    nlohmann::json line = nlohmann::json::parse(log[i]);
    EXPECT_EQ(line["method"], kCompileMethod);
    EXPECT_EQ(line["code"], "OK");
    EXPECT_EQ(line["cache"], i == 0 ? "miss" : "hit");
    EXPECT_EQ(line["key"], miss.key().substr(0, 16));
    EXPECT_THAT(line["peer"].get<std::string>(), HasSubstr("127.0.0.1"));
    EXPECT_GE(line["latency_ms"].get<double>(), 0);
    EXPECT_TRUE(absl::EndsWith(line["time"].get<std::string>(), "Z")) << line["time"];
    EXPECT_FALSE(line.contains("error"));
  }
}

TEST_F(MetricsTest, FailedRpcsAreCountedByCodeAndLoggedWithTheirError) {
  proto::CompileResponse response;
  grpc::Status status = Compile(proto::Graph(), &response);
  ASSERT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  // A method the server does not have: counted as "unknown", so that
  // clients cannot add label values.
  grpc::GenericStub generic(channel_);
  grpc::ClientContext context;
  grpc::Slice empty("");
  grpc::ByteBuffer request(&empty, 1), reply;
  absl::Notification done;
  grpc::Status unknown;
  generic.UnaryCall(&context, "/aotd.proto.Compiler/Frobnicate", grpc::StubOptions(), &request,
                    &reply, [&](grpc::Status s) {
                      unknown = std::move(s);
                      done.Notify();
                    });
  done.WaitForNotification();
  ASSERT_EQ(unknown.error_code(), grpc::StatusCode::UNIMPLEMENTED);

  const std::string scrape = Scrape();
  EXPECT_EQ(
      Sample(scrape, "aotd_rpcs_total", {{"method", kCompileMethod}, {"code", "INVALID_ARGUMENT"}}),
      1);
  EXPECT_EQ(Sample(scrape, "aotd_compiles_started_total"), 0);
  EXPECT_FALSE(absl::StrContains(scrape, "Frobnicate"));
  EXPECT_EQ(Sample(scrape, "aotd_rpcs_total", {{"method", "unknown"}, {"code", "UNIMPLEMENTED"}}),
            1);

  std::vector<std::string> log = Log();
  ASSERT_FALSE(log.empty());
  nlohmann::json line = nlohmann::json::parse(log[0]);
  EXPECT_EQ(line["code"], "INVALID_ARGUMENT");
  EXPECT_THAT(line["error"].get<std::string>(), HasSubstr("format_version"));
  EXPECT_FALSE(line.contains("cache"));
}

TEST_F(MetricsTest, MetricsAddressInUseIsUnavailable) {
  ServerOptions options;
  options.listen = "127.0.0.1:0";
  options.metrics_listen = absl::StrCat("127.0.0.1:", server_->metrics_port());
  options.cache_dir = root_ + "/other";
  absl::StatusOr<std::unique_ptr<Server>> second = StartServer(options);
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(second.status().message(), HasSubstr(options.metrics_listen));
  // The first still serves.
  EXPECT_TRUE(Sample(Scrape(), "aotd_compiles_started_total").has_value());
}

TEST(RpcObserverTest, ParsesLogFormats) {
  EXPECT_EQ(*ParseLogFormat("json"), LogFormat::kJson);
  EXPECT_EQ(*ParseLogFormat("text"), LogFormat::kText);
  EXPECT_EQ(*ParseLogFormat("none"), LogFormat::kNone);
  EXPECT_EQ(ParseLogFormat("xml").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(RpcObserverTest, TextLinesNameMethodPeerCodeAndLatency) {
  const std::string root = cache::testing::NewTempDir();
  std::vector<std::string> log;
  absl::Mutex mu;
  ServerOptions options;
  options.listen = "127.0.0.1:0";
  options.cache_dir = root + "/cache";
  options.log_writer = [&](absl::string_view line) {
    absl::MutexLock lock(&mu);
    log.emplace_back(line);
  };
  absl::StatusOr<std::unique_ptr<Server>> server = StartServer(options);
  ASSERT_TRUE(server.ok()) << server.status();
  EXPECT_EQ((*server)->metrics_port(), 0);  // No endpoint unless asked for.
  auto stub = proto::Compiler::NewStub(grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", (*server)->port()), grpc::InsecureChannelCredentials()));
  proto::LookupRequest request;
  request.set_graph_key(std::string(64, 'a'));
  grpc::ClientContext context;
  proto::LookupResponse response;
  ASSERT_TRUE(stub->Lookup(&context, request, &response).ok());
  server->reset();
  std::filesystem::remove_all(root);

  absl::MutexLock lock(&mu);
  ASSERT_THAT(log, SizeIs(1));
  EXPECT_THAT(log[0], ::testing::MatchesRegex(
                          "[0-9-]+T[0-9:.]+Z /aotd.proto.Compiler/Lookup ipv4:127.0.0.1:[0-9]+ "
                          "OK [0-9.]+ms cache=miss"));
}

}  // namespace
}  // namespace aotd::server
