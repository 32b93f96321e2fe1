#ifndef COFFER_CRYPTO_HASHES_H_
#define COFFER_CRYPTO_HASHES_H_

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

namespace coffer::crypto {

using Sha256Digest = std::array<uint8_t, 32>;

// SHA-256 and HMAC-SHA-256. Implementations are thread-safe.
class Hashes {
 public:
  virtual ~Hashes() = default;
  virtual Sha256Digest Sha256(std::string_view data) const = 0;
  virtual Sha256Digest HmacSha256(std::span<const uint8_t> key, std::string_view data) const = 0;

  Sha256Digest HmacSha256(std::string_view key, std::string_view data) const {
    return HmacSha256(
        std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(key.data()), key.size()), data);
  }
};

}  // namespace coffer::crypto

#endif  // COFFER_CRYPTO_HASHES_H_
