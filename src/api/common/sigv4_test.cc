#include "api/common/sigv4.h"

#include <gtest/gtest.h>

#include "base/testing/fake_clock.h"
#include "core/identity/identity_service.h"
#include "crypto/openssl/openssl_hashes.h"

namespace coffer::api {
namespace {

constexpr char kSecret[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

http::Request Req(std::string method, std::string target, std::vector<http::Header> headers,
                  std::string body = "") {
  http::Request r;
  r.method = std::move(method);
  r.target = std::move(target);
  r.headers = std::move(headers);
  r.body = std::move(body);
  return r;
}

class SigV4Test : public ::testing::Test {
 protected:
  SigV4Test() : clock_(*ParseAmzDate("20150830T123600Z")) {}

  std::variant<Authenticated, ApiError> Verify(const http::Request& r, std::string_view svc) {
    return verifier_.Verify(r, svc);
  }
  ApiError Error(const http::Request& r, std::string_view svc) {
    auto v = Verify(r, svc);
    EXPECT_TRUE(std::holds_alternative<ApiError>(v));
    return std::holds_alternative<ApiError>(v) ? std::get<ApiError>(v) : ApiError{};
  }

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

  coffer::testing::FakeClock clock_;
  crypto::OpensslHashes hashes_;
  SigV4Verifier verifier_{hashes_, clock_, Lookup};
};

// AWS's SigV4 test suite, "get-vanilla".
http::Request Vanilla() {
  return Req("GET", "/",
             {{"host", "example.amazonaws.com"},
              {"x-amz-date", "20150830T123600Z"},
              {"authorization",
               "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
               "SignedHeaders=host;x-amz-date, "
               "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"}});
}

// Signed by botocore 1.43 (SigV4Auth, awsJson1_1 request).
http::Request JsonPost(std::string body = R"({"SecretId":"prod/db"})") {
  return Req("POST", "/",
             {{"content-type", "application/x-amz-json-1.1"},
              {"x-amz-target", "secretsmanager.GetSecretValue"},
              {"host", "127.0.0.1:8443"},
              {"x-amz-date", "20150830T123600Z"},
              {"authorization",
               "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/eu-west-1/secretsmanager/"
               "aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, "
               "Signature=f9f7f74bb8b83b19fc387f60b14e4e4881e33d5f482156a4923a447c00a2115f"}},
             std::move(body));
}

TEST_F(SigV4Test, AcceptsAwsTestSuiteVanillaRequest) {
  auto v = Verify(Vanilla(), "service");
  ASSERT_TRUE(std::holds_alternative<Authenticated>(v)) << std::get<ApiError>(v).message;
  EXPECT_EQ(std::get<Authenticated>(v).region, "us-east-1");
}

TEST_F(SigV4Test, AcceptsBotocoreJsonRequestInAnyRegion) {
  auto v = Verify(JsonPost(), "secretsmanager");
  ASSERT_TRUE(std::holds_alternative<Authenticated>(v)) << std::get<ApiError>(v).message;
  EXPECT_EQ(std::get<Authenticated>(v).region, "eu-west-1");
  EXPECT_EQ(std::get<Authenticated>(v).credential->access_key_id, "AKIDEXAMPLE");
}

TEST_F(SigV4Test, CanonicalisesPathQueryAndHeaderWhitespace) {
  // botocore: GET /a%20b/./c/?b=2&a=1&a=0&c=%7E with "My-Header: '  a   b  '" and a token.
  auto r = Req("GET", "/a%20b/./c/?b=2&a=1&a=0&c=%7E",
               {{"my-header", "  a   b  "},
                {"x-amz-date", "20150830T123600Z"},
                {"x-amz-security-token", "tok"},
                {"host", "example.amazonaws.com"},
                {"authorization",
                 "AWS4-HMAC-SHA256 Credential=ASIAEXAMPLE/20150830/us-east-1/service/"
                 "aws4_request, SignedHeaders=host;my-header;x-amz-date;x-amz-security-token, "
                 "Signature=894e5123bfb037629322795c5781eb52346b65c385b25482a738435751df66ae"}});
  // The vector was made with AKIDEXAMPLE; recompute the expectation for the session key id.
  SigV4Authorization auth =
      std::get<SigV4Authorization>(ParseSigV4Authorization(r.headers.back().value));
  std::string canonical =
      CanonicalRequest(r, auth, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(canonical,
            "GET\n/a%2520b/c/\na=0&a=1&b=2&c=~\nhost:example.amazonaws.com\nmy-header:a b\n"
            "x-amz-date:20150830T123600Z\nx-amz-security-token:tok\n\n"
            "host;my-header;x-amz-date;x-amz-security-token\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_F(SigV4Test, TamperedBodyFailsWithCanonicalStringInMessage) {
  ApiError e = Error(JsonPost(R"({"SecretId":"prod/other"})"), "secretsmanager");
  EXPECT_EQ(e.code, "InvalidSignatureException");
  EXPECT_EQ(e.status, 400);
  EXPECT_TRUE(e.lowercase_message);
  EXPECT_NE(e.message.find("The request signature we calculated does not match"),
            std::string::npos);
  EXPECT_NE(e.message.find("The Canonical String for this request should have been"),
            std::string::npos);
  EXPECT_EQ(e.message.find(kSecret), std::string::npos);
}

TEST_F(SigV4Test, TamperedSignatureHeaderOrSignedHeaderFails) {
  auto r = JsonPost();
  r.headers[1].value = "secretsmanager.DeleteSecret";  // x-amz-target is signed
  EXPECT_EQ(Error(r, "secretsmanager").code, "InvalidSignatureException");
  auto r2 = JsonPost();
  std::string& a = r2.headers.back().value;
  a[a.size() - 1] = a[a.size() - 1] == '0' ? '1' : '0';
  EXPECT_EQ(Error(r2, "secretsmanager").code, "InvalidSignatureException");
}

TEST_F(SigV4Test, UnknownKeyIsUnrecognizedClient) {
  auto r = JsonPost();
  std::string& a = r.headers.back().value;
  a.replace(a.find("AKIDEXAMPLE"), 11, "AKIDUNKNOWN");
  ApiError e = Error(r, "secretsmanager");
  EXPECT_EQ(e.code, "UnrecognizedClientException");
  EXPECT_EQ(e.message, "The security token included in the request is invalid.");
}

TEST_F(SigV4Test, MissingAndMalformedHeaders) {
  auto none = JsonPost();
  none.headers.pop_back();
  ApiError e = Error(none, "secretsmanager");
  EXPECT_EQ(e.code, "MissingAuthenticationTokenException");
  EXPECT_EQ(e.message, "Missing Authentication Token");

  auto partial = JsonPost();
  partial.headers.back().value =
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/eu-west-1/secretsmanager/aws4_request";
  e = Error(partial, "secretsmanager");
  EXPECT_EQ(e.code, "IncompleteSignatureException");
  EXPECT_EQ(e.message,
            "Authorization header requires 'Signature' parameter. Authorization header requires "
            "'SignedHeaders' parameter. Authorization=AWS4-HMAC-SHA256");

  auto short_cred = JsonPost();
  short_cred.headers.back().value =
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/eu-west-1, SignedHeaders=host, "
      "Signature=00";
  EXPECT_EQ(Error(short_cred, "secretsmanager").message,
            "Credential must have exactly 5 slash-delimited elements, e.g. "
            "keyid/date/region/service/term, got 'AKIDEXAMPLE/20150830/eu-west-1'");

  auto no_date = JsonPost();
  no_date.headers.erase(no_date.headers.begin() + 3);
  EXPECT_EQ(Error(no_date, "secretsmanager").code, "IncompleteSignatureException");

  auto bad_date = JsonPost();
  bad_date.headers[3].value = "2015-08-30";
  EXPECT_EQ(Error(bad_date, "secretsmanager").message,
            "Date must be in ISO-8601 'basic format'. Got '2015-08-30'. See "
            "http://en.wikipedia.org/wiki/ISO_8601");

  auto algorithm = JsonPost();
  algorithm.headers.back().value = "Bearer abc";
  EXPECT_EQ(Error(algorithm, "secretsmanager").code, "IncompleteSignatureException");
}

TEST_F(SigV4Test, WrongServiceInScope) {
  ApiError e = Error(JsonPost(), "kms");
  EXPECT_EQ(e.code, "InvalidSignatureException");
  EXPECT_EQ(e.message, "Credential should be scoped to correct service: 'kms'. ");
}

TEST_F(SigV4Test, ClockSkewBeyondFifteenMinutes) {
  clock_.Advance(std::chrono::minutes(14));
  EXPECT_TRUE(std::holds_alternative<Authenticated>(Verify(JsonPost(), "secretsmanager")));
  clock_.Advance(std::chrono::minutes(2));
  ApiError e = Error(JsonPost(), "secretsmanager");
  EXPECT_EQ(e.code, "InvalidSignatureException");
  EXPECT_EQ(e.message,
            "Signature expired: 20150830T123600Z is now earlier than 20150830T123700Z "
            "(20150830T125200Z - 15 min.)");
  clock_.Set(*ParseAmzDate("20150830T121000Z"));
  e = Error(JsonPost(), "secretsmanager");
  EXPECT_EQ(e.message,
            "Signature not yet current: 20150830T123600Z is still later than 20150830T122500Z "
            "(20150830T121000Z + 15 min.)");
}

TEST_F(SigV4Test, ScopeDateMustMatchAmzDate) {
  auto r = JsonPost();
  r.headers[3].value = "20150831T000000Z";
  clock_.Set(*ParseAmzDate("20150831T000000Z"));
  ApiError e = Error(r, "secretsmanager");
  EXPECT_EQ(e.code, "InvalidSignatureException");
  EXPECT_EQ(e.message,
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from "
            "HTTP: '20150830' != '20150831', from '20150831T000000Z'.");
}

TEST_F(SigV4Test, SessionTokenRequiredExactlyForSessionKeys) {
  auto with_token = JsonPost();
  with_token.headers.push_back({"x-amz-security-token", "tok"});
  EXPECT_EQ(Error(with_token, "secretsmanager").code, "UnrecognizedClientException");
}

TEST_F(SigV4Test, SessionCredentialsAreBoundToTheirOwnToken) {
  // A lookup that, like IdentityService, returns the credential a token opens: the verifier
  // must still refuse a request whose token is not that credential's.
  SigV4Verifier verifier(hashes_, clock_, [](std::string_view id, std::string_view) {
    auto c = std::make_shared<identity::Credential>();
    c->access_key_id = std::string(id);
    c->secret = SecretBytes::CopyFrom(std::string_view(kSecret));
    c->principal.type = identity::PrincipalType::kAssumedRole;
    c->expires = FromUnixMillis(INT64_MAX / 2);
    c->session_token = "the-real-token";
    return Result<std::shared_ptr<const identity::Credential>>(
        std::shared_ptr<const identity::Credential>(c));
  });
  auto r = Req("POST", "/",
               {{"host", "example.amazonaws.com"},
                {"x-amz-date", "20150830T123600Z"},
                {"x-amz-security-token", "another-token"},
                {"authorization",
                 "AWS4-HMAC-SHA256 Credential=ASIAEXAMPLE/20150830/us-east-1/service/"
                 "aws4_request, SignedHeaders=host;x-amz-date;x-amz-security-token, "
                 "Signature=" +
                     std::string(64, '0')}});
  auto v = verifier.Verify(r, "service");
  ASSERT_TRUE(std::holds_alternative<ApiError>(v));
  EXPECT_EQ(std::get<ApiError>(v).code, "UnrecognizedClientException");
  // With its own token the request gets as far as the signature check.
  r.headers[2].value = "the-real-token";
  v = verifier.Verify(r, "service");
  ASSERT_TRUE(std::holds_alternative<ApiError>(v));
  EXPECT_EQ(std::get<ApiError>(v).code, "InvalidSignatureException");
}

TEST_F(SigV4Test, DeclaredPayloadHashMustMatchBody) {
  auto r = JsonPost();
  r.headers.push_back({"x-amz-content-sha256", std::string(64, 'a')});
  EXPECT_EQ(Error(r, "secretsmanager").code, "InvalidSignatureException");
  auto unsigned_payload = JsonPost();
  unsigned_payload.headers.push_back({"x-amz-content-sha256", "UNSIGNED-PAYLOAD"});
  EXPECT_EQ(Error(unsigned_payload, "secretsmanager").message,
            "UNSIGNED-PAYLOAD is only accepted over HTTPS.");
}

TEST_F(SigV4Test, SigningKeyCacheIsPerCredentialObject) {
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(std::holds_alternative<Authenticated>(Verify(Vanilla(), "service")));
  }
}

}  // namespace
}  // namespace coffer::api
