#ifndef COFFER_CRYPTO_OPENSSL_OPENSSL_RANDOM_H_
#define COFFER_CRYPTO_OPENSSL_OPENSSL_RANDOM_H_

#include "crypto/random.h"

namespace coffer::crypto {

// RAND_bytes from OpenSSL's default (per-thread, CTR-DRBG) generator. Aborts if the generator
// fails: continuing without randomness would be worse than stopping.
class OpensslRandom final : public Random {
 public:
  void Fill(std::span<uint8_t> out) override;
};

}  // namespace coffer::crypto

#endif  // COFFER_CRYPTO_OPENSSL_OPENSSL_RANDOM_H_
