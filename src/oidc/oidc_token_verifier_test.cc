#include "oidc/oidc_token_verifier.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/encoding.h"
#include "base/strings.h"
#include "crypto/openssl/openssl_asymmetric.h"
#include "crypto/openssl/openssl_jose_codec.h"
#include "http/server.h"
#include "oidc/document_fetcher.h"

namespace coffer::oidc {
namespace {

// The tests below count re-fetches against a 30 s minimum interval.
OidcTokenVerifier::Options ThirtySecondRefetch() {
  OidcTokenVerifier::Options o;
  o.min_refetch_interval = std::chrono::seconds(30);
  return o;
}

namespace reason = identity::reason;
using std::chrono::seconds;

constexpr char kIssuer[] = "https://oidc.example/cluster-1";
constexpr char kDiscoveryUrl[] = "https://oidc.example/cluster-1/.well-known/openid-configuration";
constexpr char kJwksUrl[] = "https://keys.oidc.example/jwks";
constexpr char kAudience[] = "sts.amazonaws.com";
constexpr char kSubject[] = "system:serviceaccount:default:app";

// Serves documents from a map and counts requests per URL.
class FakeFetcher final : public DocumentFetcher {
 public:
  Result<std::string> Get(std::string_view url, const std::vector<std::string>& thumbprints,
                          std::chrono::milliseconds timeout) const override {
    if (delay_.count() > 0) std::this_thread::sleep_for(delay_);
    std::lock_guard lock(mu_);
    ++calls_[std::string(url)];
    last_thumbprints_ = thumbprints;
    last_timeout_ = timeout;
    auto it = docs_.find(std::string(url));
    if (it == docs_.end()) return UnavailableError("connection refused");
    return it->second;
  }

  void Set(const std::string& url, const std::string& body) {
    std::lock_guard lock(mu_);
    docs_[url] = body;
  }
  void Remove(const std::string& url) {
    std::lock_guard lock(mu_);
    docs_.erase(url);
  }
  int Calls(const std::string& url) const {
    std::lock_guard lock(mu_);
    auto it = calls_.find(url);
    return it == calls_.end() ? 0 : it->second;
  }
  int TotalCalls() const {
    std::lock_guard lock(mu_);
    int n = 0;
    for (const auto& [url, count] : calls_) n += count;
    return n;
  }
  std::vector<std::string> last_thumbprints() const {
    std::lock_guard lock(mu_);
    return last_thumbprints_;
  }
  std::chrono::milliseconds last_timeout() const {
    std::lock_guard lock(mu_);
    return last_timeout_;
  }
  void set_delay(std::chrono::milliseconds d) { delay_ = d; }

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::string> docs_;
  mutable std::map<std::string, int> calls_;
  mutable std::vector<std::string> last_thumbprints_;
  mutable std::chrono::milliseconds last_timeout_{0};
  std::chrono::milliseconds delay_{0};
};

// The claims of a test token; unset optionals are left out.
struct Claims {
  std::optional<std::string> iss = kIssuer;
  std::optional<std::string> sub = kSubject;
  std::optional<std::string> aud_json = std::string("\"") + kAudience + "\"";
  std::optional<int64_t> exp, nbf, iat;
  std::string extra = R"(,"azp":"app","kubernetes.io":{"namespace":"default"})";

  std::string Json() const {
    std::string out = "{";
    auto add = [&out](const std::string& name, const std::string& json) {
      out += (out.size() > 1 ? "," : "") + ("\"" + name + "\":" + json);
    };
    if (iss) add("iss", "\"" + *iss + "\"");
    if (sub) add("sub", "\"" + *sub + "\"");
    if (aud_json) add("aud", *aud_json);
    if (exp) add("exp", std::to_string(*exp));
    if (nbf) add("nbf", std::to_string(*nbf));
    if (iat) add("iat", std::to_string(*iat));
    return out + extra + "}";
  }
};

// A signing key pair and its public JWK.
struct TestKey {
  std::shared_ptr<const SecretBytes> private_key;
  std::string spki;
  std::string kid;
  bool ec = false;
};

class OidcTokenVerifierTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    test_rsa = new TestKey(MakeKey(crypto::KeyPairSpec::kRsa2048, "rsa-1"));
    test_rsa_other = new TestKey(MakeKey(crypto::KeyPairSpec::kRsa2048, "rsa-1"));
    test_ec = new TestKey(MakeKey(crypto::KeyPairSpec::kEccNistP256, "ec-1"));
  }
  static void TearDownTestSuite() {
    delete test_rsa;
    delete test_rsa_other;
    delete test_ec;
  }

