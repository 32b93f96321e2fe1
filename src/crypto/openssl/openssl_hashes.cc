#include "crypto/openssl/openssl_hashes.h"

#include <openssl/core_names.h>
#include <openssl/params.h>

#include "base/check.h"

namespace coffer::crypto {

OpensslHashes::OpensslHashes()
    : sha256_(EVP_MD_fetch(nullptr, "SHA256", nullptr)),
      hmac_(EVP_MAC_fetch(nullptr, "HMAC", nullptr)) {
  COFFER_CHECK(sha256_ != nullptr && hmac_ != nullptr, "SHA-256/HMAC unavailable in OpenSSL");
}

Sha256Digest OpensslHashes::Sha256(std::string_view data) const {
  Sha256Digest out;
  unsigned int len = 0;
  COFFER_CHECK(EVP_Digest(data.data(), data.size(), out.data(), &len, sha256_.get(), nullptr) == 1,
               "SHA-256 failed");
  return out;
}

Sha256Digest OpensslHashes::HmacSha256(std::span<const uint8_t> key, std::string_view data) const {
  // One context per thread, re-initialised with each key: cheaper than creating one per call.
  thread_local SslPtr<EVP_MAC_CTX> ctx;
  thread_local const EVP_MAC* ctx_mac = nullptr;
  if (!ctx || ctx_mac != hmac_.get()) {
    ctx.reset(EVP_MAC_CTX_new(hmac_.get()));
    ctx_mac = hmac_.get();
    COFFER_CHECK(ctx != nullptr, "out of memory");
  }
  char digest_name[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
                         OSSL_PARAM_construct_end()};
  Sha256Digest out;
  size_t len = 0;
  COFFER_CHECK(EVP_MAC_init(ctx.get(), key.data(), key.size(), params) == 1 &&
                   EVP_MAC_update(ctx.get(), reinterpret_cast<const unsigned char*>(data.data()),
                                  data.size()) == 1 &&
                   EVP_MAC_final(ctx.get(), out.data(), &len, out.size()) == 1,
               "HMAC-SHA-256 failed");
  return out;
}

}  // namespace coffer::crypto
