#ifndef COFFER_CRYPTO_OPENSSL_OPENSSL_JOSE_CODEC_H_
#define COFFER_CRYPTO_OPENSSL_OPENSSL_JOSE_CODEC_H_

#include "crypto/jose_codec.h"

namespace coffer::crypto {

// JoseCodec through OpenSSL 3's EVP_PKEY_fromdata and ECDSA_SIG. Stateless, so thread-safe; each
// call leaves the calling thread's OpenSSL error queue empty.
class OpensslJoseCodec final : public JoseCodec {
 public:
  Result<std::string> RsaPublicKeyDer(std::string_view n, std::string_view e) const override;
  Result<std::string> EcPublicKeyDer(KeyPairSpec curve, std::string_view x,
                                     std::string_view y) const override;
  Result<RawPublicKey> RawPublicKeyOf(std::string_view spki_der) const override;
  Result<std::string> EcdsaSignatureToDer(KeyPairSpec curve,
                                          std::string_view r_and_s) const override;
  Result<std::string> EcdsaSignatureToRaw(KeyPairSpec curve, std::string_view der) const override;
};

}  // namespace coffer::crypto

#endif  // COFFER_CRYPTO_OPENSSL_OPENSSL_JOSE_CODEC_H_
