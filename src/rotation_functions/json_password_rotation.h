#ifndef COFFER_ROTATION_FUNCTIONS_JSON_PASSWORD_ROTATION_H_
#define COFFER_ROTATION_FUNCTIONS_JSON_PASSWORD_ROTATION_H_

#include <memory>
#include <string>

#include "base/result.h"
#include "core/rotation/rotation_function.h"

namespace coffer::rotation_functions {

// Managed rotation of one random password inside a JSON secret ({"user": …, "password": …}),
// following AWS's SecretsManagerRotationTemplate step by step:
//   createSecret: unless the token's AWSPENDING version already has a value, puts a copy of the
//                 AWSCURRENT JSON whose `field` is a fresh GetRandomPassword value, staged
//                 AWSPENDING under the ClientRequestToken;
//   setSecret:    there is no service to tell; checks the pending JSON (an object whose `field`
//                 is a non-empty string);
//   testSecret:   checks the pending JSON again and that its `field` differs from AWSCURRENT's;
//   finishSecret: moves AWSCURRENT to the token's version (AWSPREVIOUS follows the old one).
// Every step first checks that rotation is enabled and that the token's version is AWSPENDING,
// and does nothing when it already is AWSCURRENT, so each step is idempotent.
// Errors carry "<step>: " in front: kInvalidArgument for a SecretString that is not such a JSON
// object, kFailedPrecondition for a secret not staged for rotation (or a testSecret whose password
// did not change), and SecretsAccess's own errors unchanged. Stateless and thread-safe.
class JsonPasswordRotation final : public rotation::RotationFunction {
 public:
  struct Options {
    std::string field = "password";
    // AWS's template default: 32 characters of every class except / @ " ' and backslash.
    rotation::SecretsAccess::PasswordRequest password{32, "/@\"'\\", false};
  };

  // kInvalidArgument when `field` is empty or the length is outside GetRandomPassword's 1-4096.
  static Result<std::unique_ptr<JsonPasswordRotation>> Create(Options options);

  Result<void> Run(const rotation::StepRequest& request, rotation::SecretsAccess& secrets) override;

 private:
  explicit JsonPasswordRotation(Options options) : options_(std::move(options)) {}
  Result<void> RunStep(const rotation::StepRequest& request, rotation::SecretsAccess& secrets);

  const Options options_;
};

}  // namespace coffer::rotation_functions

#endif  // COFFER_ROTATION_FUNCTIONS_JSON_PASSWORD_ROTATION_H_
