// RpcObserver: sees every RPC a server answers, through a gRPC server
// interceptor, and for each one
//   - counts it in ServerMetrics (aotd_rpcs_total, aotd_rpc_seconds), and
//   - writes one log line: time, method, peer, status code, latency, and,
//     for the compile service's RPCs, the cache result and the key's first
//     16 hex digits (which the service reports with NoteCacheResult).
// It changes one answer: a request whose bytes do not parse as the method's
// request message gets INVALID_ARGUMENT (the client's fault) instead of
// gRPC's INTERNAL.
//
// Log line formats (docs/operations.md):
//   text: 2024-05-01T12:00:00.123456Z /aotd.proto.Compiler/Compile
//         ipv4:127.0.0.1:40000 OK 12.345ms cache=miss key=0123456789abcdef
//         (one line; a failed RPC ends with error="<message>")
//   json: {"time":"...","method":"...","peer":"...","code":"OK",
//          "latency_ms":12.345,"cache":"miss","key":"0123456789abcdef"}
//         ("cache" only when the service noted it, "key" when it also
//         knew the key, "error" only when the RPC failed)
//
// Thread-safe. Must outlive the server whose interceptor factory it made.
#ifndef AOTD_SERVER_RPC_OBSERVER_H_
#define AOTD_SERVER_RPC_OBSERVER_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/server_interceptor.h"
#include "grpcpp/support/status.h"
#include "server/metrics.h"

namespace aotd::server {

enum class LogFormat { kNone, kText, kJson };

// "none", "text" or "json"; INVALID_ARGUMENT naming the text otherwise.
absl::StatusOr<LogFormat> ParseLogFormat(absl::string_view text);

class RpcObserver {
 public:
  struct Options {
    // Where RPCs are counted; not owned. Null: not counted.
    ServerMetrics* metrics = nullptr;
    LogFormat log_format = LogFormat::kText;
    // Receives each log line, without its newline; calls are serialized.
    // Empty: the line goes to stderr.
    std::function<void(absl::string_view line)> write_line;
    // Full names ("/pkg.Service/Method") of the methods the server serves.
    // Metrics label other methods (a client's invention) "unknown", so that
    // clients cannot grow the label set; logs name them as sent.
    absl::flat_hash_set<std::string> methods;
  };

  explicit RpcObserver(Options options);
  RpcObserver(const RpcObserver&) = delete;
  RpcObserver& operator=(const RpcObserver&) = delete;

  // For grpc::ServerBuilder::experimental().SetInterceptorCreators. The
  // factory refers to this observer.
  std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> NewInterceptorFactory();

  // Called by a service while it answers `call`: whether the cache had the
  // artifact, and its key ("" if unknown), for the call's log line.
  void NoteCacheResult(const grpc::ServerContextBase* call, bool hit, absl::string_view key);

 private:
  class Interceptor;
  class Factory;

  struct CacheNote {
    bool hit = false;
    std::string key_prefix;
  };

  // The RPC `call` answered `status` after `latency`: counts and logs it.
  void Finish(const char* method, grpc::ServerContextBase* call, const grpc::Status& status,
              absl::Duration latency);
  // Drops what was noted about `call` (an RPC that ended without a status).
  void Forget(const grpc::ServerContextBase* call);

  const Options options_;
  absl::Mutex notes_mu_;
  absl::flat_hash_map<const grpc::ServerContextBase*, CacheNote> notes_ ABSL_GUARDED_BY(notes_mu_);
  absl::Mutex write_mu_;
};

}  // namespace aotd::server

#endif  // AOTD_SERVER_RPC_OBSERVER_H_
