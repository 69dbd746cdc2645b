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

}  // namespace aotd::cache::internal

#endif  // AOTD_CACHE_INTERNAL_STORE_UTIL_H_
