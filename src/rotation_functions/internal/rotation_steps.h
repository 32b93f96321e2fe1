#ifndef COFFER_ROTATION_FUNCTIONS_INTERNAL_ROTATION_STEPS_H_
#define COFFER_ROTATION_FUNCTIONS_INTERNAL_ROTATION_STEPS_H_

#include <optional>
#include <string_view>

#include "base/result.h"
#include "base/secret_bytes.h"
#include "core/rotation/rotation_function.h"

// The parts every AWS rotation template shares (SecretsManagerRotationTemplate's lambda_handler
// and finish_secret), so that each built-in function only writes its own steps.
namespace coffer::rotation_functions::internal {

inline constexpr std::string_view kCurrent = "AWSCURRENT";
inline constexpr std::string_view kPending = "AWSPENDING";
inline constexpr std::string_view kPrevious = "AWSPREVIOUS";

// lambda_handler's checks before any step: rotation must be enabled and the token's version must
// carry AWSPENDING. Returns true when there is nothing to do because the token's version is
// already AWSCURRENT (a retried or late invocation). A createSecret whose token names no version
// yet is allowed: AWS stages an empty AWSPENDING version before the first step, an engine that
// does not will get it from createSecret's PutSecretValue. kFailedPrecondition otherwise.
Result<bool> CheckVersionStaged(const rotation::StepRequest& request,
                                rotation::SecretsAccess& secrets);

// finish_secret: moves AWSCURRENT to the token's version, from the version holding it; returns
// early when the token's version already is AWSCURRENT.
Result<void> FinishSecret(const rotation::StepRequest& request, rotation::SecretsAccess& secrets);

// GetSecretValue's SecretString; kInvalidArgument when the version holds a SecretBinary.
Result<SecretBytes> GetSecretString(rotation::SecretsAccess& secrets, std::string_view secret_id,
                                    std::string_view version_id, std::string_view stage);

// The SecretString of the token's AWSPENDING version, or nullopt when it has none yet
// (kNotFound), as create_secret's "does AWSPENDING already exist for this token" check reads it.
Result<std::optional<SecretBytes>> GetPendingIfAny(const rotation::StepRequest& request,
                                                   rotation::SecretsAccess& secrets);

// `error` with "<step>: " in front of its message.
Error InStep(rotation::Step step, Error error);

}  // namespace coffer::rotation_functions::internal

#endif  // COFFER_ROTATION_FUNCTIONS_INTERNAL_ROTATION_STEPS_H_
