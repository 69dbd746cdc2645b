#include "cache/tiered_store.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "cache/internal/store_util.h"
#include "common/status_macros.h"

namespace aotd::cache {

absl::StatusOr<std::unique_ptr<TieredStore>> TieredStore::Create(
    Options options) {
  if (options.tiers.empty()) {
    return absl::InvalidArgumentError("a tiered cache needs at least one tier");
  }
  for (size_t i = 0; i < options.tiers.size(); ++i) {
    if (options.tiers[i].store == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("cache tier ", i, " (\"", options.tiers[i].name,
                       "\") has no store"));
    }
  }
  return std::unique_ptr<TieredStore>(new TieredStore(std::move(options)));
}

TieredStore::TieredStore(Options options)
    : options_(std::move(options)), counters_(options_.tiers.size()) {}

CacheStore& TieredStore::authoritative() const {
  for (size_t i = options_.tiers.size(); i-- > 0;) {
    if (!options_.tiers[i].best_effort) return *options_.tiers[i].store;
  }
  return *options_.tiers.back().store;
}

absl::Status TieredStore::TierFailed(size_t i, absl::Status status,
                                     bool write) {
  {
    absl::MutexLock lock(&mu_);
    ++(write ? counters_[i].write_errors : counters_[i].read_errors);
  }
  if (options_.tiers[i].best_effort) return absl::OkStatus();
  return status;
}

void TieredStore::CountRead(size_t i, bool hit) {
  absl::MutexLock lock(&mu_);
  ++(hit ? counters_[i].hits : counters_[i].misses);
}

absl::StatusOr<std::optional<Entry>> TieredStore::Get(absl::string_view key) {
  RETURN_IF_ERROR(internal::ValidateKey(key));
  const size_t n = options_.tiers.size();
  for (size_t i = 0; i < n; ++i) {
    absl::StatusOr<std::optional<Entry>> found =
        options_.tiers[i].store->Get(key);
    if (!found.ok()) {
      RETURN_IF_ERROR(TierFailed(i, found.status(), /*write=*/false));
      continue;
    }
    CountRead(i, found->has_value());
    if (!found->has_value()) continue;

    Entry& entry = **found;
    for (size_t upper = 0; upper < i; ++upper) {
      absl::Status filled = options_.tiers[upper].store->Put(key, entry);
      if (!filled.ok()) {
        TierFailed(upper, filled, /*write=*/true).IgnoreError();
      }
    }
    for (size_t lower = i + 1; lower < n; ++lower) {
      absl::StatusOr<bool> touched = options_.tiers[lower].store->Touch(key);
      if (!touched.ok()) {
        TierFailed(lower, touched.status(), /*write=*/true).IgnoreError();
      }
    }
    absl::MutexLock lock(&mu_);
    ++hits_;
    return std::move(*found);
  }
  absl::MutexLock lock(&mu_);
  ++misses_;
  return std::nullopt;
}

absl::StatusOr<std::optional<Entry>> TieredStore::Peek(absl::string_view key) {
  RETURN_IF_ERROR(internal::ValidateKey(key));
  for (size_t i = 0; i < options_.tiers.size(); ++i) {
    absl::StatusOr<std::optional<Entry>> found =
        options_.tiers[i].store->Peek(key);
    if (!found.ok()) {
      RETURN_IF_ERROR(TierFailed(i, found.status(), /*write=*/false));
      continue;
    }
    if (found->has_value()) return found;
  }
  return std::nullopt;
}

absl::StatusOr<std::optional<EntryMetadata>> TieredStore::GetMetadata(
    absl::string_view key) {
  RETURN_IF_ERROR(internal::ValidateKey(key));
  for (size_t i = 0; i < options_.tiers.size(); ++i) {
    absl::StatusOr<std::optional<EntryMetadata>> found =
        options_.tiers[i].store->GetMetadata(key);
    if (!found.ok()) {
      RETURN_IF_ERROR(TierFailed(i, found.status(), /*write=*/false));
      continue;
    }
    if (found->has_value()) return found;
  }
  return std::nullopt;
}

absl::Status TieredStore::Put(absl::string_view key, const Entry& entry) {
  RETURN_IF_ERROR(internal::ValidateKey(key));
  for (size_t i = options_.tiers.size(); i-- > 0;) {
    absl::Status stored = options_.tiers[i].store->Put(key, entry);
    if (!stored.ok()) RETURN_IF_ERROR(TierFailed(i, stored, /*write=*/true));
  }
  absl::MutexLock lock(&mu_);
  ++puts_;
  return absl::OkStatus();
}

absl::StatusOr<bool> TieredStore::Delete(absl::string_view key) {
  RETURN_IF_ERROR(internal::ValidateKey(key));
  bool removed = false;
  absl::Status first_error;
  for (size_t i = 0; i < options_.tiers.size(); ++i) {
    absl::StatusOr<bool> deleted = options_.tiers[i].store->Delete(key);
    if (deleted.ok()) {
      removed = removed || *deleted;
    } else {
      first_error.Update(TierFailed(i, deleted.status(), /*write=*/true));
    }
  }
  if (!first_error.ok()) return first_error;
  return removed;
}

absl::StatusOr<bool> TieredStore::Touch(absl::string_view key) {
  RETURN_IF_ERROR(internal::ValidateKey(key));
  bool found = false;
  absl::Status first_error;
  for (size_t i = 0; i < options_.tiers.size(); ++i) {
    absl::StatusOr<bool> touched = options_.tiers[i].store->Touch(key);
    if (touched.ok()) {
      found = found || *touched;
    } else {
      first_error.Update(TierFailed(i, touched.status(), /*write=*/true));
    }
  }
  if (!first_error.ok()) return first_error;
  return found;
}

absl::StatusOr<ListPage> TieredStore::List(const ListOptions& options) {
  return authoritative().List(options);
}

absl::Status TieredStore::Flush() {
  absl::Status first_error;
  for (size_t i = 0; i < options_.tiers.size(); ++i) {
    absl::Status flushed = options_.tiers[i].store->Flush();
    if (!flushed.ok()) {
      first_error.Update(TierFailed(i, flushed, /*write=*/true));
    }
  }
  return first_error;
}

CacheStats TieredStore::Stats() {
  CacheStats stats = authoritative().Stats();
  stats.tier = "tiered";
  stats.evictions = stats.expirations = stats.digest_failures = 0;
  stats.read_errors = stats.write_errors = 0;
  stats.tiers.clear();
  for (const Tier& tier : options_.tiers) {
    CacheStats tier_stats = tier.store->Stats();
    tier_stats.tier = tier.name;
    stats.evictions += tier_stats.evictions;
    stats.expirations += tier_stats.expirations;
    stats.digest_failures += tier_stats.digest_failures;
    stats.tiers.push_back(std::move(tier_stats));
  }
  absl::MutexLock lock(&mu_);
  for (size_t i = 0; i < stats.tiers.size(); ++i) {
    CacheStats& tier_stats = stats.tiers[i];
    tier_stats.hits = counters_[i].hits;
    tier_stats.misses = counters_[i].misses;
    tier_stats.read_errors = counters_[i].read_errors;
    tier_stats.write_errors = counters_[i].write_errors;
    stats.read_errors += tier_stats.read_errors;
    stats.write_errors += tier_stats.write_errors;
  }
  stats.hits = hits_;
  stats.misses = misses_;
  stats.puts = puts_;
  return stats;
}

}  // namespace aotd::cache
