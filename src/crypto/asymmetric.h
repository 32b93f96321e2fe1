#ifndef COFFER_CRYPTO_ASYMMETRIC_H_
#define COFFER_CRYPTO_ASYMMETRIC_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "base/result.h"
#include "base/secret_bytes.h"

namespace coffer::crypto {

// Key pair specs of AWS KMS (KeySpec / DataKeyPairSpec).
enum class KeyPairSpec {
  kRsa2048,
  kRsa3072,
  kRsa4096,
  kEccNistP256,
  kEccNistP384,
  kEccNistP521,
  kEccSecgP256k1,
};

// AWS KMS SigningAlgorithmSpec.
enum class SigningAlgorithm {
  kRsassaPssSha256,
  kRsassaPssSha384,
  kRsassaPssSha512,
  kRsassaPkcs1V15Sha256,
  kRsassaPkcs1V15Sha384,
  kRsassaPkcs1V15Sha512,
  kEcdsaSha256,
  kEcdsaSha384,
  kEcdsaSha512,
};

// AWS KMS EncryptionAlgorithmSpec for RSA keys.
enum class RsaPadding { kOaepSha1, kOaepSha256 };

// AWS KMS MacAlgorithmSpec.
enum class MacAlgorithm { kHmacSha224, kHmacSha256, kHmacSha384, kHmacSha512 };

// Asymmetric keys and MACs. Private keys travel as PKCS#8 DER in SecretBytes; public keys as
// X.509 SubjectPublicKeyInfo DER (what KMS GetPublicKey returns). Errors: kInvalidArgument for a
// malformed key, a key of the wrong type for the algorithm, or input too long for it.
// Implementations are thread-safe.
class Asymmetric {
 public:
  virtual ~Asymmetric() = default;

  virtual Result<SecretBytes> GenerateKeyPair(KeyPairSpec spec) = 0;
  virtual Result<std::string> PublicKeyDer(const SecretBytes& private_pkcs8) = 0;

  // `message` is the message, or (when is_digest) its digest under the algorithm's hash, which
  // must then have exactly that hash's length. ECDSA signatures are DER-encoded (as in KMS).
  virtual Result<std::string> Sign(const SecretBytes& private_pkcs8, SigningAlgorithm algorithm,
                                   std::string_view message, bool is_digest) = 0;
  // False for a signature that does not verify (not an error).
  virtual Result<bool> Verify(std::string_view public_spki_der, SigningAlgorithm algorithm,
                              std::string_view message, bool is_digest,
                              std::string_view signature) = 0;

  // RSA-OAEP (MGF1 with the same hash as the OAEP digest, as KMS uses).
  virtual Result<std::string> RsaEncrypt(std::string_view public_spki_der, RsaPadding padding,
                                         std::string_view plaintext) = 0;
  // kDataLoss when the ciphertext does not decrypt.
  virtual Result<SecretBytes> RsaDecrypt(const SecretBytes& private_pkcs8, RsaPadding padding,
                                         std::string_view ciphertext) = 0;

  virtual Result<std::string> Mac(std::span<const uint8_t> key, MacAlgorithm algorithm,
                                  std::string_view message) = 0;

  // The key pair spec of a PKCS#8 private key (what it really is, for safety checks).
  virtual Result<KeyPairSpec> SpecOf(const SecretBytes& private_pkcs8) = 0;
};

}  // namespace coffer::crypto

#endif  // COFFER_CRYPTO_ASYMMETRIC_H_
