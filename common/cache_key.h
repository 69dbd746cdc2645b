// The cache key of a compile: the canonical graph key combined with
// everything else that changes the artifact. Version "aotd-cache-key/1":
// SHA-256 over the length-prefixed components in the order below.
#ifndef AOTD_COMMON_CACHE_KEY_H_
#define AOTD_COMMON_CACHE_KEY_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace aotd {

// What a cache entry's key is made of; stored with the entry so that a miss
// can be explained component by component.
struct CacheKeyComponents {
  std::string graph_key;         // Hex GraphKey of the normalized graph.
  std::string options;           // Canonical text of the compile options.
  std::string target;            // CPU target and toolchain fingerprint.
  std::string compiler_version;  // aotd's compiler version.

  bool operator==(const CacheKeyComponents& o) const {
    return graph_key == o.graph_key && options == o.options && target == o.target &&
           compiler_version == o.compiler_version;
  }
};

// The longest cache namespace.
inline constexpr size_t kMaxNamespaceBytes = 128;

// OK for a cache namespace of 1 to kMaxNamespaceBytes bytes of
// [A-Za-z0-9._-]; INVALID_ARGUMENT saying what is wrong otherwise. Every
// namespace a client names is checked (they are kept with each entry).
absl::Status CheckNamespace(absl::string_view cache_namespace);

// Hex SHA-256 of the components and the cache namespace.
std::string CacheKey(const CacheKeyComponents& components, absl::string_view cache_namespace);

// Canonical options text: "partitioner=min_cut;memory_budget=1".
std::string CanonicalOptions(absl::string_view partitioner, double memory_budget);

}  // namespace aotd

#endif  // AOTD_COMMON_CACHE_KEY_H_