  static TestKey MakeKey(crypto::KeyPairSpec spec, std::string kid) {
    crypto::OpensslAsymmetric asym;
    auto priv = asym.GenerateKeyPair(spec);
    COFFER_CHECK(priv.has_value(), "key generation failed");
    auto pub = asym.PublicKeyDer(*priv);
    COFFER_CHECK(pub.has_value(), "public key export failed");
    return TestKey{std::make_shared<const SecretBytes>(std::move(*priv)), std::move(*pub),
                   std::move(kid), spec == crypto::KeyPairSpec::kEccNistP256};
  }

  void SetUp() override {
    provider_.arn = "arn:aws:iam::000000000000:oidc-provider/oidc.example/cluster-1";
    provider_.url = kIssuer;
    provider_.client_ids = {kAudience};
    provider_.thumbprints = {"0123456789abcdef0123456789abcdef01234567"};
    ServeDiscovery(kIssuer, kJwksUrl);
    fetcher_.Set(kJwksUrl, Jwks({*test_rsa, *test_ec}));
  }

  void ServeDiscovery(const std::string& issuer, const std::string& jwks_uri) {
    fetcher_.Set(kDiscoveryUrl, R"({"issuer":")" + issuer + R"(","jwks_uri":")" + jwks_uri +
                                    R"(","response_types_supported":["id_token"]})");
  }

  std::string JwkJson(const TestKey& key, const std::string& extra = "") const {
    auto raw = jose_.RawPublicKeyOf(key.spki);
    COFFER_CHECK(raw.has_value(), "bad test key");
    std::string kid = key.kid.empty() ? "" : R"("kid":")" + key.kid + R"(",)";
    if (key.ec) {
      return "{" + kid + R"("kty":"EC","crv":"P-256","x":")" + Base64UrlEncode(raw->x) +
             R"(","y":")" + Base64UrlEncode(raw->y) + "\"" + extra + "}";
    }
    return "{" + kid + R"("kty":"RSA","use":"sig","n":")" + Base64UrlEncode(raw->n) + R"(","e":")" +
           Base64UrlEncode(raw->e) + "\"" + extra + "}";
  }
  std::string Jwks(const std::vector<TestKey>& keys) const {
    std::string out = R"({"keys":[)";
    for (size_t i = 0; i < keys.size(); ++i) out += (i ? "," : "") + JwkJson(keys[i]);
    return out + "]}";
  }

  // Signs `claims` with `key`; `header` overrides the default {"alg":…,"kid":…}.
  std::string Sign(const TestKey& key, const std::string& claims_json,
                   std::optional<std::string> header = std::nullopt) {
    if (!header) {
      header = std::string(R"({"alg":")") + (key.ec ? "ES256" : "RS256") + "\"" +
               (key.kid.empty() ? "" : R"(,"kid":")" + key.kid + "\"") + R"(,"typ":"JWT"})";
    }
    std::string input = Base64UrlEncode(*header) + "." + Base64UrlEncode(claims_json);
    crypto::OpensslAsymmetric asym;
    auto sig = asym.Sign(*key.private_key,
                         key.ec ? crypto::SigningAlgorithm::kEcdsaSha256
                                : crypto::SigningAlgorithm::kRsassaPkcs1V15Sha256,
                         input, false);
    COFFER_CHECK(sig.has_value(), "signing failed");
    std::string signature = *sig;
    if (key.ec) {
      auto raw = jose_.EcdsaSignatureToRaw(crypto::KeyPairSpec::kEccNistP256, *sig);
      COFFER_CHECK(raw.has_value(), "signature conversion failed");
      signature = *raw;
    }
    return input + "." + Base64UrlEncode(signature);
  }

  Claims Valid() const {
    Claims c;
    int64_t t = ToUnixMillis(now_) / 1000;
    c.exp = t + 3600;
    c.iat = t;
    c.nbf = t;
    return c;
  }
  std::string ValidToken(const TestKey& key) { return Sign(key, Valid().Json()); }

  Result<identity::WebIdentityClaims> Verify(const std::string& token) {
    return verifier_.Verify(token, provider_, now_);
  }

  static void ExpectError(const Result<identity::WebIdentityClaims>& r, ErrorCode code,
                          std::string_view why, const std::string& token = "") {
    ASSERT_FALSE(r.has_value()) << "verified";
    EXPECT_EQ(r.error().code, code) << r.error().message;
    EXPECT_EQ(r.error().reason, why) << r.error().message;
    // A token is a bearer credential: it never appears in an error message.
    for (const std::string_view part : Split(token, '.')) {
      if (part.size() >= 8) {
        EXPECT_EQ(r.error().message.find(part), std::string::npos) << r.error().message;
      }
    }
  }

  static TestKey* test_rsa;
  static TestKey* test_rsa_other;  // same kid as test_rsa, different key
  static TestKey* test_ec;

  crypto::OpensslAsymmetric asym_;
  crypto::OpensslJoseCodec jose_;
  FakeFetcher fetcher_;
  OidcTokenVerifier verifier_{asym_, jose_, fetcher_, ThirtySecondRefetch()};
  identity::OidcProvider provider_;
  Timestamp now_ = FromUnixMillis(1'790'000'000'000);
};

