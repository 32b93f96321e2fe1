#include "api/aws_query/sts_api.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <memory>
#include <string>

#include "api/common/policy_document_parser.h"
#include "base/testing/fake_clock.h"
#include "core/identity/web_identity.h"
#include "crypto/openssl/openssl_aead.h"
#include "crypto/openssl/openssl_random.h"
#include "storage/memory/memory_access_key_store.h"
#include "storage/memory/memory_iam_store.h"
#include "storage/memory/memory_key_store.h"

namespace coffer::api::aws_query {
namespace {

// A verifier whose errors quote the token, as a careless one might.
class LeakyVerifier final : public identity::WebIdentityVerifier {
 public:
  Result<std::string> UnverifiedIssuer(std::string_view token) const override {
    return InvalidArgumentError("cannot parse token " + std::string(token),
                                identity::reason::kInvalidIdentityToken);
  }
  Result<identity::WebIdentityClaims> Verify(std::string_view, const identity::OidcProvider&,
                                             Timestamp) override {
    return InvalidArgumentError("unused", identity::reason::kInvalidIdentityToken);
  }
};

class StsApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(ring_.Unseal(SecretBytes(32)).has_value());
    identity_.set_policy_parser(&parser_);
    ASSERT_TRUE(iam_.Load().has_value());
    root_ = std::make_shared<identity::Credential>();
    root_->principal = identity_.RootPrincipal();
  }

  Result<void> Run(std::string_view op, std::string_view input,
                   std::shared_ptr<const identity::Credential> who, rapidjson::Document* out) {
    rapidjson::Document in;
    in.Parse(input.data(), input.size());
    EXPECT_FALSE(in.HasParseError()) << input;
    aws_json::CallContext ctx;
    ctx.credential = std::move(who);
    ctx.operation = op;
    ctx.received = clock_.Now();
    aws_json::Call call{ctx, aws_json::JsonIn(&in), aws_json::JsonOut()};
    COFFER_RETURN_IF_ERROR(api_.Invoke(op, call));
    std::string json = call.out.empty() ? std::string("{}") : call.out.Take();
    out->Parse(json.c_str());
    EXPECT_FALSE(out->HasParseError()) << json;
    return Ok();
  }

  std::shared_ptr<const identity::Credential> UserCredential(const std::string& name) {
    EXPECT_TRUE(iam_.CreateUser(name, "/", {}).has_value());
    auto key = iam_.CreateAccessKey(name);
    EXPECT_TRUE(key.has_value());
    return *identity_.FindCredential(key->record.access_key_id);
  }

  storage::memory::MemoryKeyStore key_store_;
  storage::memory::MemoryAccessKeyStore access_keys_;
  storage::memory::MemoryIamStore iam_store_;
  crypto::OpensslAead aead_;
  crypto::OpensslRandom random_;
  coffer::testing::FakeClock clock_;
  keys::KeyRing ring_{key_store_, aead_, random_, clock_};
  core::Account account_ = core::Account::Make("123456789012", "us-east-1");
  identity::IdentityService identity_{access_keys_, ring_, random_, clock_, account_};
  JsonPolicyParser parser_;
  identity::IamService iam_{iam_store_, identity_, parser_, random_, clock_, account_};
  identity::Authorizer authorizer_{iam_};
  LeakyVerifier verifier_;
  identity::StsService sts_{iam_, identity_, verifier_, authorizer_, clock_};
  StsApi api_{sts_, authorizer_, account_};
  std::shared_ptr<identity::Credential> root_;
};

TEST_F(StsApiTest, GetCallerIdentityOfRootUserAndRoleSession) {
  rapidjson::Document out;
  ASSERT_TRUE(Run("GetCallerIdentity", "{}", root_, &out).has_value());
  EXPECT_STREQ(out["UserId"].GetString(), "123456789012");
  EXPECT_STREQ(out["Account"].GetString(), "123456789012");
  EXPECT_STREQ(out["Arn"].GetString(), "arn:aws:iam::123456789012:root");

  auto alice = UserCredential("alice");
  ASSERT_TRUE(Run("GetCallerIdentity", "{}", alice, &out).has_value());
  EXPECT_STREQ(out["UserId"].GetString(), iam_.GetUser("alice")->user_id.c_str());
  EXPECT_STREQ(out["Arn"].GetString(), "arn:aws:iam::123456789012:user/alice");

  identity::IamService::RoleSpec spec;
  spec.name = "r";
  spec.assume_role_policy =
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":)"
      R"("arn:aws:iam::123456789012:user/alice"},"Action":"sts:AssumeRole"}]})";
  auto role = iam_.CreateRole(spec);
  ASSERT_TRUE(role.has_value());
  auto assumed = Run("AssumeRole",
                     R"({"RoleArn":"arn:aws:iam::123456789012:role/r","RoleSessionName":"s1",
                         "DurationSeconds":900})",
                     alice, &out);
  ASSERT_TRUE(assumed.has_value()) << assumed.error().message;
  EXPECT_STREQ(out["AssumedRoleUser"]["Arn"].GetString(),
               "arn:aws:sts::123456789012:assumed-role/r/s1");
  EXPECT_EQ(std::string(out["AssumedRoleUser"]["AssumedRoleId"].GetString()),
            role->role_id + ":s1");
  EXPECT_FALSE(out.HasMember("PackedPolicySize"));  // no session policies were passed
  const auto& creds = out["Credentials"];
  EXPECT_TRUE(std::string(creds["AccessKeyId"].GetString()).starts_with("ASIA"));
  // Whole seconds, at most DurationSeconds ahead.
  double expiration = creds["Expiration"].GetDouble();
  EXPECT_EQ(expiration, static_cast<double>(static_cast<int64_t>(expiration)));
  EXPECT_LE(expiration, static_cast<double>(ToUnixMillis(clock_.Now())) / 1000 + 900);
  EXPECT_GT(expiration, static_cast<double>(ToUnixMillis(clock_.Now())) / 1000 + 899);

  auto session =
      identity_.FindCredential(creds["AccessKeyId"].GetString(), creds["SessionToken"].GetString());
  ASSERT_TRUE(session.has_value());
  ASSERT_TRUE(Run("GetCallerIdentity", "{}", *session, &out).has_value());
  EXPECT_EQ(std::string(out["UserId"].GetString()), role->role_id + ":s1");
  EXPECT_STREQ(out["Arn"].GetString(), "arn:aws:sts::123456789012:assumed-role/r/s1");
}

