// The interface every cache tier implements: an in-process LRU
// (memory_store.h), RocksDB on local disk (rocksdb_store.h), tiers stacked
// over each other (tiered_store.h), and later a remote tier.
//
// A cache maps a key to an Entry: opaque artifact bytes (a serialized
// aotd.proto.Artifact, which the cache never parses) and EntryMetadata. The
// key is opaque too: the server computes it from the canonical graph key,
// options, target, compiler version and namespace, and the entry records
// those components so that a miss can be explained.
//
// Integrity: every read of artifact bytes (Get, Peek) recomputes their
// SHA-256 and compares it with the digest recorded at Put. On a mismatch the
// entry is deleted, CacheStats::digest_failures is incremented and the read
// reports a miss (nullopt), so the caller recompiles. Corrupt bytes are never
// returned.
//
// Errors: a miss is not an error (nullopt / false). INVALID_ARGUMENT means a
// malformed key or request; UNAVAILABLE a storage or remote failure the
// caller may retry or route around; RESOURCE_EXHAUSTED that the entry cannot
// be stored (disk full, or larger than the store's byte bound); DATA_LOSS
// that the store itself is corrupt beyond one entry.
#ifndef AOTD_CACHE_CACHE_STORE_H_
#define AOTD_CACHE_CACHE_STORE_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/cache_key.h"
#include "common/sha256.h"

namespace aotd::cache {

// Keys are 1 to kMaxKeyBytes arbitrary bytes; anything else is
// INVALID_ARGUMENT.
inline constexpr size_t kMaxKeyBytes = 1024;

// What a key was computed from. Stored as given; the cache never recomputes
// the key from it.
// What the entry's key is made of (common/cache_key.h), so that a miss can
// be explained component by component.
using KeyComponents = ::aotd::CacheKeyComponents;

struct EntryMetadata {
  // Accounting group (a team, a project); "" is a namespace like any other.
  std::string cache_namespace;
  KeyComponents key_components;

  // Byte count and SHA-256 of the artifact bytes. Put computes both. A
  // caller may pass a digest it already knows (an import): if it is not all
  // zero and differs from the bytes' digest, Put fails with DATA_LOSS.
  uint64_t size_bytes = 0;
  Sha256Digest digest{};

  // When the entry was first stored and last read. absl::InfinitePast() on
  // Put means "now" (the store's clock); other values are kept, so a tier
  // filled from a lower tier, or an import, keeps the original times.
  absl::Time created = absl::InfinitePast();
  absl::Time last_used = absl::InfinitePast();
  // Number of Get hits and Touches, kept on Put.
  uint64_t hit_count = 0;
};

struct Entry {
  std::string artifact;  // Opaque bytes.
  EntryMetadata metadata;
};

// Fixed cost of an entry's bookkeeping, charged besides its strings.
inline constexpr uint64_t kEntryOverheadBytes = 128;

// The bytes an entry counts against a store's size bound and in its stats:
// the artifact, and what the store keeps of the entry in memory besides
// (key, namespace, key components, a fixed overhead), so that long keys or
// names cannot grow a store past its bound.
inline uint64_t ChargedBytes(absl::string_view key, const EntryMetadata& m) {
  const KeyComponents& c = m.key_components;
  return m.size_bytes + key.size() + m.cache_namespace.size() + c.graph_key.size() +
         c.options.size() + c.target.size() + c.compiler_version.size() + kEntryOverheadBytes;
}

// Orders for List. Ties are broken by key, in the same direction.
enum class ListOrder {
  kKey,       // Key bytes.
  kSize,      // size_bytes.
  kLastUsed,  // last_used, least recent first.
  kHits,      // hit_count.
  kAge,       // Age, youngest (latest created) first.
};

struct ListOptions {
  // Only entries of this namespace; all when unset.
  std::optional<std::string> cache_namespace;
  ListOrder order = ListOrder::kKey;
  // Reverses `order` (largest, most recently used, most hits, oldest first).
  bool descending = false;
  // Entries per page; 0 means kDefaultPageSize, more than kMaxPageSize is
  // clamped to it.
  size_t page_size = 0;
  // Empty for the first page, else ListPage::next_page_token of the previous
  // page, listed with the same order and direction (INVALID_ARGUMENT
  // otherwise). A page continues after the last entry of the previous page
  // in the order, so entries added or removed between pages do not shift
  // the others; an entry whose sort value changed may be listed twice or
  // not at all.
  std::string page_token;