TestKey* OidcTokenVerifierTest::test_rsa = nullptr;
TestKey* OidcTokenVerifierTest::test_rsa_other = nullptr;
TestKey* OidcTokenVerifierTest::test_ec = nullptr;

TEST_F(OidcTokenVerifierTest, ValidRs256TokenVerifiesThroughDiscovery) {
  Claims c = Valid();
  c.aud_json = R"(["other",")" + std::string(kAudience) + R"(","third"])";
  auto claims = Verify(Sign(*test_rsa, c.Json()));
  ASSERT_TRUE(claims.has_value()) << claims.error().message;
  EXPECT_EQ(claims->issuer, kIssuer);
  EXPECT_EQ(claims->subject, kSubject);
  EXPECT_EQ(claims->audience, kAudience);
  EXPECT_EQ(claims->audiences, (std::vector<std::string>{"other", kAudience, "third"}));
  EXPECT_EQ(claims->expires, FromUnixMillis((*c.exp) * 1000));
  EXPECT_EQ(claims->issued_at, FromUnixMillis((*c.iat) * 1000));
  EXPECT_EQ(claims->key_id, "rsa-1");
  EXPECT_EQ(claims->other, (std::map<std::string, std::string>{{"azp", "app"}}));
  EXPECT_EQ(fetcher_.Calls(kDiscoveryUrl), 1);
  EXPECT_EQ(fetcher_.Calls(kJwksUrl), 1);
  EXPECT_EQ(fetcher_.last_thumbprints(), provider_.thumbprints);
  EXPECT_LE(fetcher_.last_timeout(), std::chrono::milliseconds(5000));
}

TEST_F(OidcTokenVerifierTest, ValidEs256TokenVerifies) {
  auto claims = Verify(ValidToken(*test_ec));
  ASSERT_TRUE(claims.has_value()) << claims.error().message;
  EXPECT_EQ(claims->key_id, "ec-1");
  EXPECT_EQ(claims->subject, kSubject);
}

TEST_F(OidcTokenVerifierTest, WrongSignatureIsInvalid) {
  // Signed by another key under the same kid.
  std::string forged = ValidToken(*test_rsa_other);
  ExpectError(Verify(forged), ErrorCode::kInvalidArgument, reason::kInvalidIdentityToken, forged);
  // A valid signature with one bit flipped.
  for (const TestKey* key : {test_rsa, test_ec}) {
    std::string token = ValidToken(*key);
    size_t dot = token.rfind('.');
    auto sig = Base64UrlDecode(token.substr(dot + 1));
    ASSERT_TRUE(sig.has_value());
    (*sig)[sig->size() / 2] = static_cast<char>((*sig)[sig->size() / 2] ^ 0x01);
    std::string flipped = token.substr(0, dot + 1) + Base64UrlEncode(*sig);
    ExpectError(Verify(flipped), ErrorCode::kInvalidArgument, reason::kInvalidIdentityToken,
                flipped);
    // A DER signature where JWS wants r || s.
    if (key->ec) {
      std::string der_token =
          token.substr(0, dot + 1) +
          Base64UrlEncode(*jose_.EcdsaSignatureToDer(crypto::KeyPairSpec::kEccNistP256,
                                                     *Base64UrlDecode(token.substr(dot + 1))));
      ExpectError(Verify(der_token), ErrorCode::kInvalidArgument, reason::kInvalidIdentityToken);
    }
  }
}

TEST_F(OidcTokenVerifierTest, TamperedPayloadIsInvalid) {
  std::string token = ValidToken(*test_rsa);
  Claims c = Valid();
  c.sub = "system:serviceaccount:kube-system:admin";
  std::vector<std::string_view> parts = Split(token, '.');
  std::string tampered =
      std::string(parts[0]) + "." + Base64UrlEncode(c.Json()) + "." + std::string(parts[2]);
  ExpectError(Verify(tampered), ErrorCode::kInvalidArgument, reason::kInvalidIdentityToken,
              tampered);
  // The header is signed too: a token whose header was changed is refused.
  std::string header = Base64UrlEncode(R"({"alg":"RS256","kid":"rsa-1"})");
  ExpectError(Verify(header + "." + std::string(parts[1]) + "." + std::string(parts[2])),
              ErrorCode::kInvalidArgument, reason::kInvalidIdentityToken);
}

