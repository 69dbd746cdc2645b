// Helpers shared by the store implementations (internal to cache/).
#ifndef AOTD_CACHE_INTERNAL_STORE_UTIL_H_
#define AOTD_CACHE_INTERNAL_STORE_UTIL_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "cache/cache_store.h"

namespace aotd::cache::internal {

// INVALID_ARGUMENT unless 1 <= key.size() <= kMaxKeyBytes.
absl::Status ValidateKey(absl::string_view key);

// Whether an entry created at `created` is past `ttl` at `now`.
inline bool IsExpired(const EntryMetadata& metadata, absl::Duration ttl,
                      absl::Time now) {
  return ttl != absl::InfiniteDuration() && now - metadata.created >= ttl;
}

// The metadata Put stores for `entry` at `now`: the digest and size of the
// bytes, times defaulted to `now` (see EntryMetadata). DATA_LOSS if the
// entry carries a nonzero digest that does not match its bytes.
absl::StatusOr<EntryMetadata> MetadataForPut(const Entry& entry,
                                             absl::Time now);

// Sorts `candidates` (key, metadata; every one already filtered by
// namespace and TTL) in `options`' order and returns the page
// `options.page_token` asks for. The metadata pointers are only read.
absl::StatusOr<ListPage> SelectPage(
    std::vector<std::pair<absl::string_view, const EntryMetadata*>> candidates,
    const ListOptions& options);

// Whether `metadata` is listed under `options.cache_namespace`.
inline bool InNamespace(const EntryMetadata& metadata,
                        const ListOptions& options) {
  return !options.cache_namespace.has_value() ||
         *options.cache_namespace == metadata.cache_namespace;
}

// Lists the live entries of an LruIndex: in `options`' namespace, not past
// `ttl` at `now`. The index must not change while this runs.
template <typename Index>
absl::StatusOr<ListPage> ListIndex(const Index& index, const ListOptions& options,
                                   absl::Duration ttl, absl::Time now) {
  std::vector<std::pair<absl::string_view, const EntryMetadata*>> candidates;
  index.ForEach([&](const std::string& key, const typename Index::Slot& slot) {
    if (InNamespace(slot.metadata, options) && !IsExpired(slot.metadata, ttl, now)) {
      candidates.emplace_back(key, &slot.metadata);
    }
  });
  return SelectPage(std::move(candidates), options);
}

// The event counts every store keeps (see CacheStats).
struct StoreCounters {
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t puts = 0;
  uint64_t evictions = 0;
  uint64_t expirations = 0;
  uint64_t digest_failures = 0;
  uint64_t read_errors = 0;
  uint64_t write_errors = 0;
};

// A store's stats: its index's totals and its counters.
template <typename Index>
CacheStats MakeStats(absl::string_view tier, const Index& index, uint64_t max_bytes,
                     const StoreCounters& counters) {
  CacheStats stats;
  stats.tier = std::string(tier);
  stats.entries = index.size();
  stats.bytes = index.bytes();
  stats.max_bytes = max_bytes;
  stats.namespaces = index.namespaces();
  stats.hits = counters.hits;
  stats.misses = counters.misses;
  stats.puts = counters.puts;
  stats.evictions = counters.evictions;
  stats.expirations = counters.expirations;
  stats.digest_failures = counters.digest_failures;
  stats.read_errors = counters.read_errors;
  stats.write_errors = counters.write_errors;
  return stats;
}

}  // namespace aotd::cache::internal

#endif  // AOTD_CACHE_INTERNAL_STORE_UTIL_H_
