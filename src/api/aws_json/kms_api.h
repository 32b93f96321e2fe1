#ifndef COFFER_API_AWS_JSON_KMS_API_H_
#define COFFER_API_AWS_JSON_KMS_API_H_

#include "api/aws_json/service.h"
#include "api/common/policy_cache.h"
#include "core/keys/key_service.h"

namespace coffer::api::aws_json {

// AWS KMS (X-Amz-Target "TrentService.<Op>", signing name "kms") over the keys domain.
// Thread-safe.
class KmsApi final : public Service {
 public:
  explicit KmsApi(keys::KeyService& keys) : keys_(keys) {}
  // Key policies are parsed (and validated by CreateKey/PutKeyPolicy) through this cache.
  // REQUIRES: set before serving when an authorizer is set on the protocol.
  void set_policy_cache(PolicyCache* cache) { policies_ = cache; }

  std::string_view target_prefix() const override { return "TrentService"; }
  std::string_view signing_name() const override { return "kms"; }
  std::span<const Operation> operations() const override;
  bool Implements(std::string_view operation) const override;
  bool MayBlock(std::string_view operation) const override;
  bool Deferrable(std::string_view /*operation*/) const override { return false; }
  Result<void> Invoke(std::string_view operation, Call& call) override;
  ApiError MapError(const Error& error) const override;

 private:
  using ConditionKeys = std::vector<std::pair<std::string, std::vector<std::string>>>;
  // Checks the caller's permission for `op` against the key policy and IAM policies.
  Result<void> AuthorizeCall(std::string_view op, Call& c);
  Result<void> AuthorizeKey(const CallContext& ctx, std::string_view action,
                            std::string_view key_ref, ConditionKeys keys);
  Result<void> ValidatePolicy(std::string_view policy) const;

  // Key management.
  Result<void> CreateKey(Call& c);
  Result<void> DescribeKey(Call& c);
  Result<void> ListKeys(Call& c);
  Result<void> UpdateKeyDescription(Call& c);
  Result<void> EnableKey(Call& c);
  Result<void> DisableKey(Call& c);
  Result<void> ScheduleKeyDeletion(Call& c);
  Result<void> CancelKeyDeletion(Call& c);
  Result<void> TagResource(Call& c);
  Result<void> UntagResource(Call& c);
  Result<void> ListResourceTags(Call& c);
  Result<void> GetKeyPolicy(Call& c);
  Result<void> PutKeyPolicy(Call& c);
  Result<void> ListKeyPolicies(Call& c);
  // Aliases.
  Result<void> CreateAlias(Call& c);
  Result<void> UpdateAlias(Call& c);
  Result<void> DeleteAlias(Call& c);
  Result<void> ListAliases(Call& c);
  // Rotation.
  Result<void> EnableKeyRotation(Call& c);
  Result<void> DisableKeyRotation(Call& c);
  Result<void> GetKeyRotationStatus(Call& c);
  Result<void> RotateKeyOnDemand(Call& c);
  Result<void> ListKeyRotations(Call& c);
  // Cryptography.
  Result<void> Encrypt(Call& c);
  Result<void> Decrypt(Call& c);
  Result<void> ReEncrypt(Call& c);
  Result<void> GenerateDataKey(Call& c, bool with_plaintext);
  Result<void> GenerateDataKeyPair(Call& c, bool with_plaintext);
  Result<void> GenerateRandom(Call& c);
  Result<void> Sign(Call& c);
  Result<void> Verify(Call& c);
  Result<void> GetPublicKey(Call& c);
  Result<void> GenerateMac(Call& c);
  Result<void> VerifyMac(Call& c);

  keys::KeyService& keys_;
  PolicyCache* policies_ = nullptr;
};

}  // namespace coffer::api::aws_json

#endif  // COFFER_API_AWS_JSON_KMS_API_H_