TEST_F(OidcTokenVerifierTest, AlgNoneAndHmacAreRefusedWithoutFetchingKeys) {
  std::string claims = Base64UrlEncode(Valid().Json());
  for (const char* header : {R"({"alg":"none"})", R"({"alg":"HS256","kid":"rsa-1"})"}) {
    std::string token = Base64UrlEncode(header) + "." + claims + ".";
    ExpectError(Verify(token), ErrorCode::kInvalidArgument, reason::kInvalidIdentityToken);
    // An HMAC "signed" with the RSA public key (the classic alg confusion attack).
    token += Base64UrlEncode(test_rsa->spki);
    ExpectError(Verify(token), ErrorCode::kInvalidArgument, reason::kInvalidIdentityToken);
  }
  EXPECT_EQ(fetcher_.TotalCalls(), 0);
  // An RSA key cannot check an ES256 token (nor the reverse).
  std::string es_header = R"({"alg":"ES256","kid":"rsa-1"})";
  ExpectError(Verify(Sign(*test_ec, Valid().Json(), es_header)), ErrorCode::kInvalidArgument,
              reason::kInvalidIdentityToken);
}

TEST_F(OidcTokenVerifierTest, UnknownKidTriggersOneRefetch) {
  TestKey rotated = MakeKey(crypto::KeyPairSpec::kEccNistP256, "ec-2");
  ASSERT_TRUE(Verify(ValidToken(*test_rsa)).has_value());
  EXPECT_EQ(fetcher_.Calls(kJwksUrl), 1);

  // The issuer rotates its keys; a minute later a token signed with the new key arrives.
  fetcher_.Set(kJwksUrl, Jwks({*test_rsa, rotated}));
  now_ += seconds(60);
  auto claims = Verify(ValidToken(rotated));
  ASSERT_TRUE(claims.has_value()) << claims.error().message;
  EXPECT_EQ(claims->key_id, "ec-2");
  EXPECT_EQ(fetcher_.Calls(kJwksUrl), 2);
  // The keys came through discovery again, and the new set serves later tokens from the cache.
  EXPECT_EQ(fetcher_.Calls(kDiscoveryUrl), 2);
  ASSERT_TRUE(Verify(ValidToken(rotated)).has_value());
  ASSERT_TRUE(Verify(ValidToken(*test_rsa)).has_value());
  EXPECT_EQ(fetcher_.Calls(kJwksUrl), 2);
}

TEST_F(OidcTokenVerifierTest, RefetchesAreRateLimited) {
  ASSERT_TRUE(Verify(ValidToken(*test_rsa)).has_value());
  now_ += seconds(60);
  // A stream of tokens with made-up kids: one re-fetch, then nothing for 30 seconds.
  for (int i = 0; i < 20; ++i) {
    TestKey forged = *test_ec;
    forged.kid = "forged-" + std::to_string(i);
    std::string token = ValidToken(forged);
    ExpectError(Verify(token), ErrorCode::kInvalidArgument, reason::kInvalidIdentityToken, token);
    now_ += seconds(1);
  }
  EXPECT_EQ(fetcher_.Calls(kJwksUrl), 2);
  now_ += seconds(11);  // 31 s after the re-fetch
  TestKey forged = *test_ec;
  forged.kid = "forged-late";
  ExpectError(Verify(ValidToken(forged)), ErrorCode::kInvalidArgument,
              reason::kInvalidIdentityToken);
  EXPECT_EQ(fetcher_.Calls(kJwksUrl), 3);
  // Known kids keep verifying from the cache meanwhile.
  EXPECT_TRUE(Verify(ValidToken(*test_ec)).has_value());
  EXPECT_EQ(fetcher_.Calls(kJwksUrl), 3);
}

TEST_F(OidcTokenVerifierTest, KeysAreCachedForTheirTtlAndKeptWhenARefreshFails) {
  ASSERT_TRUE(Verify(ValidToken(*test_rsa)).has_value());
  now_ += seconds(3599);
  ASSERT_TRUE(Verify(ValidToken(*test_rsa)).has_value());
  EXPECT_EQ(fetcher_.Calls(kJwksUrl), 1);
  now_ += seconds(2);
  ASSERT_TRUE(Verify(ValidToken(*test_rsa)).has_value());
  EXPECT_EQ(fetcher_.Calls(kJwksUrl), 2);

  // The issuer goes away: the cached keys stay in use, and refreshes are retried at most every
  // 30 seconds rather than on every request.
  fetcher_.Remove(kJwksUrl);
  now_ += seconds(3601);
  ASSERT_TRUE(Verify(ValidToken(*test_rsa)).has_value());
  ASSERT_TRUE(Verify(ValidToken(*test_rsa)).has_value());
  EXPECT_EQ(fetcher_.Calls(kJwksUrl), 3);
  now_ += seconds(31);
  ASSERT_TRUE(Verify(ValidToken(*test_rsa)).has_value());
  EXPECT_EQ(fetcher_.Calls(kJwksUrl), 4);
  // ...but not forever.
  now_ += seconds(25 * 3600);
  ExpectError(Verify(ValidToken(*test_rsa)), ErrorCode::kUnavailable,
              reason::kIdpCommunicationError);
}

