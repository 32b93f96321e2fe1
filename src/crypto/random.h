#ifndef COFFER_CRYPTO_RANDOM_H_
#define COFFER_CRYPTO_RANDOM_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "base/secret_bytes.h"
#include "base/uuid.h"

namespace coffer::crypto {

// A cryptographically secure random source. Implementations are thread-safe.
class Random {
 public:
  virtual ~Random() = default;
  virtual void Fill(std::span<uint8_t> out) = 0;

  std::string Bytes(size_t n) {
    std::string s(n, '\0');
    Fill({reinterpret_cast<uint8_t*>(s.data()), n});
    return s;
  }
  SecretBytes Secret(size_t n) {
    SecretBytes s(n);
    Fill(s.mutable_span());
    return s;
  }
  std::string UuidV4() {
    UuidBytes b;
    Fill(b);
    return FormatUuidV4(b);
  }
  // Uniform in [0, bound), without modulo bias. REQUIRES: bound > 0.
  uint32_t Uniform(uint32_t bound) {
    uint32_t limit = UINT32_MAX - (UINT32_MAX % bound);
    while (true) {
      uint32_t v;
      Fill({reinterpret_cast<uint8_t*>(&v), sizeof v});
      if (v < limit) return v % bound;
    }
  }
  // `n` characters drawn uniformly from `alphabet`. REQUIRES: !alphabet.empty().
  std::string FromAlphabet(std::string_view alphabet, size_t n) {
    std::string out(n, '\0');
    for (char& c : out) c = alphabet[Uniform(static_cast<uint32_t>(alphabet.size()))];
    return out;
  }
};

}  // namespace coffer::crypto

#endif  // COFFER_CRYPTO_RANDOM_H_
