#ifndef COFFER_CRYPTO_TESTING_FAKE_RANDOM_H_
#define COFFER_CRYPTO_TESTING_FAKE_RANDOM_H_

#include <atomic>
#include <cstdint>

#include "crypto/random.h"

namespace coffer::crypto::testing {

// Deterministic bytes (a counter through xorshift) for reproducible tests. Never secure.
class FakeRandom final : public Random {
 public:
  explicit FakeRandom(uint64_t seed = 1) : state_(seed == 0 ? 1 : seed) {}
  void Fill(std::span<uint8_t> out) override {
    for (auto& b : out) {
      uint64_t x = state_.load();
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      state_.store(x);
      b = static_cast<uint8_t>(x >> 24);
    }
  }

 private:
  std::atomic<uint64_t> state_;
};

}  // namespace coffer::crypto::testing

#endif  // COFFER_CRYPTO_TESTING_FAKE_RANDOM_H_
