// RocksDbStore beyond the shared contract (cache_store_test.cc):
// persistence, damage on disk, bad paths and format versions.
#include "cache/rocksdb_store.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "cache/maintenance.h"
#include "cache/testing/fake_clock.h"
#include "cache/testing/test_entries.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/cache.pb.h"
#include "rocksdb/db.h"
#include "rocksdb/options.h"

namespace aotd::cache {
namespace {

namespace fs = std::filesystem;
using ::aotd::cache::testing::ArtifactBytes;
using ::aotd::cache::testing::Charged;
using ::aotd::cache::testing::EntryCharged;
using ::aotd::cache::testing::FakeClock;
using ::aotd::cache::testing::MakeEntry;
using ::aotd::cache::testing::NewTempDir;
using ::testing::HasSubstr;

// The database opened with RocksDB's own API, as an intruder (or a test)
// would, to write records behind the store's back. The store must be
// closed.
class RawDb {
 public:
  explicit RawDb(const std::string& path) {
    std::vector<std::string> families;
    rocksdb::Status s =
        rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &families);
    EXPECT_TRUE(s.ok()) << s.ToString();
    std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
    for (const std::string& name : families) {
      descriptors.emplace_back(name, rocksdb::ColumnFamilyOptions());
    }
    rocksdb::DB* db = nullptr;
    s = rocksdb::DB::Open(rocksdb::DBOptions(), path, descriptors, &handles_,
                          &db);
    EXPECT_TRUE(s.ok()) << s.ToString();
    db_.reset(db);
    for (size_t i = 0; i < families.size(); ++i) {
      by_name_[families[i]] = handles_[i];
    }
  }
  ~RawDb() {
    for (auto* handle : handles_) {
      db_->DestroyColumnFamilyHandle(handle).PermitUncheckedError();
    }
  }

  void Put(const std::string& family, const std::string& key,
           const std::string& value) {
    rocksdb::Status s =
        db_->Put(rocksdb::WriteOptions(), by_name_.at(family), key, value);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  void Delete(const std::string& family, const std::string& key) {
    ASSERT_TRUE(
        db_->Delete(rocksdb::WriteOptions(), by_name_.at(family), key).ok());
  }
  std::optional<std::string> Get(const std::string& family,
                                 const std::string& key) {
    std::string value;
    rocksdb::Status s =
        db_->Get(rocksdb::ReadOptions(), by_name_.at(family), key, &value);
    if (s.IsNotFound()) return std::nullopt;
    EXPECT_TRUE(s.ok()) << s.ToString();
    return value;
  }

 private:
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::map<std::string, rocksdb::ColumnFamilyHandle*> by_name_;
};

class RocksDbStoreTest : public ::testing::Test {
 protected:
  RocksDbStore::Options Options() {
    RocksDbStore::Options options;
    options.path = path_;
    options.clock = &clock_;
    return options;
  }
  std::unique_ptr<RocksDbStore> Open() { return Open(Options()); }
  std::unique_ptr<RocksDbStore> Open(const RocksDbStore::Options& options) {
    auto store = RocksDbStore::Open(options);
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? *std::move(store) : nullptr;
  }

