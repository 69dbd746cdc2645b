// The CacheStore contract, checked against every implementation.
#include "cache/cache_store.h"

#include <algorithm>
#include <atomic>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "cache/memory_store.h"
#include "cache/rocksdb_store.h"
#include "cache/testing/fake_clock.h"
#include "cache/testing/test_entries.h"
#include "cache/tiered_store.h"
#include "common/sha256.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace aotd::cache {
namespace {

using ::aotd::cache::testing::ArtifactBytes;
using ::aotd::cache::testing::Charged;
using ::aotd::cache::testing::EntryCharged;
using ::aotd::cache::testing::FakeClock;
using ::aotd::cache::testing::MakeEntry;
using ::aotd::cache::testing::NewTempDir;
using ::testing::ElementsAreArray;

struct Config {
  uint64_t max_bytes = 0;
  absl::Duration ttl = absl::InfiniteDuration();
};

Config Bounded(uint64_t max_bytes) {
  Config config;
  config.max_bytes = max_bytes;
  return config;
}

Config WithTtl(absl::Duration ttl) {
  Config config;
  config.ttl = ttl;
  return config;
}

// A store under test and whatever it is built from.
struct Fixture {
  std::vector<std::unique_ptr<CacheStore>> parts;
  CacheStore* store = nullptr;
};

using Factory = std::function<Fixture(const Config&, Clock*)>;

struct StoreKind {
  std::string name;
  Factory make;
};

std::unique_ptr<RocksDbStore> OpenRocksDb(const Config& config, Clock* clock) {
  RocksDbStore::Options options;
  options.path = NewTempDir();
  options.max_bytes = config.max_bytes;
  options.ttl = config.ttl;
  options.clock = clock;
  auto store = RocksDbStore::Open(options);
  EXPECT_TRUE(store.ok()) << store.status();
  return *std::move(store);
}

std::unique_ptr<MemoryStore> NewMemory(const Config& config, Clock* clock) {
  MemoryStore::Options options;
  options.max_bytes = config.max_bytes;
  options.ttl = config.ttl;
  options.clock = clock;
  return std::make_unique<MemoryStore>(options);
}

std::vector<StoreKind> Kinds() {
  return {
      {"memory",
       [](const Config& config, Clock* clock) {
         Fixture f;
         f.parts.push_back(NewMemory(config, clock));
         f.store = f.parts.back().get();
         return f;
       }},
      {"rocksdb",
       [](const Config& config, Clock* clock) {
         Fixture f;
         f.parts.push_back(OpenRocksDb(config, clock));
         f.store = f.parts.back().get();
         return f;
       }},
      {"tiered",
       [](const Config& config, Clock* clock) {
         Fixture f;
         f.parts.push_back(NewMemory(config, clock));
         f.parts.push_back(OpenRocksDb(config, clock));
         TieredStore::Options options;
         options.tiers = {{"memory", f.parts[0].get(), /*best_effort=*/true},
                          {"rocksdb", f.parts[1].get(), false}};
         auto tiered = TieredStore::Create(std::move(options));
         EXPECT_TRUE(tiered.ok()) << tiered.status();
         f.parts.push_back(*std::move(tiered));
         f.store = f.parts.back().get();
         return f;
       }},
  };
}

class CacheStoreTest : public ::testing::TestWithParam<StoreKind> {
 protected:
  CacheStore& Make(const Config& config = {}) {
    fixture_ = GetParam().make(config, &clock_);
    return *fixture_.store;
  }

  std::set<std::string> Keys(CacheStore& store) {
    std::set<std::string> keys;
    ListOptions options;
    options.page_size = ListOptions::kMaxPageSize;
    auto page = store.List(options);
    EXPECT_TRUE(page.ok()) << page.status();
    for (const ListedEntry& e : page->entries) keys.insert(e.key);
    return keys;
  }

