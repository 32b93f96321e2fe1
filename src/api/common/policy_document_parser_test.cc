#include "api/common/policy_document_parser.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "core/policy/policy_evaluator.h"

namespace coffer::api {
namespace {

using policy::Decision;
using policy::PolicyKind;
using policy::PolicySet;
using policy::RequestContext;
using ::testing::HasSubstr;

constexpr char kKmsDefaultKeyPolicy[] = R"({
  "Version": "2012-10-17",
  "Id": "key-consolepolicy-3",
  "Statement": [
    {
      "Sid": "Enable IAM User Permissions",
      "Effect": "Allow",
      "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
      "Action": "kms:*",
      "Resource": "*"
    },
    {
      "Sid": "Allow access for Key Administrators",
      "Effect": "Allow",
      "Principal": {"AWS": "arn:aws:iam::111122223333:role/KMSAdmin"},
      "Action": ["kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*",
                 "kms:Update*", "kms:Revoke*", "kms:Disable*", "kms:Get*", "kms:Delete*",
                 "kms:TagResource", "kms:UntagResource", "kms:ScheduleKeyDeletion",
                 "kms:CancelKeyDeletion"],
      "Resource": "*"
    },
    {
      "Sid": "Allow use of the key",
      "Effect": "Allow",
      "Principal": {"AWS": "arn:aws:iam::111122223333:role/app"},
      "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*",
                 "kms:DescribeKey"],
      "Resource": "*"
    },
    {
      "Sid": "Allow attachment of persistent resources",
      "Effect": "Allow",
      "Principal": {"AWS": "arn:aws:iam::111122223333:role/app"},
      "Action": ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
      "Resource": "*",
      "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}}
    }
  ]
})";

constexpr char kSecretsManagerResourcePolicy[] = R"({
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Principal": {"AWS": "arn:aws:iam::123456789012:role/EC2RoleToAccessSecrets"},
      "Action": "secretsmanager:GetSecretValue",
      "Resource": "*",
      "Condition": {"ForAnyValue:StringEquals": {"secretsmanager:VersionStage": "AWSCURRENT"}}
    },
    {
      "Effect": "Deny",
      "Principal": "*",
      "Action": "secretsmanager:GetSecretValue",
      "Resource": "*",
      "Condition": {"StringNotEquals": {"aws:sourceVpce": "vpce-1234a5678b9012c"}}
    }
  ]
})";

constexpr char kIrsaTrustPolicy[] = R"({
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Principal": {
        "Federated": "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
      },
      "Action": "sts:AssumeRoleWithWebIdentity",
      "Condition": {
        "StringEquals": {
          "oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:sub": "system:serviceaccount:default:my-service-account",
          "oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:aud": "sts.amazonaws.com"
        }
      }
    }
  ]
})";

// An AWS managed policy's shape (SecretsManagerReadWrite, abridged).
constexpr char kManagedPolicy[] = R"({
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "BasePermissions",
      "Effect": "Allow",
      "Action": ["secretsmanager:*", "cloudformation:CreateChangeSet",
                 "cloudformation:DescribeChangeSet", "ec2:DescribeSubnets", "kms:DescribeKey",
                 "kms:ListAliases", "kms:ListKeys", "lambda:ListFunctions",
                 "tag:GetResources"],
      "Resource": "*"
    },
    {
      "Sid": "LambdaRotationTemplateCreation",
      "Effect": "Allow",
      "Action": ["lambda:AddPermission", "lambda:CreateFunction", "lambda:GetFunction"],
      "Resource": "arn:aws:lambda:*:*:function:SecretsManager*"
    },
    {
      "Sid": "SARApplication",
      "Effect": "Allow",
      "Action": ["serverlessrepo:CreateCloudFormationChangeSet"],
      "Resource": "arn:aws:serverlessrepo:*:*:applications/SecretsManager*"
    },
    {
      "Sid": "S3Bucket",
      "Effect": "Allow",
      "Action": ["s3:GetObject"],
      "Resource": ["arn:aws:s3:::awsserverlessrepo-changesets*", "arn:aws:s3:::secrets-manager-rotation-apps-*/*"]
    }
  ]
})";

PolicySet Identity(policy::PolicyPtr p) {
  PolicySet s;
  s.identity = {std::move(p)};
  return s;
}

