#ifndef COFFER_AUDIT_TRAIL_TESTING_ECDSA_TEST_SIGNER_H_
#define COFFER_AUDIT_TRAIL_TESTING_ECDSA_TEST_SIGNER_H_

#include <atomic>
#include <memory>
#include <string>

#include "audit_trail/digest.h"
#include "base/check.h"
#include "crypto/openssl/openssl_asymmetric.h"

namespace coffer::audit_trail::testing {

// A DigestSigner over an in-memory P-256 key (what the server does with a KMS key), for tests.
// set_failing(true) makes Sign fail like an unreachable KMS. Thread-safe.
class EcdsaTestSigner final : public DigestSigner {
 public:
  EcdsaTestSigner() {
    Result<SecretBytes> key = asymmetric_.GenerateKeyPair(crypto::KeyPairSpec::kEccNistP256);
    COFFER_CHECK(key.has_value(), "test key generation");
    key_ = std::move(key).value();
  }

  Result<std::string> Sign(std::string_view message) override {
    if (failing_.load()) return UnavailableError("the signing key is unavailable");
    signatures_.fetch_add(1);
    return asymmetric_.Sign(key_, crypto::SigningAlgorithm::kEcdsaSha256, message, false);
  }
  std::string key_arn() const override {
    return "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
  }
  std::string algorithm() const override { return "ECDSA_SHA_256"; }

  std::string PublicKeyDer() {
    Result<std::string> der = asymmetric_.PublicKeyDer(key_);
    COFFER_CHECK(der.has_value(), "test public key");
    return *der;
  }
  std::unique_ptr<PublicKeyDigestVerifier> Verifier() {
    auto v = PublicKeyDigestVerifier::Create(PublicKeyDer(), asymmetric_);
    COFFER_CHECK(v.has_value(), "test verifier");
    return std::move(v).value();
  }
  crypto::OpensslAsymmetric& asymmetric() { return asymmetric_; }
  void set_failing(bool failing) { failing_.store(failing); }
  int signatures() const { return signatures_.load(); }

 private:
  crypto::OpensslAsymmetric asymmetric_;
  SecretBytes key_;
  std::atomic<bool> failing_{false};
  std::atomic<int> signatures_{0};
};

}  // namespace coffer::audit_trail::testing

#endif  // COFFER_AUDIT_TRAIL_TESTING_ECDSA_TEST_SIGNER_H_
