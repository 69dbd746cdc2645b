// The Compiler gRPC service: looks artifacts up by key, and compiles graphs
// on a miss (single flight per key, bounded queue), storing what it compiles
// in the cache.
//
// The server computes every key itself from the graph it received
// (server/request_key.h, which the admin service's Explain shares), never
// from a client's key. Thread-safe; one instance serves all requests.
#ifndef AOTD_SERVER_COMPILE_SERVICE_H_
#define AOTD_SERVER_COMPILE_SERVICE_H_

#include <string>

#include "absl/status/statusor.h"
#include "cache/cache_store.h"
#include "common/artifact_seal.h"
#include "common/cache_key.h"
#include "compiler/toolchain/toolchain.h"
#include "proto/service.grpc.pb.h"
#include "server/compile_scheduler.h"
#include "server/metrics.h"
#include "server/rpc_observer.h"

namespace aotd::server {

class CompileService final : public proto::Compiler::Service {
 public:
  struct Options {
    // Collaborators; not owned, must outlive the service.
    cache::CacheStore* cache = nullptr;
    toolchain::Toolchain* toolchain = nullptr;
    CompileScheduler* scheduler = nullptr;
    const Signer* signer = nullptr;  // Signs artifacts when set.
    // Graphs with more nodes are refused (INVALID_ARGUMENT).
    int max_nodes = 100000;
    // Reply deadline when the client sets none.
    absl::Duration default_deadline = absl::Minutes(5);
    // Where compile times are recorded, and each RPC's cache result noted
    // for its log line. Not owned; null: not recorded.
    ServerMetrics* metrics = nullptr;
    RpcObserver* observer = nullptr;
  };

  explicit CompileService(Options options) : options_(options) {}

  grpc::Status Lookup(grpc::ServerContext* context, const proto::LookupRequest* request,
                      proto::LookupResponse* response) override;
  grpc::Status Compile(grpc::ServerContext* context, const proto::CompileRequest* request,
                       proto::CompileResponse* response) override;

  // The work behind Compile and Lookup, without gRPC.
  absl::StatusOr<proto::CompileResponse> CompileOrLookUp(const proto::CompileRequest& request,
                                                         absl::Time deadline);
  absl::StatusOr<proto::LookupResponse> LookUp(const proto::LookupRequest& request);

 private:
  const Options options_;
};

// absl::Status to grpc::Status, code and message kept.
grpc::Status ToGrpc(const absl::Status& status);

}  // namespace aotd::server

#endif  // AOTD_SERVER_COMPILE_SERVICE_H_
