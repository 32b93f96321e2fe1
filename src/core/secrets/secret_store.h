#ifndef COFFER_CORE_SECRETS_SECRET_STORE_H_
#define COFFER_CORE_SECRETS_SECRET_STORE_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "core/secrets/secret.h"

namespace coffer::secrets {

enum class SortKey { kCreated, kLastChanged, kLastAccessed, kName };

// A position in a sorted scan: the sort value of the last row returned and its ARN (tie-break).
struct ScanCursor {
  int64_t time_ms = 0;  // for time sort keys
  std::string name;     // for kName
  std::string arn;
};

struct SecretScan {
  SortKey sort = SortKey::kCreated;
  bool descending = false;
  bool include_deleted = false;
  std::optional<ScanCursor> after;
  size_t limit = 100;
};

// A position in a secret's version list (newest first).
struct VersionCursor {
  int64_t created_ms = 0;
  std::string version_id;
};

// A secret (without its tags) and one of its versions, read in one snapshot.
struct SecretRead {
  Secret secret;
  std::optional<SecretVersion> version;
};

// Persistence port for secrets. Implemented by storage/sqlite and storage/memory; the same
// contract suite runs against each. Writes are durable when they return. Thread-safe.
class SecretStore {
 public:
  virtual ~SecretStore() = default;

  virtual Result<std::optional<Secret>> FindByName(std::string_view name) = 0;
  virtual Result<std::optional<Secret>> FindByArn(std::string_view arn) = 0;
  virtual Result<std::optional<SecretVersion>> GetVersion(std::string_view arn,
                                                          std::string_view version_id) = 0;
  // The secret named `name` and, in the same snapshot, its version `version_id` or, when that is
  // empty, the version carrying `stage`. `secret.tags` is not loaded. The hot path of
  // GetSecretValue: one read transaction instead of two.
  virtual Result<std::optional<SecretRead>> ReadValue(std::string_view name,
                                                      std::string_view version_id,
                                                      std::string_view stage) = 0;
  // Versions newest first (created desc, then version id desc), after `after`, without values.
  virtual Result<std::vector<SecretVersion>> ListVersions(std::string_view arn,
                                                          const std::optional<VersionCursor>& after,
                                                          size_t limit) = 0;
  // Version ids of `arn` beyond its `keep_newest` newest versions that were created before
  // `created_before`: the candidates for pruning.
  virtual Result<std::vector<std::string>> OldVersions(std::string_view arn, size_t keep_newest,
                                                       Timestamp created_before) = 0;
  // Secrets in the scan's order, starting after its cursor.
  virtual Result<std::vector<Secret>> Scan(const SecretScan& scan) = 0;

  // Inserts a secret (revision 1) and its first version. kAlreadyExists if the name is taken
  // (also by a secret pending deletion) or the ARN exists.
  virtual Result<void> Create(const Secret& secret,
                              const std::optional<SecretVersion>& first_version) = 0;
  // Replaces the metadata of `secret.arn` if its stored revision is `secret.revision` (stored as
  // revision + 1), inserts `new_versions` and deletes `deleted_versions`, atomically.
  // kAborted on a revision mismatch (re-read and retry), kNotFound if the secret is gone,
  // kAlreadyExists if a new version id exists.
  virtual Result<void> Update(const Secret& secret, const std::vector<SecretVersion>& new_versions,
                              const std::vector<std::string>& deleted_versions) = 0;
  // Deletes the secret and all its versions for good. Succeeds if it is already gone.
  virtual Result<void> Purge(std::string_view arn) = 0;
  // ARNs of secrets pending deletion whose purge time is at or before `now`.
  virtual Result<std::vector<std::string>> DueForPurge(Timestamp now, size_t limit) = 0;
  // Records that `version_id` of `arn` was read on `day` (midnight UTC). Best effort and not
  // necessarily durable when it returns: last-accessed dates are advisory.
  virtual void RecordAccess(std::string_view arn, std::string_view version_id, Timestamp day) = 0;
};

}  // namespace coffer::secrets

#endif  // COFFER_CORE_SECRETS_SECRET_STORE_H_
