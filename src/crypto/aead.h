#ifndef COFFER_CRYPTO_AEAD_H_
#define COFFER_CRYPTO_AEAD_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "base/result.h"
#include "base/secret_bytes.h"

namespace coffer::crypto {

// AES-256-GCM with a 96-bit nonce and a 128-bit tag. Implementations are thread-safe.
class Aead {
 public:
  static constexpr size_t kKeySize = 32;
  static constexpr size_t kNonceSize = 12;
  static constexpr size_t kTagSize = 16;

  virtual ~Aead() = default;

  // Returns ciphertext || tag. kInvalidArgument on a wrong key or nonce size.
  virtual Result<std::string> Seal(std::span<const uint8_t> key, std::span<const uint8_t> nonce,
                                   std::string_view plaintext, std::string_view aad) const = 0;
  // Takes ciphertext || tag. kDataLoss when authentication fails (wrong key, AAD, or tampering).
  virtual Result<SecretBytes> Open(std::span<const uint8_t> key, std::span<const uint8_t> nonce,
                                   std::string_view ciphertext_and_tag,
                                   std::string_view aad) const = 0;
};

}  // namespace coffer::crypto

#endif  // COFFER_CRYPTO_AEAD_H_