  FakeClock clock_;
  Fixture fixture_;
};

TEST_P(CacheStoreTest, PutThenGetReturnsBytesAndMetadata) {
  CacheStore& store = Make();
  const absl::Time put_time = clock_.Now();
  ASSERT_TRUE(store.Put("k1", MakeEntry("artifact-bytes", "team-a")).ok());
  clock_.Advance(absl::Seconds(5));

  auto got = store.Get("k1");
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_TRUE(got->has_value());
  const Entry& entry = **got;
  EXPECT_EQ(entry.artifact, "artifact-bytes");
  EXPECT_EQ(entry.metadata.cache_namespace, "team-a");
  EXPECT_EQ(entry.metadata.key_components,
            MakeEntry("artifact-bytes").metadata.key_components);
  EXPECT_EQ(entry.metadata.size_bytes, 14u);
  EXPECT_EQ(entry.metadata.digest, Sha256Of("artifact-bytes"));
  EXPECT_EQ(entry.metadata.created, put_time);
  EXPECT_EQ(entry.metadata.last_used, put_time + absl::Seconds(5));
  EXPECT_EQ(entry.metadata.hit_count, 1u);

  CacheStats stats = store.Stats();
  EXPECT_EQ(stats.entries, 1u);
  EXPECT_EQ(stats.bytes, Charged("k1", MakeEntry("artifact-bytes", "team-a")));
  EXPECT_EQ(stats.hits, 1u);
  EXPECT_EQ(stats.misses, 0u);
  EXPECT_EQ(stats.puts, 1u);
}

TEST_P(CacheStoreTest, MissIsNulloptNotAnError) {
  CacheStore& store = Make();
  auto got = store.Get("absent");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_FALSE(got->has_value());
  EXPECT_EQ(store.Stats().misses, 1u);
  auto metadata = store.GetMetadata("absent");
  ASSERT_TRUE(metadata.ok());
  EXPECT_FALSE(metadata->has_value());
}

TEST_P(CacheStoreTest, MalformedKeysAreInvalidArgument) {
  CacheStore& store = Make();
  const std::string too_long(kMaxKeyBytes + 1, 'k');
  for (const std::string& key : {std::string(), too_long}) {
    EXPECT_EQ(store.Get(key).status().code(),
              absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(store.Put(key, MakeEntry("x")).code(),
              absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(store.Delete(key).status().code(),
              absl::StatusCode::kInvalidArgument);
  }
  // Keys are bytes, not text.
  const std::string binary("\0\xff:k", 4);
  ASSERT_TRUE(store.Put(binary, MakeEntry("x")).ok());
  EXPECT_TRUE(store.Get(binary)->has_value());
}

TEST_P(CacheStoreTest, PutReplacesAndKeepsAccountingRight) {
  CacheStore& store = Make();
  ASSERT_TRUE(store.Put("k", MakeEntry("first", "a")).ok());
  ASSERT_TRUE(store.Put("k", MakeEntry("second-longer", "b")).ok());
  EXPECT_EQ((*store.Get("k"))->artifact, "second-longer");
  CacheStats stats = store.Stats();
  EXPECT_EQ(stats.entries, 1u);
  EXPECT_EQ(stats.bytes, Charged("k", MakeEntry("second-longer", "b")));
  EXPECT_EQ(stats.namespaces.count("a"), 0u);
  EXPECT_EQ(stats.namespaces["b"].entries, 1u);
}

TEST_P(CacheStoreTest, PutWithAWrongDigestIsRefused) {
  CacheStore& store = Make();
  Entry entry = MakeEntry("bytes");
  entry.metadata.digest = Sha256Of("other bytes");
  EXPECT_EQ(store.Put("k", entry).code(), absl::StatusCode::kDataLoss);
  EXPECT_FALSE(store.Get("k")->has_value());
  entry.metadata.digest = Sha256Of("bytes");
  EXPECT_TRUE(store.Put("k", entry).ok());
}

TEST_P(CacheStoreTest, PutKeepsGivenTimesAndHits) {
  CacheStore& store = Make();
  Entry entry = MakeEntry("bytes");
  entry.metadata.created = clock_.Now() - absl::Hours(3);
  entry.metadata.last_used = clock_.Now() - absl::Hours(1);
  entry.metadata.hit_count = 7;
  ASSERT_TRUE(store.Put("k", entry).ok());
  auto metadata = store.GetMetadata("k");
  ASSERT_TRUE(metadata.ok() && metadata->has_value());
  EXPECT_EQ((*metadata)->created, entry.metadata.created);
  EXPECT_EQ((*metadata)->last_used, entry.metadata.last_used);
  EXPECT_EQ((*metadata)->hit_count, 7u);
}

TEST_P(CacheStoreTest, DeleteSaysWhetherThereWasAnEntry) {
  CacheStore& store = Make();
  ASSERT_TRUE(store.Put("k", MakeEntry("bytes", "ns")).ok());
  EXPECT_EQ(*store.Delete("k"), true);
  EXPECT_EQ(*store.Delete("k"), false);
  EXPECT_FALSE(store.Get("k")->has_value());
  CacheStats stats = store.Stats();
  EXPECT_EQ(stats.entries, 0u);
  EXPECT_EQ(stats.bytes, 0u);
  EXPECT_TRUE(stats.namespaces.empty());
}

TEST_P(CacheStoreTest, PeekAndGetMetadataRecordNoUse) {
  CacheStore& store = Make();
  ASSERT_TRUE(store.Put("k", MakeEntry("bytes")).ok());
  const absl::Time put_time = clock_.Now();
  clock_.Advance(absl::Minutes(1));
  auto peeked = store.Peek("k");
  ASSERT_TRUE(peeked.ok() && peeked->has_value());
  EXPECT_EQ((*peeked)->artifact, "bytes");
  auto metadata = store.GetMetadata("k");
  ASSERT_TRUE(metadata.ok() && metadata->has_value());
  EXPECT_EQ((*metadata)->hit_count, 0u);
  EXPECT_EQ((*metadata)->last_used, put_time);
  EXPECT_EQ(store.Stats().hits, 0u);
  EXPECT_EQ(store.Stats().misses, 0u);
}

TEST_P(CacheStoreTest, TouchRecordsAUse) {
  CacheStore& store = Make();
  ASSERT_TRUE(store.Put("k", MakeEntry("bytes")).ok());
  clock_.Advance(absl::Minutes(1));
  EXPECT_EQ(*store.Touch("k"), true);
  EXPECT_EQ(*store.Touch("absent"), false);
  auto metadata = store.GetMetadata("k");
  EXPECT_EQ((*metadata)->hit_count, 1u);
  EXPECT_EQ((*metadata)->last_used, clock_.Now());
}

// Writes three times the bound while one entry stays in use: the bound
// holds after every Put, and what goes is always least recently used.
TEST_P(CacheStoreTest, EvictionHoldsTheBoundLeastRecentlyUsedFirst) {
  constexpr uint64_t kEntryBytes = 1000;
  constexpr uint64_t kBound = 10 * kEntryBytes;
  CacheStore& store = Make(Bounded(kBound));
  ASSERT_TRUE(store.Put("hot", EntryCharged("hot", kEntryBytes)).ok());
  std::vector<std::string> written;
  for (int i = 0; i < 30; ++i) {
    clock_.Advance(absl::Seconds(1));
    const std::string key = absl::StrCat("k", i);
    ASSERT_TRUE(store.Put(key, EntryCharged(key, kEntryBytes)).ok());
    written.push_back(key);
    clock_.Advance(absl::Seconds(1));
    ASSERT_TRUE(store.Get("hot")->has_value()) << "after " << key;
    EXPECT_LE(store.Stats().bytes, kBound);

    // Present: "hot" and the newest nine others.
    std::set<std::string> expected = {"hot"};
    for (size_t j = written.size() > 9 ? written.size() - 9 : 0;
         j < written.size(); ++j) {
      expected.insert(written[j]);
    }
    EXPECT_EQ(Keys(store), expected) << "after " << key;
  }
  CacheStats stats = store.Stats();
  EXPECT_EQ(stats.bytes, kBound);
  // A TieredStore's counts are sums over its tiers.
  EXPECT_EQ(stats.tiers.empty() ? stats.evictions : stats.tiers[1].evictions,
            21u);
}

TEST_P(CacheStoreTest, AnEntryLargerThanTheBoundIsRefused) {
  CacheStore& store = Make(Bounded(1000));
  ASSERT_TRUE(store.Put("small", EntryCharged("small", 600)).ok());
  // Metadata counts: an artifact under the bound with a namespace that
  // takes it over is refused too.
  EXPECT_EQ(store.Put("big", EntryCharged("big", 1001)).code(),
            absl::StatusCode::kResourceExhausted);
  Entry long_name = MakeEntry(ArtifactBytes("n", 900), std::string(128, 'n'));
  ASSERT_GT(Charged("named", long_name), 1000u);
  EXPECT_EQ(store.Put("named", long_name).code(), absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(store.Get("small")->has_value());
}

TEST_P(CacheStoreTest, EntriesPastTheTtlAreMissingAndRemoved) {
  CacheStore& store = Make(WithTtl(absl::Hours(1)));
  ASSERT_TRUE(store.Put("old", MakeEntry("old bytes")).ok());
  clock_.Advance(absl::Minutes(40));
  ASSERT_TRUE(store.Put("young", MakeEntry("young bytes")).ok());
  clock_.Advance(absl::Minutes(19));
  EXPECT_TRUE(store.Get("old")->has_value());  // Use does not extend a TTL.
  clock_.Advance(absl::Minutes(2));
  EXPECT_EQ(Keys(store), std::set<std::string>{"young"});
  EXPECT_FALSE(store.Get("old")->has_value());
  EXPECT_TRUE(store.Get("young")->has_value());
  CacheStats stats = store.Stats();
  EXPECT_GE(stats.expirations, 1u);
  EXPECT_EQ(stats.entries, 1u);
  clock_.Advance(absl::Minutes(40));  // "young" is 61 minutes old.
  EXPECT_FALSE(store.GetMetadata("young")->has_value());
  EXPECT_EQ(store.Stats().entries, 0u);
}

TEST_P(CacheStoreTest, NamespacesHaveTheirOwnAccountingAndListing) {
  CacheStore& store = Make();
  ASSERT_TRUE(store.Put("a1", MakeEntry("aaaa", "a")).ok());
  ASSERT_TRUE(store.Put("a2", MakeEntry("aaaaaa", "a")).ok());
  ASSERT_TRUE(store.Put("b1", MakeEntry("bbb", "b")).ok());
  CacheStats stats = store.Stats();
  ASSERT_EQ(stats.namespaces.size(), 2u);
  EXPECT_EQ(stats.namespaces["a"].entries, 2u);
  EXPECT_EQ(stats.namespaces["a"].bytes,
            Charged("a1", MakeEntry("aaaa", "a")) + Charged("a2", MakeEntry("aaaaaa", "a")));
  EXPECT_EQ(stats.namespaces["b"].entries, 1u);
  EXPECT_EQ(stats.namespaces["b"].bytes, Charged("b1", MakeEntry("bbb", "b")));

  ListOptions options;
  options.cache_namespace = "a";
  auto page = store.List(options);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->entries.size(), 2u);
  EXPECT_EQ(page->entries[0].key, "a1");
  EXPECT_EQ(page->entries[1].key, "a2");
}

// 25 entries with distinct sizes, hit counts, ages and last uses, paged 7 at
// a time in every order and direction.
TEST_P(CacheStoreTest, ListPagesInEveryOrder) {
  CacheStore& store = Make();
  constexpr int kEntries = 25;
  std::vector<std::string> keys;
  for (int i = 0; i < kEntries; ++i) {
    const std::string key = absl::StrCat("key", (i * 7) % kEntries);
    keys.push_back(key);
    ASSERT_TRUE(
        store.Put(key, MakeEntry(ArtifactBytes(key, 100 + (i * 11) % 37)))
            .ok());
    clock_.Advance(absl::Seconds(1));
  }
  for (int i = 0; i < kEntries; ++i) {
    for (int h = 0; h < (i * 5) % 4; ++h) ASSERT_TRUE(store.Get(keys[i]).ok());
    clock_.Advance(absl::Seconds(1));
  }

  for (ListOrder order : {ListOrder::kKey, ListOrder::kSize,
                          ListOrder::kLastUsed, ListOrder::kHits,
                          ListOrder::kAge}) {
    for (bool descending : {false, true}) {
      SCOPED_TRACE(absl::StrCat("order ", static_cast<int>(order),
                                descending ? " descending" : ""));
      // Expected: everything in one big page, sorted here.
      std::vector<ListedEntry> all;
      {
        ListOptions options;
        options.page_size = ListOptions::kMaxPageSize;
        auto page = store.List(options);
        ASSERT_TRUE(page.ok());
        all = page->entries;
      }
      auto value = [&](const EntryMetadata& m) -> int64_t {
        switch (order) {
          case ListOrder::kKey: return 0;
          case ListOrder::kSize: return m.size_bytes;
          case ListOrder::kLastUsed: return absl::ToUnixMicros(m.last_used);
          case ListOrder::kHits: return m.hit_count;
          case ListOrder::kAge: return -absl::ToUnixMicros(m.created);
        }
        return 0;
      };
      std::sort(all.begin(), all.end(),
                [&](const ListedEntry& a, const ListedEntry& b) {
                  auto ka = std::make_pair(value(a.metadata), a.key);
                  auto kb = std::make_pair(value(b.metadata), b.key);
                  return descending ? kb < ka : ka < kb;
                });
      std::vector<std::string> expected;
      for (const ListedEntry& e : all) expected.push_back(e.key);

      std::vector<std::string> paged;
      ListOptions options;
      options.order = order;
      options.descending = descending;
      options.page_size = 7;
      int pages = 0;
      do {
        auto page = store.List(options);
        ASSERT_TRUE(page.ok()) << page.status();
        EXPECT_LE(page->entries.size(), 7u);
        for (const ListedEntry& e : page->entries) paged.push_back(e.key);
        options.page_token = page->next_page_token;
        ASSERT_LT(++pages, 10);
      } while (!options.page_token.empty());
      EXPECT_EQ(pages, 4);
      EXPECT_THAT(paged, ElementsAreArray(expected));
    }
  }
  // The store's listing did not count as use.
  EXPECT_EQ(store.Stats().hits, 36u);
}

TEST_P(CacheStoreTest, PagingSkipsNothingWhenEntriesComeAndGo) {
  CacheStore& store = Make();
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(store.Put(absl::StrCat("k", i), MakeEntry("x")).ok());
  }
  ListOptions options;
  options.page_size = 4;
  auto first = store.List(options);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->entries.back().key, "k3");
  ASSERT_TRUE(*store.Delete("k0"));
  ASSERT_TRUE(*store.Delete("k4"));
  options.page_token = first->next_page_token;
  auto second = store.List(options);
  ASSERT_TRUE(second.ok());
  ASSERT_FALSE(second->entries.empty());
  EXPECT_EQ(second->entries.front().key, "k5");
}

TEST_P(CacheStoreTest, ABadPageTokenIsInvalidArgument) {
  CacheStore& store = Make();
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(store.Put(absl::StrCat("k", i), MakeEntry("x")).ok());
  }
  ListOptions options;
  options.page_size = 1;
  auto page = store.List(options);
  ASSERT_TRUE(page.ok());
  ASSERT_FALSE(page->next_page_token.empty());

