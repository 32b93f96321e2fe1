#ifndef COFFER_CRYPTO_SHAMIR_H_
#define COFFER_CRYPTO_SHAMIR_H_

#include <string>
#include <vector>

#include "base/result.h"
#include "base/secret_bytes.h"
#include "crypto/random.h"

namespace coffer::crypto {

// Shamir's secret sharing over GF(2^8) (each share: a one-byte x coordinate, then one byte per
// secret byte). Any `threshold` distinct shares rebuild the secret; fewer reveal nothing.
// kInvalidArgument: shares < threshold, threshold < 2, shares > 255, or malformed shares.
class SecretSharing {
 public:
  virtual ~SecretSharing() = default;
  virtual Result<std::vector<SecretBytes>> Split(const SecretBytes& secret, int shares,
                                                 int threshold) = 0;
  // Combines shares (at least the threshold; the caller checks the result, e.g. by opening the
  // keyring, because wrong shares combine to a wrong secret without an error).
  virtual Result<SecretBytes> Combine(const std::vector<SecretBytes>& shares) = 0;
};

}  // namespace coffer::crypto

#endif  // COFFER_CRYPTO_SHAMIR_H_
