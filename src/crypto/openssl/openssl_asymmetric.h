#ifndef COFFER_CRYPTO_OPENSSL_OPENSSL_ASYMMETRIC_H_
#define COFFER_CRYPTO_OPENSSL_OPENSSL_ASYMMETRIC_H_

#include <openssl/evp.h>

#include "crypto/asymmetric.h"
#include "crypto/openssl/ssl_ptr.h"

namespace coffer::crypto {

// RSA and ECC key pairs, signatures, RSA-OAEP and HMAC through OpenSSL 3's EVP API, with AWS KMS's
// parameters: PSS salt length equals the digest length, MGF1 uses the signature or OAEP hash, and
// ECDSA signatures are DER. Every key must be one of the KeyPairSpec sizes or curves (named-curve
// encoding), and an ECDSA hash must be the one KMS pairs with the curve (SHA-256 for P-256 and
// secp256k1, SHA-384 for P-384, SHA-512 for P-521); anything else is kInvalidArgument. HMAC is
// fetched once; all other state is per call, so the class is thread-safe. Each call leaves the
// calling thread's OpenSSL error queue empty.
class OpensslAsymmetric final : public Asymmetric {
 public:
  OpensslAsymmetric();

  Result<SecretBytes> GenerateKeyPair(KeyPairSpec spec) override;
  Result<std::string> PublicKeyDer(const SecretBytes& private_pkcs8) override;
  Result<std::string> Sign(const SecretBytes& private_pkcs8, SigningAlgorithm algorithm,
                           std::string_view message, bool is_digest) override;
  Result<bool> Verify(std::string_view public_spki_der, SigningAlgorithm algorithm,
                      std::string_view message, bool is_digest,
                      std::string_view signature) override;
  Result<std::string> RsaEncrypt(std::string_view public_spki_der, RsaPadding padding,
                                 std::string_view plaintext) override;
  Result<SecretBytes> RsaDecrypt(const SecretBytes& private_pkcs8, RsaPadding padding,
                                 std::string_view ciphertext) override;
  Result<std::string> Mac(std::span<const uint8_t> key, MacAlgorithm algorithm,
                          std::string_view message) override;
  // Also checks that the key's private and public halves belong together (for RSA this tests the
  // primes, tens of milliseconds for 4096 bits): meant for imported keys, not for every operation.
  Result<KeyPairSpec> SpecOf(const SecretBytes& private_pkcs8) override;

 private:
  SslPtr<EVP_MAC> hmac_;
};

}  // namespace coffer::crypto

#endif  // COFFER_CRYPTO_OPENSSL_OPENSSL_ASYMMETRIC_H_
