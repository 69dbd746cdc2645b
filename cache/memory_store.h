// The in-process cache tier: artifacts in memory, bounded by bytes, evicted
// least recently used first. Nothing survives the process; it sits above
// RocksDbStore in a TieredStore so hot artifacts are served without disk
// reads.
#ifndef AOTD_CACHE_MEMORY_STORE_H_
#define AOTD_CACHE_MEMORY_STORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "cache/cache_store.h"
#include "cache/internal/store_util.h"
#include "cache/clock.h"
#include "cache/internal/lru_index.h"

namespace aotd::cache {

// Thread-safe. Get and Peek hash the bytes outside the lock, so concurrent
// hits on large artifacts proceed in parallel. Put fails with
// RESOURCE_EXHAUSTED only for an artifact larger than max_bytes.
class MemoryStore final : public CacheStore {
 public:
  struct Options {
    // Bound on the sum of artifact sizes. A Put that would exceed it first
    // evicts least recently used entries (a Get hit or Touch makes an entry
    // the most recently used). 0: unbounded.
    uint64_t max_bytes = uint64_t{256} << 20;
    // Entries created this long ago or longer are treated as missing and
    // removed when next looked at. Infinite: no expiry.
    absl::Duration ttl = absl::InfiniteDuration();
    // Source of now for times and TTL. Not owned; must outlive the store.
    // Null: Clock::Real().
    Clock* clock = nullptr;
  };

  explicit MemoryStore(const Options& options);
  MemoryStore(const MemoryStore&) = delete;
  MemoryStore& operator=(const MemoryStore&) = delete;

  absl::StatusOr<std::optional<Entry>> Get(absl::string_view key) override;
  absl::StatusOr<std::optional<Entry>> Peek(absl::string_view key) override;
  absl::StatusOr<std::optional<EntryMetadata>> GetMetadata(
      absl::string_view key) override;
  absl::Status Put(absl::string_view key, const Entry& entry) override;
  absl::StatusOr<bool> Delete(absl::string_view key) override;
  absl::StatusOr<bool> Touch(absl::string_view key) override;
  absl::StatusOr<ListPage> List(const ListOptions& options) override;
  CacheStats Stats() override;
  absl::Status Flush() override { return absl::OkStatus(); }

 private:
  // The artifact bytes are immutable and shared, so a reader can hash them
  // after releasing the lock even if the entry is replaced meanwhile.
  using Index = internal::LruIndex<std::shared_ptr<const std::string>>;

  absl::StatusOr<std::optional<Entry>> Read(absl::string_view key,
                                            bool record_use);
  // Finds `key`, removing it (and counting an expiration) if past the TTL.
  Index::Slot* FindLive(absl::string_view key, absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const Options options_;
  Clock* const clock_;

  absl::Mutex mu_;
  Index index_ ABSL_GUARDED_BY(mu_);
  internal::StoreCounters counters_ ABSL_GUARDED_BY(mu_);
};

}  // namespace aotd::cache

#endif  // AOTD_CACHE_MEMORY_STORE_H_