  FakeClock clock_;
  const std::string path_ = NewTempDir() + "/cache";
};

TEST_F(RocksDbStoreTest, EntriesAndUsesPersistAcrossReopen) {
  const absl::Time put_time = clock_.Now();
  {
    auto store = Open();
    ASSERT_TRUE(store->Put("k1", MakeEntry("one", "team-a")).ok());
    ASSERT_TRUE(store->Put("k2", MakeEntry("two two", "team-b")).ok());
    clock_.Advance(absl::Minutes(1));
    ASSERT_TRUE((*store->Get("k1")).has_value());
    ASSERT_TRUE((*store->Get("k1")).has_value());
  }
  auto store = Open();
  auto got = store->Get("k1");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->artifact, "one");
  EXPECT_EQ((*got)->metadata.cache_namespace, "team-a");
  EXPECT_EQ((*got)->metadata.key_components,
            MakeEntry("one").metadata.key_components);
  EXPECT_EQ((*got)->metadata.created, put_time);
  EXPECT_EQ((*got)->metadata.hit_count, 3u);  // Two before the reopen.
  CacheStats stats = store->Stats();
  EXPECT_EQ(stats.entries, 2u);
  const uint64_t two = Charged("k2", MakeEntry("two two", "team-b"));
  EXPECT_EQ(stats.bytes, Charged("k1", MakeEntry("one", "team-a")) + two);
  EXPECT_EQ(stats.namespaces["team-b"].bytes, two);
}

TEST_F(RocksDbStoreTest, LruOrderSurvivesReopen) {
  RocksDbStore::Options options = Options();
  options.max_bytes = 3000;
  {
    auto store = Open(options);
    for (const char* key : {"a", "b", "c"}) {
      ASSERT_TRUE(store->Put(key, EntryCharged(key, 1000)).ok());
      clock_.Advance(absl::Seconds(1));
    }
    ASSERT_TRUE((*store->Get("a")).has_value());
  }
  auto store = Open(options);
  ASSERT_TRUE(store->Put("d", EntryCharged("d", 1000)).ok());
  EXPECT_FALSE(store->GetMetadata("b")->has_value());
  for (const char* key : {"a", "c", "d"}) {
    EXPECT_TRUE(store->GetMetadata(key)->has_value()) << key;
  }
  EXPECT_EQ(store->Stats().evictions, 1u);
}

TEST_F(RocksDbStoreTest, AUseRecordedBeforeAFlushIsOnDisk) {
  RocksDbStore::Options options = Options();
  options.use_flush_batch = 2;
  auto store = Open(options);
  ASSERT_TRUE(store->Put("a", MakeEntry("a")).ok());
  ASSERT_TRUE(store->Put("b", MakeEntry("b")).ok());
  ASSERT_TRUE(*store->Touch("a"));
  ASSERT_TRUE(*store->Touch("b"));  // Second unwritten use: written now.
  store.reset();
  RawDb raw(path_);
  proto::CacheEntryMetadata record;
  ASSERT_TRUE(record.ParseFromString(*raw.Get("metadata", "b")));
  EXPECT_EQ(record.hit_count(), 1u);
}

TEST_F(RocksDbStoreTest, CorruptBytesAreDetectedCountedAndDeleted) {
  {
    auto store = Open();
    ASSERT_TRUE(store->Put("good", MakeEntry(ArtifactBytes("good", 5000))).ok());
    ASSERT_TRUE(store->Put("bad", MakeEntry(ArtifactBytes("bad", 5000))).ok());
  }
  {
    RawDb raw(path_);
    std::string bytes = *raw.Get("artifacts", "bad");
    bytes[1234] ^= 0x01;
    raw.Put("artifacts", "bad", bytes);
  }
  {
    auto store = Open();
    auto got = store->Get("bad");
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_FALSE(got->has_value());
    CacheStats stats = store->Stats();
    EXPECT_EQ(stats.digest_failures, 1u);
    EXPECT_EQ(stats.misses, 1u);
    EXPECT_EQ(stats.entries, 1u);
    EXPECT_FALSE(store->GetMetadata("bad")->has_value());
    EXPECT_FALSE(store->Get("bad")->has_value());
    EXPECT_EQ(store->Stats().digest_failures, 1u);  // Counted once.
    EXPECT_TRUE(store->Get("good")->has_value());
  }
  RawDb raw(path_);
  EXPECT_FALSE(raw.Get("artifacts", "bad").has_value());
  EXPECT_FALSE(raw.Get("metadata", "bad").has_value());
}

TEST_F(RocksDbStoreTest, PeekAndVerifyDetectCorruptionToo) {
  {
    auto store = Open();
    for (int i = 0; i < 5; ++i) {
      ASSERT_TRUE(store->Put(absl::StrCat("k", i), MakeEntry("bytes")).ok());
    }
  }
  {
    RawDb raw(path_);
    raw.Put("artifacts", "k1", "tampered");
    raw.Put("artifacts", "k3", "");
  }
  auto store = Open();
  auto result = Verify(*store);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->checked, 5u);
  EXPECT_EQ(result->removed, 2u);
  EXPECT_EQ(store->Stats().digest_failures, 2u);
  EXPECT_EQ(store->Stats().entries, 3u);
  result = Verify(*store);
  EXPECT_EQ(result->removed, 0u);
}

TEST_F(RocksDbStoreTest, MissingBytesCountAsDamage) {
  {
    auto store = Open();
    ASSERT_TRUE(store->Put("k", MakeEntry("bytes")).ok());
  }
  RawDb(path_).Delete("artifacts", "k");
  auto store = Open();
  EXPECT_FALSE(store->Get("k")->has_value());
  EXPECT_EQ(store->Stats().digest_failures, 1u);
  EXPECT_EQ(store->Stats().entries, 0u);
}

TEST_F(RocksDbStoreTest, UnreadableMetadataIsDroppedAtOpen) {
  {
    auto store = Open();
    ASSERT_TRUE(store->Put("k", MakeEntry("bytes")).ok());
    ASSERT_TRUE(store->Put("ok", MakeEntry("bytes")).ok());
  }
  RawDb(path_).Put("metadata", "k", "\xff\xff not a record");
  auto store = Open();
  EXPECT_EQ(store->Stats().digest_failures, 1u);
  EXPECT_EQ(store->Stats().entries, 1u);
  EXPECT_FALSE(store->Get("k")->has_value());
  store.reset();
  EXPECT_FALSE(RawDb(path_).Get("artifacts", "k").has_value());
}