TEST_F(OidcTokenVerifierTest, FetchFailuresAreCommunicationErrors) {
  fetcher_.Remove(kJwksUrl);
  std::string token = ValidToken(*test_rsa);
  ExpectError(Verify(token), ErrorCode::kUnavailable, reason::kIdpCommunicationError, token);
  // Retried only after the rate limit's interval, even though nothing is cached.
  ExpectError(Verify(token), ErrorCode::kUnavailable, reason::kIdpCommunicationError);
  EXPECT_EQ(fetcher_.Calls(kDiscoveryUrl), 1);
  now_ += seconds(30);
  fetcher_.Set(kJwksUrl, Jwks({*test_rsa}));
  EXPECT_TRUE(Verify(token).has_value());
  EXPECT_EQ(fetcher_.Calls(kDiscoveryUrl), 2);
}

TEST_F(OidcTokenVerifierTest, DiscoveryDocumentIsChecked) {
  struct Case {
    std::string discovery;
    const char* why;
  };
  std::vector<Case> cases = {
      {R"({"issuer":"https://evil.example","jwks_uri":")" + std::string(kJwksUrl) + "\"}",
       "another issuer"},
      {R"({"issuer":")" + std::string(kIssuer) + R"(/","jwks_uri":")" + kJwksUrl + "\"}",
       "trailing slash"},
      {R"({"issuer":")" + std::string(kIssuer) + R"(","jwks_uri":"http://keys.oidc.example/j"})",
       "plain http jwks_uri"},
      {R"({"issuer":")" + std::string(kIssuer) + R"("})", "no jwks_uri"},
      {"not json", "not JSON"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.why);
    OidcTokenVerifier verifier(asym_, jose_, fetcher_, ThirtySecondRefetch());
    fetcher_.Set(kDiscoveryUrl, c.discovery);
    auto r = verifier.Verify(ValidToken(*test_rsa), provider_, now_);
    ExpectError(r, ErrorCode::kUnavailable, reason::kIdpCommunicationError);
  }
  // A JWKS without one usable key.
  ServeDiscovery(kIssuer, kJwksUrl);
  fetcher_.Set(kJwksUrl, R"({"keys":[{"kty":"oct","k":"c2VjcmV0"}]})");
  ExpectError(Verify(ValidToken(*test_rsa)), ErrorCode::kUnavailable,
              reason::kIdpCommunicationError);
  // A provider whose URL is not https, with no uploaded JWKS.
  provider_.url = "http://oidc.example/cluster-1";
  Claims c = Valid();
  c.iss = provider_.url;
  ExpectError(Verify(Sign(*test_rsa, c.Json())), ErrorCode::kUnavailable,
              reason::kIdpCommunicationError);
}

TEST_F(OidcTokenVerifierTest, ExpiryNotBeforeAndIssuedAtAllowSixtySecondsOfSkew) {
  int64_t t = ToUnixMillis(now_) / 1000;
  Claims c = Valid();
  c.exp = t - 59;
  EXPECT_TRUE(Verify(Sign(*test_rsa, c.Json())).has_value());
  c.exp = t - 60;
  std::string expired = Sign(*test_rsa, c.Json());
  ExpectError(Verify(expired), ErrorCode::kInvalidArgument, reason::kExpiredToken, expired);

  c = Valid();
  c.nbf = t + 60;
  EXPECT_TRUE(Verify(Sign(*test_rsa, c.Json())).has_value());
  c.nbf = t + 61;
  ExpectError(Verify(Sign(*test_rsa, c.Json())), ErrorCode::kInvalidArgument,
              reason::kExpiredToken);

  c = Valid();
  c.iat = t + 60;
  EXPECT_TRUE(Verify(Sign(*test_rsa, c.Json())).has_value());
  c.iat = t + 120;
  ExpectError(Verify(Sign(*test_rsa, c.Json())), ErrorCode::kInvalidArgument,
              reason::kExpiredToken);

  // exp is required; nbf and iat are not.
  c = Valid();
  c.exp.reset();
  ExpectError(Verify(Sign(*test_rsa, c.Json())), ErrorCode::kInvalidArgument,
              reason::kInvalidIdentityToken);
  c = Valid();
  c.nbf.reset();
  c.iat.reset();
  auto claims = Verify(Sign(*test_rsa, c.Json()));
  ASSERT_TRUE(claims.has_value());
  EXPECT_FALSE(claims->issued_at.has_value());
}

TEST_F(OidcTokenVerifierTest, WrongIssuerIsInvalidAndFetchesNothing) {
  for (const char* iss : {"https://evil.example", "https://oidc.example/cluster-1/",
                          "https://OIDC.example/cluster-1"}) {
    Claims c = Valid();
    c.iss = iss;
    ExpectError(Verify(Sign(*test_rsa, c.Json())), ErrorCode::kInvalidArgument,
                reason::kInvalidIdentityToken);
  }
  Claims c = Valid();
  c.iss.reset();
  ExpectError(Verify(Sign(*test_rsa, c.Json())), ErrorCode::kInvalidArgument,
              reason::kInvalidIdentityToken);
  EXPECT_EQ(fetcher_.TotalCalls(), 0);
}

