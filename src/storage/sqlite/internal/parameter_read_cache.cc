#include "storage/sqlite/internal/parameter_read_cache.h"

namespace coffer::storage::sqlite::internal {

std::string ParameterReadCache::Key(std::string_view name, std::string_view version_id,
                                    std::string_view stage) {
  std::string key;
  key.reserve(name.size() + version_id.size() + stage.size() + 2);
  key.append(name).push_back('\0');
  key.append(version_id).push_back('\0');
  key.append(stage);
  return key;
}

uint64_t ParameterReadCache::Generation(std::string_view name) const {
  return generations_[Hash(name) % kStripes].load(std::memory_order_acquire);
}

std::optional<parameters::ParameterRead> ParameterReadCache::Find(std::string_view name,
                                                                  std::string_view version_id,
                                                                  std::string_view stage) {
  size_t h = Hash(name);
  uint64_t current = generations_[h % kStripes].load(std::memory_order_acquire);
  Shard& shard = shards_[h % kShards];
  std::string key = Key(name, version_id, stage);
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

void ParameterReadCache::Insert(std::string_view name, std::string_view version_id,
                                std::string_view stage, uint64_t generation,
                                const parameters::ParameterRead& value) {
  size_t h = Hash(name);
  Shard& shard = shards_[h % kShards];
  std::string key = Key(name, version_id, stage);
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

void ParameterReadCache::Invalidate(std::string_view name) {
  // Entries of this stripe are now stale (Find drops them); an Insert that loads the generation
  // after this bump refuses its value, one that loaded it before inserted an entry that is
  // already stale.
  generations_[Hash(name) % kStripes].fetch_add(1, std::memory_order_acq_rel);
}

}  // namespace coffer::storage::sqlite::internal
