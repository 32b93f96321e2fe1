#include "core/identity/iam_service.h"

#include <gtest/gtest.h>

#include "api/common/policy_document_parser.h"
#include "base/testing/fake_clock.h"
#include "core/identity/authorizer.h"
#include "core/identity/sts_service.h"
#include "crypto/openssl/openssl_aead.h"
#include "crypto/openssl/openssl_random.h"
#include "storage/memory/memory_access_key_store.h"
#include "storage/memory/memory_iam_store.h"
#include "storage/memory/memory_key_store.h"

namespace coffer::identity {
namespace {

constexpr char kAllowGet[] =
    R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow",)"
    R"("Action":"secretsmanager:GetSecretValue","Resource":"arn:aws:secretsmanager:*:*:secret:a-*"}]})";
constexpr char kTrustUser[] =
    R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":)"
    R"("arn:aws:iam::123456789012:user/alice"},"Action":"sts:AssumeRole"}]})";

// A web identity verifier that accepts tokens of the form "<iss>|<sub>|<aud>".
class FakeWebIdentity final : public WebIdentityVerifier {
 public:
  Result<std::string> UnverifiedIssuer(std::string_view token) const override {
    return std::string(token.substr(0, token.find('|')));
  }
  Result<WebIdentityClaims> Verify(std::string_view token, const OidcProvider& provider,
                                   Timestamp now) override {
    WebIdentityClaims c;
    auto first = token.find('|');
    auto second = token.find('|', first + 1);
    c.issuer = provider.url;
    c.subject = std::string(token.substr(first + 1, second - first - 1));
    c.audience = std::string(token.substr(second + 1));
    c.audiences = {c.audience};
    c.expires = now + std::chrono::hours(1);
    return c;
  }
};

class IamServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SecretBytes root(32);
    ASSERT_TRUE(ring_.Unseal(root).has_value());
    identity_.set_policy_parser(&parser_);
    ASSERT_TRUE(iam_.Load().has_value());
  }

  RequestFacts Facts() {
    RequestFacts f;
    f.now = clock_.Now();
    f.source_ip = "10.0.0.1";
    return f;
  }

  storage::memory::MemoryKeyStore key_store_;
  storage::memory::MemoryAccessKeyStore access_keys_;
  storage::memory::MemoryIamStore iam_store_;
  api::JsonPolicyParser parser_;
  crypto::OpensslAead aead_;
  crypto::OpensslRandom random_;
  coffer::testing::FakeClock clock_;
  keys::KeyRing ring_{key_store_, aead_, random_, clock_};
  core::Account account_ = core::Account::Make("123456789012", "us-east-1");
  IdentityService identity_{access_keys_, ring_, random_, clock_, account_};
  IamService iam_{iam_store_, identity_, parser_, random_, clock_, account_};
  Authorizer authorizer_{iam_};
  FakeWebIdentity web_;
  StsService sts_{iam_, identity_, web_, authorizer_, clock_};
};

TEST_F(IamServiceTest, UsersAreUniqueWithoutCaseAndSurviveReload) {
  auto u = iam_.CreateUser("Alice", "/eng/", {{"team", "db"}});
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(u->arn, "arn:aws:iam::123456789012:user/eng/Alice");
  EXPECT_TRUE(u->user_id.starts_with("AIDA"));
  auto dup = iam_.CreateUser("alice", "/", {});
  ASSERT_FALSE(dup.has_value());
  EXPECT_EQ(dup.error().code, ErrorCode::kAlreadyExists);

  IamService reloaded(iam_store_, identity_, parser_, random_, clock_, account_);
  ASSERT_TRUE(reloaded.Load().has_value());
  auto again = reloaded.GetUser("ALICE");
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->user_id, u->user_id);
  EXPECT_EQ(again->tags, u->tags);
}

TEST_F(IamServiceTest, MalformedPoliciesAreRefusedBeforeStorage) {
  ASSERT_TRUE(iam_.CreateUser("bob", "/", {}).has_value());
  auto bad = iam_.PutInlinePolicy(IamService::Holder::kUser, "bob", "p", R"({"Statement":[]})");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().reason, policy::reason::kMalformedPolicy);
  EXPECT_FALSE(iam_.GetInlinePolicy(IamService::Holder::kUser, "bob", "p").has_value());
  auto principal = iam_.PutInlinePolicy(
      IamService::Holder::kUser, "bob", "p",
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*",)"
      R"("Action":"s3:*","Resource":"*"}]})");
  EXPECT_FALSE(principal.has_value());
}

