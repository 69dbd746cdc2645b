// The real aotd binary killed with SIGKILL in the middle of a burst of
// compiles: after a restart on the same cache folder, every compile it
// acknowledged is a cache hit whose artifact verifies, loads and computes
// what the acknowledged one did; whatever else it kept is intact too, and
// Verify finds nothing damaged.
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "cache/testing/test_entries.h"
#include "client/loaded_artifact.h"
#include "client/remote_client.h"
#include "common/graph_key.h"
#include "common/status_macros.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/workloads.h"
#include "proto/service.grpc.pb.h"
#include "tools/conformance.h"
#include "tools/loadgen.h"

namespace aotd {
namespace {

constexpr char kAotd[] = "server/aotd";
constexpr char kWorkload[] = "tests/testdata/workloads/d_pointwise/small";
constexpr int kGraphs = 12;        // In the burst, all sent at once.
constexpr int kAcksBeforeKill = 3;

// A loopback port nobody listens on now (the kernel's pick for port 0).
absl::StatusOr<int> FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return absl::ErrnoToStatus(errno, "socket");
  sockaddr_in addr = {};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    absl::Status status = absl::ErrnoToStatus(errno, "binding port 0");
    close(fd);
    return status;
  }
  close(fd);
  return ntohs(addr.sin_port);
}

std::shared_ptr<grpc::Channel> NewChannel(const std::string& address) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(256 << 20);
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);  // Never a dead server's connection.
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
}

// The aotd binary in a child process, its output appended to a log file.
class AotdProcess {
 public:
  // Starts aotd with admin RPCs open over `cache_dir` on a free loopback
  // port, and waits until it accepts connections; tries other ports if the
  // one picked was taken meanwhile.
  static absl::StatusOr<std::unique_ptr<AotdProcess>> Start(const std::string& cache_dir,
                                                            const std::string& log_file) {
    absl::Status last = absl::UnavailableError("aotd did not start");
    for (int attempt = 0; attempt < 3; ++attempt) {
      ASSIGN_OR_RETURN(int port, FreePort());
      std::unique_ptr<AotdProcess> process(new AotdProcess(absl::StrCat("127.0.0.1:", port)));
      last = process->Spawn(cache_dir, log_file);
      if (last.ok()) return process;
    }
    return last;
  }

  ~AotdProcess() { Kill(); }

  // SIGKILL, then reaps the child. No-op when it is not running.
  void Kill() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

  const std::string& address() const { return address_; }

 private:
  explicit AotdProcess(std::string address) : address_(std::move(address)) {}

  absl::Status Spawn(const std::string& cache_dir, const std::string& log_file) {
    // Everything the child needs is made before fork (the parent has threads).
    std::vector<std::string> args = {kAotd, "--listen=" + address_, "--cache_dir=" + cache_dir,
                                     "--workers=2", "--insecure_admin",
                                     "--metrics_listen=none"};
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    int log = open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (log < 0) return absl::ErrnoToStatus(errno, log_file);
    pid_ = fork();
    if (pid_ < 0) {
      close(log);
      return absl::ErrnoToStatus(errno, "fork");
    }
    if (pid_ == 0) {
      dup2(log, STDOUT_FILENO);
      dup2(log, STDERR_FILENO);
      execv(kAotd, argv.data());
      _exit(127);
    }
    close(log);
    std::shared_ptr<grpc::Channel> channel = NewChannel(address_);
    const absl::Time give_up = absl::Now() + absl::Seconds(30);
    while (absl::Now() < give_up) {
      if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        return absl::UnavailableError(absl::StrCat("aotd exited at start; see ", log_file));
      }
      if (channel->WaitForConnected(absl::ToChronoTime(absl::Now() + absl::Milliseconds(200)))) {
        return absl::OkStatus();
      }
    }
    Kill();
    return absl::DeadlineExceededError(absl::StrCat("aotd did not listen on ", address_));
  }

  const std::string address_;
  pid_t pid_ = -1;
};