class JsonPolicyParserTest : public ::testing::Test {
 protected:
  policy::PolicyPtr Parse(std::string_view doc, PolicyKind kind) {
    auto p = parser_.Parse(doc, kind);
    EXPECT_TRUE(p.has_value()) << p.error().message;
    return p.has_value() ? *p : nullptr;
  }
  std::string ErrorOf(std::string_view doc, PolicyKind kind = PolicyKind::kIdentity) {
    auto p = parser_.Parse(doc, kind);
    if (p.has_value()) {
      ADD_FAILURE() << "accepted: " << doc.substr(0, 200);
      return "";
    }
    EXPECT_EQ(p.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(p.error().reason, policy::reason::kMalformedPolicy);
    return p.error().message;
  }

  JsonPolicyParser parser_;
};

TEST_F(JsonPolicyParserTest, AcceptsRealWorldPolicies) {
  policy::PolicyPtr key = Parse(kKmsDefaultKeyPolicy, PolicyKind::kResource);
  ASSERT_NE(key, nullptr);
  EXPECT_EQ(key->id(), "key-consolepolicy-3");
  EXPECT_EQ(key->statement_count(), 4u);
  EXPECT_NE(Parse(kSecretsManagerResourcePolicy, PolicyKind::kResource), nullptr);
  EXPECT_NE(Parse(kIrsaTrustPolicy, PolicyKind::kTrust), nullptr);
  EXPECT_NE(Parse(kManagedPolicy, PolicyKind::kIdentity), nullptr);
  // A single statement object, no Version, an empty Condition, numbers and booleans as values.
  EXPECT_NE(Parse(R"({"Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*",
                     "Condition":{}}})",
                  PolicyKind::kIdentity),
            nullptr);
  EXPECT_NE(Parse(R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*",
                     "Resource":"*","Condition":{"NumericLessThan":{"s3:max-keys":[10, 2.5]},
                     "Bool":{"aws:SecureTransport":true}}}]})",
                  PolicyKind::kIdentity),
            nullptr);
}

TEST_F(JsonPolicyParserTest, ParsedPoliciesEvaluate) {
  // IRSA: the pod's service account may assume the role, another may not.
  policy::PolicyPtr trust = Parse(kIrsaTrustPolicy, PolicyKind::kTrust);
  ASSERT_NE(trust, nullptr);
  const std::string issuer = "oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE";
  RequestContext r;
  r.principal.federated = "arn:aws:iam::111122223333:oidc-provider/" + issuer;
  r.action = "sts:AssumeRoleWithWebIdentity";
  r.resource = "arn:aws:iam::111122223333:role/my-role";
  r.Set(issuer + ":sub", "system:serviceaccount:default:my-service-account");
  r.Set(issuer + ":aud", "sts.amazonaws.com");
  PolicySet set;
  set.resource = trust;
  set.resource_policy_required = true;
  EXPECT_EQ(policy::Evaluate(set, r).decision, Decision::kAllow);
  r.Set(issuer + ":sub", "system:serviceaccount:default:other");
  EXPECT_EQ(policy::Evaluate(set, r).decision, Decision::kImplicitDeny);

  // The KMS default key policy delegates to IAM policies.
  RequestContext alice;
  alice.principal.arn = "arn:aws:iam::111122223333:user/alice";
  alice.principal.account_id = "111122223333";
  alice.action = "kms:Decrypt";
  alice.resource = "arn:aws:kms:us-east-1:111122223333:key/k";
  PolicySet kms;
  kms.resource = Parse(kKmsDefaultKeyPolicy, PolicyKind::kResource);
  kms.resource_policy_required = true;
  EXPECT_EQ(policy::Evaluate(kms, alice).decision, Decision::kImplicitDeny);
  kms.identity = {Parse(R"({"Version":"2012-10-17","Statement":{"Effect":"Allow",
                          "Action":"kms:Decrypt","Resource":"arn:aws:kms:*:111122223333:key/*"}})",
                        PolicyKind::kIdentity)};
  EXPECT_EQ(policy::Evaluate(kms, alice).decision, Decision::kAllow);

  // Numbers keep their value through the JSON layer.
  policy::PolicyPtr numeric = Parse(
      R"({"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:ListBucket",
          "Resource":"*","Condition":{"NumericLessThanEquals":{"s3:max-keys":1.5},
          "NumericGreaterThan":{"x:big":9007199254740993}}}})",
      PolicyKind::kIdentity);
  RequestContext list;
  list.action = "s3:ListBucket";
  list.resource = "*";
  list.Set("s3:max-keys", "1.5");
  list.Set("x:big", "9007199254740994");
  EXPECT_EQ(policy::Evaluate(Identity(numeric), list).decision, Decision::kAllow);
  list.Set("s3:max-keys", "1.6");
  EXPECT_EQ(policy::Evaluate(Identity(numeric), list).decision, Decision::kImplicitDeny);
}

