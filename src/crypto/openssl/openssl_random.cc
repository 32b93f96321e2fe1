#include "crypto/openssl/openssl_random.h"

#include <openssl/rand.h>

#include <climits>

#include "base/check.h"

namespace coffer::crypto {

void OpensslRandom::Fill(std::span<uint8_t> out) {
  size_t done = 0;
  while (done < out.size()) {
    size_t chunk = std::min<size_t>(out.size() - done, INT_MAX);
    COFFER_CHECK(RAND_bytes(out.data() + done, static_cast<int>(chunk)) == 1,
                 "the OpenSSL random generator failed");
    done += chunk;
  }
}

}  // namespace coffer::crypto
