#include "server/metrics.h"

#include <exception>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "prometheus/collectable.h"
#include "prometheus/exposer.h"
#include "prometheus/histogram.h"
#include "prometheus/metric_family.h"
#include "prometheus/registry.h"
#include "prometheus/text_serializer.h"

namespace aotd::server {
namespace {

// Compiles take from a fraction of a second to minutes.
const prometheus::Histogram::BucketBoundaries& CompileBuckets() {
  static const auto* buckets = new prometheus::Histogram::BucketBoundaries{
      0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300};
  return *buckets;
}

// RPCs: a cache hit is well under a millisecond, a miss is a compile.
const prometheus::Histogram::BucketBoundaries& RpcBuckets() {
  static const auto* buckets = new prometheus::Histogram::BucketBoundaries{
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
      0.25,   0.5,     1,      2.5,   5,      10,    30,   60,    300};
  return *buckets;
}

prometheus::MetricFamily Family(std::string name, std::string help, prometheus::MetricType type) {
  prometheus::MetricFamily family;
  family.name = std::move(name);
  family.help = std::move(help);
  family.type = type;
  return family;
}

void AddSample(prometheus::MetricFamily& family,
               std::vector<prometheus::ClientMetric::Label> labels, double value) {
  prometheus::ClientMetric metric;
  metric.label = std::move(labels);
  if (family.type == prometheus::MetricType::Counter) {
    metric.counter.value = value;
  } else {
    metric.gauge.value = value;
  }
  family.metric.push_back(std::move(metric));
}

}  // namespace

// The metrics read from the cache and the scheduler at each scrape.
class ServerMetrics::ScrapeTimeCollectable final : public prometheus::Collectable {
 public:
  explicit ScrapeTimeCollectable(const Options& options) : options_(options) {}

  std::vector<prometheus::MetricFamily> Collect() const override {
    using prometheus::MetricType;
    // One family per CacheStats field, one sample per tier.
    struct TierMetric {
      const char* name;
      const char* help;
      MetricType type;
      uint64_t cache::CacheStats::*field;
    };
    static constexpr TierMetric kTierMetrics[] = {
        {"aotd_cache_hits_total", "Cache reads this tier served.", MetricType::Counter,
         &cache::CacheStats::hits},
        {"aotd_cache_misses_total", "Cache reads this tier did not have.", MetricType::Counter,
         &cache::CacheStats::misses},
        {"aotd_cache_entries", "Entries stored in this tier.", MetricType::Gauge,
         &cache::CacheStats::entries},
        {"aotd_cache_bytes", "Artifact bytes stored in this tier.", MetricType::Gauge,
         &cache::CacheStats::bytes},
        {"aotd_cache_max_bytes", "This tier's byte bound (0: unbounded).", MetricType::Gauge,
         &cache::CacheStats::max_bytes},
        {"aotd_cache_evictions_total", "Entries evicted to hold the byte bound.",
         MetricType::Counter, &cache::CacheStats::evictions},
        {"aotd_cache_expirations_total", "Entries removed after their TTL.", MetricType::Counter,
         &cache::CacheStats::expirations},
        {"aotd_cache_digest_failures_total",
         "Entries dropped because their bytes failed verification.", MetricType::Counter,
         &cache::CacheStats::digest_failures},
        {"aotd_cache_read_errors_total", "Reads of this tier that failed.", MetricType::Counter,
         &cache::CacheStats::read_errors},
        {"aotd_cache_write_errors_total", "Writes to this tier that failed.", MetricType::Counter,
         &cache::CacheStats::write_errors},
    };

    cache::CacheStats stats = options_.cache->Stats();
    std::vector<cache::CacheStats> tiers = std::move(stats.tiers);
    if (tiers.empty()) tiers.push_back(std::move(stats));

    std::vector<prometheus::MetricFamily> families;
    for (const TierMetric& m : kTierMetrics) {
      prometheus::MetricFamily family = Family(m.name, m.help, m.type);
      for (const cache::CacheStats& tier : tiers) {
        AddSample(family, {{"tier", tier.tier}}, static_cast<double>(tier.*m.field));
      }
      families.push_back(std::move(family));
    }
    if (options_.scheduler != nullptr) {
      prometheus::MetricFamily started =
          Family("aotd_compiles_started_total", "Compiles started (misses that ran the compiler).",
                 MetricType::Counter);
      AddSample(started, {}, static_cast<double>(options_.scheduler->compiles_started()));
      families.push_back(std::move(started));
      prometheus::MetricFamily queued =
          Family("aotd_compile_queue_depth", "Compiles waiting for a worker.", MetricType::Gauge);
      AddSample(queued, {}, options_.scheduler->queue_depth());
      families.push_back(std::move(queued));
    }
    return families;
  }

 private:
  const Options options_;
};

ServerMetrics::ServerMetrics(Options options)
    : options_(options),
      registry_(std::make_shared<prometheus::Registry>()),
      scrape_time_(std::make_shared<ScrapeTimeCollectable>(options_)) {
  rpcs_ = &prometheus::BuildCounter()
               .Name("aotd_rpcs_total")
               .Help("RPCs answered, by method and status code.")
               .Register(*registry_);
  rpc_seconds_ = &prometheus::BuildHistogram()
                      .Name("aotd_rpc_seconds")
                      .Help("Time from an RPC's arrival to its status, by method.")
                      .Register(*registry_);
  compile_seconds_ = &prometheus::BuildHistogram()
                          .Name("aotd_compile_seconds")
                          .Help("Time one compile took, by result (ok, error).")
                          .Register(*registry_);
}

ServerMetrics::~ServerMetrics() = default;

absl::Status ServerMetrics::Serve(const std::string& listen) {
  if (exposer_ != nullptr) {
    return absl::FailedPreconditionError("the metrics endpoint is already serving");
  }
  // civetweb, under prometheus-cpp, reports a failed bind by throwing.
  try {
    exposer_ = std::make_unique<prometheus::Exposer>(listen, /*num_threads=*/1);
  } catch (const std::exception& e) {
    return absl::UnavailableError(absl::StrCat("cannot serve metrics on ", listen, ": ", e.what()));
  }
  std::vector<int> ports = exposer_->GetListeningPorts();
  if (ports.empty()) {
    exposer_.reset();
    return absl::UnavailableError(absl::StrCat("cannot serve metrics on ", listen));
  }
  port_ = ports.front();
  exposer_->RegisterCollectable(registry_);
  exposer_->RegisterCollectable(scrape_time_);
  return absl::OkStatus();
}

void ServerMetrics::StopServing() {
  exposer_.reset();
  port_ = 0;
}

std::string ServerMetrics::Scrape() const {
  std::vector<prometheus::MetricFamily> families = registry_->Collect();
  for (prometheus::MetricFamily& family : scrape_time_->Collect()) {
    families.push_back(std::move(family));
  }
  return prometheus::TextSerializer().Serialize(families);
}

void ServerMetrics::RecordRpc(absl::string_view method, grpc::StatusCode code,
                              absl::Duration latency) {
  std::string method_name(method);
  rpcs_
      ->Add({{"method", method_name},
             {"code", absl::StatusCodeToString(static_cast<absl::StatusCode>(code))}})
      .Increment();
  rpc_seconds_->Add({{"method", method_name}}, RpcBuckets())
      .Observe(absl::ToDoubleSeconds(latency));
}

void ServerMetrics::RecordCompile(absl::Duration took, bool ok) {
  compile_seconds_->Add({{"result", ok ? "ok" : "error"}}, CompileBuckets())
      .Observe(absl::ToDoubleSeconds(took));
}

}  // namespace aotd::server
