// Cache tiers stacked over each other: the in-process MemoryStore over the
// RocksDbStore on local disk, and later a remote tier under both.
#ifndef AOTD_CACHE_TIERED_STORE_H_
#define AOTD_CACHE_TIERED_STORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "cache/cache_store.h"

namespace aotd::cache {

// Reads go top down and stop at the first tier that has the key; a hit in
// a lower tier fills every tier above it (a failed fill is counted and
// otherwise ignored) and touches the tiers below it, so that their LRU
// order follows real use. Writes go to every tier, bottom up, so an upper
// tier never holds an entry that a lower, required tier refused.
//
// Tiers should share one TTL: each applies its own. Concurrent Puts of one
// key may leave the tiers holding different versions of it; each is a
// complete, verified entry.
//
// Thread-safe, if the tiers are. Tiers are not owned.
class TieredStore final : public CacheStore {
 public:
  struct Tier {
    // Names the tier in Stats ("memory", "rocksdb", "redis").
    std::string name;
    // Not owned; must outlive the TieredStore.
    CacheStore* store = nullptr;
    // A best-effort tier's failures are counted (Stats().tiers[i]
    // read_errors and write_errors) and otherwise ignored: a failed read
    // is a miss, a failed write is skipped. This is how a remote tier that
    // is down must not fail requests. Failures of other tiers are
    // returned to the caller.
    bool best_effort = false;
  };

  struct Options {
    // Top (fastest, smallest) first; at least one.
    std::vector<Tier> tiers;
  };

  // INVALID_ARGUMENT if there is no tier or a tier's store is null.
  static absl::StatusOr<std::unique_ptr<TieredStore>> Create(Options options);

  TieredStore(const TieredStore&) = delete;
  TieredStore& operator=(const TieredStore&) = delete;

  absl::StatusOr<std::optional<Entry>> Get(absl::string_view key) override;
  // Top down, without fills or touches.
  absl::StatusOr<std::optional<Entry>> Peek(absl::string_view key) override;
  // Top down.
  absl::StatusOr<std::optional<EntryMetadata>> GetMetadata(
      absl::string_view key) override;
  // Bottom up. A failure of a required tier is returned at once: the tiers
  // above it are unchanged, best-effort tiers below it may hold the entry.
  absl::Status Put(absl::string_view key, const Entry& entry) override;
  // From every tier; true if any tier had the key. A failure of a required
  // tier is returned after every tier was tried.
  absl::StatusOr<bool> Delete(absl::string_view key) override;
  absl::StatusOr<bool> Touch(absl::string_view key) override;
  // Lists the authoritative tier: the lowest tier that is not best-effort
  // (the lowest tier if all are).
  absl::StatusOr<ListPage> List(const ListOptions& options) override;
  // entries, bytes, max_bytes and namespaces are the authoritative tier's;
  // hits and misses count Gets that some tier served and that none did;
  // evictions, expirations and digest failures are sums over the tiers.
  // tiers[i] is tier i's own Stats() named after it, except that its hits,
  // misses, read_errors and write_errors are what this TieredStore saw of
  // it (a failed Get is a read error, not a miss; a failed fill or touch
  // is a write error).
  CacheStats Stats() override;
  absl::Status Flush() override;

 private:
  struct TierCounters {
    uint64_t hits = 0;
    uint64_t misses = 0;
    uint64_t read_errors = 0;
    uint64_t write_errors = 0;
  };

  explicit TieredStore(Options options);

  // Counts a failure of tier `i`; returns `status` if the tier is required,
  // OK if it is best-effort.
  absl::Status TierFailed(size_t i, absl::Status status, bool write);
  void CountRead(size_t i, bool hit);

  CacheStore& authoritative() const;

  const Options options_;

  absl::Mutex mu_;
  std::vector<TierCounters> counters_ ABSL_GUARDED_BY(mu_);
  uint64_t hits_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t misses_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t puts_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace aotd::cache

#endif  // AOTD_CACHE_TIERED_STORE_H_