TEST_F(JsonPolicyParserTest, VersionAppliesWhereverItIsWritten) {
  // Version after Statement: policy variables are still substituted.
  policy::PolicyPtr p = Parse(R"({"Statement":{"Effect":"Allow","Action":"s3:GetObject",
      "Resource":"arn:aws:s3:::b/${aws:username}/*"},"Version":"2012-10-17"})",
                              PolicyKind::kIdentity);
  ASSERT_NE(p, nullptr);
  RequestContext r;
  r.action = "s3:GetObject";
  r.resource = "arn:aws:s3:::b/alice/file";
  r.Set("aws:username", "alice");
  EXPECT_EQ(policy::Evaluate(Identity(p), r).decision, Decision::kAllow);
}

TEST_F(JsonPolicyParserTest, SyntaxErrors) {
  EXPECT_THAT(ErrorOf("Allow everything"), HasSubstr("Syntax errors in policy: Invalid value."));
  EXPECT_THAT(ErrorOf(""), HasSubstr("The document is empty."));
  EXPECT_THAT(ErrorOf(R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow")"),
              HasSubstr("Syntax errors in policy"));
  EXPECT_THAT(ErrorOf(R"({"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}} x)"),
              HasSubstr("The document root must not be followed by other values. (at byte 61)"));
  EXPECT_THAT(ErrorOf(std::string(60000, '[') + std::string(60000, ']')),
              HasSubstr("nested deeper than 16 levels"));
  EXPECT_THAT(ErrorOf("{\"Statement\":{\"Sid\":\"\xff\",\"Effect\":\"Allow\"}}"),
              HasSubstr("Invalid encoding"));
  std::string with_nul = R"({"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}})";
  with_nul.push_back('\0');
  with_nul += " trailing";
  EXPECT_THAT(ErrorOf(with_nul), HasSubstr("NUL byte"));
  std::string big = R"({"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}})";
  big.append(JsonPolicyParser::kMaxDocumentBytes, ' ');
  EXPECT_THAT(ErrorOf(big), HasSubstr("the limit is 131072"));
}

TEST_F(JsonPolicyParserTest, StructureErrorsPointAtTheField) {
  EXPECT_THAT(ErrorOf(R"([{"Effect":"Allow"}])"),
              HasSubstr("Policy document must be a JSON object, not an array"));
  EXPECT_THAT(ErrorOf(R"({"Version":"2012-10-17","Statements":[]})"),
              HasSubstr("Unknown field \"Statements\""));
  EXPECT_THAT(ErrorOf(R"({"Version":"2012-10-17"})"),
              HasSubstr("Missing required field Statement"));
  EXPECT_THAT(ErrorOf(R"({"Version":"2012-10-17","Statement":[]})"),
              HasSubstr("Statement must not be empty"));
  EXPECT_THAT(ErrorOf(R"({"Version":"2012-10-17","Statement":"Allow"})"),
              HasSubstr("Statement must be an object or an array of objects, not a string"));
  EXPECT_THAT(ErrorOf(R"({"Version":20121017,"Statement":[]})"),
              HasSubstr("Version must be a string, not a number"));
  EXPECT_THAT(ErrorOf(R"({"Version":"2012-10-17","Id":1,"Statement":[]})"),
              HasSubstr("Id must be a string"));
  EXPECT_THAT(ErrorOf(R"({"Version":"2012-10-17","Version":"2008-10-17","Statement":[]})"),
              HasSubstr("Duplicate field \"Version\""));
  EXPECT_THAT(ErrorOf(R"({"Version":"2012-10-18","Statement":[]})"),
              HasSubstr("valid version string"));
  EXPECT_THAT(ErrorOf(R"({"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},"x"]})"),
              HasSubstr("Statement[1]: a statement must be an object, not a string"));
  EXPECT_THAT(ErrorOf(R"({"Statement":[{"Sid":"S","Effect":"Allow","Actions":"s3:*"}]})"),
              HasSubstr("Statement[0] (Sid \"S\"): Unknown field \"Actions\""));
  EXPECT_THAT(
      ErrorOf(
          R"({"Statement":[{"Effect":"Allow","Resource":"*","Action":"s3:*","Sid":"Late","Effect":"Deny"}]})"),
      HasSubstr("Statement[0] (Sid \"Late\"): Duplicate field \"Effect\""));
  EXPECT_THAT(ErrorOf(R"({"Statement":[{"Sid":7,"Effect":"Allow"}]})"),
              HasSubstr("Sid must be a string, not a number"));
  EXPECT_THAT(ErrorOf(R"({"Statement":[{"Effect":true,"Action":"*","Resource":"*"}]})"),
              HasSubstr("Effect must be a string, not a boolean"));
  EXPECT_THAT(ErrorOf(R"({"Statement":[{"Effect":"Allow","Action":5,"Resource":"*"}]})"),
              HasSubstr("Action must be a string or an array of strings, not a number"));
  EXPECT_THAT(
      ErrorOf(R"({"Statement":[{"Effect":"Allow","Action":["s3:*",["x"]],"Resource":"*"}]})"),
      HasSubstr("not an array holding an array"));
  EXPECT_THAT(ErrorOf(R"({"Statement":[{"Effect":"Allow","Action":"*","Resource":null}]})"),
              HasSubstr("Resource must be a string or an array of strings, not null"));
  EXPECT_THAT(ErrorOf(R"({"Statement":[{"Effect":"Allow","Action":"*","NotResource":{}}]})"),
              HasSubstr("NotResource must be a string or an array of strings, not an object"));
}

