#ifndef COFFER_STORAGE_SQLITE_SQLITE_SECRET_STORE_H_
#define COFFER_STORAGE_SQLITE_SQLITE_SECRET_STORE_H_

#include <mutex>
#include <set>
#include <string>
#include <tuple>

#include "base/thread_annotations.h"
#include "core/secrets/secret_store.h"
#include "storage/sqlite/internal/read_cache.h"
#include "storage/sqlite/sqlite_database.h"

namespace coffer::storage::sqlite {

// SecretStore on the embedded SQLite database. Thread-safe.
class SqliteSecretStore final : public secrets::SecretStore {
 public:
  // `cache_entries`: how many value reads to keep in memory (0: none).
  explicit SqliteSecretStore(SqliteDatabase& db, size_t cache_entries = 10000)
      : db_(db),
        cache_(cache_entries == 0
                   ? nullptr
                   : std::make_unique<internal::ReadCache<secrets::SecretRead>>(cache_entries)) {}

  Result<std::optional<secrets::Secret>> FindByName(std::string_view name) override;
  Result<std::optional<secrets::Secret>> FindByArn(std::string_view arn) override;
  Result<std::optional<secrets::SecretVersion>> GetVersion(std::string_view arn,
                                                           std::string_view version_id) override;
  Result<std::optional<secrets::SecretRead>> ReadValue(std::string_view name,
                                                       std::string_view version_id,
                                                       std::string_view stage) override;
  Result<std::vector<secrets::SecretVersion>> ListVersions(
      std::string_view arn, const std::optional<secrets::VersionCursor>& after,
      size_t limit) override;
  Result<std::vector<std::string>> OldVersions(std::string_view arn, size_t keep_newest,
                                               Timestamp created_before) override;
  Result<std::vector<secrets::Secret>> Scan(const secrets::SecretScan& scan) override;
  Result<void> Create(const secrets::Secret& secret,
                      const std::optional<secrets::SecretVersion>& first_version) override;
  Result<void> Update(const secrets::Secret& secret,
                      const std::vector<secrets::SecretVersion>& new_versions,
                      const std::vector<std::string>& deleted_versions) override;
  Result<void> Purge(std::string_view arn) override;
  Result<std::vector<std::string>> DueForPurge(Timestamp now, size_t limit) override;
  void RecordAccess(std::string_view arn, std::string_view version_id, Timestamp day) override;

 private:
  Result<std::optional<secrets::Secret>> FindBy(const char* sql, std::string_view key);
  Result<std::optional<secrets::SecretRead>> ReadValueUncached(std::string_view name,
                                                               std::string_view version_id,
                                                               std::string_view stage);

  std::function<void()> InvalidateLater(std::string name);

  SqliteDatabase& db_;
  std::unique_ptr<internal::ReadCache<secrets::SecretRead>> cache_;
  // Access records queued but not yet committed, so a burst of reads queues one write.
  std::mutex pending_mu_;
  std::set<std::tuple<std::string, std::string, int64_t>> pending_ COFFER_GUARDED_BY(pending_mu_);
};

}  // namespace coffer::storage::sqlite

#endif  // COFFER_STORAGE_SQLITE_SQLITE_SECRET_STORE_H_
