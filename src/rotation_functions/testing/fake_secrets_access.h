#ifndef COFFER_ROTATION_FUNCTIONS_TESTING_FAKE_SECRETS_ACCESS_H_
#define COFFER_ROTATION_FUNCTIONS_TESTING_FAKE_SECRETS_ACCESS_H_

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/thread_annotations.h"
#include "core/rotation/rotation_function.h"

namespace coffer::rotation_functions::testing {

// An in-memory SecretsAccess with Secrets Manager's staging-label semantics, for driving rotation
// functions in tests: a label sits on at most one version; moving AWSCURRENT (PutSecretValue or
// UpdateSecretVersionStage) puts AWSPREVIOUS on the version that had it; a version may exist with
// labels but no value yet (what RotateSecret stages under AWSPENDING before createSecret), and
// reading it is kNotFound. Secrets are looked up by the exact id they were created with.
// Thread-safe.
class FakeSecretsAccess final : public rotation::SecretsAccess {
 public:
  enum class Call { kGetSecretValue, kDescribeSecret, kPutSecretValue, kUpdateStage, kRandom };

  // Creates `id` with one version (AWSCURRENT) holding `secret_string`; returns its version id.
  std::string AddSecret(std::string_view id, std::string_view secret_string,
                        bool rotation_enabled = true);
  void SetRotationEnabled(std::string_view id, bool enabled);
  // What RotateSecret does before createSecret: AWSPENDING on a new, valueless version `token`.
  void StagePending(std::string_view id, std::string_view token);
  // The next GetRandomPassword returns `password` (once), e.g. one full of quotes.
  void SetNextRandomPassword(std::string_view password);
  // The next call of `call` fails with `error` (once).
  void FailNext(Call call, Error error);

  // The version holding `stage`, or "".
  std::string VersionWithStage(std::string_view id, std::string_view stage) const;
  // The SecretString of the version holding `stage`, or nullopt.
  std::optional<std::string> ValueWithStage(std::string_view id, std::string_view stage) const;
  std::vector<std::string> StagesOf(std::string_view id, std::string_view version_id) const;
  size_t VersionCount(std::string_view id) const;
  int CallCount(Call call) const;

  Result<rotation::VersionValue> GetSecretValue(std::string_view secret_id,
                                                std::string_view version_id,
                                                std::string_view version_stage) override;
  Result<rotation::SecretInfo> DescribeSecret(std::string_view secret_id) override;
  Result<void> PutSecretValue(std::string_view secret_id, std::string_view client_request_token,
                              const SecretBytes& secret_string,
                              const std::vector<std::string>& version_stages) override;
  Result<void> UpdateSecretVersionStage(std::string_view secret_id, std::string_view stage,
                                        std::string_view move_to_version_id,
                                        std::string_view remove_from_version_id) override;
  Result<SecretBytes> GetRandomPassword(const PasswordRequest& request) override;

 private:
  struct Version {
    std::optional<std::string> value;
    std::vector<std::string> stages;
  };
  struct Secret {
    std::string arn;
    bool rotation_enabled = true;
    std::map<std::string, Version> versions;
    int next_version = 1;
  };

  Secret* Find(std::string_view id) COFFER_REQUIRES(mu_);
  const Secret* Find(std::string_view id) const COFFER_REQUIRES(mu_);
  // Counts the call and returns the injected failure, if any.
  std::optional<Error> Enter(Call call) COFFER_REQUIRES(mu_);
  // Puts `stage` on `version_id` alone; AWSCURRENT's old holder becomes AWSPREVIOUS.
  static void AttachStage(Secret& secret, const std::string& version_id, const std::string& stage);

  mutable std::mutex mu_;
  std::map<std::string, Secret, std::less<>> secrets_ COFFER_GUARDED_BY(mu_);
  std::map<Call, Error> failures_ COFFER_GUARDED_BY(mu_);
  std::map<Call, int> calls_ COFFER_GUARDED_BY(mu_);
  std::optional<std::string> next_password_ COFFER_GUARDED_BY(mu_);
  uint64_t random_state_ COFFER_GUARDED_BY(mu_) = 0x9e3779b97f4a7c15ULL;
};

}  // namespace coffer::rotation_functions::testing

#endif  // COFFER_ROTATION_FUNCTIONS_TESTING_FAKE_SECRETS_ACCESS_H_