TEST_F(RocksDbStoreTest, TtlAndBoundApplyAtOpen) {
  {
    auto store = Open();
    ASSERT_TRUE(store->Put("old", EntryCharged("old", 1000)).ok());
    clock_.Advance(absl::Hours(2));
    for (const char* key : {"x", "y", "z"}) {
      ASSERT_TRUE(store->Put(key, EntryCharged(key, 1000)).ok());
      clock_.Advance(absl::Seconds(1));
    }
  }
  RocksDbStore::Options options = Options();
  options.ttl = absl::Hours(1);
  options.max_bytes = 2000;
  auto store = Open(options);
  CacheStats stats = store->Stats();
  EXPECT_EQ(stats.expirations, 1u);
  EXPECT_EQ(stats.evictions, 1u);  // "x", least recently used.
  EXPECT_EQ(stats.entries, 2u);
  EXPECT_FALSE(store->GetMetadata("x")->has_value());
  EXPECT_TRUE(store->GetMetadata("z")->has_value());
}

TEST_F(RocksDbStoreTest, EmptyPathIsInvalidArgument) {
  RocksDbStore::Options options = Options();
  options.path = "";
  EXPECT_EQ(RocksDbStore::Open(options).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(RocksDbStoreTest, PathsThatCannotBeADirectoryAreUnavailable) {
  const std::string file = NewTempDir() + "/plain-file";
  std::ofstream(file) << "not a directory";
  for (const std::string& path : {file, file + "/cache"}) {
    RocksDbStore::Options options = Options();
    options.path = path;
    absl::Status status = RocksDbStore::Open(options).status();
    EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
    EXPECT_THAT(status.message(), HasSubstr(path));
  }
}

TEST_F(RocksDbStoreTest, ADirectoryWithOtherFilesIsRefused) {
  fs::create_directories(path_);
  std::ofstream(path_ + "/notes.txt") << "my files";
  absl::Status status = RocksDbStore::Open(Options()).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  EXPECT_THAT(status.message(), HasSubstr(path_));
  EXPECT_FALSE(fs::exists(path_ + "/CURRENT"));
}

TEST_F(RocksDbStoreTest, ASecondOpenOfTheSameDirectoryIsUnavailable) {
  auto store = Open();
  absl::Status status = RocksDbStore::Open(Options()).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
  EXPECT_THAT(status.message(), HasSubstr(path_));
}

TEST_F(RocksDbStoreTest, ACorruptDatabaseIsDataLoss) {
  {
    auto store = Open();
    ASSERT_TRUE(store->Put("k", MakeEntry("bytes")).ok());
  }
  for (const auto& file : fs::directory_iterator(path_)) {
    if (file.path().filename().string().rfind("MANIFEST-", 0) == 0) {
      std::ofstream(file.path(), std::ios::trunc)
          << std::string(200, '\x5a');
    }
  }
  absl::Status status = RocksDbStore::Open(Options()).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << status;
  EXPECT_THAT(status.message(), HasSubstr(path_));
}

TEST_F(RocksDbStoreTest, AnUnknownFormatVersionIsRefused) {
  { auto store = Open(); }
  RawDb(path_).Put("default", "aotd.cache.format_version", "2");
  absl::Status status = RocksDbStore::Open(Options()).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  EXPECT_THAT(status.message(), HasSubstr("format version \"2\""));
  EXPECT_THAT(status.message(), HasSubstr(path_));
}

TEST_F(RocksDbStoreTest, EntriesWithoutAVersionRecordAreRefused) {
  {
    auto store = Open();
    ASSERT_TRUE(store->Put("k", MakeEntry("bytes")).ok());
  }
  RawDb(path_).Delete("default", "aotd.cache.format_version");
  absl::Status status = RocksDbStore::Open(Options()).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
}

TEST_F(RocksDbStoreTest, ADatabaseOfSomethingElseIsRefused) {
  rocksdb::Options options;
  options.create_if_missing = true;
  rocksdb::DB* db = nullptr;
  ASSERT_TRUE(rocksdb::DB::Open(options, path_, &db).ok());
  ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), "their", "data").ok());
  delete db;
  absl::Status status = RocksDbStore::Open(Options()).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  EXPECT_THAT(status.message(), HasSubstr("not an aotd cache"));
}

TEST_F(RocksDbStoreTest, AnEmptyDatabaseWhoseCreationWasCutShortIsAdopted) {
  rocksdb::Options options;
  options.create_if_missing = true;
  rocksdb::DB* db = nullptr;
  ASSERT_TRUE(rocksdb::DB::Open(options, path_, &db).ok());
  delete db;
  auto store = Open();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->Put("k", MakeEntry("bytes")).ok());
  store.reset();
  EXPECT_EQ(*RawDb(path_).Get("default", "aotd.cache.format_version"), "1");
}

}  // namespace
}  // namespace aotd::cache
