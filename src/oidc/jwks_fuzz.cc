// Fuzzes the JWKS parser, and turning what it accepts into keys, with arbitrary documents (they
// come from issuers' servers or operators' uploads): no crash, no hang, bounded key count.
#include <cstdint>
#include <string_view>

#include "base/check.h"
#include "crypto/openssl/openssl_jose_codec.h"
#include "oidc/jwks.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const coffer::crypto::OpensslJoseCodec kCodec;
  std::string_view json(reinterpret_cast<const char*>(data), size);
  size_t skipped = 0;
  auto jwks = coffer::oidc::ParseJwks(json, &skipped);
  if (!jwks.has_value()) return 0;
  COFFER_CHECK(jwks->size() <= coffer::oidc::kMaxJwksKeys, "too many keys");
  for (const coffer::oidc::Jwk& key : *jwks) {
    switch (key.type) {
      case coffer::oidc::JwkType::kRsa:
        (void)kCodec.RsaPublicKeyDer(key.n, key.e);
        break;
      case coffer::oidc::JwkType::kEcP256:
        (void)kCodec.EcPublicKeyDer(coffer::crypto::KeyPairSpec::kEccNistP256, key.x, key.y);
        break;
      case coffer::oidc::JwkType::kEcP384:
        (void)kCodec.EcPublicKeyDer(coffer::crypto::KeyPairSpec::kEccNistP384, key.x, key.y);
        break;
    }
  }
  return 0;
}
