#ifndef COFFER_STORAGE_SQLITE_INTERNAL_READ_CACHE_H_
#define COFFER_STORAGE_SQLITE_INTERNAL_READ_CACHE_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/thread_annotations.h"

namespace coffer::storage::sqlite::internal {

// The cache key of (name, version id, stage).
std::string ReadCacheKey(std::string_view name, std::string_view version_id,
                         std::string_view stage);

// A bounded LRU cache of store read results (SecretStore::ReadValue, ParameterStore::Read:
// metadata and one version, with any secret value only as ciphertext), so the hot read paths
// skip SQLite.
//
// Coherence: every write of a name calls Invalidate(name) after its commit and before it is
// acknowledged. A reader takes Generation(name) before reading the database and Insert()s only
// if the generation has not moved since, so a value read before a commit can never be cached
// after it. Names are striped: a write may invalidate a few unrelated names, never too few.
// Thread-safe.
template <class Value>
class ReadCache {
 public:
  explicit ReadCache(size_t capacity) : capacity_per_shard_(capacity / kShards + 1) {}

  uint64_t Generation(std::string_view name) const {
    return generations_[Hash(name) % kStripes].load(std::memory_order_acquire);
  }

  std::optional<Value> Find(std::string_view name, std::string_view version_id,
                            std::string_view stage) {
    size_t h = Hash(name);
    uint64_t current = generations_[h % kStripes].load(std::memory_order_acquire);
    Shard& shard = shards_[h % kShards];
    std::string key = ReadCacheKey(name, version_id, stage);
    std::lock_guard lock(shard.mu);
    auto it = shard.entries.find(key);
    if (it == shard.entries.end()) return std::nullopt;
    if (it->second.generation != current) {
      shard.lru.erase(it->second.lru);
      shard.entries.erase(it);
      return std::nullopt;
    }
    shard.lru.splice(shard.lru.begin(), shard.lru, it->second.lru);
    return it->second.value;
  }

  void Insert(std::string_view name, std::string_view version_id, std::string_view stage,
              uint64_t generation, const Value& value) {
    size_t h = Hash(name);
    Shard& shard = shards_[h % kShards];
    std::string key = ReadCacheKey(name, version_id, stage);
    std::lock_guard lock(shard.mu);
    // Checked under the shard lock: Invalidate bumps the generation before taking it.
    if (generations_[h % kStripes].load(std::memory_order_acquire) != generation) return;
    auto it = shard.entries.find(key);
    if (it != shard.entries.end()) {
      it->second.generation = generation;
      it->second.value = value;
      shard.lru.splice(shard.lru.begin(), shard.lru, it->second.lru);
      return;
    }
    shard.lru.push_front(key);
    shard.entries.emplace(std::move(key), Entry{generation, value, shard.lru.begin()});
    while (shard.entries.size() > capacity_per_shard_) {
      shard.entries.erase(shard.lru.back());
      shard.lru.pop_back();
    }
  }

  void Invalidate(std::string_view name) {
    // Entries of this stripe are now stale (Find drops them); an Insert that loads the
    // generation after this bump refuses its value, one that loaded it before inserted an entry
    // that is already stale.
    generations_[Hash(name) % kStripes].fetch_add(1, std::memory_order_acq_rel);
  }

 private:
  static constexpr size_t kShards = 16;
  static constexpr size_t kStripes = 4096;
  struct Entry {
    uint64_t generation;
    Value value;
    std::list<std::string>::iterator lru;
  };
  struct Shard {
    std::mutex mu;
    std::unordered_map<std::string, Entry> entries COFFER_GUARDED_BY(mu);
    std::list<std::string> lru COFFER_GUARDED_BY(mu);  // most recent first
  };
  static size_t Hash(std::string_view name) { return std::hash<std::string_view>{}(name); }

  const size_t capacity_per_shard_;
  std::array<Shard, kShards> shards_;
  std::array<std::atomic<uint64_t>, kStripes> generations_{};
};

}  // namespace coffer::storage::sqlite::internal

#endif  // COFFER_STORAGE_SQLITE_INTERNAL_READ_CACHE_H_
