// The persistent cache tier: RocksDB in one directory on local disk.
//
// On-disk format (docs/formats.md, "Cache (RocksDB), version 1"): column
// family "artifacts" maps key -> artifact bytes, "metadata" maps key ->
// aotd.proto.CacheEntryMetadata, and "default" holds the format version
// record. An entry's two records are written in one WriteBatch, so after a
// crash both or neither are there.
//
// At Open the metadata column family is read into memory (about a hundred
// bytes per entry plus the key components): it holds the LRU order, the
// byte and namespace accounting, and the digest every read is checked
// against. Use records (last_used, hit_count) are updated in memory and
// written in batches (Options::use_flush_batch, use_flush_interval, Flush,
// and on destruction); a crash loses at most those, never an entry. After a
// restart the LRU order is that of the persisted last_used times.
#ifndef AOTD_CACHE_ROCKSDB_STORE_H_
#define AOTD_CACHE_ROCKSDB_STORE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "cache/cache_store.h"
#include "cache/internal/store_util.h"
#include "cache/clock.h"
#include "cache/internal/lru_index.h"

namespace rocksdb {
class ColumnFamilyHandle;
class DB;
}  // namespace rocksdb

namespace aotd::cache {

// Thread-safe. Writers (Put, Delete, eviction, use-record flushes) are
// serialized by one lock; Get and Peek read and hash the bytes outside it.
class RocksDbStore final : public CacheStore {
 public:
  // The format this build reads and writes (docs/formats.md).
  static constexpr int kFormatVersion = 1;

  struct Options {
    // Directory of the database. Created (with its parents) if missing; an
    // existing directory must be empty or hold an aotd cache.
    std::string path;
    // Bound on the sum of artifact sizes (RocksDB's own overhead, about the
    // size of the keys and metadata plus space not yet compacted, comes on
    // top). A Put that would exceed it deletes least recently used entries
    // in the same WriteBatch. 0: unbounded.
    uint64_t max_bytes = uint64_t{8} << 30;
    // Entries created this long ago or longer are treated as missing and
    // deleted when looked at and at Open. Infinite: no expiry.
    absl::Duration ttl = absl::InfiniteDuration();
    // fsync the write-ahead log on every Put and Delete. Without it (the
    // default) writes still go through the log, so an acknowledged Put
    // survives a crash of the process, but not necessarily of the machine.
    bool sync = false;
    // Use records are written when this many entries have unwritten
    // ones, or at a use this long after the previous write of use records.
    size_t use_flush_batch = 1024;
    absl::Duration use_flush_interval = absl::Seconds(30);
    // Source of now for times and TTL. Not owned; must outlive the store.
    // Null: Clock::Real().
    Clock* clock = nullptr;
  };

  // Opens or creates the cache at options.path. Errors name the path:
  // INVALID_ARGUMENT for an empty path; UNAVAILABLE if the directory cannot
  // be created or opened (not a directory, no permission, locked by another
  // process); DATA_LOSS if the database is corrupt; FAILED_PRECONDITION if
  // the directory holds something other than an aotd cache or a cache of a
  // format version other than kFormatVersion.
  static absl::StatusOr<std::unique_ptr<RocksDbStore>> Open(
      const Options& options);

  // Flushes use records (errors ignored) and closes the database.
  ~RocksDbStore() override;
  RocksDbStore(const RocksDbStore&) = delete;
  RocksDbStore& operator=(const RocksDbStore&) = delete;

  absl::StatusOr<std::optional<Entry>> Get(absl::string_view key) override;
  absl::StatusOr<std::optional<Entry>> Peek(absl::string_view key) override;
  absl::StatusOr<std::optional<EntryMetadata>> GetMetadata(
      absl::string_view key) override;
  // RESOURCE_EXHAUSTED if the artifact alone exceeds max_bytes or the disk
  // is full; UNAVAILABLE for other I/O errors.
  absl::Status Put(absl::string_view key, const Entry& entry) override;
  absl::StatusOr<bool> Delete(absl::string_view key) override;
  absl::StatusOr<bool> Touch(absl::string_view key) override;
  absl::StatusOr<ListPage> List(const ListOptions& options) override;
  CacheStats Stats() override;
  absl::Status Flush() override;

  const std::string& path() const { return options_.path; }

 private:
  struct NoExtra {};
  using Index = internal::LruIndex<NoExtra>;

  RocksDbStore(const Options& options, Clock* clock,
               std::unique_ptr<rocksdb::DB> db,
               std::vector<rocksdb::ColumnFamilyHandle*> handles);

  // Reads the metadata column family into index_; deletes records that do
  // not parse (counted as digest failures) and expired entries; evicts down
  // to max_bytes.
  absl::Status Load() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  absl::StatusOr<std::optional<Entry>> Read(absl::string_view key,
                                            bool record_use);
  // The slow path of Read when the bytes did not match: repeats the read
  // under the lock, where no writer can interfere, and deletes the entry if
  // it is still damaged. Returns the intact entry or nullopt.
  absl::StatusOr<std::optional<Entry>> RecheckLocked(absl::string_view key,
                                                     absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Finds `key`, deleting it (and counting an expiration) if past the TTL.
  absl::StatusOr<Index::Slot*> FindLive(absl::string_view key, absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Deletes the records of `keys` in one batch, then drops them from the
  // index.
  absl::Status DeleteLocked(const std::vector<std::string>& keys)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void RecordUseLocked(absl::string_view key, Index::Slot& slot,
                       absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status FlushLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const Options options_;
  Clock* const clock_;
  std::unique_ptr<rocksdb::DB> db_;
  // Every column family of the database (default, artifacts, metadata and
  // any a later version added); owned, destroyed before db_.
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  rocksdb::ColumnFamilyHandle* artifacts_;
  rocksdb::ColumnFamilyHandle* metadata_;

  absl::Mutex mu_;
  Index index_ ABSL_GUARDED_BY(mu_);
  // Keys whose use record changed since it was last written.
  absl::flat_hash_set<std::string> unflushed_uses_ ABSL_GUARDED_BY(mu_);
  absl::Time last_use_flush_ ABSL_GUARDED_BY(mu_);
  internal::StoreCounters counters_ ABSL_GUARDED_BY(mu_);
};

}  // namespace aotd::cache

#endif  // AOTD_CACHE_ROCKSDB_STORE_H_