// The outputs and gradients of one forward and backward on the recorded
// step's inputs and tangents, as doubles.
absl::StatusOr<std::vector<std::vector<double>>> RunStep(const client::LoadedArtifact& artifact,
                                                         const tools::RecordedStep& step) {
  std::vector<client::Tensor> inputs, tangents;
  for (const reference::HostTensor& h : step.inputs) {
    ASSIGN_OR_RETURN(client::Tensor t, tools::ToClientTensor(h));
    inputs.push_back(std::move(t));
  }
  for (int o : artifact.artifact().tangent_outputs()) {
    ASSIGN_OR_RETURN(client::Tensor t, tools::ToClientTensor(step.tangents.at(o)));
    tangents.push_back(std::move(t));
  }
  ASSIGN_OR_RETURN(client::ForwardResult forward, artifact.Forward(inputs));
  ASSIGN_OR_RETURN(std::vector<client::Tensor> grads,
                   artifact.Backward(forward.saved, tangents));
  std::vector<std::vector<double>> values;
  for (const std::vector<client::Tensor>* list : {&forward.outputs, &grads}) {
    for (const client::Tensor& t : *list) {
      ASSIGN_OR_RETURN(reference::HostTensor h, tools::ToHostTensor(t));
      values.push_back(std::move(h.data));
    }
  }
  return values;
}

