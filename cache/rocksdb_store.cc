#include "cache/rocksdb_store.h"

#include <algorithm>
#include <filesystem>
#include <system_error>
#include <tuple>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "cache/internal/store_util.h"
#include "common/sha256.h"
#include "common/status_macros.h"
#include "proto/cache.pb.h"
#include "rocksdb/db.h"
#include "rocksdb/iterator.h"
#include "rocksdb/options.h"
#include "rocksdb/slice.h"
#include "rocksdb/status.h"
#include "rocksdb/write_batch.h"

namespace aotd::cache {
namespace {

namespace fs = std::filesystem;

constexpr char kArtifactsFamily[] = "artifacts";
constexpr char kMetadataFamily[] = "metadata";
constexpr char kFormatVersionKey[] = "aotd.cache.format_version";

rocksdb::Slice ToSlice(absl::string_view s) {
  return rocksdb::Slice(s.data(), s.size());
}

absl::Status FromRocksDb(const rocksdb::Status& s, absl::string_view what,
                         absl::string_view path) {
  std::string message =
      absl::StrCat(what, " (cache at ", path, "): ", s.ToString());
  if (s.IsCorruption()) return absl::DataLossError(message);
  if (s.IsNoSpace()) return absl::ResourceExhaustedError(message);
  return absl::UnavailableError(message);
}

proto::CacheEntryMetadata ToProto(const EntryMetadata& m) {
  proto::CacheEntryMetadata record;
  record.set_cache_namespace(m.cache_namespace);
  proto::CacheKeyComponents* key = record.mutable_key_components();
  key->set_graph_key(m.key_components.graph_key);
  key->set_options(m.key_components.options);
  key->set_target(m.key_components.target);
  key->set_compiler_version(m.key_components.compiler_version);
  record.set_size_bytes(m.size_bytes);
  record.set_sha256(m.digest.data(), m.digest.size());
  record.set_created_unix_micros(absl::ToUnixMicros(m.created));
  record.set_last_used_unix_micros(absl::ToUnixMicros(m.last_used));
  record.set_hit_count(m.hit_count);
  return record;
}

// nullopt if `value` is not a well-formed metadata record.
std::optional<EntryMetadata> ParseMetadata(absl::string_view value) {
  proto::CacheEntryMetadata record;
  if (!record.ParseFromArray(value.data(), static_cast<int>(value.size())) ||
      record.sha256().size() != Sha256Digest().size()) {
    return std::nullopt;
  }
  EntryMetadata m;
  m.cache_namespace = record.cache_namespace();
  m.key_components.graph_key = record.key_components().graph_key();
  m.key_components.options = record.key_components().options();
  m.key_components.target = record.key_components().target();
  m.key_components.compiler_version =
      record.key_components().compiler_version();
  m.size_bytes = record.size_bytes();
  std::copy(record.sha256().begin(), record.sha256().end(), m.digest.begin());
  m.created = absl::FromUnixMicros(record.created_unix_micros());
  m.last_used = absl::FromUnixMicros(record.last_used_unix_micros());
  m.hit_count = record.hit_count();
  return m;
}

// Names RocksDB itself creates in a database directory.
bool IsRocksDbFile(const std::string& name) {
  for (const char* prefix :
       {"CURRENT", "IDENTITY", "LOCK", "LOG", "MANIFEST-", "OPTIONS-"}) {
    if (absl::StartsWith(name, prefix)) return true;
  }
  for (const char* suffix : {".log", ".sst", ".blob", ".dbtmp"}) {
    if (absl::EndsWith(name, suffix)) return true;
  }
  return false;
}

// Creates `path` if needed and says whether it already holds a database.
absl::StatusOr<bool> PrepareDirectory(const std::string& path) {
  std::error_code ec;
  fs::create_directories(path, ec);
  if (!fs::is_directory(path)) {
    return absl::UnavailableError(absl::StrCat(
        "cache directory ", path, " cannot be created",
        ec ? absl::StrCat(": ", ec.message()) : ": not a directory"));
  }
  if (fs::exists(fs::path(path) / "CURRENT")) return true;
  fs::directory_iterator it(path, ec);
  for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (!IsRocksDbFile(name)) {
      return absl::FailedPreconditionError(absl::StrCat(
          "cache directory ", path, " is not empty and holds no aotd cache (",
          name, ")"));
    }
  }
  if (ec) {
    return absl::UnavailableError(absl::StrCat(
        "cache directory ", path, " cannot be read: ", ec.message()));
  }
  return false;
}

bool FamilyIsEmpty(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* family) {
  std::unique_ptr<rocksdb::Iterator> it(
      db.NewIterator(rocksdb::ReadOptions(), family));
  it->SeekToFirst();
  return !it->Valid() && it->status().ok();
}

// An existing database is a cache if it has our column families, or if its
// creation was interrupted before it had them (nothing but an empty
// default family). Opens it read-only to tell a damaged database (DATA_LOSS)
// from a foreign one (FAILED_PRECONDITION).
absl::Status CheckIsCache(const std::string& path,
                          const std::vector<std::string>& families) {
  auto has = [&](const char* name) {
    return std::find(families.begin(), families.end(), name) != families.end();
  };
  if (has(kArtifactsFamily) && has(kMetadataFamily)) return absl::OkStatus();
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const std::string& name : families) {
    descriptors.emplace_back(name, rocksdb::ColumnFamilyOptions());
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw_db = nullptr;
  rocksdb::Status s = rocksdb::DB::OpenForReadOnly(
      rocksdb::DBOptions(), path, descriptors, &handles, &raw_db);
  if (!s.ok()) return FromRocksDb(s, "opening cache database", path);
  std::unique_ptr<rocksdb::DB> db(raw_db);
  const bool empty =
      families.size() == 1 && FamilyIsEmpty(*db, db->DefaultColumnFamily());
  for (rocksdb::ColumnFamilyHandle* handle : handles) {
    db->DestroyColumnFamilyHandle(handle).PermitUncheckedError();
  }
  if (empty) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      "cache directory ", path,
      " holds a RocksDB database that is not an aotd cache (no \"",
      has(kArtifactsFamily) ? kMetadataFamily : kArtifactsFamily,
      "\" column family)"));
}