TEST_F(IamServiceTest, DeleteConflictsAndLimits) {
  ASSERT_TRUE(iam_.CreateUser("carol", "/", {}).has_value());
  ASSERT_TRUE(iam_.CreateAccessKey("carol").has_value());
  ASSERT_TRUE(iam_.CreateAccessKey("carol").has_value());
  auto third = iam_.CreateAccessKey("carol");
  ASSERT_FALSE(third.has_value());
  EXPECT_EQ(third.error().code, ErrorCode::kResourceExhausted);
  auto del = iam_.DeleteUser("carol");
  ASSERT_FALSE(del.has_value());
  EXPECT_EQ(del.error().reason, reason::kDeleteConflict);

  auto mp = iam_.CreatePolicy("read", "/", kAllowGet, "", {});
  ASSERT_TRUE(mp.has_value());
  for (int i = 0; i < 4; ++i) {
    auto v = iam_.CreatePolicyVersion(mp->arn, kAllowGet, i == 3);
    ASSERT_TRUE(v.has_value()) << v.error().message;
  }
  auto sixth = iam_.CreatePolicyVersion(mp->arn, kAllowGet, false);
  ASSERT_FALSE(sixth.has_value());
  EXPECT_EQ(sixth.error().code, ErrorCode::kResourceExhausted);
  EXPECT_EQ(iam_.GetPolicy(mp->arn)->default_version_id, "v5");
  auto default_delete = iam_.DeletePolicyVersion(mp->arn, "v5");
  EXPECT_FALSE(default_delete.has_value());
}

