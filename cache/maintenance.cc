#include "cache/maintenance.h"

#include <utility>
#include <vector>

#include "common/status_macros.h"

namespace aotd::cache {
absl::StatusOr<std::vector<ListedEntry>> ListAll(CacheStore& store, ListOptions options) {
  std::vector<ListedEntry> all;
  options.page_size = ListOptions::kMaxPageSize;
  do {
    ASSIGN_OR_RETURN(ListPage page, store.List(options));
    for (ListedEntry& entry : page.entries) all.push_back(std::move(entry));
    options.page_token = std::move(page.next_page_token);
  } while (!options.page_token.empty());
  return all;
}

absl::StatusOr<EvictionResult> Evict(CacheStore& store,
                                     const EvictionRequest& request) {
  const bool whole_namespace = !request.created_before.has_value() &&
                               !request.last_used_before.has_value() &&
                               !request.max_bytes.has_value();
  if (whole_namespace && !request.cache_namespace.has_value()) {
    return absl::InvalidArgumentError(
        "eviction request selects nothing: give a namespace, an age, a last "
        "use or a size");
  }
  ListOptions options;
  options.cache_namespace = request.cache_namespace;
  options.order = ListOrder::kLastUsed;
  ASSIGN_OR_RETURN(std::vector<ListedEntry> entries, ListAll(store, options));

  EvictionResult result;
  auto evict = [&](const ListedEntry& entry) -> absl::Status {
    ASSIGN_OR_RETURN(bool removed, store.Delete(entry.key));
    if (removed) {
      ++result.entries;
      result.bytes += entry.metadata.size_bytes;
    }
    return absl::OkStatus();
  };

  // Least recently used first.
  std::vector<const ListedEntry*> kept;
  uint64_t kept_bytes = 0;
  for (const ListedEntry& entry : entries) {
    const EntryMetadata& m = entry.metadata;
    if (whole_namespace ||
        (request.created_before && m.created < *request.created_before) ||
        (request.last_used_before && m.last_used < *request.last_used_before)) {
      RETURN_IF_ERROR(evict(entry));
    } else {
      kept.push_back(&entry);
      kept_bytes += m.size_bytes;
    }
  }
  if (request.max_bytes.has_value()) {
    for (const ListedEntry* entry : kept) {
      if (kept_bytes <= *request.max_bytes) break;
      RETURN_IF_ERROR(evict(*entry));
      kept_bytes -= entry->metadata.size_bytes;
    }
  }
  return result;
}

absl::StatusOr<VerifyResult> Verify(CacheStore& store) {
  ASSIGN_OR_RETURN(std::vector<ListedEntry> entries,
                   ListAll(store, ListOptions()));
  VerifyResult result;
  for (const ListedEntry& entry : entries) {
    ASSIGN_OR_RETURN(std::optional<Entry> read, store.Peek(entry.key));
    ++result.checked;
    if (!read.has_value()) ++result.removed;
  }
  return result;
}

}  // namespace aotd::cache
