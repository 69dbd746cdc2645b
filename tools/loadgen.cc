#include "tools/loadgen.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <functional>
#include <memory>
#include <thread>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "client/remote_client.h"
#include "common/graph_key.h"
#include "common/status_macros.h"
#include "compiler/frontend/load.h"
#include "grpcpp/grpcpp.h"
#include "proto/service.grpc.pb.h"

namespace aotd::tools {
namespace {

constexpr int kMaxMessageBytes = 256 << 20;

// One request's outcome: whether the server compiled for it.
using Request = std::function<absl::StatusOr<bool>(int client)>;

struct PhaseResult {
  int clients = 0;
  std::vector<double> latencies_ms;  // Of successful requests, sorted.
  int64_t errors = 0;
  int64_t misses = 0;
  absl::Duration elapsed;
  absl::Status first_error;
};

// Keeps `clients` threads issuing `request` back to back for `duration`.
PhaseResult RunPhase(int clients, absl::Duration duration, const Request& request) {
  PhaseResult result;
  result.clients = clients;
  absl::Mutex mu;
  absl::Notification go;
  absl::Time deadline;
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      go.WaitForNotification();
      std::vector<double> latencies;
      int64_t errors = 0, misses = 0;
      absl::Status first_error;
      while (absl::Now() < deadline) {
        absl::Time start = absl::Now();
        absl::StatusOr<bool> missed = request(c);
        double ms = absl::ToDoubleMilliseconds(absl::Now() - start);
        if (!missed.ok()) {
          if (first_error.ok()) first_error = missed.status();
          ++errors;
          continue;
        }
        latencies.push_back(ms);
        if (*missed) ++misses;
      }
      absl::MutexLock lock(&mu);
      result.latencies_ms.insert(result.latencies_ms.end(), latencies.begin(), latencies.end());
      result.errors += errors;
      result.misses += misses;
      if (result.first_error.ok()) result.first_error = first_error;
    });
  }
  const absl::Time start = absl::Now();
  deadline = start + duration;
  go.Notify();
  for (std::thread& t : threads) t.join();
  result.elapsed = absl::Now() - start;
  std::sort(result.latencies_ms.begin(), result.latencies_ms.end());
  return result;
}

// Nearest-rank percentile of sorted values; 0 for none.
double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t rank = static_cast<size_t>(std::ceil(p / 100 * sorted.size()));
  return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

// The time of one in-process copy of `bytes` (a new string, as a cache that
// hands out copies would make), averaged over enough copies to measure.
absl::Duration TimeCopy(const std::string& bytes) {
  volatile char sink = 0;
  int64_t copies = 0;
  const absl::Time start = absl::Now();
  absl::Duration elapsed;
  do {
    for (int i = 0; i < 16; ++i, ++copies) {
      std::string copy(bytes);
      sink = sink + copy[copies % copy.size()];
    }
    elapsed = absl::Now() - start;
  } while (elapsed < absl::Milliseconds(50) || copies < 256);
  (void)sink;
  return elapsed / copies;
}

// A channel on a connection of its own, as a separate job would have.
std::shared_ptr<grpc::Channel> NewChannel(
    const std::string& address, const std::shared_ptr<grpc::ChannelCredentials>& credentials) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(kMaxMessageBytes);
  args.SetMaxSendMessageSize(kMaxMessageBytes);
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel(address, credentials, args);
}

absl::Status FromGrpc(const grpc::Status& status, const std::string& address) {
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      absl::StrCat("from ", address, ": ", status.error_message()));
}

class Table {
 public:
  Table(std::ostream& out, absl::Duration copy) : out_(out), copy_(copy) {
    out_ << absl::StrFormat("%-14s %7s %9s %7s %7s %9s %9s %10s %9s\n", "phase", "clients",
                            "requests", "errors", "misses", "p50_ms", "p99_ms", "req/s",
                            "p50/copy");
  }

  // Prints `r`'s row; UNAVAILABLE if every request failed.
  absl::Status Row(const std::string& phase, const PhaseResult& r) {
    const double p50 = Percentile(r.latencies_ms, 50);
    const double seconds = absl::ToDoubleSeconds(r.elapsed);
    out_ << absl::StrFormat("%-14s %7d %9d %7d %7d %9.3f %9.3f %10.1f %9.0f\n", phase,
                            r.clients, r.latencies_ms.size(), r.errors, r.misses, p50,
                            Percentile(r.latencies_ms, 99),
                            seconds > 0 ? r.latencies_ms.size() / seconds : 0.0,
                            p50 / absl::ToDoubleMilliseconds(copy_))
         << std::flush;
    if (r.latencies_ms.empty() && !r.first_error.ok()) {
      return absl::UnavailableError(absl::StrCat(phase, " with ", r.clients,
                                                 " clients: every request failed: ",
                                                 r.first_error.message()));
    }
    return absl::OkStatus();
  }

 private:
  std::ostream& out_;
  const absl::Duration copy_;
};

}  // namespace

absl::StatusOr<proto::Graph> WithFloatConstant(const proto::Graph& graph, double value) {
  proto::Graph changed = graph;
  for (proto::Node& node : *changed.mutable_nodes()) {
    for (proto::Argument& arg : *node.mutable_args()) {
      if (arg.kind_case() == proto::Argument::kFloatValue) {
        arg.set_float_value(value);
        return changed;
      }
    }
  }
  return absl::InvalidArgumentError("the graph has no node with a float constant argument");
}

