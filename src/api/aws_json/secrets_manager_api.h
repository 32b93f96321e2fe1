#ifndef COFFER_API_AWS_JSON_SECRETS_MANAGER_API_H_
#define COFFER_API_AWS_JSON_SECRETS_MANAGER_API_H_

#include "api/aws_json/service.h"
#include "core/secrets/secret_service.h"

namespace coffer::api::aws_json {

// AWS Secrets Manager (X-Amz-Target "secretsmanager.<Op>", signing name "secretsmanager") over
// the secrets domain. Thread-safe.
class SecretsManagerApi final : public Service {
 public:
  explicit SecretsManagerApi(secrets::SecretService& secrets) : secrets_(secrets) {}

  std::string_view target_prefix() const override { return "secretsmanager"; }
  std::string_view signing_name() const override { return "secretsmanager"; }
  std::span<const Operation> operations() const override;
  bool Implements(std::string_view operation) const override;
  bool MayBlock(std::string_view operation) const override;
  Result<void> Invoke(std::string_view operation, Call& call) override;
  ApiError MapError(const Error& error) const override;

 private:
  Result<void> CreateSecret(Call& c);
  Result<void> GetSecretValue(Call& c);
  Result<void> BatchGetSecretValue(Call& c);
  Result<void> DescribeSecret(Call& c);
  Result<void> ListSecrets(Call& c);
  Result<void> PutSecretValue(Call& c);
  Result<void> UpdateSecret(Call& c);
  Result<void> UpdateSecretVersionStage(Call& c);
  Result<void> ListSecretVersionIds(Call& c);
  Result<void> DeleteSecret(Call& c);
  Result<void> RestoreSecret(Call& c);
  Result<void> TagResource(Call& c);
  Result<void> UntagResource(Call& c);
  Result<void> GetRandomPassword(Call& c);

  secrets::SecretService& secrets_;
};

}  // namespace coffer::api::aws_json

#endif  // COFFER_API_AWS_JSON_SECRETS_MANAGER_API_H_
