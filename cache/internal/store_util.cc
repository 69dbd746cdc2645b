#include "cache/internal/store_util.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <tuple>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/sha256.h"

namespace aotd::cache::internal {
namespace {

int64_t SortValue(const EntryMetadata& m, ListOrder order) {
  switch (order) {
    case ListOrder::kKey:
      return 0;
    case ListOrder::kSize:
      return static_cast<int64_t>(m.size_bytes);
    case ListOrder::kLastUsed:
      return absl::ToUnixMicros(m.last_used);
    case ListOrder::kHits:
      return static_cast<int64_t>(m.hit_count);
    case ListOrder::kAge: {
      // Youngest first: the latest creation time sorts lowest.
      int64_t created = absl::ToUnixMicros(m.created);
      return created == std::numeric_limits<int64_t>::min()
                 ? std::numeric_limits<int64_t>::max()
                 : -created;
    }
  }
  return 0;
}

struct Position {
  int64_t value;
  absl::string_view key;
};

// Token: "1:<order><a|d>:<sort value>:<hex key>" naming the last entry of
// the previous page.
std::string TokenPrefix(const ListOptions& options) {
  return absl::StrCat("1:", static_cast<int>(options.order),
                      options.descending ? "d" : "a");
}

absl::Status BadToken() {
  return absl::InvalidArgumentError(
      "bad page token: not from a List with this order and direction");
}

}  // namespace

absl::Status ValidateKey(absl::string_view key) {
  if (key.empty()) return absl::InvalidArgumentError("empty cache key");
  if (key.size() > kMaxKeyBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cache key of ", key.size(), " bytes; at most ", kMaxKeyBytes));
  }
  return absl::OkStatus();
}

absl::StatusOr<EntryMetadata> MetadataForPut(const Entry& entry,
                                             absl::Time now) {
  EntryMetadata metadata = entry.metadata;
  const Sha256Digest digest = Sha256Of(entry.artifact);
  if (metadata.digest != Sha256Digest{} && metadata.digest != digest) {
    return absl::DataLossError(absl::StrCat(
        "artifact bytes do not match the given digest ",
        ToHex(metadata.digest), " (bytes hash to ", ToHex(digest), ")"));
  }
  metadata.digest = digest;
  metadata.size_bytes = entry.artifact.size();
  if (metadata.created == absl::InfinitePast()) metadata.created = now;
  if (metadata.last_used == absl::InfinitePast()) {
    metadata.last_used = metadata.created;
  }
  return metadata;
}

absl::StatusOr<ListPage> SelectPage(
    std::vector<std::pair<absl::string_view, const EntryMetadata*>> candidates,
    const ListOptions& options) {
  std::vector<Position> order;
  order.reserve(candidates.size());
  for (const auto& [key, metadata] : candidates) {
    order.push_back({SortValue(*metadata, options.order), key});
  }
  std::vector<size_t> index(candidates.size());
  for (size_t i = 0; i < index.size(); ++i) index[i] = i;
  auto less = [&](const Position& a, const Position& b) {
    return options.descending
               ? std::tie(b.value, b.key) < std::tie(a.value, a.key)
               : std::tie(a.value, a.key) < std::tie(b.value, b.key);
  };
  std::sort(index.begin(), index.end(),
            [&](size_t a, size_t b) { return less(order[a], order[b]); });

  size_t begin = 0;
  if (!options.page_token.empty()) {
    std::vector<absl::string_view> parts =
        absl::StrSplit(options.page_token, absl::MaxSplits(':', 3));
    if (parts.size() != 4 ||
        absl::StrCat(parts[0], ":", parts[1]) != TokenPrefix(options)) {
      return BadToken();
    }
    Position after;
    if (!absl::SimpleAtoi(parts[2], &after.value) || parts[3].empty() ||
        parts[3].size() % 2 != 0 ||
        !std::all_of(parts[3].begin(), parts[3].end(),
                     [](char c) { return absl::ascii_isxdigit(c); })) {
      return BadToken();
    }
    const std::string key = absl::HexStringToBytes(parts[3]);
    after.key = key;
    begin = std::upper_bound(index.begin(), index.end(), after,
                             [&](const Position& a, size_t b) {
                               return less(a, order[b]);
                             }) -
            index.begin();
  }

  size_t page_size = options.page_size == 0 ? ListOptions::kDefaultPageSize
                                            : options.page_size;
  page_size = std::min(page_size, ListOptions::kMaxPageSize);
  const size_t end = std::min(index.size(), begin + page_size);

  ListPage page;
  page.entries.reserve(end - begin);
  for (size_t i = begin; i < end; ++i) {
    const auto& [key, metadata] = candidates[index[i]];
    page.entries.push_back({std::string(key), *metadata});
  }
  if (end < index.size()) {
    const Position& last = order[index[end - 1]];
    page.next_page_token =
        absl::StrCat(TokenPrefix(options), ":", last.value, ":",
                     absl::BytesToHexString(last.key));
  }
  return page;
}

}  // namespace aotd::cache::internal