TEST_F(JsonPolicyParserTest, GrammarErrorsFromTheBuilder) {
  EXPECT_THAT(ErrorOf(R"({"Statement":[{"Effect":"allow","Action":"s3:*","Resource":"*"}]})"),
              HasSubstr("Effect \"allow\" must be \"Allow\" or \"Deny\""));
  EXPECT_THAT(ErrorOf(R"({"Statement":[{"Effect":"Allow","Action":"GetObject","Resource":"*"}]})"),
              HasSubstr("prefaced by a vendor"));
  EXPECT_THAT(
      ErrorOf(
          R"({"Statement":[{"Effect":"Allow","Action":"s3:*","NotAction":"s3:Get*","Resource":"*"}]})"),
      HasSubstr("both Action and NotAction"));
  EXPECT_THAT(ErrorOf(R"({"Statement":[{"Effect":"Allow","Resource":"*"}]})"),
              HasSubstr("Missing required field Action"));
  EXPECT_THAT(ErrorOf(R"({"Statement":[{"Effect":"Allow","Action":"s3:*"}]})"),
              HasSubstr("Missing required field Resource"));
  EXPECT_THAT(
      ErrorOf(
          R"({"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}]})"),
      HasSubstr("Policy document should not specify a principal."));
  EXPECT_THAT(ErrorOf(R"({"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]})",
                      PolicyKind::kResource),
              HasSubstr("Missing required field Principal"));
  EXPECT_THAT(
      ErrorOf(
          R"({"Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole","Resource":"*"}]})",
          PolicyKind::kTrust),
      HasSubstr("Has prohibited field Resource"));
  EXPECT_THAT(
      ErrorOf(
          R"({"Statement":[{"Effect":"Allow","Principal":"arn:aws:iam::111122223333:root","Action":"sts:AssumeRole"}]})",
          PolicyKind::kTrust),
      HasSubstr("Principal must be \"*\" or an object such as {\"AWS\": "
                "\"arn:aws:iam::111122223333:root\"}"));
  EXPECT_THAT(
      ErrorOf(R"({"Statement":[{"Effect":"Allow","Principal":{},"Action":"sts:AssumeRole"}]})",
              PolicyKind::kTrust),
      HasSubstr("Principal must not be empty"));
  EXPECT_THAT(
      ErrorOf(
          R"({"Statement":[{"Effect":"Allow","Principal":{"AWS":[1]},"Action":"sts:AssumeRole"}]})",
          PolicyKind::kTrust),
      HasSubstr("Principal.AWS must be a string or an array of strings"));
  EXPECT_THAT(
      ErrorOf(
          R"({"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/*"},"Action":"sts:AssumeRole"}]})",
          PolicyKind::kTrust),
      HasSubstr("Invalid principal in policy"));
  EXPECT_THAT(
      ErrorOf(
          R"({"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEq":{"aws:username":"a"}}}]})"),
      HasSubstr("Invalid Condition type: \"StringEq\""));
  EXPECT_THAT(
      ErrorOf(
          R"({"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":"aws:username"}}]})"),
      HasSubstr("Condition.StringEquals must be an object of condition keys, not a string"));
  EXPECT_THAT(
      ErrorOf(
          R"({"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":[]}]})"),
      HasSubstr("Condition must be an object, not an array"));
  EXPECT_THAT(
      ErrorOf(
          R"({"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"a:b":null}}}]})"),
      HasSubstr(
          "Condition.StringEquals \"a:b\": values must be strings, numbers or booleans, not null"));
  EXPECT_THAT(
      ErrorOf(
          R"({"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"a:b":"1","a:b":"2"}}}]})"),
      HasSubstr("Duplicate field \"a:b\" in Condition.StringEquals"));
  EXPECT_THAT(
      ErrorOf(
          R"({"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/40"}}}]})"),
      HasSubstr("\"10.0.0.0/40\" is not an IPv4 or IPv6 address or CIDR block"));
  std::string many = R"({"Statement":[)";
  for (int i = 0; i < 300; ++i) many += R"({"Effect":"Allow","Action":"s3:*","Resource":"*"},)";
  many.back() = ']';
  many += "}";
  EXPECT_THAT(ErrorOf(many), HasSubstr("too many statements"));
}

}  // namespace
}  // namespace coffer::api
