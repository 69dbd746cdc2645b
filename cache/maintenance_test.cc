#include "cache/maintenance.h"

#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "cache/memory_store.h"
#include "cache/testing/fake_clock.h"
#include "cache/testing/test_entries.h"
#include "gtest/gtest.h"

namespace aotd::cache {
namespace {

using ::aotd::cache::testing::ArtifactBytes;
using ::aotd::cache::testing::FakeClock;
using ::aotd::cache::testing::MakeEntry;

MemoryStore::Options MemoryOptions(Clock* clock) {
  MemoryStore::Options options;
  options.max_bytes = 0;
  options.clock = clock;
  return options;
}

class EvictTest : public ::testing::Test {
 protected:
  // a0..a3 in namespace "a", b0..b3 in "b", 100 bytes each, created a
  // minute apart in that order; then a0 is used.
  void SetUp() override {
    for (const char* ns : {"a", "b"}) {
      for (int i = 0; i < 4; ++i) {
        const std::string key = absl::StrCat(ns, i);
        ASSERT_TRUE(
            store_.Put(key, MakeEntry(ArtifactBytes(key, 100), ns)).ok());
        clock_.Advance(absl::Minutes(1));
      }
    }
    ASSERT_TRUE(store_.Get("a0")->has_value());
  }

  std::set<std::string> Keys() {
    std::set<std::string> keys;
    auto page = store_.List(ListOptions());
    EXPECT_TRUE(page.ok()) << page.status();
    for (const ListedEntry& e : page->entries) keys.insert(e.key);
    return keys;
  }

  FakeClock clock_;
  MemoryStore store_{MemoryOptions(&clock_)};
};

TEST_F(EvictTest, ARequestThatSelectsNothingIsRefused) {
  EXPECT_EQ(Evict(store_, {}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(EvictTest, AWholeNamespace) {
  EvictionRequest request;
  request.cache_namespace = "b";
  auto result = Evict(store_, request);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->entries, 4u);
  EXPECT_EQ(result->bytes, 400u);
  EXPECT_EQ(Keys(), (std::set<std::string>{"a0", "a1", "a2", "a3"}));
}

TEST_F(EvictTest, OlderThan) {
  const absl::Time start = clock_.Now() - absl::Minutes(8);
  EvictionRequest request;
  request.created_before = start + absl::Minutes(2);
  auto result = Evict(store_, request);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->entries, 2u);  // a0 and a1: use does not make one younger.
  EXPECT_EQ(Keys().count("a0"), 0u);
  EXPECT_EQ(Keys().count("a2"), 1u);
}

TEST_F(EvictTest, NotUsedSince) {
  const absl::Time start = clock_.Now() - absl::Minutes(8);
  EvictionRequest request;
  request.cache_namespace = "a";
  request.last_used_before = start + absl::Minutes(3);
  auto result = Evict(store_, request);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->entries, 2u);  // a1, a2; a0 was used.
  EXPECT_EQ(Keys(), (std::set<std::string>{"a0", "a3", "b0", "b1", "b2",
                                           "b3"}));
}

TEST_F(EvictTest, DownToASizeLeastRecentlyUsedFirst) {
  EvictionRequest request;
  request.max_bytes = 350;
  auto result = Evict(store_, request);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->entries, 5u);
  EXPECT_EQ(Keys(), (std::set<std::string>{"b2", "b3", "a0"}));
  request.max_bytes = 0;
  result = Evict(store_, request);
  EXPECT_EQ(result->entries, 3u);
  EXPECT_EQ(store_.Stats().entries, 0u);
}

}  // namespace
}  // namespace aotd::cache
