#include "oidc/jwks.h"

#include "base/encoding.h"
#include "oidc/internal/json.h"

namespace coffer::oidc {
namespace {

// RFC 7518 section 6 says base64url without padding; decoding with or without it costs nothing
// and keeps operator-uploaded sets made by other tools usable.
std::optional<std::string> Member(const rapidjson::Value& key, const char* name) {
  bool wrong_type = false;
  std::optional<std::string> b64 = internal::StringMember(key, name, &wrong_type);
  if (!b64 || b64->empty()) return std::nullopt;
  return Base64UrlDecode(*b64);
}

std::optional<Jwk> ParseKey(const rapidjson::Value& key) {
  if (!key.IsObject() || internal::HasDuplicateMembers(key) || key.HasMember("d")) {
    return std::nullopt;
  }
  bool wrong_type = false;
  std::optional<std::string> kty = internal::StringMember(key, "kty", &wrong_type);
  std::optional<std::string> kid = internal::StringMember(key, "kid", &wrong_type);
  std::optional<std::string> use = internal::StringMember(key, "use", &wrong_type);
  std::optional<std::string> alg = internal::StringMember(key, "alg", &wrong_type);
  if (wrong_type || !kty || (use && *use != "sig")) return std::nullopt;
  Jwk jwk;
  if (kid) jwk.kid = std::move(*kid);
  if (alg) {
    jwk.alg = JwsAlgorithmFromName(*alg);
    if (!jwk.alg) return std::nullopt;
  }
  if (*kty == "RSA") {
    std::optional<std::string> n = Member(key, "n"), e = Member(key, "e");
    if (!n || !e) return std::nullopt;
    jwk.type = JwkType::kRsa;
    jwk.n = std::move(*n);
    jwk.e = std::move(*e);
  } else if (*kty == "EC") {
    std::optional<std::string> crv = internal::StringMember(key, "crv", &wrong_type);
    std::optional<std::string> x = Member(key, "x"), y = Member(key, "y");
    if (!crv || !x || !y) return std::nullopt;
    if (*crv == "P-256") {
      jwk.type = JwkType::kEcP256;
    } else if (*crv == "P-384") {
      jwk.type = JwkType::kEcP384;
    } else {
      return std::nullopt;
    }
    jwk.x = std::move(*x);
    jwk.y = std::move(*y);
  } else {
    return std::nullopt;
  }
  // A key that announces an algorithm it cannot perform is unusable.
  if (jwk.alg && !jwk.Fits(*jwk.alg)) return std::nullopt;
  return jwk;
}

}  // namespace

bool Jwk::Fits(JwsAlgorithm a) const {
  if (alg && *alg != a) return false;
  switch (a) {
    case JwsAlgorithm::kRs256:
    case JwsAlgorithm::kRs384:
    case JwsAlgorithm::kRs512:
      return type == JwkType::kRsa;
    case JwsAlgorithm::kEs256:
      return type == JwkType::kEcP256;
    case JwsAlgorithm::kEs384:
      return type == JwkType::kEcP384;
  }
  return false;
}

Result<std::vector<Jwk>> ParseJwks(std::string_view json, size_t* skipped) {
  rapidjson::Document doc;
  if (!internal::ParseJsonObject(json, doc)) {
    return InvalidArgumentError("the JWKS is not a JSON object");
  }
  const rapidjson::Value& root = doc;
  auto keys = root.FindMember("keys");
  if (keys == root.MemberEnd() || !keys->value.IsArray()) {
    return InvalidArgumentError("the JWKS has no \"keys\" array");
  }
  std::vector<Jwk> out;
  size_t ignored = 0;
  for (const auto& key : keys->value.GetArray()) {
    std::optional<Jwk> jwk;
    if (out.size() + ignored < kMaxJwksKeys) jwk = ParseKey(key);
    if (jwk) {
      out.push_back(std::move(*jwk));
    } else {
      ++ignored;
    }
  }
  if (skipped != nullptr) *skipped += ignored;
  return out;
}

}  // namespace coffer::oidc
