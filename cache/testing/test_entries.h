// Helpers for cache tests (testonly): entries and scratch directories.
#ifndef AOTD_CACHE_TESTING_TEST_ENTRIES_H_
#define AOTD_CACHE_TESTING_TEST_ENTRIES_H_

#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "cache/cache_store.h"

namespace aotd::cache::testing {

// An entry with `artifact` as its bytes, in `cache_namespace`, with key
// components derived from the artifact; times and digest left for Put.
inline Entry MakeEntry(absl::string_view artifact,
                       absl::string_view cache_namespace = "") {
  Entry entry;
  entry.artifact = std::string(artifact);
  entry.metadata.cache_namespace = std::string(cache_namespace);
  entry.metadata.key_components = {
      absl::StrCat("graph-", artifact.substr(0, 16)), "partitioner=min_cut",
      "x86_64-avx512", "aotd-test-1"};
  return entry;
}

// What `entry` is charged stored under `key` (ChargedBytes, with the size
// Put gives it).
inline uint64_t Charged(absl::string_view key, const Entry& entry) {
  EntryMetadata m = entry.metadata;
  m.size_bytes = entry.artifact.size();
  return ChargedBytes(key, m);
}

// `size` bytes that start with `tag` and are filled with a pattern of it.
inline std::string ArtifactBytes(absl::string_view tag, size_t size) {
  std::string bytes(tag.substr(0, size));
  while (bytes.size() < size) {
    bytes.push_back(static_cast<char>('a' + (bytes.size() * 7 + tag.size()) % 26));
  }
  return bytes;
}

// An entry of ArtifactBytes(key, n) whose charge under `key` is exactly
// `charged` bytes (which must exceed its metadata's).
inline Entry EntryCharged(absl::string_view key, uint64_t charged,
                          absl::string_view cache_namespace = "") {
  // From 16 bytes on, the metadata's size does not depend on the artifact's.
  const uint64_t metadata =
      Charged(key, MakeEntry(ArtifactBytes(key, 16), cache_namespace)) - 16;
  return MakeEntry(ArtifactBytes(key, charged - metadata), cache_namespace);
}

// A new empty directory under the test's scratch space. Aborts the test
// binary if it cannot be made (nothing else can go on).
inline std::string NewTempDir() {
  const char* root = std::getenv("TEST_TMPDIR");
  std::string pattern =
      absl::StrCat(root != nullptr ? root : "/tmp", "/cache_test_XXXXXX");
  if (mkdtemp(pattern.data()) == nullptr) std::abort();
  return pattern;
}

}  // namespace aotd::cache::testing

#endif  // AOTD_CACHE_TESTING_TEST_ENTRIES_H_
