#include "oidc/jwt.h"

#include <cmath>

#include "base/encoding.h"
#include "core/identity/web_identity.h"
#include "oidc/internal/json.h"

namespace coffer::oidc {
namespace {

// NumericDates later than 9999-12-31 are refused: nothing legitimate needs them, and the bound
// keeps every later conversion to milliseconds far from overflow.
constexpr int64_t kMaxNumericDate = 253402300799;

Error Malformed(std::string what) {
  return InvalidArgumentError("the web identity token is malformed: " + std::move(what),
                              identity::reason::kInvalidIdentityToken);
}

// Strict base64url: the URL-safe alphabet only, no padding, canonical trailing bits.
std::optional<std::string> DecodeSegment(std::string_view s) {
  if (s.find('=') != std::string_view::npos) return std::nullopt;
  return Base64UrlDecode(s);
}

Result<std::optional<int64_t>> NumericDate(const rapidjson::Value& object, const char* name) {
  auto it = object.FindMember(name);
  if (it == object.MemberEnd()) return std::optional<int64_t>();
  const rapidjson::Value& v = it->value;
  if (v.IsInt64()) {
    int64_t t = v.GetInt64();
    if (t < 0 || t > kMaxNumericDate) return Malformed(std::string(name) + " is out of range");
    return std::optional<int64_t>(t);
  }
  if (v.IsNumber()) {
    double d = v.GetDouble();
    // Also false for NaN (RapidJSON does not produce it, but the cast below must never see it).
    if (!(d >= 0 && d <= static_cast<double>(kMaxNumericDate))) {
      return Malformed(std::string(name) + " is out of range");
    }
    return std::optional<int64_t>(static_cast<int64_t>(std::floor(d)));
  }
  return Malformed(std::string(name) + " is not a number");
}

Result<JwtClaims> ParseClaims(const rapidjson::Value& payload) {
  JwtClaims claims;
  bool wrong_type = false;
  claims.issuer = internal::StringMember(payload, "iss", &wrong_type);
  claims.subject = internal::StringMember(payload, "sub", &wrong_type);
  if (wrong_type) return Malformed("iss and sub must be strings");
  if (auto it = payload.FindMember("aud"); it != payload.MemberEnd()) {
    if (it->value.IsString()) {
      claims.audiences.emplace_back(it->value.GetString(), it->value.GetStringLength());
    } else if (it->value.IsArray()) {
      for (const auto& a : it->value.GetArray()) {
        if (!a.IsString()) return Malformed("aud must be a string or an array of strings");
        claims.audiences.emplace_back(a.GetString(), a.GetStringLength());
      }
    } else {
      return Malformed("aud must be a string or an array of strings");
    }
  }
  COFFER_ASSIGN_OR_RETURN(claims.expires, NumericDate(payload, "exp"));
  COFFER_ASSIGN_OR_RETURN(claims.not_before, NumericDate(payload, "nbf"));
  COFFER_ASSIGN_OR_RETURN(claims.issued_at, NumericDate(payload, "iat"));
  for (const auto& m : payload.GetObject()) {
    std::string_view name(m.name.GetString(), m.name.GetStringLength());
    if (name == "iss" || name == "sub" || name == "aud" || name == "exp" || name == "nbf" ||
        name == "iat" || !m.value.IsString()) {
      continue;
    }
    claims.other.emplace(std::string(name),
                         std::string(m.value.GetString(), m.value.GetStringLength()));
  }
  return claims;
}

}  // namespace

std::optional<JwsAlgorithm> JwsAlgorithmFromName(std::string_view name) {
  if (name == "RS256") return JwsAlgorithm::kRs256;
  if (name == "RS384") return JwsAlgorithm::kRs384;
  if (name == "RS512") return JwsAlgorithm::kRs512;
  if (name == "ES256") return JwsAlgorithm::kEs256;
  if (name == "ES384") return JwsAlgorithm::kEs384;
  return std::nullopt;
}

std::string_view JwsAlgorithmName(JwsAlgorithm alg) {
  switch (alg) {
    case JwsAlgorithm::kRs256:
      return "RS256";
    case JwsAlgorithm::kRs384:
      return "RS384";
    case JwsAlgorithm::kRs512:
      return "RS512";
    case JwsAlgorithm::kEs256:
      return "ES256";
    case JwsAlgorithm::kEs384:
      return "ES384";
  }
  return "";
}

Result<Jwt> ParseJwt(std::string_view token) {
  if (token.size() > kMaxJwtBytes) return Malformed("it is too long");
  size_t dot1 = token.find('.');
  size_t dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return Malformed("it is not a JWS in compact serialization");
  }
  std::optional<std::string> header_json = DecodeSegment(token.substr(0, dot1));
  std::optional<std::string> payload_json = DecodeSegment(token.substr(dot1 + 1, dot2 - dot1 - 1));
  std::optional<std::string> signature = DecodeSegment(token.substr(dot2 + 1));
  if (!header_json || !payload_json || !signature) return Malformed("bad base64url");
  if (signature->empty()) return Malformed("it is not signed");

  Jwt jwt;
  rapidjson::Document header;
  if (!internal::ParseJsonObject(*header_json, header)) {
    return Malformed("the header is not a JSON object");
  }
  bool wrong_type = false;
  std::optional<std::string> alg = internal::StringMember(header, "alg", &wrong_type);
  std::optional<std::string> kid = internal::StringMember(header, "kid", &wrong_type);
  jwt.typ = internal::StringMember(header, "typ", &wrong_type);
  if (wrong_type) return Malformed("alg, kid and typ must be strings");
  if (!alg) return Malformed("the header has no alg");
  std::optional<JwsAlgorithm> algorithm = JwsAlgorithmFromName(*alg);
  if (!algorithm) {
    return Malformed("unsupported alg (RS256, RS384, RS512, ES256 and ES384 are accepted)");
  }
  jwt.alg = *algorithm;
  // RFC 7515 section 4.1.11: a recipient that does not understand a listed extension must
  // reject the JWS, and none are understood here.
  if (header.HasMember("crit")) return Malformed("crit header extensions are not supported");
  if (kid && !kid->empty()) jwt.kid = std::move(kid);

  rapidjson::Document payload;
  if (!internal::ParseJsonObject(*payload_json, payload)) {
    return Malformed("the claims are not a JSON object");
  }
  COFFER_ASSIGN_OR_RETURN(jwt.claims, ParseClaims(payload));
  jwt.signing_input = std::string(token.substr(0, dot2));
  jwt.signature = std::move(*signature);
  return jwt;
}

}  // namespace coffer::oidc
