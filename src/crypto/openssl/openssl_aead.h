#ifndef COFFER_CRYPTO_OPENSSL_OPENSSL_AEAD_H_
#define COFFER_CRYPTO_OPENSSL_OPENSSL_AEAD_H_

#include <openssl/evp.h>

#include "crypto/aead.h"
#include "crypto/openssl/ssl_ptr.h"

namespace coffer::crypto {

// AES-256-GCM through EVP. The cipher is fetched once; contexts are per call. Thread-safe.
class OpensslAead final : public Aead {
 public:
  OpensslAead();
  Result<std::string> Seal(std::span<const uint8_t> key, std::span<const uint8_t> nonce,
                           std::string_view plaintext, std::string_view aad) const override;
  Result<SecretBytes> Open(std::span<const uint8_t> key, std::span<const uint8_t> nonce,
                           std::string_view ciphertext_and_tag,
                           std::string_view aad) const override;

 private:
  SslPtr<EVP_CIPHER> cipher_;
};

}  // namespace coffer::crypto

#endif  // COFFER_CRYPTO_OPENSSL_OPENSSL_AEAD_H_