rocksdb::ColumnFamilyHandle* FindFamily(
    const std::vector<rocksdb::ColumnFamilyHandle*>& handles,
    const std::string& name) {
  for (rocksdb::ColumnFamilyHandle* handle : handles) {
    if (handle->GetName() == name) return handle;
  }
  return nullptr;
}

}  // namespace

absl::StatusOr<std::unique_ptr<RocksDbStore>> RocksDbStore::Open(
    const Options& options) {
  const std::string& path = options.path;
  if (path.empty()) {
    return absl::InvalidArgumentError("cache directory path is empty");
  }
  ASSIGN_OR_RETURN(const bool existed, PrepareDirectory(path));

  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.keep_log_file_num = 4;
  std::vector<std::string> families = {rocksdb::kDefaultColumnFamilyName};
  if (existed) {
    rocksdb::Status s =
        rocksdb::DB::ListColumnFamilies(db_options, path, &families);
    if (!s.ok()) return FromRocksDb(s, "opening cache database", path);
    RETURN_IF_ERROR(CheckIsCache(path, families));
  }
  for (const char* ours : {kArtifactsFamily, kMetadataFamily}) {
    if (std::find(families.begin(), families.end(), ours) == families.end()) {
      families.push_back(ours);
    }
  }

  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const std::string& name : families) {
    rocksdb::ColumnFamilyOptions family_options;
    if (name == kArtifactsFamily) {
      // Artifacts are large: keep them in blob files so that compactions
      // move only the small index records.
      family_options.enable_blob_files = true;
      family_options.min_blob_size = 4096;
      family_options.enable_blob_garbage_collection = true;
    }
    descriptors.emplace_back(name, family_options);
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw_db = nullptr;
  rocksdb::Status s =
      rocksdb::DB::Open(db_options, path, descriptors, &handles, &raw_db);
  if (!s.ok()) return FromRocksDb(s, "opening cache database", path);
  std::unique_ptr<RocksDbStore> store(new RocksDbStore(
      options, options.clock != nullptr ? options.clock : Clock::Real(),
      std::unique_ptr<rocksdb::DB>(raw_db), std::move(handles)));
  rocksdb::DB& db = *store->db_;
  rocksdb::ColumnFamilyHandle* defaults = db.DefaultColumnFamily();

  // The format version record. A database without one is accepted only if
  // it is empty (its creation was interrupted before the record was
  // written).
  std::string version;
  s = db.Get(rocksdb::ReadOptions(), defaults, kFormatVersionKey, &version);
  if (s.IsNotFound()) {
    if (!FamilyIsEmpty(db, store->artifacts_) ||
        !FamilyIsEmpty(db, store->metadata_)) {
      return absl::FailedPreconditionError(absl::StrCat(
          "cache at ", path, " has entries but no format version record"));
    }
    rocksdb::WriteOptions write_options;
    write_options.sync = true;
    s = db.Put(write_options, defaults, kFormatVersionKey,
               absl::StrCat(kFormatVersion));
    if (!s.ok()) return FromRocksDb(s, "writing the format version", path);
  } else if (!s.ok()) {
    return FromRocksDb(s, "reading the format version", path);
  } else if (int v; !absl::SimpleAtoi(version, &v) || v != kFormatVersion) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cache at ", path, " has format version \"", absl::CEscape(version),
        "\"; this build reads version ", kFormatVersion));
  }

  {
    absl::MutexLock lock(&store->mu_);
    RETURN_IF_ERROR(store->Load());
  }
  return store;
}

