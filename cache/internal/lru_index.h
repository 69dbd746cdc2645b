// An in-memory index of cache entries in least-recently-used order, with
// byte and per-namespace accounting (internal to cache/). MemoryStore keeps
// its entries in one; RocksDbStore keeps the metadata of what is on disk in
// one.
#ifndef AOTD_CACHE_INTERNAL_LRU_INDEX_H_
#define AOTD_CACHE_INTERNAL_LRU_INDEX_H_

#include <cstdint>
#include <list>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "cache/cache_store.h"

namespace aotd::cache::internal {

// Not thread-safe: the owning store locks around it. `Extra` is whatever
// the store keeps next to the metadata.
template <typename Extra>
class LruIndex {
 public:
  struct Slot {
    EntryMetadata metadata;
    Extra extra;
  };

  size_t size() const { return map_.size(); }
  uint64_t bytes() const { return bytes_; }
  const std::map<std::string, NamespaceStats>& namespaces() const {
    return namespaces_;
  }

  // The slot of `key`, or null; the LRU order does not change. The pointer
  // is valid until `key` is erased or replaced.
  Slot* Find(absl::string_view key) {
    auto it = map_.find(key);
    return it == map_.end() ? nullptr : &it->second->slot;
  }

  // Like Find, and makes `key` the most recently used.
  Slot* FindAndPromote(absl::string_view key) {
    auto it = map_.find(key);
    if (it == map_.end()) return nullptr;
    lru_.splice(lru_.begin(), lru_, it->second);
    return &it->second->slot;
  }

  // Inserts `key` as the most recently used, replacing any previous slot.
  Slot& Upsert(absl::string_view key, EntryMetadata metadata, Extra extra) {
    Erase(key);
    Account(key, metadata, +1);
    lru_.push_front(Node{std::string(key), Slot{std::move(metadata),
                                                std::move(extra)}});
    map_.emplace(lru_.front().key, lru_.begin());
    return lru_.front().slot;
  }

  // Removes `key`; returns whether it was there.
  bool Erase(absl::string_view key) {
    auto it = map_.find(key);
    if (it == map_.end()) return false;
    auto node = it->second;
    Account(node->key, node->slot.metadata, -1);
    map_.erase(it);
    lru_.erase(node);
    return true;
  }

  // The least recently used keys, `keep` excepted, to remove so that the
  // index holds at most `max_bytes` (ChargedBytes) after `keep` is stored
  // charged `incoming_bytes` (replacing its current slot). May return every other
  // key and still not fit if `incoming_bytes` > `max_bytes`.
  std::vector<std::string> VictimsFor(absl::string_view keep,
                                      uint64_t incoming_bytes,
                                      uint64_t max_bytes) const {
    uint64_t total = bytes_ + incoming_bytes;
    if (auto it = map_.find(keep); it != map_.end()) {
      total -= ChargedBytes(keep, it->second->slot.metadata);
    }
    std::vector<std::string> victims;
    for (auto it = lru_.rbegin(); it != lru_.rend() && total > max_bytes;
         ++it) {
      if (it->key == keep) continue;
      total -= ChargedBytes(it->key, it->slot.metadata);
      victims.push_back(it->key);
    }
    return victims;
  }

  // Calls f(key, slot) for every entry, most recently used first.
  template <typename F>
  void ForEach(F f) const {
    for (const Node& node : lru_) f(node.key, node.slot);
  }

 private:
  struct Node {
    std::string key;
    Slot slot;
  };

  void Account(absl::string_view key, const EntryMetadata& metadata, int sign) {
    NamespaceStats& ns = namespaces_[metadata.cache_namespace];
    const uint64_t charged = ChargedBytes(key, metadata);
    if (sign > 0) {
      bytes_ += charged;
      ns.bytes += charged;
      ++ns.entries;
    } else {
      bytes_ -= charged;
      ns.bytes -= charged;
      if (--ns.entries == 0) namespaces_.erase(metadata.cache_namespace);
    }
  }

  std::list<Node> lru_;  // Front: most recently used.
  absl::flat_hash_map<std::string, typename std::list<Node>::iterator> map_;
  uint64_t bytes_ = 0;
  std::map<std::string, NamespaceStats> namespaces_;
};

}  // namespace aotd::cache::internal

#endif  // AOTD_CACHE_INTERNAL_LRU_INDEX_H_