TEST_F(OidcTokenVerifierTest, AudienceMustBeAClientId) {
  Claims c = Valid();
  c.aud_json = R"("another-audience")";
  ExpectError(Verify(Sign(*test_rsa, c.Json())), ErrorCode::kInvalidArgument,
              reason::kInvalidIdentityToken);
  c.aud_json = R"(["a","b"])";
  ExpectError(Verify(Sign(*test_rsa, c.Json())), ErrorCode::kInvalidArgument,
              reason::kInvalidIdentityToken);
  c.aud_json.reset();
  ExpectError(Verify(Sign(*test_rsa, c.Json())), ErrorCode::kInvalidArgument,
              reason::kInvalidIdentityToken);
  // Several client ids: the first of the token's audiences that matches is reported.
  provider_.client_ids = {"x", "b", "a"};
  c.aud_json = R"(["a","b"])";
  auto claims = Verify(Sign(*test_rsa, c.Json()));
  ASSERT_TRUE(claims.has_value());
  EXPECT_EQ(claims->audience, "a");
}

TEST_F(OidcTokenVerifierTest, SubjectIsRequired) {
  Claims c = Valid();
  c.sub.reset();
  ExpectError(Verify(Sign(*test_rsa, c.Json())), ErrorCode::kPermissionDenied,
              reason::kIdpRejectedClaim);
  c.sub = "";
  ExpectError(Verify(Sign(*test_rsa, c.Json())), ErrorCode::kPermissionDenied,
              reason::kIdpRejectedClaim);
}

TEST_F(OidcTokenVerifierTest, OversizedAndGarbageTokensAreInvalid) {
  Claims c = Valid();
  c.extra = R"(,"padding":")" + std::string(kMaxJwtBytes, 'x') + "\"";
  std::string big = Sign(*test_rsa, c.Json());
  ExpectError(Verify(big), ErrorCode::kInvalidArgument, reason::kInvalidIdentityToken, big);
  for (const std::string& garbage :
       {std::string(), std::string("garbage"), std::string("a.b.c"), std::string("...."),
        std::string("\x00\xff\x01", 3), std::string(30000, 'A')}) {
    ExpectError(Verify(garbage), ErrorCode::kInvalidArgument, reason::kInvalidIdentityToken);
  }
  EXPECT_EQ(fetcher_.TotalCalls(), 0);
}

TEST_F(OidcTokenVerifierTest, TokenWithoutKidNeedsASingleKey) {
  TestKey no_kid = *test_rsa;
  no_kid.kid = "";
  std::string token = ValidToken(no_kid);
  // Two keys in the set: ambiguous.
  ExpectError(Verify(token), ErrorCode::kInvalidArgument, reason::kInvalidIdentityToken, token);
  // One key: that one.
  fetcher_.Set(kJwksUrl, Jwks({*test_rsa}));
  OidcTokenVerifier verifier(asym_, jose_, fetcher_, ThirtySecondRefetch());
  auto claims = verifier.Verify(token, provider_, now_);
  ASSERT_TRUE(claims.has_value()) << claims.error().message;
  EXPECT_EQ(claims->key_id, "rsa-1");
}

TEST_F(OidcTokenVerifierTest, UploadedJwksIsUsedWithoutFetching) {
  provider_.url = "https://unreachable.internal";
  provider_.jwks = Jwks({*test_ec});
  Claims c = Valid();
  c.iss = provider_.url;
  auto claims = Verify(Sign(*test_ec, c.Json()));
  ASSERT_TRUE(claims.has_value()) << claims.error().message;
  EXPECT_EQ(claims->key_id, "ec-1");
  // An unknown kid is simply invalid: there is nothing to re-fetch.
  ExpectError(Verify(Sign(*test_rsa, c.Json())), ErrorCode::kInvalidArgument,
              reason::kInvalidIdentityToken);
  EXPECT_EQ(fetcher_.TotalCalls(), 0);
  // A new upload replaces the keys at once.
  provider_.jwks = Jwks({*test_rsa});
  EXPECT_TRUE(Verify(Sign(*test_rsa, c.Json())).has_value());
  ExpectError(Verify(Sign(*test_ec, c.Json())), ErrorCode::kInvalidArgument,
              reason::kInvalidIdentityToken);
  // An upload with no usable key.
  provider_.jwks = R"({"keys":[]})";
  ExpectError(Verify(Sign(*test_rsa, c.Json())), ErrorCode::kUnavailable,
              reason::kIdpCommunicationError);
  EXPECT_EQ(fetcher_.TotalCalls(), 0);
}

