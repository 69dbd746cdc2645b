#include "common/cache_key.h"

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "common/sha256.h"

namespace aotd {

std::string CacheKey(const CacheKeyComponents& c) {
  Sha256 sha;
  sha.Update("aotd-cache-key/1");
  for (const std::string* part :
       {&c.graph_key, &c.options, &c.target, &c.compiler_version, &c.name_space}) {
    sha.Update(absl::StrCat(part->size(), ":"));
    sha.Update(*part);
  }
  return ToHex(sha.Finish());
}

std::string CanonicalOptions(absl::string_view partitioner, double memory_budget) {
  char budget[32];
  std::snprintf(budget, sizeof budget, "%.17g", memory_budget);
  return absl::StrCat("partitioner=", partitioner, ";memory_budget=", budget);
}

}  // namespace aotd
