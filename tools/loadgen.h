// aotd_loadgen: how fast a running aotd serves what it has cached.
//
// RunLoadgen warms the cache with one graph, then, for each number of
// concurrent clients in turn, keeps that many clients busy for a fixed time
// and reports the latency of each request (p50, p99) and requests per
// second, in three phases:
//   lookup_hit     Lookup RPCs for the warm graph (the small by-key request
//                  and the artifact in the reply), each client on a
//                  connection of its own;
//   client_hit     a full client::Client::Compile of the warm graph by a new
//                  Client per request (what a job starting does: key the
//                  graph, Lookup, verify the digest, load the shared object);
//   miss_then_hit  as client_hit, over `distinct` graphs new to the server
//                  (the graph with its float constant changed), taken in
//                  turn: each is compiled once and hit from then on.
// As a same-process baseline it times a plain in-memory copy of the
// artifact's bytes, and prints each phase's p50 as a multiple of it.
#ifndef AOTD_TOOLS_LOADGEN_H_
#define AOTD_TOOLS_LOADGEN_H_

#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "client/channel_credentials.h"
#include "proto/graph.pb.h"

namespace aotd::tools {

// A copy of `graph` whose first float constant argument (in node order) is
// `value`: a graph with another cache key that costs as much to compile.
// INVALID_ARGUMENT if no node has a float constant argument.
absl::StatusOr<proto::Graph> WithFloatConstant(const proto::Graph& graph, double value);

struct LoadgenOptions {
  std::string server = "127.0.0.1:50051";  // HOST:PORT of a running aotd.
  client::TlsFiles tls;                      // All empty: plaintext.
  // The warm graph (aten-fx-json or a serialized proto::Graph); it needs a
  // float constant for miss_then_hit (WithFloatConstant).
  std::string graph_file;
  absl::Duration duration = absl::Seconds(5);  // Per phase and concurrency.
  std::vector<int> concurrency = {1, 8, 64};   // Clients at once, in turn.
  int distinct = 8;  // New graphs per concurrency in miss_then_hit; 0 skips it.
};

// Runs the phases against `options.server` and prints a table to `out`:
// one row per phase and concurrency with requests, errors, misses (requests
// that found no artifact: in miss_then_hit those that uploaded the graph and
// waited for its compile; concurrent misses of one graph share one compile),
// p50 and p99 in milliseconds, requests per second and p50 over the copy
// baseline. Latencies and rates are of successful requests.
// Errors: the graph file's; ChannelCredentials' for unusable TLS files;
// UNAVAILABLE (or the server's error) if warming fails; INVALID_ARGUMENT for bad options or a graph without a float
// constant; UNAVAILABLE naming the first failure if every request of a
// phase failed. Failed requests of a phase that also had successes are
// counted in its row.
absl::Status RunLoadgen(const LoadgenOptions& options, std::ostream& out);

}  // namespace aotd::tools

#endif  // AOTD_TOOLS_LOADGEN_H_
