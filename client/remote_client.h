// Client: a training job's connection to an aotd server.
//
// Compile() asks by key first (Lookup: a small request), uploads the graph
// only on a miss, verifies what comes back, loads it, and keeps loaded
// artifacts in the process, so the same graph is fetched once. Transient
// failures (UNAVAILABLE, RESOURCE_EXHAUSTED) are retried with exponential
// backoff. Thread-safe.
#ifndef AOTD_CLIENT_REMOTE_CLIENT_H_
#define AOTD_CLIENT_REMOTE_CLIENT_H_

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "client/loaded_artifact.h"
#include "proto/service.grpc.pb.h"

namespace aotd::client {

class Client {
 public:
  struct Options {
    std::string address = "127.0.0.1:50051";  // HOST:PORT of the server.
    std::string target;                       // CPU target to ask for; "" the server's.
    std::string cache_namespace;              // "" is the server's default.
    absl::Duration deadline = absl::Minutes(5);   // Per call.
    int max_attempts = 4;                     // Tries per call for transient errors.
    absl::Duration initial_backoff = absl::Milliseconds(100);
    const Verifier* verifier = nullptr;       // Checks signatures when set; not owned.
    // TLS (client/channel_credentials.h): all empty for plaintext; a CA
    // file for a server with its own CA; a certificate and key for a
    // server that requires client certificates (mutual TLS).
    std::string tls_ca_file;
    std::string tls_cert_file;
    std::string tls_key_file;
  };

  explicit Client(Options options);

  struct Compiled {
    std::shared_ptr<LoadedArtifact> artifact;
    bool cache_hit = false;       // The server had it (Lookup or Compile hit).
    bool uploaded_graph = false;  // A Compile request carried the graph.
  };
  // UNAVAILABLE naming the address and the cause when the server cannot be
  // reached (a TLS handshake that fails included); the errors of
  // ChannelCredentials when the TLS files are unusable; the server's errors
  // otherwise (INVALID_ARGUMENT for a bad graph).
  absl::StatusOr<Compiled> Compile(const proto::Graph& graph, const proto::CompileOptions& options);

 private:
  // Runs `call` until it succeeds, fails for good, or attempts run out.
  grpc::Status WithRetries(const std::function<grpc::Status(grpc::ClientContext&)>& call) const;
  absl::Status Describe(const grpc::Status& status) const;

  const Options options_;
  // Not OK when the TLS files are unusable; then there is no stub.
  absl::Status channel_status_;
  std::unique_ptr<proto::Compiler::Stub> stub_;
  absl::Mutex mu_;
  // Loaded artifacts by the request's identity (graph key and options).
  absl::flat_hash_map<std::string, std::shared_ptr<LoadedArtifact>> loaded_ ABSL_GUARDED_BY(mu_);
};

}  // namespace aotd::client

#endif  // AOTD_CLIENT_REMOTE_CLIENT_H_
