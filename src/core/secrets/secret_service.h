#ifndef COFFER_CORE_SECRETS_SECRET_SERVICE_H_
#define COFFER_CORE_SECRETS_SECRET_SERVICE_H_

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "core/common/account.h"
#include "core/keys/key_service.h"
#include "core/secrets/password.h"
#include "core/secrets/secret.h"
#include "core/secrets/secret_filter.h"
#include "core/secrets/secret_store.h"
#include "core/secrets/write_locks.h"
#include "crypto/aead.h"
#include "crypto/random.h"

namespace coffer::secrets {

struct SecretRef {
  std::string arn;
  std::string name;
};

struct CreateSecretRequest {
  std::string name;
  std::optional<std::string> client_request_token;
  std::optional<std::string> description;
  std::optional<std::string> kms_key_id;
  std::optional<SecretValue> value;
  std::optional<core::Tags> tags;
  std::optional<std::string> type;
};
struct CreateSecretResult {
  SecretRef ref;
  std::optional<std::string> version_id;
};

// Decides whether the caller may act on a secret (called with the secret before its value is
// read or anything is recorded); an error is returned as it is.
using SecretAuthorizer = std::function<Result<void>(const Secret&)>;

struct GetSecretValueRequest {
  std::string secret_id;
  std::optional<std::string> version_id;
  std::optional<std::string> version_stage;
  SecretAuthorizer authorize;  // optional
};
struct SecretValueResult {
  SecretRef ref;
  std::string version_id;
  SecretValue value;
  std::vector<std::string> stages;
  Timestamp created;
};

struct BatchGetRequest {
  SecretAuthorizer authorize;  // optional; a denial becomes that secret's error
  std::optional<std::vector<std::string>> secret_ids;
  std::optional<std::vector<SecretFilter>> filters;
  std::optional<int64_t> max_results;
  std::optional<std::string> next_token;
};
struct BatchGetError {
  std::string secret_id;
  Error error;
};
struct BatchGetResult {
  std::vector<SecretValueResult> values;
  std::vector<BatchGetError> errors;
  std::optional<std::string> next_token;
};

struct PutSecretValueRequest {
  std::string secret_id;
  std::optional<std::string> client_request_token;
  std::optional<SecretValue> value;
  std::optional<std::vector<std::string>> version_stages;
};
struct PutSecretValueResult {
  SecretRef ref;
  std::string version_id;
  std::vector<std::string> stages;
};

struct UpdateSecretRequest {
  std::string secret_id;
  std::optional<std::string> client_request_token;
  std::optional<std::string> description;
  std::optional<std::string> kms_key_id;
  std::optional<SecretValue> value;
  std::optional<std::string> type;
};
struct UpdateSecretResult {
  SecretRef ref;
  std::optional<std::string> version_id;
};

struct UpdateVersionStageRequest {
  std::string secret_id;
  std::string version_stage;
  std::optional<std::string> remove_from_version_id;
  std::optional<std::string> move_to_version_id;
};

struct DeleteSecretRequest {
  std::string secret_id;
  std::optional<int64_t> recovery_window_days;
  std::optional<bool> force_delete_without_recovery;
};
struct DeleteSecretResult {
  SecretRef ref;
  Timestamp deletion_date;
};

// DescribeSecret's view: the metadata plus what the caller may see of the key.
struct SecretDescription {
  Secret secret;
  // The KMS key ARN, or empty when the secret uses aws/secretsmanager (AWS omits KmsKeyId then).
  std::string kms_key_id;
};

struct ListSecretsRequest {
  std::vector<SecretFilter> filters;
  std::optional<int64_t> max_results;
  std::optional<std::string> next_token;
  bool include_planned_deletion = false;
  SortKey sort = SortKey::kCreated;
  bool descending = false;
};
struct ListSecretsResult {
  std::vector<SecretDescription> secrets;
  std::optional<std::string> next_token;
};

struct ListVersionsRequest {
  std::string secret_id;
  std::optional<int64_t> max_results;
  std::optional<std::string> next_token;
  bool include_deprecated = false;
};
struct VersionEntry {
  std::string version_id;
  std::vector<std::string> stages;
  Timestamp created;
  std::optional<Timestamp> last_accessed;
  std::string kms_key_id;  // "DefaultEncryptionKey" for aws/secretsmanager, else the key ARN
};
struct ListVersionsResult {
  SecretRef ref;
  std::vector<VersionEntry> versions;
  std::optional<std::string> next_token;
};

// The Secrets Manager domain: secrets, versions and staging labels with AWS's semantics, every
// value encrypted under a fresh data key from the KMS (see docs/design/key-hierarchy.md).
// Stateless apart from its collaborators; thread-safe.
class SecretService {
 public:
  struct Options {
    size_t keep_versions = 100;          // AWS keeps the 100 newest versions...
    std::chrono::hours keep_recent{24};  // ...plus every version of the last 24 hours
    size_t max_versions = 10000;         // hard per-secret quota (LimitExceeded)
    size_t max_tags = 50;
    int max_write_attempts = 16;  // optimistic-concurrency retries
  };

