#ifndef COFFER_SERVER_AUDIT_WIRING_H_
#define COFFER_SERVER_AUDIT_WIRING_H_

#include <mutex>
#include <string>
#include <string_view>

#include "audit_trail/digest.h"
#include "base/clock.h"
#include "core/audit/audit_event.h"
#include "core/common/account.h"
#include "core/keys/key_service.h"
#include "crypto/random.h"

namespace coffer::server {

// The KMS key that signs audit digests: alias/coffer/audit-digest, an ECC_NIST_P256 SIGN_VERIFY
// customer key, created the first time a digest is signed (the keyring must be unsealed; until
// then Sign fails and the trail retries later). Its public key verifies the trail:
// `aws kms get-public-key --key-id alias/coffer/audit-digest`. Thread-safe.
class KmsDigestSigner final : public audit_trail::DigestSigner {
 public:
  static constexpr std::string_view kAlias = "alias/coffer/audit-digest";

  explicit KmsDigestSigner(keys::KeyService& keys) : keys_(keys) {}

  Result<std::string> Sign(std::string_view message) override;
  std::string key_arn() const override;
  std::string algorithm() const override { return "ECDSA_SHA_256"; }

  // The signing key's public key (SubjectPublicKeyInfo DER), creating the key if needed.
  Result<std::string> PublicKey();

 private:
  Result<keys::Key> EnsureKey() const;

  keys::KeyService& keys_;
  mutable std::mutex mu_;
  mutable std::string key_arn_;
};

// An event for work Coffer does by itself (eventType AwsServiceEvent, userIdentity AWSService):
// e.g. `service` "secretsmanager", `name` "DeleteSecret" for a secret purged after its recovery
// window, or "kms", "RotateKey".
audit::Event ServiceEvent(std::string_view service, std::string_view name, std::string arn,
                          std::string_view resource_type, const core::Account& account,
                          Timestamp now, crypto::Random& random);

}  // namespace coffer::server

#endif  // COFFER_SERVER_AUDIT_WIRING_H_
