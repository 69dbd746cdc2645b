#include "cache/tiered_store.h"

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "cache/memory_store.h"
#include "cache/rocksdb_store.h"
#include "cache/testing/fake_clock.h"
#include "cache/testing/faulty_store.h"
#include "cache/testing/test_entries.h"
#include "gtest/gtest.h"

namespace aotd::cache {
namespace {

using ::aotd::cache::testing::ArtifactBytes;
using ::aotd::cache::testing::FakeClock;
using ::aotd::cache::testing::FaultyStore;
using ::aotd::cache::testing::MakeEntry;
using ::aotd::cache::testing::NewTempDir;

MemoryStore::Options MemoryOptions(uint64_t max_bytes, Clock* clock) {
  MemoryStore::Options options;
  options.max_bytes = max_bytes;
  options.clock = clock;
  return options;
}

// memory (best effort) over a faulty wrapper of RocksDB (required), and
// optionally a faulty "remote" memory tier (best effort) at the bottom.
class TieredStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RocksDbStore::Options options;
    options.path = NewTempDir();
    options.clock = &clock_;
    auto disk = RocksDbStore::Open(options);
    ASSERT_TRUE(disk.ok()) << disk.status();
    disk_ = *std::move(disk);
    faulty_disk_ = std::make_unique<FaultyStore>(disk_.get());
  }

  TieredStore& Make(bool with_remote = false) {
    TieredStore::Options options;
    options.tiers = {{"memory", &memory_, /*best_effort=*/true},
                     {"rocksdb", faulty_disk_.get(), /*best_effort=*/false}};
    if (with_remote) options.tiers.push_back({"remote", &faulty_remote_, true});
    auto tiered = TieredStore::Create(std::move(options));
    EXPECT_TRUE(tiered.ok()) << tiered.status();
    tiered_ = *std::move(tiered);
    return *tiered_;
  }

  FakeClock clock_;
  MemoryStore memory_{MemoryOptions(1 << 20, &clock_)};
  std::unique_ptr<RocksDbStore> disk_;
  std::unique_ptr<FaultyStore> faulty_disk_;
  MemoryStore remote_{MemoryOptions(1 << 20, &clock_)};
  FaultyStore faulty_remote_{&remote_};
  std::unique_ptr<TieredStore> tiered_;
};

