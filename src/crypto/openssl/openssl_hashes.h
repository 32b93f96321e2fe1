#ifndef COFFER_CRYPTO_OPENSSL_OPENSSL_HASHES_H_
#define COFFER_CRYPTO_OPENSSL_OPENSSL_HASHES_H_

#include <openssl/evp.h>

#include "crypto/hashes.h"
#include "crypto/openssl/ssl_ptr.h"

namespace coffer::crypto {

// SHA-256 and HMAC-SHA-256 through EVP, with the algorithms fetched once (OpenSSL 3's implicit
// fetch per call costs more than the hash of a small message). Thread-safe.
class OpensslHashes final : public Hashes {
 public:
  OpensslHashes();
  Sha256Digest Sha256(std::string_view data) const override;
  Sha256Digest HmacSha256(std::span<const uint8_t> key, std::string_view data) const override;
  using Hashes::HmacSha256;

 private:
  SslPtr<EVP_MD> sha256_;
  SslPtr<EVP_MAC> hmac_;
};

}  // namespace coffer::crypto

#endif  // COFFER_CRYPTO_OPENSSL_OPENSSL_HASHES_H_
