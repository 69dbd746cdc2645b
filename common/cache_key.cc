#include "common/cache_key.h"

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "common/sha256.h"

namespace aotd {

std::string CacheKey(const CacheKeyComponents& c, absl::string_view cache_namespace) {
  Sha256 sha;
  sha.Update("aotd-cache-key/1");
  for (absl::string_view part :
       {absl::string_view(c.graph_key), absl::string_view(c.options), absl::string_view(c.target),
        absl::string_view(c.compiler_version), cache_namespace}) {
    sha.Update(absl::StrCat(part.size(), ":"));
    sha.Update(part);
  }
  return ToHex(sha.Finish());
}

std::string CanonicalOptions(absl::string_view partitioner, double memory_budget) {
  char budget[32];
  std::snprintf(budget, sizeof budget, "%.17g", memory_budget);
  return absl::StrCat("partitioner=", partitioner, ";memory_budget=", budget);
}

}  // namespace aotd