// RFC 7515 appendices A.2 (RS256) and A.3 (ES256): published keys and signatures. The tokens
// carry iss "joe", exp 1300819380 and no aud, so a correct signature gets as far as the audience
// check, and a broken one stops at the signature.
TEST_F(OidcTokenVerifierTest, VerifiesRfc7515Examples) {
  const std::string payload =
      "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVl"
      "fQ";
  const std::string rs256 =
      "eyJhbGciOiJSUzI1NiJ9." + payload +
      ".cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp"
      "5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHl"
      "b1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9Q"
      "OYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw";
  const std::string rsa_jwks =
      R"({"keys":[{"kty":"RSA","e":"AQAB","n":")"
      "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-"
      "4qPCJrcS2mJPMEzP1Pt0Bm4d"
      "4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-"
      "bSf63kpaSHSXndS5z5rexMd"
      "bBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_"
      "I5IhlJH7aGhyxXFvUK-"
      "DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ\"}]}";
  const std::string es256 =
      "eyJhbGciOiJFUzI1NiJ9." + payload +
      ".DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";
  const std::string ec_jwks =
      R"({"keys":[{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",)"
      R"("y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]})";

  provider_.url = "joe";
  provider_.client_ids = {"bob"};
  now_ = FromUnixMillis(1300819000'000);
  for (const auto& [token, jwks] : {std::pair{rs256, rsa_jwks}, std::pair{es256, ec_jwks}}) {
    provider_.jwks = jwks;
    ExpectError(Verify(token), ErrorCode::kInvalidArgument, reason::kInvalidIdentityToken);
    std::string broken = token;
    broken[broken.size() - 3] = broken[broken.size() - 3] == 'A' ? 'B' : 'A';
    ExpectError(Verify(broken), ErrorCode::kInvalidArgument, reason::kInvalidIdentityToken);
  }
  EXPECT_EQ(fetcher_.TotalCalls(), 0);
}

TEST_F(OidcTokenVerifierTest, ConcurrentColdRequestsShareOneFetch) {
  fetcher_.set_delay(std::chrono::milliseconds(50));
  std::string token = ValidToken(*test_rsa);
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      if (verifier_.Verify(token, provider_, now_).has_value()) ++ok;
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(ok.load(), 8);
  EXPECT_EQ(fetcher_.Calls(kDiscoveryUrl), 1);
  EXPECT_EQ(fetcher_.Calls(kJwksUrl), 1);
}

TEST_F(OidcTokenVerifierTest, UnverifiedIssuerReadsIssWithoutKeys) {
  auto iss = verifier_.UnverifiedIssuer(ValidToken(*test_rsa_other));
  ASSERT_TRUE(iss.has_value());
  EXPECT_EQ(*iss, kIssuer);
  auto bad = verifier_.UnverifiedIssuer("garbage");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().reason, reason::kInvalidIdentityToken);
  Claims c = Valid();
  c.iss.reset();
  auto none = verifier_.UnverifiedIssuer(Sign(*test_rsa, c.Json()));
  ASSERT_FALSE(none.has_value());
  EXPECT_EQ(none.error().reason, reason::kInvalidIdentityToken);
  EXPECT_EQ(fetcher_.TotalCalls(), 0);
}

// Discovery over real HTTPS from a server on 127.0.0.1 with a self-signed certificate.
class IssuerHandler final : public http::Handler {
 public:
  bool MayBlock(const http::Request&) const override { return false; }
  http::Response Handle(http::Request& request) override {
    std::lock_guard lock(mu_);
    ++requests_;
    http::Response r;
    r.SetHeader("content-type", "application/json");
    if (request.Path() == "/issuer/.well-known/openid-configuration") {
      r.body = R"({"issuer":")" + base_ + R"(/issuer","jwks_uri":")" + base_ + R"(/keys?v=1"})";
    } else if (request.target == "/keys?v=1") {
      r.body = jwks_;
    } else {
      r.status = 404;
    }
    return r;
  }
  http::Response Reject(http::Rejection) override { return {400, {}, "", {}, {}}; }

  void Configure(std::string base, std::string jwks) {
    std::lock_guard lock(mu_);
    base_ = std::move(base);
    jwks_ = std::move(jwks);
  }
  int requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }

 private:
  std::mutex mu_;
  std::string base_, jwks_;
  int requests_ = 0;
};

