#ifndef COFFER_CORE_PARAMETERS_PARAMETER_SERVICE_H_
#define COFFER_CORE_PARAMETERS_PARAMETER_SERVICE_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "base/secret_bytes.h"
#include "core/keys/key_service.h"
#include "core/parameters/parameter.h"
#include "core/parameters/parameter_filter.h"
#include "core/parameters/parameter_store.h"
#include "core/parameters/pattern_matcher.h"
#include "core/secrets/secret_service.h"
#include "core/secrets/write_locks.h"

namespace coffer::parameters {

struct PutParameterRequest {
  std::string name;
  SecretBytes value;
  std::optional<ParameterType> type;
  std::optional<std::string> description;
  std::optional<std::string> key_id;
  bool overwrite = false;
  std::optional<std::string> allowed_pattern;
  std::optional<core::Tags> tags;
  std::optional<Tier> tier;
  std::optional<std::vector<ParameterPolicy>> policies;  // nullopt: keep the current ones
  std::optional<std::string> data_type;
  std::string caller_arn;  // becomes LastModifiedUser
};
struct PutParameterResult {
  int64_t version = 0;
  Tier tier = Tier::kStandard;
};

// A parameter value as GetParameter(s), GetParametersByPath and GetParameterHistory return it.
// `value` is the plaintext, or for SecureString without decryption the base64 of the KMS
// ciphertext blob.
struct ParameterValue {
  std::string name;
  std::string arn;
  ParameterType type = ParameterType::kString;
  SecretBytes value;
  int64_t version = 0;
  std::string selector;  // ":3" / ":label" when the request named one
  Timestamp last_modified;
  std::string data_type = "text";
  std::vector<std::string> labels;  // history only
  VersionAttributes attributes;     // history only
  // For /aws/reference/secretsmanager/<id>: the secret, for SourceResult.
  std::optional<secrets::SecretDescription> source;
};

struct GetParametersResult {
  std::vector<ParameterValue> parameters;  // sorted by name
  std::vector<std::string> invalid;        // the names as given
};

struct GetByPathRequest {
  std::string path;
  bool recursive = false;
  std::vector<RawFilter> filters;
  bool with_decryption = false;
  std::optional<int64_t> max_results;
  std::optional<std::string> next_token;
};
struct ValuePage {
  std::vector<ParameterValue> parameters;
  std::optional<std::string> next_token;
};

struct DescribeRequest {
  std::vector<RawFilter> filters;            // deprecated Filters
  std::vector<RawFilter> parameter_filters;  // ParameterFilters
  std::optional<int64_t> max_results;
  std::optional<std::string> next_token;
};
struct DescribePage {
  std::vector<Parameter> parameters;
  std::optional<std::string> next_token;
};

struct HistoryRequest {
  std::string name;
  bool with_decryption = false;
  std::optional<int64_t> max_results;
  std::optional<std::string> next_token;
};

struct DeleteParametersResult {
  std::vector<std::string> deleted;
  std::vector<std::string> invalid;
};

struct LabelResult {
  std::vector<std::string> invalid_labels;
  int64_t version = 0;
};
struct UnlabelResult {
  std::vector<std::string> removed;
  std::vector<std::string> invalid;
};

// The SSM Parameter Store domain: hierarchical parameters with versions, labels, tags and
// SecureString values encrypted by the KMS. SecureString values are encrypted with KMS Encrypt
// under the parameter's key and the encryption context {"PARAMETER_ARN": <arn>}, as AWS does,
// so the stored blob is an ordinary KMS ciphertext. Thread-safe.
class ParameterService {
 public:
  struct Options {
    size_t max_versions = 100;  // versions kept per parameter
    size_t max_tags = 50;
    size_t max_labels_per_version = 10;
    int max_write_attempts = 16;
    size_t scan_budget = 500;  // rows one listing call may examine (bounds its cost)
  };

  // `secrets` may be null (then /aws/reference/secretsmanager/ names are not found).
  ParameterService(ParameterStore& store, keys::KeyService& keys, const PatternMatcher& patterns,
                   const Clock& clock, secrets::SecretService* secrets, Options options);

  Result<PutParameterResult> PutParameter(PutParameterRequest request);
  Result<ParameterValue> GetParameter(std::string_view name, bool with_decryption);
  Result<GetParametersResult> GetParameters(const std::vector<std::string>& names,
                                            bool with_decryption);
  Result<ValuePage> GetParametersByPath(const GetByPathRequest& request);
  Result<DescribePage> DescribeParameters(const DescribeRequest& request);
  Result<ValuePage> GetParameterHistory(const HistoryRequest& request);
  Result<void> DeleteParameter(std::string_view name);
  Result<DeleteParametersResult> DeleteParameters(const std::vector<std::string>& names);
  Result<LabelResult> LabelParameterVersion(std::string_view name, std::optional<int64_t> version,
                                            const std::vector<std::string>& labels);
  Result<UnlabelResult> UnlabelParameterVersion(std::string_view name, int64_t version,
                                                const std::vector<std::string>& labels);
  // Tagging with SSM's ResourceType/ResourceId (only ResourceType "Parameter" is served).
  Result<void> AddTags(std::string_view resource_type, std::string_view resource_id,
                       const core::Tags& tags);
  Result<core::Tags> ListTags(std::string_view resource_type, std::string_view resource_id);
  Result<void> RemoveTags(std::string_view resource_type, std::string_view resource_id,
                          const std::vector<std::string>& keys);

  const core::Account& account() const { return keys_.account(); }

 private:
  struct Locked {
    Parameter parameter;
    secrets::WriteLocks::Held held;
  };
  Result<Locked> Lock(const std::string& path);
  Result<std::string> ResourcePath(std::string_view type, std::string_view id);
  Result<keys::Key> KeyFor(const std::string& key_id);
  Result<std::string> Seal(const keys::Key& key, const std::string& arn, std::string_view value);
  Result<SecretBytes> Open(const std::string& arn, const std::string& blob);
  // Whether rows follow `scan.after` once a page is full: known when the last scan returned
  // rows past the page (`unread`) or ran out (`exhausted`), else probed with a one-row scan.
  Result<bool> MoreAfter(const PathScan& scan, bool exhausted, bool unread);
  Result<ParameterValue> ToValue(const Parameter& p, const ParameterVersion& v,
                                 bool with_decryption, std::string selector);
  Result<ParameterValue> ReadSecretReference(std::string_view name, bool with_decryption);
  // Runs `change` on the locked parameter and stores it, retrying lost races.
  template <class F>
  Result<void> Modify(std::string_view name, Error not_found, F&& change);

  ParameterStore& store_;
  keys::KeyService& keys_;
  const PatternMatcher& patterns_;
  const Clock& clock_;
  secrets::SecretService* secrets_;
  const Options options_;
  secrets::WriteLocks write_locks_;
};

}  // namespace coffer::parameters

#endif  // COFFER_CORE_PARAMETERS_PARAMETER_SERVICE_H_
