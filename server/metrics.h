// ServerMetrics: the Prometheus metrics of one aotd server, and the HTTP
// endpoint that serves them (prometheus-cpp's Exposer, at /metrics).
//
// Two kinds of metric:
//   - counted as they happen, through the Record* methods: RPCs by method
//     and status code, RPC latency, compile seconds;
//   - read at scrape time from the collaborators: the cache's Stats() (hits,
//     misses, entries, bytes, evictions, expirations, digest failures, read
//     and write errors, per tier) and the scheduler (compiles started, queue
//     depth).
// docs/operations.md lists every name. Names and labels are an interface
// (dashboards and alerts use them): add, do not rename.
//
// Thread-safe, except that Serve and StopServing are for the owner's thread.
// Collaborators are not owned and must outlive the object (or StopServing).
#ifndef AOTD_SERVER_METRICS_H_
#define AOTD_SERVER_METRICS_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "cache/cache_store.h"
#include "grpcpp/support/status.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/histogram.h"
#include "server/compile_scheduler.h"

namespace prometheus {
class Exposer;
class Registry;
}  // namespace prometheus

namespace aotd::server {

class ServerMetrics {
 public:
  struct Options {
    // Read at every scrape. `cache` is required; a TieredStore reports each
    // tier under its name (label `tier`), another store under its own.
    cache::CacheStore* cache = nullptr;
    // Null: no scheduler metrics.
    const CompileScheduler* scheduler = nullptr;
  };

  explicit ServerMetrics(Options options);
  ~ServerMetrics();
  ServerMetrics(const ServerMetrics&) = delete;
  ServerMetrics& operator=(const ServerMetrics&) = delete;

  // Serves the metrics over HTTP at http://`listen`/metrics until
  // destruction. `listen` is HOST:PORT; port 0 picks one (see port()).
  // UNAVAILABLE naming the address if it cannot be bound;
  // FAILED_PRECONDITION if already serving.
  absl::Status Serve(const std::string& listen);
  // Stops the endpoint (if serving); waits for scrapes in progress.
  void StopServing();
  // The port Serve listens on; 0 when not serving.
  int port() const { return port_; }

  // What a scrape returns: every metric in Prometheus's text format.
  std::string Scrape() const;

  // One finished RPC: `method` is gRPC's full name ("/pkg.Service/Method").
  void RecordRpc(absl::string_view method, grpc::StatusCode code, absl::Duration latency);
  // One finished compile (a miss that ran the compiler), failed or not.
  void RecordCompile(absl::Duration took, bool ok);

 private:
  class ScrapeTimeCollectable;

  const Options options_;
  std::shared_ptr<prometheus::Registry> registry_;
  std::shared_ptr<ScrapeTimeCollectable> scrape_time_;
  prometheus::Family<prometheus::Counter>* rpcs_ = nullptr;
  prometheus::Family<prometheus::Histogram>* rpc_seconds_ = nullptr;
  prometheus::Family<prometheus::Histogram>* compile_seconds_ = nullptr;
  std::unique_ptr<prometheus::Exposer> exposer_;
  int port_ = 0;
};

}  // namespace aotd::server

#endif  // AOTD_SERVER_METRICS_H_
