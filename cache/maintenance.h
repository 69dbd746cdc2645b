// Administrative operations over any CacheStore, built on its List, Delete
// and Peek: eviction on request (`aotctl evict`) and verification
// (`aotctl verify`). A store's own size bound and TTL need neither.
#ifndef AOTD_CACHE_MAINTENANCE_H_
#define AOTD_CACHE_MAINTENANCE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "cache/cache_store.h"

namespace aotd::cache {

// Every entry `options` selects (its page size and token are ignored), page
// after page. The store's List errors.
absl::StatusOr<std::vector<ListedEntry>> ListAll(CacheStore& store, ListOptions options);

// Which entries to evict. The entries considered are those of
// `cache_namespace` (all when unset). Of these, every entry created before
// `created_before` or last used before `last_used_before` goes; then, if
// `max_bytes` is set, the least recently used of the rest go until they
// total at most `max_bytes`. With only `cache_namespace` set, the whole
// namespace goes.
struct EvictionRequest {
  std::optional<std::string> cache_namespace;
  std::optional<absl::Time> created_before;
  std::optional<absl::Time> last_used_before;
  std::optional<uint64_t> max_bytes;
};

struct EvictionResult {
  uint64_t entries = 0;
  uint64_t bytes = 0;
};

// Evicts what `request` selects from `store`. INVALID_ARGUMENT for a
// request that sets nothing (clearing everything takes max_bytes = 0);
// otherwise the first error of the store's List or Delete. Entries that
// change while this runs may be judged on their earlier state.
absl::StatusOr<EvictionResult> Evict(CacheStore& store,
                                     const EvictionRequest& request);

struct VerifyResult {
  uint64_t checked = 0;  // Entries listed and read.
  // Entries listed but not readable as intact: they failed verification
  // (the store removed them and counted digest failures) or were removed
  // meanwhile by someone else.
  uint64_t removed = 0;
};

// Reads every entry of `store` with Peek, which checks its digest and
// removes it if damaged; records no use. A TieredStore's Peek reads the
// topmost copy only: verify each tier to check every copy.
absl::StatusOr<VerifyResult> Verify(CacheStore& store);

}  // namespace aotd::cache

#endif  // AOTD_CACHE_MAINTENANCE_H_
