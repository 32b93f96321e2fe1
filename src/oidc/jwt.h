#ifndef COFFER_OIDC_JWT_H_
#define COFFER_OIDC_JWT_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace coffer::oidc {

// The JWS algorithms (RFC 7518 section 3.1) that OIDC ID tokens may be signed with here.
// "none", the HMAC algorithms and everything else are refused when a token is parsed.
enum class JwsAlgorithm { kRs256, kRs384, kRs512, kEs256, kEs384 };

std::optional<JwsAlgorithm> JwsAlgorithmFromName(std::string_view name);
std::string_view JwsAlgorithmName(JwsAlgorithm alg);

// The largest token accepted, in bytes (STS allows WebIdentityToken up to 20000 characters).
inline constexpr size_t kMaxJwtBytes = 20000;

// The registered claims of a JWT (RFC 7519 section 4.1) that OIDC uses. NumericDates are seconds
// since the epoch, a fractional part truncated.
struct JwtClaims {
  std::optional<std::string> issuer;         // iss
  std::optional<std::string> subject;        // sub
  std::vector<std::string> audiences;        // aud, a string or an array of strings
  std::optional<int64_t> expires;            // exp
  std::optional<int64_t> not_before;         // nbf
  std::optional<int64_t> issued_at;          // iat
  std::map<std::string, std::string> other;  // every other top-level claim that is a string
};

// A JWS in compact serialization, parsed but NOT verified.
struct Jwt {
  JwsAlgorithm alg = JwsAlgorithm::kRs256;
  std::optional<std::string> kid;  // absent when the header has none (or an empty one)
  std::optional<std::string> typ;
  JwtClaims claims;
  std::string signing_input;  // "<header>.<payload>" exactly as received: what was signed
  std::string signature;      // decoded
};

// Parses a JWS compact serialization "<header>.<payload>.<signature>", each part unpadded
// base64url (RFC 7515 section 7.1). The header and payload must be JSON objects (valid UTF-8,
// no duplicate member names); the header must name a supported `alg` and must not carry `crit`
// (no extensions are understood); iss, sub and each aud must be strings and exp, nbf and iat
// numbers when present. Tokens longer than kMaxJwtBytes are refused before any decoding. Header
// parameters that point at keys (jku, jwk, x5u, x5c) are ignored: keys come only from the
// provider. Error: kInvalidArgument with reason identity::reason::kInvalidIdentityToken; the
// message never quotes the token. Thread-safe (a pure function).
Result<Jwt> ParseJwt(std::string_view token);

}  // namespace coffer::oidc

#endif  // COFFER_OIDC_JWT_H_
