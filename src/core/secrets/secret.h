#ifndef COFFER_CORE_SECRETS_SECRET_H_
#define COFFER_CORE_SECRETS_SECRET_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/secret_bytes.h"
#include "core/common/tag.h"

namespace coffer::secrets {

inline constexpr std::string_view kCurrentStage = "AWSCURRENT";
inline constexpr std::string_view kPreviousStage = "AWSPREVIOUS";
inline constexpr std::string_view kPendingStage = "AWSPENDING";

// A secret's metadata: everything but the versions' values. Stored as one row; `revision` makes
// every update a compare-and-set.
struct Secret {
  std::string arn;
  std::string name;
  std::optional<std::string> description;
  // The KmsKeyId the caller chose (key id, key ARN or alias ARN); empty means aws/secretsmanager.
  std::optional<std::string> kms_key_id;
  std::optional<std::string> type;
  Timestamp created;
  Timestamp last_changed;
  std::optional<Timestamp> last_accessed;  // midnight UTC of the last read day
  std::optional<Timestamp> deleted;        // when DeleteSecret was called
  std::optional<Timestamp> purge_after;    // when the sweeper deletes it for good
  std::optional<core::Tags> tags;          // absent until tags are first set
  // Staging label -> version id. Each label is on at most one version.
  std::map<std::string, std::string> stages;
  int64_t version_count = 0;
  int64_t revision = 0;
  // The resource policy document (PutResourcePolicy), if any.
  std::optional<std::string> resource_policy;

  bool is_deleted() const { return deleted.has_value(); }
  // Labels on `version_id`, sorted.
  std::vector<std::string> StagesOf(const std::string& version_id) const;
};

// One version's value, encrypted (see SecretService for the envelope).
struct SecretVersion {
  std::string version_id;
  Timestamp created;
  std::optional<Timestamp> last_accessed;
  std::string kms_key_arn;  // the key that wrapped this version's data key
  bool is_binary = false;
  std::string ciphertext;  // empty when listed without values
};

// A plaintext secret value: SecretString or SecretBinary.
struct SecretValue {
  bool is_binary = false;
  SecretBytes bytes;
};

}  // namespace coffer::secrets

#endif  // COFFER_CORE_SECRETS_SECRET_H_
