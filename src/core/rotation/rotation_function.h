#ifndef COFFER_CORE_ROTATION_ROTATION_FUNCTION_H_
#define COFFER_CORE_ROTATION_ROTATION_FUNCTION_H_

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/secret_bytes.h"

namespace coffer::rotation {

// The four steps AWS Secrets Manager drives a rotation function through, in order.
enum class Step { kCreateSecret, kSetSecret, kTestSecret, kFinishSecret };

// "createSecret" | "setSecret" | "testSecret" | "finishSecret" (the Lambda event's "Step").
std::string_view StepName(Step step);
std::optional<Step> ParseStep(std::string_view name);

// One invocation, as the Lambda event carries it:
// {"Step": …, "SecretId": <ARN>, "ClientRequestToken": <token>, "RotationToken": <uuid>}.
struct StepRequest {
  Step step = Step::kCreateSecret;
  std::string secret_id;             // the secret's ARN
  std::string client_request_token;  // the version id AWSPENDING is (to be) attached to
  std::string rotation_token;        // identifies this rotation; opaque to functions
};

// A secret version's value as a rotation function sees it.
struct VersionValue {
  std::string arn;
  std::string name;
  std::string version_id;
  std::optional<SecretBytes> secret_string;
  std::vector<std::string> stages;
};

// What DescribeSecret tells a rotation function.
struct SecretInfo {
  std::string arn;
  std::string name;
  bool rotation_enabled = false;
  // VersionIdsToStages.
  std::map<std::string, std::vector<std::string>> version_stages;
};

// The Secrets Manager calls a rotation function makes, scoped to the secret being rotated (the
// same calls an AWS rotation Lambda makes through boto3). Errors carry the Secrets Manager
// meaning: kNotFound for ResourceNotFoundException (e.g. no version with that stage),
// kInvalidArgument, kFailedPrecondition, kPermissionDenied. Implementations are thread-safe.
class SecretsAccess {
 public:
  virtual ~SecretsAccess() = default;
  // GetSecretValue by version id and/or stage (either may be empty; both empty = AWSCURRENT).
  virtual Result<VersionValue> GetSecretValue(std::string_view secret_id,
                                              std::string_view version_id,
                                              std::string_view version_stage) = 0;
  virtual Result<SecretInfo> DescribeSecret(std::string_view secret_id) = 0;
  // PutSecretValue(SecretString, ClientRequestToken, VersionStages).
  virtual Result<void> PutSecretValue(std::string_view secret_id,
                                      std::string_view client_request_token,
                                      const SecretBytes& secret_string,
                                      const std::vector<std::string>& version_stages) = 0;
  // UpdateSecretVersionStage: moves `stage` to `move_to_version_id`, removing it from
  // `remove_from_version_id` (required when another version has it).
  virtual Result<void> UpdateSecretVersionStage(std::string_view secret_id, std::string_view stage,
                                                std::string_view move_to_version_id,
                                                std::string_view remove_from_version_id) = 0;
  // GetRandomPassword with AWS's defaults (32 characters, every class) unless told otherwise.
  struct PasswordRequest {
    int length = 32;
    std::string exclude_characters;
    bool exclude_punctuation = false;
  };
  virtual Result<SecretBytes> GetRandomPassword(const PasswordRequest& request) = 0;
};

// A rotation function: runs one step for one secret. A step that fails returns the error; the
// rotation engine retries it with backoff and AWSCURRENT stays where it was. Steps must be
// idempotent (AWS retries Lambda invocations too). Implementations are thread-safe.
class RotationFunction {
 public:
  virtual ~RotationFunction() = default;
  virtual Result<void> Run(const StepRequest& request, SecretsAccess& secrets) = 0;
};

}  // namespace coffer::rotation

#endif  // COFFER_CORE_ROTATION_ROTATION_FUNCTION_H_