  SecretService(SecretStore& store, keys::KeyService& keys, const crypto::Aead& aead,
                crypto::Random& random, const Clock& clock, Options options);

  Result<CreateSecretResult> CreateSecret(CreateSecretRequest request);
  Result<SecretValueResult> GetSecretValue(const GetSecretValueRequest& request);
  Result<BatchGetResult> BatchGetSecretValue(const BatchGetRequest& request);
  Result<SecretDescription> DescribeSecret(std::string_view secret_id);
  Result<ListSecretsResult> ListSecrets(const ListSecretsRequest& request);
  Result<PutSecretValueResult> PutSecretValue(PutSecretValueRequest request);
  Result<UpdateSecretResult> UpdateSecret(UpdateSecretRequest request);
  Result<SecretRef> UpdateSecretVersionStage(const UpdateVersionStageRequest& request);
  Result<ListVersionsResult> ListSecretVersionIds(const ListVersionsRequest& request);
  Result<DeleteSecretResult> DeleteSecret(const DeleteSecretRequest& request);
  Result<SecretRef> RestoreSecret(std::string_view secret_id);
  Result<void> TagResource(std::string_view secret_id, const core::Tags& tags);
  Result<void> UntagResource(std::string_view secret_id, const std::vector<std::string>& keys);
  Result<SecretBytes> GetRandomPassword(const PasswordOptions& options);

  const core::Account& account() const { return keys_.account(); }
  // The secret a SecretId names (name, full or partial ARN), deleted or not: for authorization.
  Result<Secret> Lookup(std::string_view secret_id) { return Resolve(secret_id); }
  // Resource policies. `policy` has been validated by the caller.
  Result<SecretRef> PutResourcePolicy(std::string_view secret_id, std::string policy);
  Result<SecretRef> DeleteResourcePolicy(std::string_view secret_id);

  // Purges secrets whose recovery window has ended, calling `on_purged` with each one's ARN
  // after it is gone (for the audit trail). Returns how many were purged.
  Result<size_t> PurgeDue(size_t limit = 1000,
                          const std::function<void(const std::string& arn)>& on_purged = {});
  // Deletes deprecated versions beyond the newest `keep_versions` that are older than
  // `keep_recent`, for the secrets that writes have pushed past `keep_versions` (background
  // work, as in AWS; writes never wait for it). Returns how many versions were deleted.
  Result<size_t> PruneVersions();

 private:
  Result<Secret> Resolve(std::string_view secret_id);
  Result<Secret> ResolveLive(std::string_view secret_id);
  // A secret read under its write lock (see WriteLocks): resolve, lock, read again.
  struct Locked {
    Secret secret;
    WriteLocks::Held held;
  };
  Result<Locked> Lock(std::string_view secret_id, bool live);
  // Applies `edit` to the live secret and writes its metadata (no new versions), retrying on
  // concurrent writes; kResourceExhausted (reason kThrottled) after max_write_attempts.
  Result<SecretRef> EditMetadata(std::string_view secret_id,
                                 const std::function<Result<void>(Secret&)>& edit);
  Result<keys::Key> KeyFor(const std::optional<std::string>& kms_key_id);
  // True for aws/secretsmanager, which DescribeSecret leaves out, however it was named.
  bool IsDefaultKey(const keys::Key& key);
  Result<std::string> Seal(const keys::Key& key, const std::string& arn,
                           const std::string& version_id, const SecretValue& value);
  Result<SecretValue> Open(const std::string& arn, const SecretVersion& version);
  Result<SecretVersion> NewVersion(const Secret& secret, const keys::Key& key,
                                   const std::string& version_id, const SecretValue& value);
  Result<std::vector<std::string>> VersionsToPrune(const Secret& secret, size_t adding);
  Result<std::optional<PutSecretValueResult>> IdempotentReplay(const Secret& secret,
                                                               const std::string& token,
                                                               const SecretValue& value);
  Result<void> CheckTags(const core::Tags& tags) const;
  Result<void> CheckVersionQuota(const Secret& secret) const;
  void NotePrunable(const Secret& secret);
  Result<SecretValueResult> ReadValue(const Secret& secret, const GetSecretValueRequest& request,
                                      std::optional<SecretVersion> prefetched = std::nullopt);
  void RecordAccess(const Secret& secret, const SecretVersion& version);
  std::string NewArn(std::string_view name);
  std::string ResolvedKeyId(const Secret& s) const;

  SecretStore& store_;
  keys::KeyService& keys_;
  const crypto::Aead& aead_;
  crypto::Random& random_;
  const Clock& clock_;
  const Options options_;
  WriteLocks write_locks_;
  std::mutex prune_mu_;
  std::set<std::string> prune_queue_;  // ARNs past keep_versions since the last sweep
};

}  // namespace coffer::secrets

#endif  // COFFER_CORE_SECRETS_SECRET_SERVICE_H_