TEST_F(StsApiTest, WebIdentityErrorsNeverEchoTheToken) {
  const std::string token = "eyJhbGciOiJSUzI1NiJ9.eyJzZWNyZXQiOiJ0b2tlbiJ9.c2lnbmF0dXJl";
  rapidjson::Document out;
  auto r = Run("AssumeRoleWithWebIdentity",
               R"({"RoleArn":"arn:aws:iam::123456789012:role/r","RoleSessionName":"s",
                   "WebIdentityToken":")" +
                   token + R"("})",
               nullptr, &out);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message.find(token), std::string::npos) << r.error().message;
  ApiError e = api_.MapError(r.error());
  EXPECT_EQ(e.code, "InvalidIdentityToken");
  EXPECT_EQ(e.status, 400);
}

TEST_F(StsApiTest, SignedOperationsNeedACredential) {
  rapidjson::Document out;
  auto r = Run("GetCallerIdentity", "{}", nullptr, &out);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(api_.MapError(r.error()).code, "AccessDenied");
}

TEST_F(StsApiTest, RootCannotAssumeRolesAndSessionsCannotGetSessionTokens) {
  rapidjson::Document out;
  auto r =
      Run("AssumeRole", R"({"RoleArn":"arn:aws:iam::123456789012:role/r","RoleSessionName":"s"})",
          root_, &out);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(api_.MapError(r.error()).code, "AccessDenied");
  EXPECT_EQ(api_.MapError(r.error()).status, 403);

  auto alice = UserCredential("alice");
  ASSERT_TRUE(Run("GetSessionToken", R"({"DurationSeconds":900})", alice, &out).has_value());
  auto session = identity_.FindCredential(out["Credentials"]["AccessKeyId"].GetString(),
                                          out["Credentials"]["SessionToken"].GetString());
  ASSERT_TRUE(session.has_value());
  r = Run("GetSessionToken", "{}", *session, &out);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(api_.MapError(r.error()).code, "AccessDenied");
  r = Run("GetSessionToken", R"({"DurationSeconds":600})", alice, &out);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(api_.MapError(r.error()).code, "ValidationError");
}

TEST_F(StsApiTest, ErrorReasonsMapToStsCodes) {
  namespace r = identity::reason;
  EXPECT_EQ(api_.MapError(InvalidArgumentError("m", r::kExpiredToken)).code,
            "ExpiredTokenException");
  ApiError rejected = api_.MapError(PermissionDeniedError("m", r::kIdpRejectedClaim));
  EXPECT_EQ(rejected.code, "IDPRejectedClaim");
  EXPECT_EQ(rejected.status, 403);
  ApiError idp = api_.MapError(UnavailableError("m", r::kIdpCommunicationError));
  EXPECT_EQ(idp.code, "IDPCommunicationError");
  EXPECT_EQ(idp.status, 400);
  EXPECT_EQ(api_.MapError(ResourceExhaustedError("m", r::kPackedPolicyTooLarge)).code,
            "PackedPolicyTooLarge");
  EXPECT_EQ(api_.MapError(InvalidArgumentError("m", policy::reason::kMalformedPolicy)).code,
            "MalformedPolicyDocument");
  EXPECT_EQ(api_.MapError(InvalidArgumentError("m")).code, "ValidationError");
  EXPECT_TRUE(api_.MayBlock("AssumeRoleWithWebIdentity"));
  EXPECT_FALSE(api_.MayBlock("GetCallerIdentity"));
  EXPECT_FALSE(api_.Implements("GetFederationToken"));
}

}  // namespace
}  // namespace coffer::api::aws_query
