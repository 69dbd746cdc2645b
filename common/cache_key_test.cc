#include "common/cache_key.h"

#include "gtest/gtest.h"

namespace aotd {
namespace {

TEST(CacheKeyTest, EveryComponentMatters) {
  CacheKeyComponents base{"abc", CanonicalOptions("min_cut", 1.0), "x86-64-v4", "v1"};
  std::string key = CacheKey(base, "default");
  EXPECT_EQ(key.size(), 64u);
  EXPECT_EQ(CacheKey(base, "default"), key);
  EXPECT_NE(CacheKey(base, "team-a"), key);
  for (int i = 0; i < 4; ++i) {
    CacheKeyComponents changed = base;
    std::string* parts[] = {&changed.graph_key, &changed.options, &changed.target,
                            &changed.compiler_version};
    *parts[i] += "x";
    EXPECT_NE(CacheKey(changed, "default"), key) << "component " << i;
  }
  // Length prefixes keep boundaries: moving a character across does not collide.
  CacheKeyComponents shifted = base;
  shifted.graph_key = "ab";
  shifted.options = "c" + base.options;
  EXPECT_NE(CacheKey(shifted, "default"), key);
}

TEST(CacheKeyTest, OptionsTextIsCanonical) {
  EXPECT_EQ(CanonicalOptions("min_cut", 0.5), "partitioner=min_cut;memory_budget=0.5");
  EXPECT_NE(CanonicalOptions("min_cut", 0.5), CanonicalOptions("default", 0.5));
}

TEST(CacheKeyTest, NamespacesAreShortAndPlain) {
  EXPECT_TRUE(CheckNamespace("team-a.project_1").ok());
  EXPECT_TRUE(CheckNamespace(std::string(kMaxNamespaceBytes, 'n')).ok());
  absl::Status long_one = CheckNamespace(std::string(kMaxNamespaceBytes + 1, 'n'));
  EXPECT_EQ(long_one.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(long_one.message().find("at most 128 bytes; this one has 129"), std::string::npos)
      << long_one;
  for (const char* bad : {"", "a b", "team/a", "caf\xc3\xa9", "a\nb"}) {
    EXPECT_EQ(CheckNamespace(bad).code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

}  // namespace
}  // namespace aotd
