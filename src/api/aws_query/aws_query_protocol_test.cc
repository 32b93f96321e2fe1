#include "api/aws_query/aws_query_protocol.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <optional>
#include <set>

#include "api/common/sigv4_signer.h"
#include "base/testing/fake_clock.h"
#include "core/identity/identity_service.h"
#include "crypto/openssl/openssl_hashes.h"
#include "crypto/testing/fake_random.h"

namespace coffer::api::aws_query {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kSecret[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr char kStsVersion[] = "Version=2011-06-15";
constexpr char kIamVersion[] = "Version=2010-05-08";

// A service whose handler each test sets; records what the handler saw.
class FakeService final : public QueryService {
 public:
  FakeService(std::string name, const QueryModel& model) : name_(std::move(name)), model_(model) {}

  std::string_view signing_name() const override { return name_; }
  const QueryModel& model() const override { return model_; }
  bool Implements(std::string_view op) const override { return !unimplemented.contains(op); }
  bool MayBlock(std::string_view op) const override { return op == "CreateRole"; }
  Result<void> Invoke(std::string_view op, aws_json::Call& call) override {
    invoked = std::string(op);
    seen_request_id = call.ctx.request_id;
    seen_operation = std::string(call.ctx.operation);
    seen_region = call.ctx.region;
    seen_principal_arn =
        call.ctx.credential ? std::optional(call.ctx.principal().arn) : std::nullopt;
    if (handler) return handler(op, call);
    return {};
  }
  ApiError MapError(const Error& e) const override {
    if (e.code == ErrorCode::kNotFound) return {404, "NoSuchEntity", e.message, false};
    return {500, "ServiceFailure", "An internal error occurred.", false};
  }

  std::function<Result<void>(std::string_view, aws_json::Call&)> handler;
  std::set<std::string, std::less<>> unimplemented;
  std::optional<std::string> invoked;
  std::string seen_request_id, seen_operation, seen_region;
  std::optional<std::string> seen_principal_arn;

 private:
  std::string name_;
  const QueryModel& model_;
};

class AwsQueryProtocolTest : public ::testing::Test {
 protected:
  AwsQueryProtocolTest() : clock_(*ParseAmzDate("20261122T052540Z")) {
    protocol_.AddService(&sts_);
    protocol_.AddService(&iam_);
  }

  static Result<std::shared_ptr<const identity::Credential>> Lookup(std::string_view id) {
    if (id == "ASIAEXPIRED") {
      return UnauthenticatedError("expired", identity::reason::kExpiredCredentials);
    }
    if (id != "AKIDEXAMPLE") return NotFoundError("unknown", identity::reason::kUnknownAccessKey);
    auto c = std::make_shared<identity::Credential>();
    c->access_key_id = std::string(id);
    c->secret = SecretBytes::CopyFrom(std::string_view(kSecret));
    c->principal.arn = "arn:aws:iam::123456789012:user/alice";
    return std::shared_ptr<const identity::Credential>(c);
  }

  http::Request Post(std::string body, std::string_view service = "",
                     std::string_view access_key = "AKIDEXAMPLE") {
    http::Request r;
    r.method = "POST";
    r.target = "/";
    r.headers = {{"host", "127.0.0.1:8443"},
                 {"content-type", "application/x-www-form-urlencoded; charset=utf-8"}};
    r.body = std::move(body);
    if (!service.empty()) Sign(r, service, access_key);
    return r;
  }

  http::Request Get(std::string query, std::string_view service = "") {
    http::Request r;
    r.method = "GET";
    r.target = "/?" + std::move(query);
    r.headers = {{"host", "127.0.0.1:8443"}};
    if (!service.empty()) Sign(r, service, "AKIDEXAMPLE");
    return r;
  }

  void Sign(http::Request& r, std::string_view service, std::string_view access_key) {
    SigningCredentials creds{std::string(access_key),
                             SecretBytes::CopyFrom(std::string_view(kSecret)), ""};
    SignSigV4(r, creds, {"eu-west-1", std::string(service), false}, clock_.Now(), hashes_);
  }

  // The <Code> of an error response.
  static std::string Code(const http::Response& r) {
    size_t start = r.body.find("<Code>");
    size_t end = r.body.find("</Code>");
    if (start == std::string::npos || end == std::string::npos) return "(none) " + r.body;
    return r.body.substr(start + 6, end - start - 6);
  }

  static std::string Header(const http::Response& r, std::string_view name) {
    for (const auto& h : r.headers) {
      if (h.name == name) return h.value;
    }
    return {};
  }

  coffer::testing::FakeClock clock_;
  crypto::OpensslHashes hashes_;
  crypto::testing::FakeRandom random_;
  SigV4Verifier verifier_{hashes_, clock_, Lookup};
  metrics::Registry registry_;
  AwsQueryProtocol protocol_{verifier_, random_, clock_, RequestMetrics::Register(registry_)};
  FakeService sts_{"sts", StsModel()};
  FakeService iam_{"iam", IamModel()};
};

TEST_F(AwsQueryProtocolTest, ServesASignedStsCall) {
  sts_.handler = [](std::string_view, aws_json::Call& call) -> Result<void> {
    call.out.StartObject();
    call.out.Field("UserId", "AIDAEXAMPLE");
    call.out.Field("Account", "123456789012");
    call.out.Field("Arn", "arn:aws:iam::123456789012:user/alice");
    call.out.EndObject();
    return {};
  };
  http::Request req = Post(std::string("Action=GetCallerIdentity&") + kStsVersion, "sts");
  http::Response r = protocol_.Handle(req);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Header(r, "content-type"), "text/xml");
  EXPECT_EQ(Header(r, "date"), "Sun, 22 Nov 2026 05:25:40 GMT");
  std::string id = Header(r, "x-amzn-requestid");
  EXPECT_EQ(id.size(), 36u);
  EXPECT_EQ(r.body,
            "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
            "<GetCallerIdentityResult><UserId>AIDAEXAMPLE</UserId><Account>123456789012"
            "</Account><Arn>arn:aws:iam::123456789012:user/alice</Arn></GetCallerIdentityResult>"
            "<ResponseMetadata><RequestId>" +
                id + "</RequestId></ResponseMetadata></GetCallerIdentityResponse>");
  EXPECT_EQ(sts_.seen_request_id, id);
  EXPECT_EQ(sts_.seen_operation, "GetCallerIdentity");
  EXPECT_EQ(sts_.seen_region, "eu-west-1");
  EXPECT_EQ(sts_.seen_principal_arn, "arn:aws:iam::123456789012:user/alice");
  EXPECT_FALSE(iam_.invoked.has_value());
}

TEST_F(AwsQueryProtocolTest, TheCredentialScopePicksTheService) {
  http::Request req = Post(std::string("Action=ListUsers&") + kIamVersion, "iam");
  http::Response r = protocol_.Handle(req);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(iam_.invoked, "ListUsers");
  EXPECT_THAT(r.body, HasSubstr("<ListUsersResponse xmlns=\"https://iam.amazonaws.com/doc/"
                                "2010-05-08/\"><ListUsersResult></ListUsersResult>"));
  // An IAM action signed for STS is not an STS action.
  http::Request wrong = Post(std::string("Action=ListUsers&") + kIamVersion, "sts");
  r = protocol_.Handle(wrong);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(Code(r), "InvalidAction");
  EXPECT_THAT(r.body, HasSubstr("xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\""));
  // A scope no service here answers to.
  http::Request s3 = Post(std::string("Action=ListUsers&") + kIamVersion, "s3");
  r = protocol_.Handle(s3);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(Code(r), "SignatureDoesNotMatch");
  EXPECT_THAT(r.body, HasSubstr("not 's3'"));
}

TEST_F(AwsQueryProtocolTest, ServesGetRequests) {
  http::Request req = Get("Action=GetCallerIdentity&Version=2011-06-15", "sts");
  EXPECT_TRUE(protocol_.Accepts(req));
  http::Response r = protocol_.Handle(req);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(sts_.invoked, "GetCallerIdentity");
}

TEST_F(AwsQueryProtocolTest, UnsignedOperationsAreServedWithoutACredential) {
  sts_.handler = [](std::string_view, aws_json::Call& call) -> Result<void> {
    EXPECT_EQ(call.in.StrOr("RoleSessionName"), "s1");
    EXPECT_EQ(call.in.Int("DurationSeconds"), 3600);
    call.out.StartObject();
    call.out.Key("Credentials");
    call.out.StartObject();
    call.out.Field("AccessKeyId", "ASIAEXAMPLE");
    call.out.Field("SecretAccessKey", "secret");
    call.out.Field("SessionToken", "token");
    call.out.FieldTime("Expiration", *ParseIso8601("2026-11-22T06:25:40Z"));
    call.out.EndObject();
    call.out.EndObject();
    return {};
  };
  http::Request req = Post(
      "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456"
      "789012%3Arole%2Feso&RoleSessionName=s1&WebIdentityToken=eyJhbGciOi&DurationSeconds=3600");
  http::Response r = protocol_.Handle(req);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(sts_.invoked, "AssumeRoleWithWebIdentity");
  EXPECT_EQ(sts_.seen_principal_arn, std::nullopt);
  EXPECT_EQ(sts_.seen_region, "");
  EXPECT_THAT(r.body, HasSubstr("<Expiration>2026-11-22T06:25:40Z</Expiration>"));
}

TEST_F(AwsQueryProtocolTest, OtherOperationsNeedASignature) {
  for (std::string body :
       {std::string("Action=GetCallerIdentity&") + kStsVersion,
        std::string("Action=ListUsers&") + kIamVersion,
        std::string("Action=NoSuchThing&") + kStsVersion, std::string(kStsVersion)}) {
    http::Request req = Post(body);
    http::Response r = protocol_.Handle(req);
    EXPECT_EQ(r.status, 403) << body;
    EXPECT_EQ(Code(r), "MissingAuthenticationToken") << body;
  }
  EXPECT_FALSE(sts_.invoked.has_value());
  EXPECT_FALSE(iam_.invoked.has_value());
}

TEST_F(AwsQueryProtocolTest, SignatureErrorsUseTheQueryCodes) {
  // A tampered body.
  http::Request tampered = Post(std::string("Action=GetCallerIdentity&") + kStsVersion, "sts");
  tampered.body += "&x=1";
  http::Response r = protocol_.Handle(tampered);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(Code(r), "SignatureDoesNotMatch");
  EXPECT_THAT(r.body, HasSubstr("<Type>Sender</Type>"));
  // An unknown access key.
  http::Request unknown =
      Post(std::string("Action=GetCallerIdentity&") + kStsVersion, "sts", "AKIDUNKNOWN");
  r = protocol_.Handle(unknown);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(Code(r), "InvalidClientTokenId");
  // Expired temporary credentials.
  http::Request expired =
      Post(std::string("Action=GetCallerIdentity&") + kStsVersion, "sts", "ASIAEXPIRED");
  r = protocol_.Handle(expired);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(Code(r), "ExpiredToken");
  // A malformed Authorization header.
  http::Request incomplete = Post(std::string("Action=GetCallerIdentity&") + kStsVersion);
  incomplete.headers.push_back(
      {"authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261122"});
  r = protocol_.Handle(incomplete);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(Code(r), "IncompleteSignature");
  // Signed too long ago.
  http::Request old = Post(std::string("Action=GetCallerIdentity&") + kStsVersion, "sts");
  clock_.Advance(std::chrono::minutes(20));
  r = protocol_.Handle(old);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(Code(r), "SignatureDoesNotMatch");
  EXPECT_THAT(r.body, HasSubstr("Signature expired"));
  EXPECT_FALSE(sts_.invoked.has_value());
}

TEST_F(AwsQueryProtocolTest, ActionAndVersionMustMatchTheModel) {
  struct Case {
    std::string body;
    std::string code;
    std::string message;
  } cases[] = {
      {"Action=NoSuchThing&Version=2011-06-15", "InvalidAction",
       "Could not find operation NoSuchThing for version 2011-06-15"},
      {"Action=GetCallerIdentity&Version=2010-05-08", "InvalidAction",
       "Could not find operation GetCallerIdentity for version 2010-05-08"},
      {"Action=GetCallerIdentity", "InvalidAction",
       "Could not find operation GetCallerIdentity for version NO_VERSION_SPECIFIED"},
      {"Version=2011-06-15", "MissingAction", "The request must contain the parameter Action."},
      {"Action=%3Cscript%3E&Version=2011-06-15", "InvalidAction",
       "Could not find operation &lt;script&gt; for version 2011-06-15"},
  };
  for (const Case& c : cases) {
    http::Request req = Post(c.body, "sts");
    http::Response r = protocol_.Handle(req);
    EXPECT_EQ(r.status, 400) << c.body;
    EXPECT_EQ(Code(r), c.code) << c.body;
    EXPECT_THAT(r.body, HasSubstr("<Message>" + c.message + "</Message>")) << c.body;
  }
  EXPECT_FALSE(sts_.invoked.has_value());
}

TEST_F(AwsQueryProtocolTest, UnimplementedOperationsAreRefused) {
  sts_.unimplemented.insert("AssumeRoot");
  http::Request req = Post(
      std::string("Action=AssumeRoot&TargetPrincipal=123456789012&TaskPolicyArn.arn=arn%3Aaws%3A"
                  "iam%3A%3Aaws%3Apolicy%2Froot-task%2FIAMAuditRootUserCredentials&") +
          kStsVersion,
      "sts");
  http::Response r = protocol_.Handle(req);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(Code(r), "InvalidAction");
  EXPECT_THAT(r.body, HasSubstr("Coffer does not implement sts:AssumeRoot yet."));
}

TEST_F(AwsQueryProtocolTest, MalformedAndInvalidInputNeverReachesTheHandler) {
  struct Case {
    std::string body;
    std::string code;
  } cases[] = {
      {"Action=GetAccessKeyInfo&Version=2011-06-15&AccessKeyId=%ZZ", "MalformedQueryString"},
      {"Action=GetAccessKeyInfo&Version=2011-06-15&AccessKeyId=a&AccessKeyId=b",
       "MalformedQueryString"},
      {"Action=GetAccessKeyInfo&Version=2011-06-15", "ValidationError"},
      {"Action=GetSessionToken&Version=2011-06-15&DurationSeconds=soon", "ValidationError"},
      {"Action=GetSessionToken&Version=2011-06-15&DurationSeconds=1", "ValidationError"},
  };
  for (const Case& c : cases) {
    http::Request req = Post(c.body, "sts");
    http::Response r = protocol_.Handle(req);
    EXPECT_EQ(r.status, 400) << c.body;
    EXPECT_EQ(Code(r), c.code) << c.body << "\n" << r.body;
  }
  EXPECT_FALSE(sts_.invoked.has_value());
  // A POST that is not a form.
  http::Request json = Post("{}", "sts");
  json.headers[1].value = "application/json";
  EXPECT_FALSE(protocol_.Accepts(json));
  EXPECT_EQ(Code(protocol_.Handle(json)), "MalformedQueryString");
}

TEST_F(AwsQueryProtocolTest, DomainErrorsGoThroughMapError) {
  iam_.handler = [](std::string_view, aws_json::Call& call) -> Result<void> {
    EXPECT_EQ(call.in.StrOr("UserName"), "bob.dev+x");
    return NotFoundError("The user with name <bob & co> cannot be found.");
  };
  http::Request req =
      Post(std::string("Action=GetUser&UserName=bob.dev%2Bx&") + kIamVersion, "iam");
  http::Response r = protocol_.Handle(req);
  EXPECT_EQ(r.status, 404);
  std::string id = Header(r, "x-amzn-requestid");
  EXPECT_EQ(r.body,
            "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><Error>"
            "<Type>Sender</Type><Code>NoSuchEntity</Code><Message>The user with name &lt;bob "
            "&amp; co&gt; cannot be found.</Message></Error><RequestId>" +
                id + "</RequestId></ErrorResponse>");
  iam_.handler = [](std::string_view, aws_json::Call&) -> Result<void> {
    return InternalError("disk on fire");
  };
  http::Request failing = Post(std::string("Action=GetUser&") + kIamVersion, "iam");
  r = protocol_.Handle(failing);
  EXPECT_EQ(r.status, 500);
  EXPECT_THAT(r.body, HasSubstr("<Type>Receiver</Type><Code>ServiceFailure</Code>"));
  EXPECT_THAT(r.body, Not(HasSubstr("disk")));
}

TEST_F(AwsQueryProtocolTest, OutputThatDoesNotFitTheModelIsAnInternalFailure) {
  sts_.handler = [](std::string_view, aws_json::Call& call) -> Result<void> {
    call.out.StartObject();
    call.out.FieldInt("Account", 123456789012);  // the model says string
    call.out.EndObject();
    return {};
  };
  http::Request req = Post(std::string("Action=GetCallerIdentity&") + kStsVersion, "sts");
  http::Response r = protocol_.Handle(req);
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(Code(r), "InternalFailure");
}

TEST_F(AwsQueryProtocolTest, AcceptsFormPostsAndActionGets) {
  EXPECT_TRUE(protocol_.Accepts(Post("Action=GetCallerIdentity")));
  EXPECT_TRUE(protocol_.Accepts(Post("")));  // answered with MissingAuthenticationToken
  http::Request upper = Post("Action=X");
  upper.headers[1].value = "Application/X-WWW-Form-URLEncoded";
  EXPECT_TRUE(protocol_.Accepts(upper));
  http::Request json = Post("{}");
  json.headers.push_back({"x-amz-target", "secretsmanager.GetSecretValue"});
  EXPECT_FALSE(protocol_.Accepts(json));
  EXPECT_TRUE(protocol_.Accepts(Get("Action=GetCallerIdentity")));
  EXPECT_FALSE(protocol_.Accepts(Get("Foo=1")));
  http::Request put = Post("Action=X");
  put.method = "PUT";
  EXPECT_FALSE(protocol_.Accepts(put));
}

TEST_F(AwsQueryProtocolTest, MayBlockAsksTheRoutedService) {
  EXPECT_TRUE(protocol_.MayBlock(Post("Action=CreateRole&RoleName=r", "iam")));
  EXPECT_FALSE(protocol_.MayBlock(Post("Action=ListUsers", "iam")));
  // CreateRole is not an STS action; an unsigned one is not served at all.
  EXPECT_FALSE(protocol_.MayBlock(Post("Action=CreateRole", "sts")));
  EXPECT_FALSE(protocol_.MayBlock(Post("Action=CreateRole")));
  EXPECT_FALSE(protocol_.MayBlock(Post("Version=1")));
}

TEST_F(AwsQueryProtocolTest, ErrorResponseForRefusedRequests) {
  http::Response r =
      protocol_.ErrorResponse({503, "ServiceUnavailable", "Coffer is sealed", false}, "rid");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(Header(r, "content-type"), "text/xml");
  EXPECT_EQ(Header(r, "x-amzn-requestid"), "rid");
  EXPECT_THAT(r.body, HasSubstr("<Type>Receiver</Type><Code>ServiceUnavailable</Code>"));
}

TEST_F(AwsQueryProtocolTest, RecordsMetrics) {
  http::Request ok = Post(std::string("Action=GetCallerIdentity&") + kStsVersion, "sts");
  (void)protocol_.Handle(ok);
  http::Request bad =
      Post(std::string("Action=GetSessionToken&DurationSeconds=x&") + kStsVersion, "sts");
  (void)protocol_.Handle(bad);
  http::Request anonymous = Post(std::string("Action=GetCallerIdentity&") + kStsVersion);
  (void)protocol_.Handle(anonymous);
  std::string text = registry_.Render();
  EXPECT_THAT(
      text,
      HasSubstr(
          R"(coffer_requests_total{service="sts",operation="GetCallerIdentity",code="OK"} 1)"));
  EXPECT_THAT(
      text,
      HasSubstr(
          R"(coffer_requests_total{service="sts",operation="GetSessionToken",code="ValidationError"} 1)"));
  EXPECT_THAT(
      text,
      HasSubstr(
          R"(coffer_requests_total{service="unknown",operation="unknown",code="MissingAuthenticationToken"} 1)"));
  EXPECT_THAT(
      text,
      HasSubstr(
          R"(coffer_request_duration_seconds_count{service="sts",operation="GetCallerIdentity"} 1)"));
}

}  // namespace
}  // namespace coffer::api::aws_query
