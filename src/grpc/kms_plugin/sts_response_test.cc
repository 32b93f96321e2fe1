#include "grpc/kms_plugin/sts_response.h"

#include <gtest/gtest.h>

namespace coffer::kmsplugin {
namespace {

// The shape botocore reads (resultWrapper AssumeRoleWithWebIdentityResult), as in the AWS docs.
constexpr char kSuccess[] =
    R"(<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleWithWebIdentityResult>
    <Credentials>
      <AccessKeyId>ASIAE2ETEST000000009</AccessKeyId>
      <SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY</SecretAccessKey>
      <SessionToken>IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQ</SessionToken>
      <Expiration>2026-11-22T05:25:40Z</Expiration>
    </Credentials>
    <SubjectFromWebIdentityToken>system:serviceaccount:kube-system:coffer-kms</SubjectFromWebIdentityToken>
    <AssumedRoleUser>
      <AssumedRoleId>AROAE2ETEST000000001:s1</AssumedRoleId>
      <Arn>arn:aws:sts::123456789012:assumed-role/k8s-kms/s1</Arn>
    </AssumedRoleUser>
    <Provider>arn:aws:iam::123456789012:oidc-provider/kubernetes.default.svc</Provider>
    <Audience>sts.amazonaws.com</Audience>
    <PackedPolicySize>6</PackedPolicySize>
  </AssumeRoleWithWebIdentityResult>
  <ResponseMetadata><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ResponseMetadata>
</AssumeRoleWithWebIdentityResponse>)";

std::string ErrorBody(const std::string& code, const std::string& message) {
  return R"(<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>)" +
         code + "</Code><Message>" + message +
         "</Message></Error><RequestId>r-1</RequestId></ErrorResponse>";
}

TEST(StsResponseTest, ParsesTheCredentials) {
  auto c = ParseAssumeRoleWithWebIdentityResponse(200, kSuccess);
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->access_key_id, "ASIAE2ETEST000000009");
  EXPECT_EQ(c->secret_access_key.view(), "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY");
  EXPECT_EQ(c->session_token, "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQ");
  EXPECT_EQ(FormatIso8601(c->expiration), "2026-11-22T05:25:40Z");
  EXPECT_EQ(c->assumed_role_arn, "arn:aws:sts::123456789012:assumed-role/k8s-kms/s1");
}

TEST(StsResponseTest, MatchesElementsWithoutTheirNamespacePrefix) {
  std::string body =
      R"(<sts:AssumeRoleWithWebIdentityResponse xmlns:sts="https://sts.amazonaws.com/doc/2011-06-15/">
    <sts:AssumeRoleWithWebIdentityResult><sts:Credentials>
    <sts:AccessKeyId>ASIA1</sts:AccessKeyId><sts:SecretAccessKey><![CDATA[s&cret]]></sts:SecretAccessKey>
    <sts:SessionToken>tok&amp;en</sts:SessionToken><sts:Expiration>2026-11-22T05:25:40.123Z</sts:Expiration>
    </sts:Credentials></sts:AssumeRoleWithWebIdentityResult></sts:AssumeRoleWithWebIdentityResponse>)";
  auto c = ParseAssumeRoleWithWebIdentityResponse(200, body);
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->secret_access_key.view(), "s&cret");
  EXPECT_EQ(c->session_token, "tok&en");
  EXPECT_EQ(c->assumed_role_arn, "");
}

TEST(StsResponseTest, MapsStsErrorsToCodes) {
  struct Case {
    int status;
    std::string code;
    ErrorCode want;
  };
  for (const Case& c : {Case{400, "InvalidIdentityToken", ErrorCode::kUnauthenticated},
                        Case{400, "ExpiredTokenException", ErrorCode::kUnauthenticated},
                        Case{403, "IDPRejectedClaim", ErrorCode::kPermissionDenied},
                        Case{403, "AccessDenied", ErrorCode::kPermissionDenied},
                        Case{400, "IDPCommunicationError", ErrorCode::kUnavailable},
                        Case{503, "ServiceUnavailable", ErrorCode::kUnavailable},
                        Case{400, "MalformedPolicyDocument", ErrorCode::kInvalidArgument}}) {
    auto r = ParseAssumeRoleWithWebIdentityResponse(c.status, ErrorBody(c.code, "why\nnot"));
    ASSERT_FALSE(r.has_value()) << c.code;
    EXPECT_EQ(r.error().code, c.want) << c.code;
    EXPECT_NE(r.error().message.find(c.code), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find("why?not"), std::string::npos) << r.error().message;
  }
}

TEST(StsResponseTest, ServerErrorsWithoutXmlAreUnavailable) {
  auto r = ParseAssumeRoleWithWebIdentityResponse(502, "<html>bad gateway");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(r.error().message.find("HTTP 502"), std::string::npos);
}

TEST(StsResponseTest, RefusesIncompleteOrMalformedAnswers) {
  std::string no_token = kSuccess;
  no_token.replace(no_token.find("<SessionToken>"),
                   no_token.find("</SessionToken>") + 15 - no_token.find("<SessionToken>"), "");
  std::string bad_expiry = kSuccess;
  bad_expiry.replace(bad_expiry.find("2026-11-22T05:25:40Z"), 20, "tomorrow");
  std::string two_secrets = kSuccess;
  two_secrets.replace(two_secrets.find("EXAMPLEKEY"), 10, "A<b>x</b>B");
  for (const std::string& body :
       {no_token, bad_expiry, two_secrets, std::string("<AssumeRoleWithWebIdentityResponse>"),
        std::string("not xml"), std::string(""), ErrorBody("X", "y")}) {
    auto r = ParseAssumeRoleWithWebIdentityResponse(200, body);
    ASSERT_FALSE(r.has_value()) << body;
    EXPECT_EQ(r.error().code, ErrorCode::kInternal) << body;
    EXPECT_EQ(r.error().message.find("wJalrXUtnFEMI"), std::string::npos);
  }
}

}  // namespace
}  // namespace coffer::kmsplugin
