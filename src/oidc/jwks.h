#ifndef COFFER_OIDC_JWKS_H_
#define COFFER_OIDC_JWKS_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "oidc/jwt.h"

namespace coffer::oidc {

enum class JwkType { kRsa, kEcP256, kEcP384 };

// A public signing key from a JWK Set, its parameters base64url-decoded (RFC 7518 section 6).
struct Jwk {
  std::string kid;                  // "" when absent
  std::optional<JwsAlgorithm> alg;  // when the JWK restricts itself to one algorithm
  JwkType type = JwkType::kRsa;
  std::string n, e;  // RSA
  std::string x, y;  // EC

  // Whether a token signed with `a` may be checked with this key (key type, curve and alg).
  bool Fits(JwsAlgorithm a) const;
};

// Keys beyond this many in one set are ignored (a JWKS rarely holds more than a handful).
inline constexpr size_t kMaxJwksKeys = 100;

// Parses a JWK Set {"keys": [...]}. Keys that cannot verify RS256/RS384/RS512/ES256/ES384
// signatures are skipped, not fatal: other key types ("oct", "OKP") and curves, `use` other than
// "sig", an `alg` outside that list, private keys (a `d` member: a publisher that leaks its
// private key must not be trusted for it), and keys with missing or malformed members. Their
// number is added to `*skipped` when given. The key material itself (on the curve, RSA sizes) is
// checked later, when the key is built (crypto::JoseCodec).
// Errors: kInvalidArgument when the text is not a JSON object with a "keys" array.
// Thread-safe (a pure function).
Result<std::vector<Jwk>> ParseJwks(std::string_view json, size_t* skipped = nullptr);

}  // namespace coffer::oidc

#endif  // COFFER_OIDC_JWKS_H_