RocksDbStore::RocksDbStore(const Options& options, Clock* clock,
                           std::unique_ptr<rocksdb::DB> db,
                           std::vector<rocksdb::ColumnFamilyHandle*> handles)
    : options_(options),
      clock_(clock),
      db_(std::move(db)),
      handles_(std::move(handles)),
      artifacts_(FindFamily(handles_, kArtifactsFamily)),
      metadata_(FindFamily(handles_, kMetadataFamily)),
      last_use_flush_(clock->Now()) {}

RocksDbStore::~RocksDbStore() {
  {
    absl::MutexLock lock(&mu_);
    FlushLocked().IgnoreError();
  }
  for (rocksdb::ColumnFamilyHandle* handle : handles_) {
    db_->DestroyColumnFamilyHandle(handle).PermitUncheckedError();
  }
  db_->Close().PermitUncheckedError();
}

absl::Status RocksDbStore::Load() {
  const absl::Time now = clock_->Now();
  std::vector<std::pair<std::string, EntryMetadata>> live;
  std::vector<std::string> dropped;
  rocksdb::ReadOptions read_options;
  read_options.fill_cache = false;
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(read_options, metadata_));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    std::string key = it->key().ToString();
    std::optional<EntryMetadata> metadata =
        ParseMetadata(absl::string_view(it->value().data(), it->value().size()));
    if (!metadata.has_value()) {
      ++counters_.digest_failures;
      dropped.push_back(std::move(key));
    } else if (internal::IsExpired(*metadata, options_.ttl, now)) {
      ++counters_.expirations;
      dropped.push_back(std::move(key));
    } else {
      live.emplace_back(std::move(key), *std::move(metadata));
    }
  }
  if (!it->status().ok()) {
    return FromRocksDb(it->status(), "reading entry metadata", options_.path);
  }
  it.reset();

  // Least recently used first, so the last inserted is the most recent.
  std::sort(live.begin(), live.end(), [](const auto& a, const auto& b) {
    return std::tie(a.second.last_used, a.first) <
           std::tie(b.second.last_used, b.first);
  });
  for (auto& [key, metadata] : live) {
    index_.Upsert(key, std::move(metadata), NoExtra{});
  }
  if (options_.max_bytes != 0) {
    // Keys are never empty, so "" keeps nothing back.
    for (std::string& victim : index_.VictimsFor("", 0, options_.max_bytes)) {
      ++counters_.evictions;
      dropped.push_back(std::move(victim));
    }
  }
  return DeleteLocked(dropped);
}

absl::StatusOr<RocksDbStore::Index::Slot*> RocksDbStore::FindLive(
    absl::string_view key, absl::Time now) {
  Index::Slot* slot = index_.Find(key);
  if (slot != nullptr &&
      internal::IsExpired(slot->metadata, options_.ttl, now)) {
    RETURN_IF_ERROR(DeleteLocked({std::string(key)}));
    ++counters_.expirations;
    return nullptr;
  }
  return slot;
}