TEST_F(TieredStoreTest, CreateNeedsTiersWithStores) {
  EXPECT_EQ(TieredStore::Create({}).status().code(),
            absl::StatusCode::kInvalidArgument);
  TieredStore::Options options;
  options.tiers = {{"memory", nullptr, false}};
  EXPECT_EQ(TieredStore::Create(options).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(TieredStoreTest, AHitBelowFillsTheTiersAbove) {
  TieredStore& store = Make(/*with_remote=*/true);
  ASSERT_TRUE(remote_.Put("k", MakeEntry("remote bytes", "ns")).ok());

  auto got = store.Get("k");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->artifact, "remote bytes");
  // Filled with the remote entry's metadata.
  auto in_memory = memory_.Peek("k");
  ASSERT_TRUE(in_memory.ok() && in_memory->has_value());
  EXPECT_EQ((*in_memory)->metadata.cache_namespace, "ns");
  EXPECT_EQ((*in_memory)->metadata.created, (*got)->metadata.created);
  EXPECT_TRUE(disk_->Peek("k")->has_value());

  ASSERT_TRUE(store.Get("k")->has_value());
  ASSERT_TRUE(store.Get("absent").ok());
  CacheStats stats = store.Stats();
  EXPECT_EQ(stats.hits, 2u);
  EXPECT_EQ(stats.misses, 1u);
  ASSERT_EQ(stats.tiers.size(), 3u);
  EXPECT_EQ(stats.tiers[0].tier, "memory");
  EXPECT_EQ(stats.tiers[0].hits, 1u);
  EXPECT_EQ(stats.tiers[0].misses, 2u);
  EXPECT_EQ(stats.tiers[1].tier, "rocksdb");
  EXPECT_EQ(stats.tiers[1].hits, 0u);
  EXPECT_EQ(stats.tiers[1].misses, 2u);
  EXPECT_EQ(stats.tiers[2].hits, 1u);
  EXPECT_EQ(stats.tiers[2].misses, 1u);
  EXPECT_EQ(stats.entries, 1u);  // The authoritative tier: RocksDB.
}

TEST_F(TieredStoreTest, AHitAboveTouchesTheTiersBelow) {
  TieredStore& store = Make();
  ASSERT_TRUE(store.Put("k", MakeEntry("bytes")).ok());
  clock_.Advance(absl::Minutes(1));
  ASSERT_TRUE(store.Get("k")->has_value());
  EXPECT_EQ(store.Stats().tiers[0].hits, 1u);
  auto on_disk = disk_->GetMetadata("k");
  EXPECT_EQ((*on_disk)->hit_count, 1u);
  EXPECT_EQ((*on_disk)->last_used, clock_.Now());
}

TEST_F(TieredStoreTest, WritesAndDeletesReachEveryTier) {
  TieredStore& store = Make(/*with_remote=*/true);
  ASSERT_TRUE(store.Put("k", MakeEntry("bytes")).ok());
  for (CacheStore* tier : {static_cast<CacheStore*>(&memory_),
                           static_cast<CacheStore*>(disk_.get()),
                           static_cast<CacheStore*>(&remote_)}) {
    EXPECT_TRUE(tier->Peek("k")->has_value());
  }
  EXPECT_TRUE(*store.Delete("k"));
  for (CacheStore* tier : {static_cast<CacheStore*>(&memory_),
                           static_cast<CacheStore*>(disk_.get()),
                           static_cast<CacheStore*>(&remote_)}) {
    EXPECT_FALSE(tier->Peek("k")->has_value());
  }
  EXPECT_FALSE(*store.Delete("k"));
}

TEST_F(TieredStoreTest, AFailingWriteLeavesStoredEntriesIntact) {
  TieredStore& store = Make();
  ASSERT_TRUE(store.Put("a", MakeEntry(ArtifactBytes("a-v1", 3000))).ok());
  ASSERT_TRUE(store.Put("b", MakeEntry(ArtifactBytes("b-v1", 3000))).ok());

  faulty_disk_->FailWrites(FaultyStore::DiskFull());
  EXPECT_EQ(store.Put("c", MakeEntry("c")).code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(store.Put("a", MakeEntry(ArtifactBytes("a-v2", 3000))).code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(faulty_disk_->failed_writes(), 2);

  // Nothing changed in any tier.
  EXPECT_FALSE(store.Get("c")->has_value());
  EXPECT_FALSE(memory_.Peek("c")->has_value());
  EXPECT_EQ((*store.Get("a"))->artifact, ArtifactBytes("a-v1", 3000));
  EXPECT_EQ((*disk_->Peek("a"))->artifact, ArtifactBytes("a-v1", 3000));
  EXPECT_EQ((*store.Get("b"))->artifact, ArtifactBytes("b-v1", 3000));
  CacheStats stats = store.Stats();
  EXPECT_EQ(stats.tiers[1].write_errors, 4u);  // 2 Puts, 2 touches.
  EXPECT_EQ(stats.puts, 2u);

  // After the disk frees up, writes work again; and the entries were really
  // on disk all along.
  faulty_disk_->Heal();
  ASSERT_TRUE(store.Put("c", MakeEntry("c")).ok());
  tiered_.reset();
  const std::string path = disk_->path();
  disk_.reset();
  RocksDbStore::Options options;
  options.path = path;
  auto reopened = RocksDbStore::Open(options);
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  EXPECT_EQ((*(*reopened)->Get("a"))->artifact, ArtifactBytes("a-v1", 3000));
  EXPECT_TRUE((*reopened)->Get("c")->has_value());
  EXPECT_EQ((*reopened)->Stats().digest_failures, 0u);
}

TEST_F(TieredStoreTest, AWriteFailingAfterSomeSucceedKeepsTheEarlierOnes) {
  TieredStore& store = Make();
  faulty_disk_->FailWrites(FaultyStore::DiskFull(), /*after=*/3);
  int stored = 0;
  for (int i = 0; i < 6; ++i) {
    if (store.Put(absl::StrCat("k", i), MakeEntry(absl::StrCat("v", i))).ok()) {
      ++stored;
    }
  }
  EXPECT_EQ(stored, 3);
  for (int i = 0; i < 3; ++i) {
    auto got = store.Get(absl::StrCat("k", i));
    ASSERT_TRUE(got.ok() && got->has_value()) << i;
    EXPECT_EQ((*got)->artifact, absl::StrCat("v", i));
  }
}

TEST_F(TieredStoreTest, ABestEffortTierThatIsDownCostsNothing) {
  TieredStore& store = Make(/*with_remote=*/true);
  faulty_remote_.FailReads(FaultyStore::Unreachable());
  faulty_remote_.FailWrites(FaultyStore::Unreachable());

  ASSERT_TRUE(store.Put("k", MakeEntry("bytes")).ok());
  auto missing = store.Get("absent");
  ASSERT_TRUE(missing.ok()) << missing.status();
  EXPECT_FALSE(missing->has_value());
  EXPECT_TRUE(store.Get("k")->has_value());
  EXPECT_TRUE(store.Delete("k").ok());

  CacheStats stats = store.Stats();
  EXPECT_EQ(stats.tiers[2].read_errors, 1u);
  EXPECT_EQ(stats.tiers[2].write_errors, 3u);  // Put, touch, Delete.
  EXPECT_EQ(stats.tiers[2].misses, 0u);
  EXPECT_EQ(stats.misses, 1u);
}

TEST_F(TieredStoreTest, ARequiredTierThatFailsReadsIsAnError) {
  TieredStore& store = Make();
  faulty_disk_->FailReads(FaultyStore::Unreachable());
  EXPECT_EQ(store.Get("absent").status().code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(store.Stats().tiers[1].read_errors, 1u);
}

TEST_F(TieredStoreTest, AnArtifactTooBigForMemoryStillGoesToDisk) {
  MemoryStore small(MemoryOptions(100, &clock_));
  TieredStore::Options options;
  options.tiers = {{"memory", &small, true}, {"rocksdb", disk_.get(), false}};
  auto store = TieredStore::Create(options);
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->Put("big", MakeEntry(ArtifactBytes("big", 1000))).ok());
  EXPECT_TRUE((*store)->Get("big")->has_value());
  EXPECT_EQ((*store)->Stats().tiers[0].write_errors, 2u);  // Put and fill.
}

}  // namespace
}  // namespace aotd::cache