class OidcDiscoveryHttpsTest : public OidcTokenVerifierTest {
 protected:
  void SetUp() override {
    OidcTokenVerifierTest::SetUp();
    char tmpl[] = "/tmp/coffer-oidc-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    cert_ = (dir_ / "cert.pem").string();
    std::string key = (dir_ / "key.pem").string();
    std::string fingerprint = (dir_ / "sha1.txt").string();
    std::string cmd =
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout " + key +
        " -out " + cert_ +
        " -days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1 && "
        "openssl x509 -in " +
        cert_ + " -noout -fingerprint -sha1 > " + fingerprint;
    ASSERT_EQ(std::system(cmd.c_str()), 0);
    std::ifstream in(fingerprint);
    std::string line;
    std::getline(in, line);
    for (char ch : line.substr(line.find('=') + 1)) {
      if (ch != ':') thumbprint_.push_back(static_cast<char>(std::tolower(ch)));
    }
    ASSERT_EQ(thumbprint_.size(), 40u) << line;

    http::Server::Options o;
    o.io_threads = 1;
    o.tls_cert_file = cert_;
    o.tls_key_file = key;
    auto server = http::Server::Create(o, handler_);
    ASSERT_TRUE(server.has_value()) << server.error().message;
    server_ = std::move(*server);
    server_->Start();
    std::string base = "https://127.0.0.1:" + std::to_string(server_->port());
    handler_.Configure(base, Jwks({*test_rsa, *test_ec}));
    provider_.url = base + "/issuer";
    provider_.thumbprints.clear();
  }
  void TearDown() override {
    if (server_) server_->Drain(std::chrono::seconds(1));
    std::filesystem::remove_all(dir_);
  }

  std::string IssuerToken(const TestKey& key) {
    Claims c = Valid();
    c.iss = provider_.url;
    return Sign(key, c.Json());
  }

  std::filesystem::path dir_;
  std::string cert_;
  std::string thumbprint_;
  IssuerHandler handler_;
  std::unique_ptr<http::Server> server_;
};

TEST_F(OidcDiscoveryHttpsTest, TrustsTheIssuerByThumbprint) {
  HttpsDocumentFetcher https;  // system CA store, which does not know the certificate
  OidcTokenVerifier verifier(asym_, jose_, https, ThirtySecondRefetch());
  provider_.thumbprints = {"0000000000000000000000000000000000000000", thumbprint_};
  auto claims = verifier.Verify(IssuerToken(*test_ec), provider_, now_);
  ASSERT_TRUE(claims.has_value()) << claims.error().message;
  EXPECT_EQ(claims->key_id, "ec-1");
  EXPECT_EQ(claims->issuer, provider_.url);
  EXPECT_EQ(handler_.requests(), 2);
  ASSERT_TRUE(verifier.Verify(IssuerToken(*test_rsa), provider_, now_).has_value());
  EXPECT_EQ(handler_.requests(), 2);  // cached
}

TEST_F(OidcDiscoveryHttpsTest, TrustsTheIssuerByCaBundle) {
  HttpsDocumentFetcher https({.ca_bundle = cert_});
  OidcTokenVerifier verifier(asym_, jose_, https, ThirtySecondRefetch());
  auto claims = verifier.Verify(IssuerToken(*test_rsa), provider_, now_);
  ASSERT_TRUE(claims.has_value()) << claims.error().message;
  EXPECT_EQ(claims->key_id, "rsa-1");
}

TEST_F(OidcDiscoveryHttpsTest, RefusesAnUntrustedIssuer) {
  HttpsDocumentFetcher https;
  OidcTokenVerifier verifier(asym_, jose_, https, ThirtySecondRefetch());
  provider_.thumbprints = {"0000000000000000000000000000000000000000"};
  std::string token = IssuerToken(*test_rsa);
  ExpectError(verifier.Verify(token, provider_, now_), ErrorCode::kUnavailable,
              reason::kIdpCommunicationError, token);
  EXPECT_EQ(handler_.requests(), 0);  // the TLS handshake failed: no request was sent
  // The next attempt within 30 seconds does not even connect.
  ExpectError(verifier.Verify(token, provider_, now_ + seconds(10)), ErrorCode::kUnavailable,
              reason::kIdpCommunicationError);
  // Once the operator adds the right thumbprint, the provider's entry starts afresh.
  provider_.thumbprints.push_back(thumbprint_);
  EXPECT_TRUE(verifier.Verify(token, provider_, now_ + seconds(11)).has_value());
}

TEST_F(OidcDiscoveryHttpsTest, OversizedDocumentsAreRefused) {
  HttpsDocumentFetcher https({.ca_bundle = cert_, .max_response_bytes = 300});
  OidcTokenVerifier verifier(asym_, jose_, https, ThirtySecondRefetch());
  // The discovery document fits in 300 bytes; the JWKS with a 2048-bit RSA key does not.
  ExpectError(verifier.Verify(IssuerToken(*test_rsa), provider_, now_), ErrorCode::kUnavailable,
              reason::kIdpCommunicationError);
}

TEST(HttpsDocumentFetcherTest, RefusesUrlsThatAreNotPlainHttps) {
  HttpsDocumentFetcher https;
  for (const char* url : {"http://127.0.0.1/x", "https://", "https://user@host/x",
                          "https://host/a b", "https://host/\r\nx: y", "ftp://host"}) {
    SCOPED_TRACE(url);
    auto r = https.Get(url, {}, std::chrono::milliseconds(100));
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace coffer::oidc
