#ifndef COFFER_CORE_PARAMETERS_PARAMETER_H_
#define COFFER_CORE_PARAMETERS_PARAMETER_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "core/common/tag.h"

namespace coffer::parameters {

enum class ParameterType { kString, kStringList, kSecureString };
enum class Tier { kStandard, kAdvanced, kIntelligentTiering };

std::string_view TypeName(ParameterType type);
std::optional<ParameterType> ParseType(std::string_view name);
std::string_view TierName(Tier tier);
std::optional<Tier> ParseTier(std::string_view name);

// A parameter policy (Advanced tier): stored and returned, not enforced.
struct ParameterPolicy {
  std::string type;  // Expiration | ExpirationNotification | NoChangeNotification
  std::string text;  // the policy's JSON, as given
  bool operator==(const ParameterPolicy&) const = default;
};

// The attributes every version records (GetParameterHistory shows them per version).
struct VersionAttributes {
  ParameterType type = ParameterType::kString;
  std::optional<std::string> description;
  std::optional<std::string> allowed_pattern;
  std::optional<std::string> key_id;  // SecureString: the KeyId as given ("alias/aws/ssm" default)
  Tier tier = Tier::kStandard;
  std::vector<ParameterPolicy> policies;
  std::string data_type = "text";
  Timestamp last_modified;
  std::string last_modified_user;  // the caller's ARN
  bool operator==(const VersionAttributes&) const = default;
};

// One version of a parameter. `value` is the plaintext for String and StringList, and the KMS
// ciphertext blob (raw bytes) for SecureString. Empty when listed without values.
struct ParameterVersion {
  int64_t version = 0;
  VersionAttributes attributes;
  std::string value;
};

// A parameter's metadata: one row. `path` is the lookup key: the name with a leading '/'
// (AWS treats "x" and "/x" as the same parameter). `revision` makes each update a
// compare-and-set.
struct Parameter {
  std::string path;
  std::string name;  // as given when the parameter was created
  std::string arn;
  int64_t version = 0;        // the latest version
  int64_t version_count = 0;  // versions kept
  VersionAttributes latest;   // attributes of the latest version
  core::Tags tags;
  std::map<std::string, int64_t> labels;  // label -> version; a label is on one version
  int64_t revision = 0;

  // Labels on `version`, sorted.
  std::vector<std::string> LabelsOf(int64_t version) const;
};

// What a read asks for: the latest version, a version number, or a label.
struct Selector {
  std::optional<int64_t> version;
  std::optional<std::string> label;
};

// A parameter and, in the same snapshot, the selected version (absent when there is none).
struct ParameterRead {
  Parameter parameter;
  std::optional<ParameterVersion> version;
};

}  // namespace coffer::parameters

#endif  // COFFER_CORE_PARAMETERS_PARAMETER_H_