absl::Status RocksDbStore::DeleteLocked(const std::vector<std::string>& keys) {
  if (keys.empty()) return absl::OkStatus();
  rocksdb::WriteBatch batch;
  for (const std::string& key : keys) {
    batch.Delete(artifacts_, key).PermitUncheckedError();
    batch.Delete(metadata_, key).PermitUncheckedError();
  }
  rocksdb::WriteOptions write_options;
  write_options.sync = options_.sync;
  rocksdb::Status s = db_->Write(write_options, &batch);
  if (!s.ok()) {
    ++counters_.write_errors;
    return FromRocksDb(s, "deleting entries", options_.path);
  }
  for (const std::string& key : keys) {
    index_.Erase(key);
    unflushed_uses_.erase(key);
  }
  return absl::OkStatus();
}

void RocksDbStore::RecordUseLocked(absl::string_view key, Index::Slot& slot,
                                   absl::Time now) {
  index_.FindAndPromote(key);
  slot.metadata.last_used = now;
  ++slot.metadata.hit_count;
  unflushed_uses_.insert(std::string(key));
  if (unflushed_uses_.size() >= options_.use_flush_batch ||
      now - last_use_flush_ >= options_.use_flush_interval) {
    // Losing use records costs LRU precision only; the read succeeds.
    FlushLocked().IgnoreError();
  }
}

absl::Status RocksDbStore::FlushLocked() {
  if (unflushed_uses_.empty()) {
    last_use_flush_ = clock_->Now();
    return absl::OkStatus();
  }
  rocksdb::WriteBatch batch;
  for (const std::string& key : unflushed_uses_) {
    if (const Index::Slot* slot = index_.Find(key); slot != nullptr) {
      batch.Put(metadata_, key, ToProto(slot->metadata).SerializeAsString())
          .PermitUncheckedError();
    }
  }
  rocksdb::WriteOptions write_options;
  write_options.sync = options_.sync;
  rocksdb::Status s = db_->Write(write_options, &batch);
  if (!s.ok()) {
    ++counters_.write_errors;
    return FromRocksDb(s, "writing use records", options_.path);
  }
  unflushed_uses_.clear();
  last_use_flush_ = clock_->Now();
  return absl::OkStatus();
}

absl::Status RocksDbStore::Flush() {
  absl::MutexLock lock(&mu_);
  return FlushLocked();
}

absl::StatusOr<std::optional<Entry>> RocksDbStore::Get(absl::string_view key) {
  return Read(key, /*record_use=*/true);
}

absl::StatusOr<std::optional<Entry>> RocksDbStore::Peek(absl::string_view key) {
  return Read(key, /*record_use=*/false);
}

absl::StatusOr<std::optional<Entry>> RocksDbStore::Read(absl::string_view key,
                                                        bool record_use) {
  RETURN_IF_ERROR(internal::ValidateKey(key));
  const absl::Time now = clock_->Now();
  EntryMetadata metadata;
  {
    absl::MutexLock lock(&mu_);
    ASSIGN_OR_RETURN(Index::Slot* slot, FindLive(key, now));
    if (slot == nullptr) {
      if (record_use) ++counters_.misses;
      return std::nullopt;
    }
    metadata = slot->metadata;
  }

  // Read and hash without the lock. If a writer replaced the entry
  // meanwhile the bytes may not match `metadata`; RecheckLocked sorts that
  // out from real damage.
  std::string bytes;
  rocksdb::Status s =
      db_->Get(rocksdb::ReadOptions(), artifacts_, ToSlice(key), &bytes);
  const bool intact = s.ok() && Sha256Of(bytes) == metadata.digest;

  absl::MutexLock lock(&mu_);
  std::optional<Entry> entry;
  if (intact) {
    entry = Entry{std::move(bytes), std::move(metadata)};
  } else if (!s.ok() && !s.IsNotFound() && !s.IsCorruption()) {
    ++counters_.read_errors;
    return FromRocksDb(s, "reading an artifact", options_.path);
  } else {
    ASSIGN_OR_RETURN(entry, RecheckLocked(key, now));
  }
  if (!record_use) return entry;
  if (!entry.has_value()) {
    ++counters_.misses;
    return entry;
  }
  ++counters_.hits;
  Index::Slot* slot = index_.Find(key);
  if (slot != nullptr && slot->metadata.digest == entry->metadata.digest) {
    RecordUseLocked(key, *slot, now);
    entry->metadata = slot->metadata;
  } else {
    // Replaced or deleted meanwhile; what was read is still a verified
    // artifact for this key.
    entry->metadata.last_used = now;
    ++entry->metadata.hit_count;
  }
  return entry;
}

