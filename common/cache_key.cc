#include "common/cache_key.h"

#include <cstdio>

#include "absl/strings/escaping.h"
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

absl::Status CheckNamespace(absl::string_view ns) {
  if (ns.empty()) return absl::InvalidArgumentError("a cache namespace cannot be empty");
  if (ns.size() > kMaxNamespaceBytes) {
    return absl::InvalidArgumentError(absl::StrCat("a cache namespace has at most ",
                                                   kMaxNamespaceBytes, " bytes; this one has ",
                                                   ns.size()));
  }
  for (char c : ns) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) {
      return absl::InvalidArgumentError(absl::StrCat(
          "a cache namespace holds only letters, digits, '.', '_' and '-'; '",
          absl::CHexEscape(ns.substr(0, 32)), ns.size() > 32 ? "...'" : "'", " does not"));
    }
  }
  return absl::OkStatus();
}

std::string CanonicalOptions(absl::string_view partitioner, double memory_budget) {
  char budget[32];
  std::snprintf(budget, sizeof budget, "%.17g", memory_budget);
  return absl::StrCat("partitioner=", partitioner, ";memory_budget=", budget);
}

}  // namespace aotd