  static constexpr size_t kDefaultPageSize = 100;
  static constexpr size_t kMaxPageSize = 10000;
};

struct ListedEntry {
  std::string key;
  EntryMetadata metadata;
};

struct ListPage {
  std::vector<ListedEntry> entries;
  std::string next_page_token;  // Empty on the last page.
};

struct NamespaceStats {
  uint64_t entries = 0;
  uint64_t bytes = 0;  // Sum of ChargedBytes.
};

// A snapshot of a store. `entries`, `bytes` and `namespaces` describe the
// current content (entries past their TTL count until they are removed);
// the counters count events since the store was opened in this process.
struct CacheStats {
  std::string tier;        // "memory", "rocksdb", "tiered", ...
  uint64_t entries = 0;
  uint64_t bytes = 0;      // Sum of ChargedBytes: artifacts and their metadata.
  uint64_t max_bytes = 0;  // The store's byte bound; 0 if unbounded.
  std::map<std::string, NamespaceStats> namespaces;

  uint64_t hits = 0;             // Get calls that returned an entry.
  uint64_t misses = 0;           // Get calls that returned nullopt.
  uint64_t puts = 0;             // Successful Puts.
  uint64_t evictions = 0;        // Entries evicted to hold max_bytes.
  uint64_t expirations = 0;      // Entries removed because of the TTL.
  uint64_t digest_failures = 0;  // Entries dropped because they failed
                                 // verification (digest or record damage).
  uint64_t read_errors = 0;      // Reads that failed (TieredStore: per tier).
  uint64_t write_errors = 0;     // Writes that failed (TieredStore: per tier).

  // TieredStore only: one snapshot per tier, top first.
  std::vector<CacheStats> tiers;
};

// A cache tier. Implementations are thread-safe: every method may be called
// concurrently from any thread.
class CacheStore {
 public:
  virtual ~CacheStore() = default;

  // Looks `key` up. Returns nullopt when it is missing, expired (removed) or
  // failed verification (removed, counted). On a hit, records a use
  // (last_used = now, hit_count + 1; the returned metadata includes it).
  virtual absl::StatusOr<std::optional<Entry>> Get(absl::string_view key) = 0;

  // Like Get, but records no use and counts neither a hit nor a miss: for
  // administrative reads (verify, export). Still verifies the digest.
  virtual absl::StatusOr<std::optional<Entry>> Peek(absl::string_view key) = 0;

  // The metadata alone, without reading or verifying the bytes and without
  // recording a use. nullopt when missing or expired.
  virtual absl::StatusOr<std::optional<EntryMetadata>> GetMetadata(
      absl::string_view key) = 0;

  // Stores `entry` under `key`, replacing any previous entry, atomically:
  // afterwards a reader sees either the old entry or the new one, bytes and
  // metadata together, even after a crash. A bounded store evicts least
  // recently used entries to make room. On error nothing changed.
  // RESOURCE_EXHAUSTED if the entry alone exceeds the byte bound or the
  // disk is full.
  virtual absl::Status Put(absl::string_view key, const Entry& entry) = 0;

  // Removes `key`. Returns whether there was an entry.
  virtual absl::StatusOr<bool> Delete(absl::string_view key) = 0;

  // Records a use of `key` (as a Get hit would) without reading the bytes:
  // a TieredStore touches lower tiers when an upper tier serves a hit, so
  // that their LRU order follows real use. Returns whether `key` exists.
  virtual absl::StatusOr<bool> Touch(absl::string_view key) = 0;

  // One page of entries' metadata; expired entries are skipped.
  virtual absl::StatusOr<ListPage> List(const ListOptions& options) = 0;

  virtual CacheStats Stats() = 0;

  // Writes buffered use records (last_used, hit_count) to storage. Put does
  // not need it: an entry is as durable as the store makes it (see its
  // Options) when Put returns.
  virtual absl::Status Flush() = 0;
};

}  // namespace aotd::cache

#endif  // AOTD_CACHE_CACHE_STORE_H_