absl::StatusOr<std::optional<Entry>> RocksDbStore::RecheckLocked(
    absl::string_view key, absl::Time now) {
  ASSIGN_OR_RETURN(Index::Slot* slot, FindLive(key, now));
  if (slot == nullptr) return std::nullopt;
  std::string bytes;
  rocksdb::Status s =
      db_->Get(rocksdb::ReadOptions(), artifacts_, ToSlice(key), &bytes);
  if (s.ok() && Sha256Of(bytes) == slot->metadata.digest) {
    return Entry{std::move(bytes), slot->metadata};
  }
  if (!s.ok() && !s.IsNotFound() && !s.IsCorruption()) {
    ++counters_.read_errors;
    return FromRocksDb(s, "reading an artifact", options_.path);
  }
  // Wrong bytes, no bytes, or a damaged block: the entry is lost.
  ++counters_.digest_failures;
  RETURN_IF_ERROR(DeleteLocked({std::string(key)}));
  return std::nullopt;
}

absl::StatusOr<std::optional<EntryMetadata>> RocksDbStore::GetMetadata(
    absl::string_view key) {
  RETURN_IF_ERROR(internal::ValidateKey(key));
  const absl::Time now = clock_->Now();
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Index::Slot* slot, FindLive(key, now));
  if (slot == nullptr) return std::nullopt;
  return slot->metadata;
}

absl::Status RocksDbStore::Put(absl::string_view key, const Entry& entry) {
  RETURN_IF_ERROR(internal::ValidateKey(key));
  ASSIGN_OR_RETURN(EntryMetadata metadata,
                   internal::MetadataForPut(entry, clock_->Now()));
  const uint64_t charged = ChargedBytes(key, metadata);
  if (options_.max_bytes != 0 && charged > options_.max_bytes) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "an entry of ", charged, " bytes (artifact and metadata) exceeds the bound of ",
        options_.max_bytes, " bytes of the cache at ", options_.path));
  }
  rocksdb::WriteBatch batch;
  batch.Put(artifacts_, ToSlice(key), ToSlice(entry.artifact))
      .PermitUncheckedError();
  batch.Put(metadata_, ToSlice(key), ToProto(metadata).SerializeAsString())
      .PermitUncheckedError();
  rocksdb::WriteOptions write_options;
  write_options.sync = options_.sync;

  absl::MutexLock lock(&mu_);
  std::vector<std::string> victims;
  if (options_.max_bytes != 0) {
    victims = index_.VictimsFor(key, charged, options_.max_bytes);
    for (const std::string& victim : victims) {
      batch.Delete(artifacts_, victim).PermitUncheckedError();
      batch.Delete(metadata_, victim).PermitUncheckedError();
    }
  }
  rocksdb::Status s = db_->Write(write_options, &batch);
  if (!s.ok()) {
    ++counters_.write_errors;
    return FromRocksDb(s, "writing an entry", options_.path);
  }
  for (const std::string& victim : victims) {
    index_.Erase(victim);
    unflushed_uses_.erase(victim);
    ++counters_.evictions;
  }
  index_.Upsert(key, std::move(metadata), NoExtra{});
  unflushed_uses_.erase(key);
  ++counters_.puts;
  return absl::OkStatus();
}

absl::StatusOr<bool> RocksDbStore::Delete(absl::string_view key) {
  RETURN_IF_ERROR(internal::ValidateKey(key));
  absl::MutexLock lock(&mu_);
  if (index_.Find(key) == nullptr) return false;
  RETURN_IF_ERROR(DeleteLocked({std::string(key)}));
  return true;
}

absl::StatusOr<bool> RocksDbStore::Touch(absl::string_view key) {
  RETURN_IF_ERROR(internal::ValidateKey(key));
  const absl::Time now = clock_->Now();
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Index::Slot* slot, FindLive(key, now));
  if (slot == nullptr) return false;
  RecordUseLocked(key, *slot, now);
  return true;
}

absl::StatusOr<ListPage> RocksDbStore::List(const ListOptions& options) {
  const absl::Time now = clock_->Now();
  absl::MutexLock lock(&mu_);
  return internal::ListIndex(index_, options, options_.ttl, now);
}

CacheStats RocksDbStore::Stats() {
  absl::MutexLock lock(&mu_);
  return internal::MakeStats("rocksdb", index_, options_.max_bytes, counters_);
}

}  // namespace aotd::cache
