#ifndef COFFER_CRYPTO_GFSHARE_GFSHARE_SECRET_SHARING_H_
#define COFFER_CRYPTO_GFSHARE_GFSHARE_SECRET_SHARING_H_

#include <string>
#include <vector>

#include "base/result.h"
#include "base/secret_bytes.h"
#include "crypto/random.h"
#include "crypto/shamir.h"

namespace coffer::crypto {

// Shamir's secret sharing with libgfshare (GF(2^8), the same field and polynomial as gfsplit(1)).
// Shares are numbered x = 1..N (x = 0 would be the secret itself); each SecretBytes share is the
// x byte followed by one byte per secret byte. The polynomial coefficients come from `random`,
// which must outlive this object. Thread-safe: libgfshare's random hook is a process-wide global,
// so Split() holds a process-wide lock while it runs.
class GfshareSecretSharing final : public SecretSharing {
 public:
  explicit GfshareSecretSharing(Random& random) : random_(random) {}

  Result<std::vector<SecretBytes>> Split(const SecretBytes& secret, int shares,
                                         int threshold) override;
  Result<SecretBytes> Combine(const std::vector<SecretBytes>& shares) override;

 private:
  Random& random_;
};

// The text form of a share for humans: RFC 4648 base64 (with padding) of the x byte followed by
// the share bytes. For a 32-byte root key that is 44 characters, e.g. "AQ...=".
std::string EncodeShareText(const SecretBytes& share);
// kInvalidArgument when `text` is not base64, too short, or has x = 0. Surrounding whitespace is
// ignored.
Result<SecretBytes> DecodeShareText(std::string_view text);

}  // namespace coffer::crypto

#endif  // COFFER_CRYPTO_GFSHARE_GFSHARE_SECRET_SHARING_H_
