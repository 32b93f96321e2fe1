#include "core/policy/policy_builder.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/policy/testing/statement_builder.h"

namespace coffer::policy {
namespace {

using testing::Build;
using ::testing::HasSubstr;
using testing::Stmt;

Stmt ReadSecrets() {
  return Stmt::Allow().Action({"secretsmanager:GetSecretValue"}).Resource({"*"});
}

// The error message of building `statements` as a `kind` policy; fails the test when it builds.
std::string ErrorOf(PolicyKind kind, const std::vector<Stmt>& statements,
                    std::string_view version = "2012-10-17") {
  auto p = Build(kind, statements, version);
  if (p.has_value()) {
    ADD_FAILURE() << "policy was accepted";
    return "";
  }
  EXPECT_EQ(p.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(p.error().reason, reason::kMalformedPolicy);
  return p.error().message;
}

TEST(PolicyBuilderTest, BuildsAValidPolicy) {
  auto p = Build(PolicyKind::kIdentity,
                 {ReadSecrets().Sid("Read"), Stmt::Deny().NotAction({"kms:*"}).NotResource({"*"})});
  ASSERT_TRUE(p.has_value()) << p.error().message;
  EXPECT_EQ((*p)->kind(), PolicyKind::kIdentity);
  EXPECT_EQ((*p)->version(), PolicyVersion::kV2012);
  EXPECT_EQ((*p)->statement_count(), 2u);
  EXPECT_THAT((*p)->Sids(), ::testing::ElementsAre("Read", ""));
  auto legacy = Build(PolicyKind::kIdentity, {ReadSecrets()}, "");
  ASSERT_TRUE(legacy.has_value());
  EXPECT_EQ((*legacy)->version(), PolicyVersion::kV2008);
}

TEST(PolicyBuilderTest, RejectsBadVersionEffectAndMissingElements) {
  EXPECT_THAT(ErrorOf(PolicyKind::kIdentity, {ReadSecrets()}, "2012-10-18"),
              HasSubstr("valid version string"));
  EXPECT_THAT(
      ErrorOf(PolicyKind::kIdentity,
              {Stmt::WithEffect("allow").Sid("Lower").Action({"kms:Decrypt"}).Resource({"*"})}),
      HasSubstr("Statement[0] (Sid \"Lower\"): Effect \"allow\" must be"));
  EXPECT_THAT(ErrorOf(PolicyKind::kIdentity,
                      {ReadSecrets(), Stmt::WithEffect("").Action({"kms:*"}).Resource({"*"})}),
              HasSubstr("Statement[1]: Missing required field Effect"));
  EXPECT_THAT(ErrorOf(PolicyKind::kIdentity, {Stmt::Allow().Resource({"*"})}),
              HasSubstr("Missing required field Action"));
  EXPECT_THAT(ErrorOf(PolicyKind::kIdentity, {Stmt::Allow().Action({"kms:*"})}),
              HasSubstr("Missing required field Resource"));
  EXPECT_THAT(ErrorOf(PolicyKind::kResource, {Stmt::Allow().Action({"kms:*"}).Resource({"*"})}),
              HasSubstr("Missing required field Principal"));
  EXPECT_THAT(ErrorOf(PolicyKind::kTrust, {Stmt::Allow().Action({"sts:AssumeRole"})}),
              HasSubstr("Missing required field Principal"));
  EXPECT_THAT(ErrorOf(PolicyKind::kIdentity, {}), HasSubstr("at least one statement"));
}

TEST(PolicyBuilderTest, RejectsBadActionsAndResources) {
  EXPECT_THAT(
      ErrorOf(PolicyKind::kIdentity, {Stmt::Allow().Action({"GetSecretValue"}).Resource({"*"})}),
      HasSubstr("Action \"GetSecretValue\" must be \"*\" or prefaced by a vendor"));
  for (const char* bad : {":Get", "kms:", "km s:Get", "*:Get", "kms:Get:Key", ""}) {
    EXPECT_THAT(ErrorOf(PolicyKind::kIdentity, {Stmt::Allow().Action({bad}).Resource({"*"})}),
                HasSubstr("prefaced by a vendor"))
        << bad;
  }
  EXPECT_THAT(ErrorOf(PolicyKind::kIdentity, {Stmt::Allow().Action({}).Resource({"*"})}),
              HasSubstr("must contain actions"));
  EXPECT_THAT(ErrorOf(PolicyKind::kIdentity,
                      {Stmt::Allow().Action({"kms:*"}).NotAction({"kms:Decrypt"}).Resource({"*"})}),
              HasSubstr("both Action and NotAction"));
  EXPECT_THAT(ErrorOf(PolicyKind::kIdentity,
                      {Stmt::Allow().Action({"kms:*"}).Resource({"*"}).NotResource({"*"})}),
              HasSubstr("both Resource and NotResource"));
  EXPECT_THAT(
      ErrorOf(PolicyKind::kIdentity, {Stmt::Allow().Action({"kms:*"}).Resource({"my-key"})}),
      HasSubstr("Resource \"my-key\" must be \"*\" or an ARN"));
  EXPECT_THAT(ErrorOf(PolicyKind::kIdentity, {Stmt::Allow().Action({"kms:*"}).Resource({})}),
              HasSubstr("must contain resources"));
  EXPECT_THAT(ErrorOf(PolicyKind::kIdentity,
                      {Stmt::Allow().Action({"s3:*"}).Resource({"arn:aws:s3:::b/${aws:username"})}),
              HasSubstr("unterminated policy variable"));
  EXPECT_THAT(
      ErrorOf(PolicyKind::kIdentity,
              {Stmt::Allow().Action({"s3:*"}).Resource({"arn:aws:s3:::b/${aws:username, x}"})}),
      HasSubstr("single quotes"));
  EXPECT_THAT(ErrorOf(PolicyKind::kIdentity,
                      {Stmt::Allow().Action({"s3:*"}).Resource({"arn:aws:s3:::b/${}"})}),
              HasSubstr("empty policy variable"));
  // Without Version the same text is literal, as in IAM.
  EXPECT_TRUE(Build(PolicyKind::kIdentity,
                    {Stmt::Allow().Action({"s3:*"}).Resource({"arn:aws:s3:::b/${aws:username"})},
                    "")
                  .has_value());
  EXPECT_THAT(ErrorOf(PolicyKind::kTrust,
                      {Stmt::Allow().AnyPrincipal().Action({"sts:AssumeRole"}).Resource({"*"})}),
              HasSubstr("Has prohibited field Resource"));
}

TEST(PolicyBuilderTest, ValidatesPrincipals) {
  EXPECT_THAT(ErrorOf(PolicyKind::kIdentity, {ReadSecrets().AnyPrincipal()}),
              HasSubstr("Policy document should not specify a principal."));
  EXPECT_THAT(ErrorOf(PolicyKind::kResource,
                      {ReadSecrets().AnyPrincipal().NotPrincipal("AWS", {"111122223333"})}),
              HasSubstr("both Principal and NotPrincipal"));
  for (const char* bad : {"arn:aws:iam::111122223333:user/*", "arn:aws:iam::1111:root",
                          "arn:aws:s3:::bucket", "arn:aws:iam:us-east-1:111122223333:root",
                          "arn:aws:iam::111122223333:", "bob", "", "11112222333"}) {
    EXPECT_THAT(ErrorOf(PolicyKind::kResource, {ReadSecrets().Principal("AWS", {bad})}),
                HasSubstr("Invalid principal in policy"))
        << bad;
  }
  EXPECT_THAT(ErrorOf(PolicyKind::kResource, {ReadSecrets().Principal("aws", {"*"})}),
              HasSubstr("Principal type \"aws\" must be one of"));
  EXPECT_THAT(ErrorOf(PolicyKind::kResource, {ReadSecrets().Principal("Service", {})}),
              HasSubstr("Principal \"Service\" is empty"));
  for (const char* good :
       {"*", "111122223333", "arn:aws:iam::111122223333:root",
        "arn:aws:iam::111122223333:user/path/bob", "arn:aws:iam::111122223333:role/app",
        "arn:aws:sts::111122223333:assumed-role/app/session",
        "arn:aws-cn:iam::111122223333:role/app", "AIDAJQABLZS4A3QDU576Q"}) {
    EXPECT_TRUE(Build(PolicyKind::kResource, {ReadSecrets().Principal("AWS", {good})}).has_value())
        << good;
  }
}

TEST(PolicyBuilderTest, ValidatesConditions) {
  auto with = [](const char* op, const char* key, std::vector<std::string> values) {
    return ErrorOf(PolicyKind::kIdentity,
                   {ReadSecrets().Sid("C").When(op, key, std::move(values))});
  };
  EXPECT_THAT(with("StringEq", "aws:username", {"bob"}),
              HasSubstr("Statement[0] (Sid \"C\"): Invalid Condition type: \"StringEq\""));
  EXPECT_THAT(with("NullIfExists", "aws:username", {"true"}), HasSubstr("Invalid Condition type"));
  EXPECT_THAT(with("ForAnyValue:Null", "aws:username", {"true"}),
              HasSubstr("Invalid Condition type"));
  EXPECT_THAT(with("IfExists", "aws:username", {"true"}), HasSubstr("Invalid Condition type"));
  EXPECT_THAT(with("StringEquals", "username", {"bob"}), HasSubstr("prefaced by a vendor"));
  EXPECT_THAT(with("StringEquals", "aws:username", {}), HasSubstr("has no values"));
  EXPECT_THAT(with("NumericLessThan", "s3:max-keys", {"ten"}), HasSubstr("is not a number"));
  EXPECT_THAT(with("DateLessThan", "aws:CurrentTime", {"soon"}), HasSubstr("ISO 8601"));
  EXPECT_THAT(with("Bool", "aws:SecureTransport", {"yes"}), HasSubstr("\"true\" or \"false\""));
  EXPECT_THAT(with("Null", "aws:TokenIssueTime", {"1"}), HasSubstr("\"true\" or \"false\""));
  EXPECT_THAT(with("IpAddress", "aws:SourceIp", {"10.0.0.0/33"}), HasSubstr("CIDR"));
  EXPECT_THAT(with("BinaryEquals", "x:bin", {"not base64!"}), HasSubstr("base64"));
  EXPECT_THAT(with("StringLike", "s3:prefix", {"home/${aws:username"}),
              HasSubstr("unterminated policy variable"));
  // Operators and qualifiers are matched case-insensitively; keys keep any case.
  EXPECT_TRUE(Build(PolicyKind::kIdentity,
                    {ReadSecrets()
                         .When("forallvalues:stringlikeifexists", "aws:TagKeys", {"env"})
                         .When("StringEquals", "AWS:UserName", {"bob"})})
                  .has_value());
}

TEST(PolicyBuilderTest, EnforcesSidUniquenessAndStatementLimit) {
  EXPECT_THAT(ErrorOf(PolicyKind::kIdentity, {ReadSecrets().Sid("A"), ReadSecrets().Sid("A")}),
              HasSubstr("must be unique"));
  EXPECT_TRUE(Build(PolicyKind::kResource,
                    {ReadSecrets().Sid("A").AnyPrincipal(), ReadSecrets().Sid("A").AnyPrincipal()})
                  .has_value());
  std::vector<Stmt> many(kMaxStatements + 1, ReadSecrets());
  EXPECT_THAT(ErrorOf(PolicyKind::kIdentity, many), HasSubstr("too many statements"));
  many.pop_back();
  EXPECT_TRUE(Build(PolicyKind::kIdentity, many).has_value());
}

TEST(PolicyBuilderTest, MisuseIsAnErrorNotACrash) {
  PolicyBuilder b(PolicyKind::kIdentity);
  EXPECT_FALSE(b.SetEffect("Allow").has_value());  // outside a statement
  ASSERT_TRUE(b.BeginStatement().has_value());
  EXPECT_FALSE(b.BeginStatement().has_value());
  EXPECT_FALSE(b.SetVersion("2012-10-17").has_value());  // after statements began
  ASSERT_TRUE(b.SetEffect("Allow").has_value());
  EXPECT_THAT(b.SetEffect("Deny").error().message, HasSubstr("Effect given twice"));
  EXPECT_FALSE(b.Build().has_value());  // statement not ended
  EXPECT_THAT(b.Malformed("Unknown field Foo").message,
              HasSubstr("Statement[0]: Unknown field Foo"));
}

}  // namespace
}  // namespace coffer::policy
