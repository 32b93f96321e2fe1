#include "oidc/jwks.h"

#include <gtest/gtest.h>

#include <string>

#include "base/encoding.h"

namespace coffer::oidc {
namespace {

// Key material need not be valid here: the parser only decodes it.
const std::string kN = Base64UrlEncode(std::string(256, '\x81'));
const std::string kE = "AQAB";
const std::string kX = Base64UrlEncode(std::string(32, '\x01'));
const std::string kY = Base64UrlEncode(std::string(32, '\x02'));

std::string RsaKey(const std::string& extra = "") {
  return R"({"kty":"RSA","n":")" + kN + R"(","e":")" + kE + "\"" + extra + "}";
}
std::string EcKey(const std::string& crv, const std::string& extra = "") {
  return R"({"kty":"EC","crv":")" + crv + R"(","x":")" + kX + R"(","y":")" + kY + "\"" + extra +
         "}";
}
std::string Set(const std::vector<std::string>& keys) {
  std::string out = R"({"keys":[)";
  for (size_t i = 0; i < keys.size(); ++i) out += (i ? "," : "") + keys[i];
  return out + "]}";
}

TEST(ParseJwksTest, ReadsRsaAndEcKeys) {
  size_t skipped = 0;
  auto jwks = ParseJwks(Set({RsaKey(R"(,"kid":"r1","use":"sig","alg":"RS256")"),
                             EcKey("P-256", R"(,"kid":"e1")"), EcKey("P-384")}),
                        &skipped);
  ASSERT_TRUE(jwks.has_value()) << jwks.error().message;
  EXPECT_EQ(skipped, 0u);
  ASSERT_EQ(jwks->size(), 3u);
  const Jwk& rsa = (*jwks)[0];
  EXPECT_EQ(rsa.kid, "r1");
  EXPECT_EQ(rsa.type, JwkType::kRsa);
  EXPECT_EQ(rsa.alg, JwsAlgorithm::kRs256);
  EXPECT_EQ(rsa.n, std::string(256, '\x81'));
  EXPECT_EQ(rsa.e, std::string("\x01\x00\x01", 3));
  const Jwk& ec = (*jwks)[1];
  EXPECT_EQ(ec.kid, "e1");
  EXPECT_EQ(ec.type, JwkType::kEcP256);
  EXPECT_FALSE(ec.alg.has_value());
  EXPECT_EQ(ec.x, std::string(32, '\x01'));
  EXPECT_EQ(ec.y, std::string(32, '\x02'));
  EXPECT_EQ((*jwks)[2].type, JwkType::kEcP384);
  EXPECT_EQ((*jwks)[2].kid, "");
}

TEST(ParseJwksTest, SkipsKeysItCannotUse) {
  size_t skipped = 0;
  auto jwks = ParseJwks(Set({
                            RsaKey(R"(,"kid":"good")"),
                            RsaKey(R"(,"use":"enc")"),
                            RsaKey(R"(,"alg":"RSA-OAEP")"),
                            RsaKey(R"(,"alg":"ES256")"),   // alg does not fit the key type
                            RsaKey(R"(,"d":"c2VjcmV0")"),  // a private key
                            RsaKey(R"(,"kid":7)"),
                            R"({"kty":"RSA","e":"AQAB"})",
                            R"({"kty":"RSA","n":"!!","e":"AQAB"})",
                            R"({"kty":"oct","k":"c2VjcmV0"})",
                            R"({"kty":"OKP","crv":"Ed25519","x":"AAAA"})",
                            EcKey("P-521"),
                            EcKey("P-256", R"(,"alg":"ES384")"),
                            R"({"kty":"EC","crv":"P-256","x":")" + kX + R"("})",
                            R"({"n":"AQAB","e":"AQAB"})",
                            R"("a string")",
                            R"([1,2])",
                            R"({"kty":"RSA","kty":"EC"})",
                        }),
                        &skipped);
  ASSERT_TRUE(jwks.has_value()) << jwks.error().message;
  ASSERT_EQ(jwks->size(), 1u);
  EXPECT_EQ((*jwks)[0].kid, "good");
  EXPECT_EQ(skipped, 16u);
}

TEST(ParseJwksTest, RefusesDocumentsThatAreNotKeySets) {
  for (const char* doc : {"", "[]", "{}", R"({"keys":{}})", R"({"keys":null})", "{\"keys\":[]",
                          R"({"keys":[],"keys":[]})", "not json"}) {
    SCOPED_TRACE(doc);
    auto jwks = ParseJwks(doc);
    ASSERT_FALSE(jwks.has_value());
    EXPECT_EQ(jwks.error().code, ErrorCode::kInvalidArgument);
  }
  auto empty = ParseJwks(R"({"keys":[]})");
  ASSERT_TRUE(empty.has_value());
  EXPECT_TRUE(empty->empty());
}

TEST(ParseJwksTest, ReadsAtMostMaxKeys) {
  std::vector<std::string> keys(kMaxJwksKeys + 5, RsaKey());
  size_t skipped = 0;
  auto jwks = ParseJwks(Set(keys), &skipped);
  ASSERT_TRUE(jwks.has_value());
  EXPECT_EQ(jwks->size(), kMaxJwksKeys);
  EXPECT_EQ(skipped, 5u);
}

TEST(JwkTest, FitsOnlyItsOwnAlgorithms) {
  Jwk rsa;
  rsa.type = JwkType::kRsa;
  EXPECT_TRUE(rsa.Fits(JwsAlgorithm::kRs256));
  EXPECT_TRUE(rsa.Fits(JwsAlgorithm::kRs512));
  EXPECT_FALSE(rsa.Fits(JwsAlgorithm::kEs256));
  rsa.alg = JwsAlgorithm::kRs384;
  EXPECT_FALSE(rsa.Fits(JwsAlgorithm::kRs256));
  EXPECT_TRUE(rsa.Fits(JwsAlgorithm::kRs384));
  Jwk p256;
  p256.type = JwkType::kEcP256;
  EXPECT_TRUE(p256.Fits(JwsAlgorithm::kEs256));
  EXPECT_FALSE(p256.Fits(JwsAlgorithm::kEs384));
  EXPECT_FALSE(p256.Fits(JwsAlgorithm::kRs256));
  Jwk p384;
  p384.type = JwkType::kEcP384;
  EXPECT_TRUE(p384.Fits(JwsAlgorithm::kEs384));
  EXPECT_FALSE(p384.Fits(JwsAlgorithm::kEs256));
}

}  // namespace
}  // namespace coffer::oidc
