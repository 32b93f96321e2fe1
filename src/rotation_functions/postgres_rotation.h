#ifndef COFFER_ROTATION_FUNCTIONS_POSTGRES_ROTATION_H_
#define COFFER_ROTATION_FUNCTIONS_POSTGRES_ROTATION_H_

#include <chrono>
#include <memory>

#include "base/result.h"
#include "core/rotation/rotation_function.h"

namespace coffer::rotation_functions {

// Managed rotation of a PostgreSQL login, mirroring AWS's SecretsManagerRDSPostgreSQLRotation
// SingleUser and MultiUser templates step by step, over libpq. The secret's JSON shape is
// PostgresSecret's (postgres_secret.h); its other members are carried over.
//
// kSingleUser (the user changes its own password; the old one stops working at once):
//   createSecret: unless the token's AWSPENDING version has a value, puts AWSCURRENT's JSON with a
//                 fresh random password, staged AWSPENDING;
//   setSecret:    done if the pending credentials log in; else logs in with AWSCURRENT, failing
//                 that with AWSPREVIOUS (same user and host required), and runs ALTER ROLE …
//                 PASSWORD with a SCRAM-SHA-256 verifier (the plaintext never reaches the server);
//   testSecret:   logs in with the pending credentials and runs SELECT now();
//   finishSecret: moves AWSCURRENT to the token's version.
// kAlternatingUsers (AWS's "multi user"; needs "masterarn", the ARN of a superuser-like secret):
//   createSecret: as above, and flips "username" between `user` and `user_clone`;
//   setSecret:    done if the pending credentials log in; else checks that AWSCURRENT still logs
//                 in, reads the master secret's AWSCURRENT (same host and port required), logs in
//                 as master and either creates the pending role (CREATE ROLE … LOGIN PASSWORD,
//                 then GRANT <current user> TO <pending user>, as AWS does) or sets its password,
//                 in one transaction. The current user keeps working until the next rotation.
//   testSecret, finishSecret: as above.
// Every step first checks that rotation is enabled and that the token's version is AWSPENDING,
// and does nothing once it is AWSCURRENT, so every step is idempotent. Connections use a 5 s
// connect timeout by default.
//
// Errors carry "<step>: " in front and never a password or SQL: kInvalidArgument for a malformed
// secret; kUnavailable when PostgreSQL cannot be reached or refuses a login (naming host:port);
// kFailedPrecondition when a statement fails or the secret is not staged for rotation (or its
// versions name different users or hosts); SecretsAccess's own errors unchanged (kNotFound…).
// Stateless and thread-safe.
class PostgresRotation final : public rotation::RotationFunction {
 public:
  enum class Strategy { kSingleUser, kAlternatingUsers };

  struct Options {
    Strategy strategy = Strategy::kSingleUser;
    // AWS's RDS template default: 32 characters of every class except : / @ " ' and backslash.
    rotation::SecretsAccess::PasswordRequest password{32, ":/@\"'\\", false};
    std::chrono::seconds connect_timeout{5};
  };

  // kInvalidArgument when the password length is outside 1-4096 or the timeout is not positive.
  static Result<std::unique_ptr<PostgresRotation>> Create(Options options);

  Result<void> Run(const rotation::StepRequest& request, rotation::SecretsAccess& secrets) override;

 private:
  explicit PostgresRotation(Options options) : options_(std::move(options)) {}
  Result<void> RunStep(const rotation::StepRequest& request, rotation::SecretsAccess& secrets);
  Result<void> CreateSecret(const rotation::StepRequest& request, rotation::SecretsAccess& secrets);
  Result<void> SetSecretSingleUser(const rotation::StepRequest& request,
                                   rotation::SecretsAccess& secrets);
  Result<void> SetSecretAlternatingUsers(const rotation::StepRequest& request,
                                         rotation::SecretsAccess& secrets);
  Result<void> TestSecret(const rotation::StepRequest& request, rotation::SecretsAccess& secrets);

  const Options options_;
};

}  // namespace coffer::rotation_functions

#endif  // COFFER_ROTATION_FUNCTIONS_POSTGRES_ROTATION_H_
