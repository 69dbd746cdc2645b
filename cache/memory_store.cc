#include "cache/memory_store.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cache/internal/store_util.h"
#include "common/sha256.h"
#include "common/status_macros.h"

namespace aotd::cache {

MemoryStore::MemoryStore(const Options& options)
    : options_(options),
      clock_(options.clock != nullptr ? options.clock : Clock::Real()) {}

MemoryStore::Index::Slot* MemoryStore::FindLive(absl::string_view key,
                                                absl::Time now) {
  Index::Slot* slot = index_.Find(key);
  if (slot != nullptr && internal::IsExpired(slot->metadata, options_.ttl, now)) {
    index_.Erase(key);
    ++counters_.expirations;
    return nullptr;
  }
  return slot;
}

absl::StatusOr<std::optional<Entry>> MemoryStore::Get(absl::string_view key) {
  return Read(key, /*record_use=*/true);
}

absl::StatusOr<std::optional<Entry>> MemoryStore::Peek(absl::string_view key) {
  return Read(key, /*record_use=*/false);
}

absl::StatusOr<std::optional<Entry>> MemoryStore::Read(absl::string_view key,
                                                       bool record_use) {
  RETURN_IF_ERROR(internal::ValidateKey(key));
  const absl::Time now = clock_->Now();
  std::shared_ptr<const std::string> bytes;
  EntryMetadata metadata;
  {
    absl::MutexLock lock(&mu_);
    Index::Slot* slot = FindLive(key, now);
    if (slot == nullptr) {
      if (record_use) ++counters_.misses;
      return std::nullopt;
    }
    bytes = slot->extra;
    metadata = slot->metadata;
  }

  const bool intact = Sha256Of(*bytes) == metadata.digest;

  absl::MutexLock lock(&mu_);
  Index::Slot* slot = index_.Find(key);
  // Whether the entry read is still the one stored (not replaced meanwhile).
  const bool current = slot != nullptr && slot->extra == bytes;
  if (!intact) {
    if (current) {
      index_.Erase(key);
      ++counters_.digest_failures;
    }
    if (record_use) ++counters_.misses;
    return std::nullopt;
  }
  if (record_use) {
    ++counters_.hits;
    if (current) {
      index_.FindAndPromote(key);
      slot->metadata.last_used = now;
      ++slot->metadata.hit_count;
      metadata = slot->metadata;
    } else {
      metadata.last_used = now;
      ++metadata.hit_count;
    }
  }
  return Entry{*bytes, std::move(metadata)};
}

absl::StatusOr<std::optional<EntryMetadata>> MemoryStore::GetMetadata(
    absl::string_view key) {
  RETURN_IF_ERROR(internal::ValidateKey(key));
  const absl::Time now = clock_->Now();
  absl::MutexLock lock(&mu_);
  Index::Slot* slot = FindLive(key, now);
  if (slot == nullptr) return std::nullopt;
  return slot->metadata;
}

absl::Status MemoryStore::Put(absl::string_view key, const Entry& entry) {
  RETURN_IF_ERROR(internal::ValidateKey(key));
  ASSIGN_OR_RETURN(EntryMetadata metadata,
                   internal::MetadataForPut(entry, clock_->Now()));
  const uint64_t charged = ChargedBytes(key, metadata);
  if (options_.max_bytes != 0 && charged > options_.max_bytes) {
    return absl::ResourceExhaustedError(
        absl::StrCat("an entry of ", charged,
                     " bytes (artifact and metadata) exceeds the memory cache bound of ",
                     options_.max_bytes, " bytes"));
  }
  auto bytes = std::make_shared<const std::string>(entry.artifact);

  absl::MutexLock lock(&mu_);
  if (options_.max_bytes != 0) {
    for (const std::string& victim :
         index_.VictimsFor(key, charged, options_.max_bytes)) {
      index_.Erase(victim);
      ++counters_.evictions;
    }
  }
  index_.Upsert(key, std::move(metadata), std::move(bytes));
  ++counters_.puts;
  return absl::OkStatus();
}

absl::StatusOr<bool> MemoryStore::Delete(absl::string_view key) {
  RETURN_IF_ERROR(internal::ValidateKey(key));
  absl::MutexLock lock(&mu_);
  return index_.Erase(key);
}

absl::StatusOr<bool> MemoryStore::Touch(absl::string_view key) {
  RETURN_IF_ERROR(internal::ValidateKey(key));
  const absl::Time now = clock_->Now();
  absl::MutexLock lock(&mu_);
  if (FindLive(key, now) == nullptr) return false;
  Index::Slot* slot = index_.FindAndPromote(key);
  slot->metadata.last_used = now;
  ++slot->metadata.hit_count;
  return true;
}

absl::StatusOr<ListPage> MemoryStore::List(const ListOptions& options) {
  const absl::Time now = clock_->Now();
  absl::MutexLock lock(&mu_);
  return internal::ListIndex(index_, options, options_.ttl, now);
}

CacheStats MemoryStore::Stats() {
  absl::MutexLock lock(&mu_);
  return internal::MakeStats("memory", index_, options_.max_bytes, counters_);
}

}  // namespace aotd::cache
