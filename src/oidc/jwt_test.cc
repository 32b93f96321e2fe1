#include "oidc/jwt.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "base/encoding.h"
#include "base/strings.h"
#include "core/identity/web_identity.h"

namespace coffer::oidc {
namespace {

std::string B64(std::string_view s) { return Base64UrlEncode(s); }

// A token with the given JSON header and claims and a dummy signature (the parser does not
// verify signatures).
std::string Token(std::string_view header, std::string_view claims,
                  std::string_view signature = "sig-bytes") {
  return B64(header) + "." + B64(claims) + "." + B64(signature);
}

void ExpectMalformed(const std::string& token) {
  auto jwt = ParseJwt(token);
  ASSERT_FALSE(jwt.has_value()) << token;
  EXPECT_EQ(jwt.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(jwt.error().reason, identity::reason::kInvalidIdentityToken);
  // Tokens are bearer credentials: no part of one appears in the message.
  if (token.size() > 8) {
    EXPECT_EQ(jwt.error().message.find(token.substr(0, 8)), std::string::npos)
        << jwt.error().message;
  }
}

constexpr char kClaims[] =
    R"({"iss":"https://oidc.example","sub":"system:serviceaccount:ns:app","aud":"sts.amazonaws.com",)"
    R"("exp":1790003600,"nbf":1790000000,"iat":1790000000.75,"azp":"app","n":7,)"
    R"("kubernetes.io":{"namespace":"ns"}})";

TEST(ParseJwtTest, ReadsHeaderClaimsAndSignature) {
  std::string header = R"({"alg":"RS256","kid":"key-1","typ":"JWT"})";
  std::string token = Token(header, kClaims, "\x01\x02\x03");
  auto jwt = ParseJwt(token);
  ASSERT_TRUE(jwt.has_value()) << jwt.error().message;
  EXPECT_EQ(jwt->alg, JwsAlgorithm::kRs256);
  EXPECT_EQ(jwt->kid, "key-1");
  EXPECT_EQ(jwt->typ, "JWT");
  EXPECT_EQ(jwt->claims.issuer, "https://oidc.example");
  EXPECT_EQ(jwt->claims.subject, "system:serviceaccount:ns:app");
  EXPECT_EQ(jwt->claims.audiences, std::vector<std::string>{"sts.amazonaws.com"});
  EXPECT_EQ(jwt->claims.expires, 1790003600);
  EXPECT_EQ(jwt->claims.not_before, 1790000000);
  EXPECT_EQ(jwt->claims.issued_at, 1790000000);  // the fraction is truncated
  // Only string claims other than the registered ones are kept.
  EXPECT_EQ(jwt->claims.other, (std::map<std::string, std::string>{{"azp", "app"}}));
  EXPECT_EQ(jwt->signing_input, token.substr(0, token.rfind('.')));
  EXPECT_EQ(jwt->signature, "\x01\x02\x03");
}

TEST(ParseJwtTest, ReadsEveryAlgorithmAndAnAudienceArray) {
  for (const char* alg : {"RS256", "RS384", "RS512", "ES256", "ES384"}) {
    auto jwt = ParseJwt(Token(std::string(R"({"alg":")") + alg + R"("})",
                              R"({"aud":["a","b"],"kid":"not-a-header"})"));
    ASSERT_TRUE(jwt.has_value()) << alg;
    EXPECT_EQ(JwsAlgorithmName(jwt->alg), alg);
    EXPECT_FALSE(jwt->kid.has_value());
    EXPECT_EQ(jwt->claims.audiences, (std::vector<std::string>{"a", "b"}));
    EXPECT_FALSE(jwt->claims.expires.has_value());
  }
  // An empty kid counts as none.
  auto empty_kid = ParseJwt(Token(R"({"alg":"ES256","kid":""})", "{}"));
  ASSERT_TRUE(empty_kid.has_value());
  EXPECT_FALSE(empty_kid->kid.has_value());
}

TEST(ParseJwtTest, RefusesUnsafeOrUnknownAlgorithms) {
  for (const char* header :
       {R"({"alg":"none"})", R"({"alg":"HS256"})", R"({"alg":"HS512"})", R"({"alg":"PS256"})",
        R"({"alg":"ES512"})", R"({"alg":"rs256"})", R"({"alg":""})", R"({"kid":"k"})",
        R"({"alg":256})", R"({"alg":null})", R"({"alg":"RS256","crit":["exp"]})",
        R"({"alg":"RS256","kid":5})", R"({"alg":"RS256","typ":["JWT"]})"}) {
    SCOPED_TRACE(header);
    ExpectMalformed(Token(header, kClaims));
  }
  // "alg":"none" with the empty signature such tokens carry.
  ExpectMalformed(B64(R"({"alg":"none"})") + "." + B64(kClaims) + ".");
  ExpectMalformed(B64(R"({"alg":"RS256"})") + "." + B64(kClaims) + ".");
}

TEST(ParseJwtTest, RefusesBadStructureAndEncoding) {
  const std::string h = B64(R"({"alg":"RS256"})"), p = B64(kClaims), s = B64("sig");
  auto dots = [](const std::vector<std::string>& parts) { return Join(parts, "."); };
  for (const std::string& token : {
           std::string(), std::string("."), std::string(".."), dots({h, p}), dots({h, p, s, s}),
           dots({h, "", s}), dots({"", p, s}), dots({h + "=", p, s}),  // padding
           dots({h, p, s + "=="}),                                     // padding
           dots({h, p + "+/", s}),                                     // standard alphabet
           dots({h + " ", p, s}),                                      // whitespace
           dots({h, p, s + "\n"}), std::string("not a token"), std::string("a.b.c"),
           dots({h, p, "cB"}),  // non-canonical trailing bits
       }) {
    SCOPED_TRACE(token);
    ExpectMalformed(token);
  }
}

TEST(ParseJwtTest, RefusesMalformedJson) {
  const char* header = R"({"alg":"RS256"})";
  for (const std::string& claims : {
           std::string("[]"),
           std::string("\"string\""),
           std::string("{"),
           std::string(R"({"iss":"a"} trailing)"),
           std::string(R"({"sub":"a","sub":"b"})"),  // duplicate names
           std::string("{\"sub\":\"\xff\xfe\"}"),    // not UTF-8
           std::string(R"({"iss":5})"),
           std::string(R"({"sub":null})"),
           std::string(R"({"aud":5})"),
           std::string(R"({"aud":["a",5]})"),
           std::string(R"({"aud":{"a":1}})"),
           std::string(R"({"exp":"1790000000"})"),
           std::string(R"({"exp":-1})"),
           std::string(R"({"nbf":1e300})"),
           std::string(R"({"iat":true})"),
           std::string(R"({"exp":NaN})"),
           std::string(R"({"exp":99999999999999999999999})"),
       }) {
    SCOPED_TRACE(claims);
    ExpectMalformed(Token(header, claims));
  }
  ExpectMalformed(Token(R"({"alg":"RS256","alg":"RS256"})", kClaims));
  ExpectMalformed(Token(R"({"alg":"RS256"}x)", kClaims));
}

TEST(ParseJwtTest, RefusesOversizedTokensAndAcceptsDeepNesting) {
  std::string filler(kMaxJwtBytes, 'a');
  ExpectMalformed(Token(R"({"alg":"RS256"})", R"({"x":")" + filler + R"("})"));
  // Nesting as deep as the size limit allows parses iteratively (no stack overflow).
  std::string deep = R"({"x":)" + std::string(6000, '[') + std::string(6000, ']') + "}";
  auto jwt = ParseJwt(Token(R"({"alg":"RS256"})", deep));
  ASSERT_TRUE(jwt.has_value()) << jwt.error().message;
  EXPECT_TRUE(jwt->claims.other.empty());
}

TEST(ParseJwtTest, AlgorithmNamesRoundTrip) {
  for (JwsAlgorithm alg : {JwsAlgorithm::kRs256, JwsAlgorithm::kRs384, JwsAlgorithm::kRs512,
                           JwsAlgorithm::kEs256, JwsAlgorithm::kEs384}) {
    EXPECT_EQ(JwsAlgorithmFromName(JwsAlgorithmName(alg)), alg);
  }
  EXPECT_FALSE(JwsAlgorithmFromName("none").has_value());
}

}  // namespace
}  // namespace coffer::oidc