std::string ReadLog(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

TEST(ServerKillTest, AcknowledgedCompilesSurviveSigkillMidBurst) {
  ASSERT_EQ(access(kAotd, X_OK), 0) << kAotd << " is not in the runfiles";
  const std::string root = cache::testing::NewTempDir();
  const std::string cache_dir = root + "/cache", log = root + "/aotd.log";
  absl::StatusOr<tools::RecordedStep> step = tools::LoadRecordedStep(kWorkload);
  ASSERT_TRUE(step.ok()) << step.status();
  const proto::Graph base = ::aotd::testing::WorkloadGraph("d_pointwise/small");
  // Distinct graphs: d_pointwise with another constant in its aten.add.
  std::vector<proto::Graph> graphs;
  for (int k = 0; k < kGraphs; ++k) {
    absl::StatusOr<proto::Graph> g = tools::WithFloatConstant(base, 0.5 + (k + 1) / 64.0);
    ASSERT_TRUE(g.ok()) << g.status();
    graphs.push_back(*std::move(g));
  }

  absl::StatusOr<std::unique_ptr<AotdProcess>> server = AotdProcess::Start(cache_dir, log);
  ASSERT_TRUE(server.ok()) << server.status() << "\n" << ReadLog(log);

  // The burst. A compile is acknowledged when its response arrived.
  absl::Mutex mu;
  std::map<int, proto::Artifact> acknowledged;  // By graph index.
  int failed = 0;
  {
    std::shared_ptr<grpc::Channel> channel = NewChannel((*server)->address());
    std::vector<std::thread> burst;
    for (int k = 0; k < kGraphs; ++k) {
      burst.emplace_back([&, k] {
        std::unique_ptr<proto::Compiler::Stub> stub = proto::Compiler::NewStub(channel);
        proto::CompileRequest request;
        *request.mutable_graph() = graphs[k];
        grpc::ClientContext context;
        context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(60)));
        proto::CompileResponse response;
        grpc::Status status = stub->Compile(&context, request, &response);
        absl::MutexLock lock(&mu);
        if (status.ok()) {
          acknowledged[k] = std::move(*response.mutable_artifact());
        } else {
          ++failed;
        }
      });
    }
    {
      absl::MutexLock lock(&mu);
      auto enough = [&] { return acknowledged.size() >= kAcksBeforeKill || failed > 0; };
      mu.AwaitWithTimeout(absl::Condition(&enough), absl::Seconds(40));
      EXPECT_EQ(failed, 0) << "a compile failed before the kill\n" << ReadLog(log);
      EXPECT_GE(acknowledged.size(), kAcksBeforeKill) << ReadLog(log);
    }
    (*server)->Kill();
    for (std::thread& t : burst) t.join();
  }
  absl::MutexLock lock(&mu);  // Uncontended now; keeps the annotations honest.
  ASSERT_GE(acknowledged.size(), kAcksBeforeKill);
  EXPECT_LT(acknowledged.size(), kGraphs) << "the burst was over before the kill";
  EXPECT_EQ(static_cast<int>(acknowledged.size()) + failed, kGraphs);

  server = AotdProcess::Start(cache_dir, log);
  ASSERT_TRUE(server.ok()) << server.status() << "\n" << ReadLog(log);
  const std::string address = (*server)->address();

  // Every acknowledged graph: a hit, found by key, that loads (the client
  // checks the digest) and computes what the acknowledged artifact does.
  client::Client::Options client_options;
  client_options.address = address;
  client::Client client(client_options);
  for (const auto& [k, artifact] : acknowledged) {
    absl::StatusOr<client::Client::Compiled> compiled = client.Compile(graphs[k], {});
    ASSERT_TRUE(compiled.ok()) << "graph " << k << ": " << compiled.status();
    EXPECT_TRUE(compiled->cache_hit) << "graph " << k;
    EXPECT_FALSE(compiled->uploaded_graph) << "graph " << k;
    EXPECT_EQ(compiled->artifact->artifact().digest(), artifact.digest()) << "graph " << k;
    absl::StatusOr<std::shared_ptr<client::LoadedArtifact>> before =
        client::LoadedArtifact::Load(artifact, nullptr);
    ASSERT_TRUE(before.ok()) << before.status();
    absl::StatusOr<std::vector<std::vector<double>>> got = RunStep(*compiled->artifact, *step);
    absl::StatusOr<std::vector<std::vector<double>>> want = RunStep(**before, *step);
    ASSERT_TRUE(got.ok()) << "graph " << k << ": " << got.status();
    ASSERT_TRUE(want.ok()) << "graph " << k << ": " << want.status();
    EXPECT_EQ(*got, *want) << "graph " << k;
  }

  // The rest: whatever the cache kept of them is whole, or not there at all.
  auto compiler = proto::Compiler::NewStub(NewChannel(address));
  int kept = 0;
  for (int k = 0; k < kGraphs; ++k) {
    if (acknowledged.count(k) > 0) continue;
    absl::StatusOr<Sha256Digest> key = GraphKey(graphs[k]);
    ASSERT_TRUE(key.ok()) << key.status();
    proto::LookupRequest lookup;
    lookup.set_graph_key(ToHex(*key));
    grpc::ClientContext context;
    proto::LookupResponse found;
    grpc::Status status = compiler->Lookup(&context, lookup, &found);
    ASSERT_TRUE(status.ok()) << "graph " << k << ": " << status.error_message();
    if (!found.found()) continue;
    ++kept;
    absl::StatusOr<std::shared_ptr<client::LoadedArtifact>> loaded =
        client::LoadedArtifact::Load(found.artifact(), nullptr);
    ASSERT_TRUE(loaded.ok()) << "graph " << k << ": " << loaded.status();
    absl::StatusOr<std::vector<std::vector<double>>> ran = RunStep(**loaded, *step);
    EXPECT_TRUE(ran.ok()) << "graph " << k << ": " << ran.status();
  }

  std::cout << "killed after " << acknowledged.size() << " of " << kGraphs
            << " compiles were acknowledged; the cache kept " << kept << " more\n";

  // `aotctl verify` is clean, and the restarted server compiled nothing.
  auto admin = proto::Admin::NewStub(NewChannel(address));
  {
    grpc::ClientContext context;
    proto::VerifyResponse verified;
    grpc::Status status = admin->Verify(&context, proto::VerifyRequest(), &verified);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(verified.removed_keys_size(), 0);
    EXPECT_EQ(verified.checked(), acknowledged.size() + kept);
  }
  {
    grpc::ClientContext context;
    proto::StatsResponse stats;
    grpc::Status status = admin->Stats(&context, proto::StatsRequest(), &stats);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(stats.compiles_started(), 0u);
    EXPECT_EQ(stats.cache().digest_failures(), 0u);
  }
  (*server)->Kill();
  std::filesystem::remove_all(root);
}

}  // namespace
}  // namespace aotd
