// Fuzzes the JWT parser and the unverified-issuer lookup with arbitrary token bytes: every input
// must end in a parsed token or kInvalidArgument, never a crash or a hang.
#include <cstdint>
#include <string_view>

#include "base/check.h"
#include "core/identity/web_identity.h"
#include "oidc/jwt.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view token(reinterpret_cast<const char*>(data), size);
  auto jwt = coffer::oidc::ParseJwt(token);
  if (jwt.has_value()) {
    // What was signed is a prefix of the token, and only tokens within the cap parse.
    COFFER_CHECK(token.starts_with(jwt->signing_input), "signing input is not the token's prefix");
    COFFER_CHECK(size <= coffer::oidc::kMaxJwtBytes, "an oversized token parsed");
    COFFER_CHECK(!jwt->signature.empty(), "an unsigned token parsed");
  } else {
    COFFER_CHECK(jwt.error().code == coffer::ErrorCode::kInvalidArgument, "unexpected error code");
    COFFER_CHECK(jwt.error().reason == coffer::identity::reason::kInvalidIdentityToken,
                 "unexpected error reason");
  }
  return 0;
}