  ListOptions other = options;
  other.page_token = page->next_page_token;
  other.order = ListOrder::kSize;
  EXPECT_EQ(store.List(other).status().code(),
            absl::StatusCode::kInvalidArgument);
  for (const char* token : {"garbage", "1:0a:0:zz", "1:0a:x:6b30"}) {
    options.page_token = token;
    EXPECT_EQ(store.List(options).status().code(),
              absl::StatusCode::kInvalidArgument)
        << token;
  }
}

// Several threads put and get overlapping keys under a tight bound: every
// read is a verified, complete version of its key, and the accounting adds
// up afterwards.
TEST_P(CacheStoreTest, ConcurrentPutsAndGets) {
  constexpr int kThreads = 4;
  constexpr int kOpsPerThread = 250;
  constexpr int kKeys = 40;
  CacheStore& store = Make(Bounded(20 * 1024));
  std::vector<std::thread> threads;
  std::atomic<int> bad_reads{0};
  std::atomic<int> errors{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kOpsPerThread; ++i) {
        const std::string key = absl::StrCat("key", (i * 13 + t * 7) % kKeys);
        if ((i + t) % 3 == 0) {
          const std::string tag = absl::StrCat(key, "/v", t, ".", i, "/");
          if (!store.Put(key, MakeEntry(ArtifactBytes(tag, 512 + i % 700)))
                   .ok()) {
            ++errors;
          }
        } else {
          auto got = store.Get(key);
          if (!got.ok()) {
            ++errors;
          } else if (got->has_value() &&
                     ((*got)->artifact.rfind(absl::StrCat(key, "/v"), 0) != 0 ||
                      Sha256Of((*got)->artifact) != (*got)->metadata.digest)) {
            ++bad_reads;
          }
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(bad_reads.load(), 0);

  CacheStats stats = store.Stats();
  EXPECT_LE(stats.bytes, 20u * 1024);
  EXPECT_EQ(stats.digest_failures, 0u);
  ListOptions options;
  options.page_size = ListOptions::kMaxPageSize;
  auto page = store.List(options);
  ASSERT_TRUE(page.ok());
  uint64_t listed_bytes = 0;
  for (const ListedEntry& e : page->entries) {
    listed_bytes += ChargedBytes(e.key, e.metadata);
    auto got = store.Peek(e.key);
    ASSERT_TRUE(got.ok() && got->has_value()) << e.key;
  }
  EXPECT_EQ(page->entries.size(), stats.entries);
  EXPECT_EQ(listed_bytes, stats.bytes);
}

INSTANTIATE_TEST_SUITE_P(
    AllStores, CacheStoreTest, ::testing::ValuesIn(Kinds()),
    [](const ::testing::TestParamInfo<StoreKind>& info) {
      return info.param.name;
    });

}  // namespace
}  // namespace aotd::cache
