#include "rotation_functions/internal/rotation_steps.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "base/logging.h"

namespace coffer::rotation_functions::internal {
namespace {

bool HasStage(const std::vector<std::string>& stages, std::string_view stage) {
  return std::find(stages.begin(), stages.end(), stage) != stages.end();
}

}  // namespace

Result<bool> CheckVersionStaged(const rotation::StepRequest& request,
                                rotation::SecretsAccess& secrets) {
  if (request.client_request_token.empty()) {
    return InvalidArgumentError("the ClientRequestToken is empty");
  }
  COFFER_ASSIGN_OR_RETURN(rotation::SecretInfo info, secrets.DescribeSecret(request.secret_id));
  if (!info.rotation_enabled) {
    return FailedPreconditionError("secret " + info.arn + " is not enabled for rotation");
  }
  auto it = info.version_stages.find(request.client_request_token);
  if (it == info.version_stages.end()) {
    if (request.step == rotation::Step::kCreateSecret) return false;
    return FailedPreconditionError("secret version " + request.client_request_token +
                                   " has no stage for rotation of secret " + info.arn);
  }
  if (HasStage(it->second, kCurrent)) {
    log::Info("rotation: version already AWSCURRENT",
              {{"secret", info.arn}, {"version_id", request.client_request_token}});
    return true;
  }
  if (!HasStage(it->second, kPending)) {
    return FailedPreconditionError("secret version " + request.client_request_token +
                                   " is not set as AWSPENDING for rotation of secret " + info.arn);
  }
  return false;
}

Result<void> FinishSecret(const rotation::StepRequest& request, rotation::SecretsAccess& secrets) {
  COFFER_ASSIGN_OR_RETURN(rotation::SecretInfo info, secrets.DescribeSecret(request.secret_id));
  std::string current_version;
  for (const auto& [version_id, stages] : info.version_stages) {
    if (!HasStage(stages, kCurrent)) continue;
    if (version_id == request.client_request_token) return Ok();
    current_version = version_id;
    break;
  }
  COFFER_RETURN_IF_ERROR(secrets.UpdateSecretVersionStage(
      request.secret_id, kCurrent, request.client_request_token, current_version));
  log::Info("rotation: AWSCURRENT moved",
            {{"secret", info.arn}, {"version_id", request.client_request_token}});
  return Ok();
}

Result<SecretBytes> GetSecretString(rotation::SecretsAccess& secrets, std::string_view secret_id,
                                    std::string_view version_id, std::string_view stage) {
  COFFER_ASSIGN_OR_RETURN(rotation::VersionValue value,
                          secrets.GetSecretValue(secret_id, version_id, stage));
  if (!value.secret_string.has_value()) {
    return InvalidArgumentError("the " + std::string(stage) + " version of " + value.arn +
                                " has no SecretString");
  }
  return std::move(*value.secret_string);
}

Result<std::optional<SecretBytes>> GetPendingIfAny(const rotation::StepRequest& request,
                                                   rotation::SecretsAccess& secrets) {
  auto pending =
      GetSecretString(secrets, request.secret_id, request.client_request_token, kPending);
  if (pending.has_value()) return std::optional<SecretBytes>(std::move(pending).value());
  if (pending.error().code == ErrorCode::kNotFound) return std::optional<SecretBytes>();
  return std::move(pending).error();
}

Error InStep(rotation::Step step, Error error) {
  error.message = std::string(rotation::StepName(step)) + ": " + error.message;
  return error;
}

}  // namespace coffer::rotation_functions::internal
