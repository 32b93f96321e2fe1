#ifndef COFFER_API_AWS_JSON_SECRETS_MANAGER_API_H_
#define COFFER_API_AWS_JSON_SECRETS_MANAGER_API_H_

#include "api/aws_json/service.h"
#include "api/common/policy_cache.h"
#include "core/secrets/secret_service.h"

namespace coffer::api::aws_json {

// AWS Secrets Manager (X-Amz-Target "secretsmanager.<Op>", signing name "secretsmanager") over
// the secrets domain. Thread-safe.
class SecretsManagerApi final : public Service {
 public:
  explicit SecretsManagerApi(secrets::SecretService& secrets) : secrets_(secrets) {}
  // Resource policies are parsed (and PutResourcePolicy validated) through this cache.
  // REQUIRES: set before serving when an authorizer is set on the protocol.
  void set_policy_cache(PolicyCache* cache) { policies_ = cache; }

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
  Result<void> GetResourcePolicy(Call& c);
  Result<void> PutResourcePolicy(Call& c);
  Result<void> DeleteResourcePolicy(Call& c);
  Result<void> ValidateResourcePolicy(Call& c);

  // Checks the caller's permission for `op` before it runs (GetSecretValue and
  // BatchGetSecretValue check each secret as they read it).
  Result<void> AuthorizeCall(std::string_view op, Call& c);
  Result<void> AuthorizeSecret(const CallContext& ctx, std::string_view action,
                               const secrets::Secret& secret,
                               std::vector<std::pair<std::string, std::vector<std::string>>> keys);
  // For a SecretId that names no secret: the decision on the ARN it would have.
  Result<void> AuthorizeMissing(const CallContext& ctx, std::string_view action,
                                std::string_view secret_id,
                                std::vector<std::pair<std::string, std::vector<std::string>>> keys);
  Result<policy::PolicyPtr> ResourcePolicy(const secrets::Secret& secret);

  secrets::SecretService& secrets_;
  PolicyCache* policies_ = nullptr;
};

}  // namespace coffer::api::aws_json

#endif  // COFFER_API_AWS_JSON_SECRETS_MANAGER_API_H_
