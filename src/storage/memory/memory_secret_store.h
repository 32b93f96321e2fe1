#ifndef COFFER_STORAGE_MEMORY_MEMORY_SECRET_STORE_H_
#define COFFER_STORAGE_MEMORY_MEMORY_SECRET_STORE_H_

#include <map>
#include <mutex>

#include "base/thread_annotations.h"
#include "core/secrets/secret_store.h"

namespace coffer::storage::memory {

// A SecretStore in process memory, for tests. Thread-safe.
class MemorySecretStore final : public secrets::SecretStore {
 public:
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
  struct Entry {
    secrets::Secret secret;
    std::map<std::string, secrets::SecretVersion> versions;
  };
  std::vector<secrets::SecretVersion> SortedVersions(const Entry& e) const;

  std::mutex mu_;
  std::map<std::string, Entry, std::less<>> by_arn_ COFFER_GUARDED_BY(mu_);
  std::map<std::string, std::string, std::less<>> name_to_arn_ COFFER_GUARDED_BY(mu_);
};

}  // namespace coffer::storage::memory

#endif  // COFFER_STORAGE_MEMORY_MEMORY_SECRET_STORE_H_
