#ifndef COFFER_STORAGE_SQLITE_SQLITE_PARAMETER_STORE_H_
#define COFFER_STORAGE_SQLITE_SQLITE_PARAMETER_STORE_H_

#include <functional>
#include <memory>
#include <string>

#include "core/parameters/parameter_store.h"
#include "storage/sqlite/internal/read_cache.h"
#include "storage/sqlite/sqlite_database.h"

namespace coffer::storage::sqlite {

// ParameterStore on the embedded SQLite database. Reads by name are served from a bounded cache
// (see internal::ReadCache) that every write invalidates before it is acknowledged. Thread-safe.
class SqliteParameterStore final : public parameters::ParameterStore {
 public:
  // `cache_entries`: how many reads to keep in memory (0: none).
  explicit SqliteParameterStore(SqliteDatabase& db, size_t cache_entries = 10000)
      : db_(db),
        cache_(
            cache_entries == 0
                ? nullptr
                : std::make_unique<internal::ReadCache<parameters::ParameterRead>>(cache_entries)) {
  }

  Result<std::optional<parameters::ParameterRead>> Read(
      std::string_view path, const parameters::Selector& selector) override;
  Result<std::optional<parameters::Parameter>> Find(std::string_view path) override;
  Result<std::vector<parameters::ParameterVersion>> History(std::string_view path,
                                                            int64_t after_version,
                                                            size_t limit) override;
  Result<std::vector<parameters::ParameterRead>> Scan(const parameters::PathScan& scan) override;
  Result<void> Create(const parameters::Parameter& parameter,
                      const parameters::ParameterVersion& first) override;
  Result<void> Update(const parameters::Parameter& parameter,
                      const std::vector<parameters::ParameterVersion>& new_versions,
                      const std::vector<int64_t>& deleted_versions) override;
  Result<void> Delete(std::string_view path) override;

 private:
  Result<std::optional<parameters::ParameterRead>> ReadUncached(
      std::string_view path, const parameters::Selector& selector);
  std::function<void()> InvalidateLater(std::string path);

  SqliteDatabase& db_;
  std::unique_ptr<internal::ReadCache<parameters::ParameterRead>> cache_;
};

}  // namespace coffer::storage::sqlite

#endif  // COFFER_STORAGE_SQLITE_SQLITE_PARAMETER_STORE_H_
