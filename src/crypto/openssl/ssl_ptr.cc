#include "crypto/openssl/ssl_ptr.h"

#include <openssl/err.h>

namespace coffer::crypto {

std::string LastOpensslError() {
  std::string out;
  unsigned long e;  // NOLINT(google-runtime-int): OpenSSL's type
  char buf[256];
  while ((e = ERR_get_error()) != 0) {
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out;
}

}  // namespace coffer::crypto