absl::Status RunLoadgen(const LoadgenOptions& options, std::ostream& out) {
  if (options.concurrency.empty() ||
      *std::min_element(options.concurrency.begin(), options.concurrency.end()) < 1) {
    return absl::InvalidArgumentError("concurrency must list numbers of clients, each 1 or more");
  }
  if (options.distinct < 0) return absl::InvalidArgumentError("distinct must be 0 or more");
  ASSIGN_OR_RETURN(std::string bytes, frontend::ReadFile(options.graph_file));
  absl::StatusOr<proto::Graph> parsed = frontend::ParseGraphBytes(bytes);
  if (!parsed.ok()) {
    return absl::Status(parsed.status().code(),
                        absl::StrCat(options.graph_file, ": ", parsed.status().message()));
  }
  const proto::Graph& graph = *parsed;
  ASSIGN_OR_RETURN(Sha256Digest digest, GraphKey(graph));
  const proto::CompileOptions compile_options;  // The server's defaults.

  ASSIGN_OR_RETURN(std::shared_ptr<grpc::ChannelCredentials> credentials,
                   client::ChannelCredentials(options.tls));
  client::Client::Options client_options;
  client_options.address = options.server;
  client_options.tls_ca_file = options.tls.ca_file;
  client_options.tls_cert_file = options.tls.cert_file;
  client_options.tls_key_file = options.tls.key_file;
  auto compile = [&](const proto::Graph& g) -> absl::StatusOr<bool> {
    client::Client client(client_options);
    ASSIGN_OR_RETURN(client::Client::Compiled compiled, client.Compile(g, compile_options));
    return compiled.uploaded_graph;
  };

  // Warm up, and fetch the artifact's bytes for the baseline.
  const absl::Time warm_start = absl::Now();
  ASSIGN_OR_RETURN(bool warm_compiled, compile(graph));
  const absl::Duration warm_time = absl::Now() - warm_start;
  proto::LookupRequest lookup;
  lookup.set_graph_key(ToHex(digest));
  *lookup.mutable_options() = compile_options;
  std::string artifact_bytes;
  {
    auto stub = proto::Compiler::NewStub(NewChannel(options.server, credentials));
    grpc::ClientContext context;
    proto::LookupResponse found;
    grpc::Status status = stub->Lookup(&context, lookup, &found);
    if (!status.ok()) return FromGrpc(status, options.server);
    if (!found.found()) {
      return absl::FailedPreconditionError("the warm graph is not in the cache right after warming");
    }
    artifact_bytes = found.artifact().SerializeAsString();
  }
  const absl::Duration copy = TimeCopy(artifact_bytes);
  out << "aotd_loadgen: server " << options.server << ", graph " << options.graph_file << " (key "
      << ToHex(digest).substr(0, 16) << "), " << absl::FormatDuration(options.duration)
      << " per row\n"
      << "warm-up: " << (warm_compiled ? "compiled" : "cache hit") << " in "
      << absl::FormatDuration(warm_time) << "\n"
      << "baseline: in-process copy of the artifact's " << artifact_bytes.size() << " bytes: "
      << absl::StrFormat("%.3f", absl::ToDoubleMicroseconds(copy)) << " us\n";
  Table table(out, copy);

  for (int clients : options.concurrency) {
    std::vector<std::unique_ptr<proto::Compiler::Stub>> stubs;
    for (int c = 0; c < clients; ++c) {
      std::shared_ptr<grpc::Channel> channel = NewChannel(options.server, credentials);
      channel->WaitForConnected(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
      stubs.push_back(proto::Compiler::NewStub(channel));
    }
    PhaseResult r = RunPhase(clients, options.duration, [&](int c) -> absl::StatusOr<bool> {
      grpc::ClientContext context;
      context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
      proto::LookupResponse found;
      grpc::Status status = stubs[c]->Lookup(&context, lookup, &found);
      if (!status.ok()) return FromGrpc(status, options.server);
      return !found.found();
    });
    RETURN_IF_ERROR(table.Row("lookup_hit", r));
  }
  for (int clients : options.concurrency) {
    PhaseResult r = RunPhase(clients, options.duration, [&](int) { return compile(graph); });
    RETURN_IF_ERROR(table.Row("client_hit", r));
  }
  if (options.distinct == 0) return absl::OkStatus();
  // Constants in [1, 2) apart in float32, which no earlier run used (to a
  // high probability): new graphs.
  absl::BitGen random;
  int next_constant = absl::Uniform<int>(random, 0, (1 << 20) - (1 << 12));
  for (int clients : options.concurrency) {
    std::vector<proto::Graph> graphs;
    for (int i = 0; i < options.distinct; ++i) {
      ASSIGN_OR_RETURN(proto::Graph g,
                       WithFloatConstant(graph, 1.0 + std::ldexp(next_constant++, -20)));
      graphs.push_back(std::move(g));
    }
    std::atomic<int64_t> turn{0};
    PhaseResult r = RunPhase(clients, options.duration, [&](int) {
      return compile(graphs[turn.fetch_add(1) % graphs.size()]);
    });
    RETURN_IF_ERROR(table.Row("miss_then_hit", r));
  }
  return absl::OkStatus();
}

}  // namespace aotd::tools
