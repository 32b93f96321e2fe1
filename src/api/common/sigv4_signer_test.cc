#include "api/common/sigv4_signer.h"

#include <gtest/gtest.h>

#include "api/common/sigv4.h"
#include "base/testing/fake_clock.h"
#include "core/identity/identity_service.h"
#include "crypto/openssl/openssl_hashes.h"

namespace coffer::api {
namespace {

constexpr char kSecret[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

class SigV4SignerTest : public ::testing::Test {
 protected:
  SigV4SignerTest() : clock_(*ParseAmzDate("20150830T123600Z")) {}

  static Result<std::shared_ptr<const identity::Credential>> Lookup(std::string_view id) {
    if (id != "AKIDEXAMPLE" && id != "ASIAEXAMPLE") {
      return NotFoundError("unknown", identity::reason::kUnknownAccessKey);
    }
    auto c = std::make_shared<identity::Credential>();
    c->access_key_id = std::string(id);
    c->secret = SecretBytes::CopyFrom(std::string_view(kSecret));
    if (id == "ASIAEXAMPLE") {
      c->principal.type = identity::PrincipalType::kAssumedRole;
      c->expires = FromUnixMillis(INT64_MAX / 2);
    }
    return std::shared_ptr<const identity::Credential>(c);
  }

  static SigningCredentials Creds(std::string id = "AKIDEXAMPLE", std::string token = "") {
    return {std::move(id), SecretBytes::CopyFrom(std::string_view(kSecret)), std::move(token)};
  }

  std::string Authorization(const http::Request& r) {
    return std::string(r.HeaderValue("authorization"));
  }

  coffer::testing::FakeClock clock_;
  crypto::OpensslHashes hashes_;
  SigV4Verifier verifier_{hashes_, clock_, Lookup};
};

// AWS's SigV4 test suite, "get-vanilla".
TEST_F(SigV4SignerTest, MatchesAwsTestSuiteVanillaSignature) {
  http::Request r;
  r.method = "GET";
  r.target = "/";
  r.headers = {{"host", "example.amazonaws.com"}};
  SignSigV4(r, Creds(), {"us-east-1", "service", /*add_content_sha256=*/false}, clock_.Now(),
            hashes_);
  EXPECT_EQ(Authorization(r),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
            "SignedHeaders=host;x-amz-date, "
            "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

// The same request botocore 1.43 signed (see sigv4_test.cc, JsonPost).
TEST_F(SigV4SignerTest, MatchesBotocoreJsonSignature) {
  http::Request r;
  r.method = "POST";
  r.target = "/";
  r.headers = {{"content-type", "application/x-amz-json-1.1"},
               {"x-amz-target", "secretsmanager.GetSecretValue"},
               {"host", "127.0.0.1:8443"}};
  r.body = R"({"SecretId":"prod/db"})";
  SignSigV4(r, Creds(), {"eu-west-1", "secretsmanager", false}, clock_.Now(), hashes_);
  EXPECT_NE(Authorization(r).find(
                "Signature=f9f7f74bb8b83b19fc387f60b14e4e4881e33d5f482156a4923a447c00a2115f"),
            std::string::npos)
      << Authorization(r);
}

TEST_F(SigV4SignerTest, TheVerifierAcceptsWhatItSigns) {
  http::Request r;
  r.method = "POST";
  r.target = "/sys/rotate-root?x=a%20b&a=1";
  r.headers = {{"host", "127.0.0.1:8700"}, {"content-type", "application/json"}};
  r.body = "{}";
  SignSigV4(r, Creds(), {"us-east-1", "coffer"}, clock_.Now(), hashes_);
  EXPECT_EQ(r.HeaderValue("x-amz-content-sha256"),
            "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
  auto v = verifier_.Verify(r, "coffer");
  ASSERT_TRUE(std::holds_alternative<Authenticated>(v)) << std::get<ApiError>(v).message;
  EXPECT_EQ(std::get<Authenticated>(v).credential->access_key_id, "AKIDEXAMPLE");

  // Signing again replaces the old signature instead of adding a second one.
  SignSigV4(r, Creds(), {"us-east-1", "coffer"}, clock_.Now(), hashes_);
  int auth_headers = 0;
  for (const auto& h : r.headers) auth_headers += h.name == "authorization" ? 1 : 0;
  EXPECT_EQ(auth_headers, 1);
  EXPECT_TRUE(std::holds_alternative<Authenticated>(verifier_.Verify(r, "coffer")));
}

TEST_F(SigV4SignerTest, SessionTokenIsSentAndSigned) {
  http::Request r;
  r.method = "POST";
  r.target = "/";
  r.headers = {{"host", "localhost"}};
  SignSigV4(r, Creds("ASIAEXAMPLE", "session-token"), {"us-east-1", "coffer"}, clock_.Now(),
            hashes_);
  EXPECT_EQ(r.HeaderValue("x-amz-security-token"), "session-token");
  EXPECT_NE(Authorization(r).find("x-amz-security-token"), std::string::npos);
  EXPECT_TRUE(std::holds_alternative<Authenticated>(verifier_.Verify(r, "coffer")));
}

TEST_F(SigV4SignerTest, TamperingOrTheWrongScopeIsRejected) {
  http::Request r;
  r.method = "POST";
  r.target = "/sys/seal";
  r.headers = {{"host", "127.0.0.1:8700"}};
  r.body = "{}";
  SignSigV4(r, Creds(), {"us-east-1", "coffer"}, clock_.Now(), hashes_);

  http::Request body = r;
  body.body = "{ }";
  EXPECT_EQ(std::get<ApiError>(verifier_.Verify(body, "coffer")).code, "InvalidSignatureException");
  http::Request path = r;
  path.target = "/sys/unseal";
  EXPECT_EQ(std::get<ApiError>(verifier_.Verify(path, "coffer")).code, "InvalidSignatureException");
  EXPECT_EQ(std::get<ApiError>(verifier_.Verify(r, "kms")).code, "InvalidSignatureException");

  SigningCredentials wrong = Creds();
  wrong.secret_access_key = SecretBytes::CopyFrom(std::string_view("not-the-secret"));
  http::Request bad = r;
  SignSigV4(bad, wrong, {"us-east-1", "coffer"}, clock_.Now(), hashes_);
  EXPECT_EQ(std::get<ApiError>(verifier_.Verify(bad, "coffer")).code, "InvalidSignatureException");
}

}  // namespace
}  // namespace coffer::api