TEST_F(IamServiceTest, UserPermissionsFollowInlineAndAttachedPolicies) {
  ASSERT_TRUE(iam_.CreateUser("dave", "/", {}).has_value());
  auto key = iam_.CreateAccessKey("dave");
  ASSERT_TRUE(key.has_value());
  auto cred = identity_.FindCredential(key->record.access_key_id);
  ASSERT_TRUE(cred.has_value());
  AccessRequest req;
  req.action = "secretsmanager:GetSecretValue";
  std::string arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:a-123456";
  req.resource = arn;
  auto denied = authorizer_.Authorize(**cred, Facts(), req);
  ASSERT_FALSE(denied.has_value());
  EXPECT_EQ(denied.error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(denied.error().message,
            "User: arn:aws:iam::123456789012:user/dave is not authorized to perform: "
            "secretsmanager:GetSecretValue on resource: " +
                arn +
                " because no identity-based policy allows the "
                "secretsmanager:GetSecretValue action");

  auto mp = iam_.CreatePolicy("read-a", "/", kAllowGet, "", {});
  ASSERT_TRUE(mp.has_value());
  auto attached = iam_.AttachPolicy(IamService::Holder::kUser, "dave", mp->arn);
  ASSERT_TRUE(attached.has_value()) << attached.error().message;
  EXPECT_TRUE(authorizer_.Authorize(**cred, Facts(), req).has_value());
  req.resource = "arn:aws:secretsmanager:us-east-1:123456789012:secret:b-123456";
  EXPECT_FALSE(authorizer_.Authorize(**cred, Facts(), req).has_value());

  // An explicit deny in an inline policy wins over the attached allow.
  req.resource = arn;
  ASSERT_TRUE(iam_.PutInlinePolicy(IamService::Holder::kUser, "dave", "deny-from-outside",
                                   R"({"Version":"2012-10-17","Statement":[{"Effect":"Deny",)"
                                   R"("Action":"*","Resource":"*","Condition":{"NotIpAddress":)"
                                   R"({"aws:SourceIp":"192.168.0.0/16"}}}]})")
                  .has_value());
  auto deny = authorizer_.Authorize(**cred, Facts(), req);
  ASSERT_FALSE(deny.has_value());
  EXPECT_NE(deny.error().message.find("with an explicit deny in an identity-based policy"),
            std::string::npos);
  RequestFacts inside = Facts();
  inside.source_ip = "192.168.4.2";
  EXPECT_TRUE(authorizer_.Authorize(**cred, inside, req).has_value());
}

TEST_F(IamServiceTest, RootIsAlwaysAllowed) {
  Credential root;
  root.principal = identity_.RootPrincipal();
  AccessRequest req;
  req.action = "kms:Decrypt";
  EXPECT_TRUE(authorizer_.Authorize(root, Facts(), req).has_value());
}

TEST_F(IamServiceTest, AssumeRoleIssuesSessionsThatExpire) {
  ASSERT_TRUE(iam_.CreateUser("alice", "/", {}).has_value());
  auto key = iam_.CreateAccessKey("alice");
  auto alice = *identity_.FindCredential(key->record.access_key_id);
  IamService::RoleSpec spec;
  spec.name = "reader";
  spec.assume_role_policy = kTrustUser;
  auto role = iam_.CreateRole(spec);
  ASSERT_TRUE(role.has_value());
  auto put = iam_.PutInlinePolicy(IamService::Holder::kRole, "reader", "p", kAllowGet);
  ASSERT_TRUE(put.has_value()) << put.error().message;

  AssumeRoleInput in;
  in.role_arn = role->arn;
  in.session_name = "s1";
  in.duration_seconds = 900;
  auto out = sts_.AssumeRole(*alice, in, Facts());
  ASSERT_TRUE(out.has_value()) << out.error().message;
  EXPECT_EQ(out->arn, "arn:aws:sts::123456789012:assumed-role/reader/s1");
  EXPECT_EQ(out->assumed_role_id, role->role_id + ":s1");

  auto session =
      identity_.FindCredential(out->credentials.access_key_id, out->credentials.session_token);
  ASSERT_TRUE(session.has_value()) << session.error().message;
  EXPECT_EQ((*session)->principal.type, PrincipalType::kAssumedRole);
  EXPECT_EQ((*session)->principal.role_arn, role->arn);
  EXPECT_TRUE((*session)->secret.Equals(out->credentials.secret_access_key.span()));
  AccessRequest req;
  req.action = "secretsmanager:GetSecretValue";
  req.resource = "arn:aws:secretsmanager:us-east-1:123456789012:secret:a-123456";
  EXPECT_TRUE(authorizer_.Authorize(**session, Facts(), req).has_value());

  // The token is bound to its key id, and tampering is detected.
  auto wrong_id = identity_.FindCredential("ASIAAAAAAAAAAAAAAAAA", out->credentials.session_token);
  EXPECT_FALSE(wrong_id.has_value());
  std::string tampered = out->credentials.session_token;
  tampered[tampered.size() / 2] = tampered[tampered.size() / 2] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(identity_.FindCredential(out->credentials.access_key_id, tampered).has_value());

  // Past the expiry the credentials stop working.
  clock_.Advance(std::chrono::seconds(901));
  auto expired =
      identity_.FindCredential(out->credentials.access_key_id, out->credentials.session_token);
  ASSERT_FALSE(expired.has_value());
  EXPECT_EQ(expired.error().reason, reason::kExpiredCredentials);

  // Root cannot assume roles; a user the trust policy does not name cannot either.
  Credential root;
  root.principal = identity_.RootPrincipal();
  EXPECT_EQ(sts_.AssumeRole(root, in, Facts()).error().code, ErrorCode::kPermissionDenied);
  ASSERT_TRUE(iam_.CreateUser("mallory", "/", {}).has_value());
  auto mk = iam_.CreateAccessKey("mallory");
  auto mallory = *identity_.FindCredential(mk->record.access_key_id);
  EXPECT_EQ(sts_.AssumeRole(*mallory, in, Facts()).error().code, ErrorCode::kPermissionDenied);
  in.duration_seconds = 7200;  // above the role's MaxSessionDuration
  EXPECT_EQ(sts_.AssumeRole(*alice, in, Facts()).error().code, ErrorCode::kInvalidArgument);
}

TEST_F(IamServiceTest, WebIdentityTrustPolicyChecksSubjectAndAudience) {
  auto provider =
      iam_.CreateOidcProvider("https://oidc.example.com/id/ABC", {"sts.amazonaws.com"}, {}, {});
  ASSERT_TRUE(provider.has_value());
  EXPECT_EQ(provider->arn, "arn:aws:iam::123456789012:oidc-provider/oidc.example.com/id/ABC");
  IamService::RoleSpec spec;
  spec.name = "billing";
  spec.assume_role_policy =
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":")" +
      provider->arn +
      R"("},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{)"
      R"("oidc.example.com/id/ABC:sub":"system:serviceaccount:prod:billing",)"
      R"("oidc.example.com/id/ABC:aud":"sts.amazonaws.com"}}}]})";
  auto role = iam_.CreateRole(spec);
  ASSERT_TRUE(role.has_value());
  AssumeRoleInput in;
  in.role_arn = role->arn;
  in.session_name = "pod";
  auto ok = sts_.AssumeRoleWithWebIdentity(
      in, "https://oidc.example.com/id/ABC|system:serviceaccount:prod:billing|sts.amazonaws.com",
      Facts());
  ASSERT_TRUE(ok.has_value()) << ok.error().message;
  EXPECT_EQ(ok->subject, "system:serviceaccount:prod:billing");
  EXPECT_EQ(ok->provider, provider->arn);
  auto wrong_sub = sts_.AssumeRoleWithWebIdentity(
      in, "https://oidc.example.com/id/ABC|system:serviceaccount:dev:billing|sts.amazonaws.com",
      Facts());
  ASSERT_FALSE(wrong_sub.has_value());
  EXPECT_EQ(wrong_sub.error().code, ErrorCode::kPermissionDenied);
  auto unknown_issuer =
      sts_.AssumeRoleWithWebIdentity(in, "https://other.example.com|x|sts.amazonaws.com", Facts());
  ASSERT_FALSE(unknown_issuer.has_value());
  EXPECT_EQ(unknown_issuer.error().reason, reason::kInvalidIdentityToken);
}

}  // namespace
}  // namespace coffer::identity
