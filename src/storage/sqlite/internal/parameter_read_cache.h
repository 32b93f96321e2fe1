#ifndef COFFER_STORAGE_SQLITE_INTERNAL_PARAMETER_READ_CACHE_H_
#define COFFER_STORAGE_SQLITE_INTERNAL_PARAMETER_READ_CACHE_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/thread_annotations.h"
#include "core/parameters/parameter.h"

namespace coffer::storage::sqlite::internal {

// A bounded LRU cache of ParameterStore::Read results (a parameter and one version, with a
// SecureString value only as ciphertext), so the hot GetParameter path skips SQLite.
//
// Coherence: every write of a parameter calls Invalidate(name) after its commit and before it is
// acknowledged. A reader takes Generation(name) before reading the database and Insert()s only
// if the generation has not moved since, so a value read before a commit can never be cached
// after it. Names are striped: a write may invalidate a few unrelated names, never too few.
// Thread-safe.
class ParameterReadCache {
 public:
  explicit ParameterReadCache(size_t capacity) : capacity_per_shard_(capacity / kShards + 1) {}

  uint64_t Generation(std::string_view name) const;
  std::optional<parameters::ParameterRead> Find(std::string_view name, std::string_view version_id,
                                                std::string_view stage);
  void Insert(std::string_view name, std::string_view version_id, std::string_view stage,
              uint64_t generation, const parameters::ParameterRead& value);
  void Invalidate(std::string_view name);

 private:
  static constexpr size_t kShards = 16;
  static constexpr size_t kStripes = 4096;
  struct Entry {
    uint64_t generation;
    parameters::ParameterRead value;
    std::list<std::string>::iterator lru;
  };
  struct Shard {
    std::mutex mu;
    std::unordered_map<std::string, Entry> entries COFFER_GUARDED_BY(mu);
    std::list<std::string> lru COFFER_GUARDED_BY(mu);  // most recent first
  };
  static std::string Key(std::string_view name, std::string_view version_id,
                         std::string_view stage);
  static size_t Hash(std::string_view name) { return std::hash<std::string_view>{}(name); }

  const size_t capacity_per_shard_;
  std::array<Shard, kShards> shards_;
  std::array<std::atomic<uint64_t>, kStripes> generations_{};
};

}  // namespace coffer::storage::sqlite::internal

#endif  // COFFER_STORAGE_SQLITE_INTERNAL_PARAMETER_READ_CACHE_H_
