#include "core/policy/policy_evaluator.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/policy/testing/statement_builder.h"

namespace coffer::policy {
namespace {

using testing::Stmt;

constexpr char kAccount[] = "111122223333";
constexpr char kRoot[] = "arn:aws:iam::111122223333:root";
constexpr char kAlice[] = "arn:aws:iam::111122223333:user/alice";
constexpr char kBob[] = "arn:aws:iam::444455556666:user/bob";
constexpr char kRole[] = "arn:aws:iam::111122223333:role/app";
constexpr char kSession[] = "arn:aws:sts::111122223333:assumed-role/app/pod-1";
constexpr char kSecret[] = "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbCdEf";
constexpr char kOtherSecret[] =
    "arn:aws:secretsmanager:us-east-1:111122223333:secret:dev/db-XyZ123";
constexpr char kKey[] =
    "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
constexpr char kIssuer[] = "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE";
constexpr char kOidc[] =
    "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/"
    "EXAMPLED539D4633E53DE1B71EXAMPLE";
constexpr char kGet[] = "secretsmanager:GetSecretValue";

PolicyPtr Make(PolicyKind kind, const std::vector<Stmt>& statements,
               std::string_view version = "2012-10-17") {
  auto p = testing::Build(kind, statements, version);
  EXPECT_TRUE(p.has_value()) << p.error().message;
  return p.has_value() ? *p : nullptr;
}
PolicyPtr Identity(const std::vector<Stmt>& s) { return Make(PolicyKind::kIdentity, s); }
PolicyPtr Resource(const std::vector<Stmt>& s) { return Make(PolicyKind::kResource, s); }
PolicyPtr Trust(const std::vector<Stmt>& s) { return Make(PolicyKind::kTrust, s); }

Stmt Allow(std::string action, std::string resource = "*") {
  return Stmt::Allow().Action({std::move(action)}).Resource({std::move(resource)});
}
Stmt Deny(std::string action, std::string resource = "*") {
  return Stmt::Deny().Action({std::move(action)}).Resource({std::move(resource)});
}

RequestContext Request(std::string arn, std::string action, std::string resource) {
  RequestContext r;
  r.principal.arn = std::move(arn);
  r.principal.account_id = kAccount;
  r.action = std::move(action);
  r.resource = std::move(resource);
  return r;
}
RequestContext AliceDoes(std::string action = kGet, std::string resource = kSecret) {
  return Request(kAlice, std::move(action), std::move(resource));
}
RequestContext SessionDoes(std::string action = kGet, std::string resource = kSecret) {
  RequestContext r = Request(kSession, std::move(action), std::move(resource));
  r.principal.role_arn = kRole;
  return r;
}
RequestContext With(RequestContext r, const std::string& key, std::vector<std::string> values) {
  r.Set(key, std::move(values));
  return r;
}

PolicySet Ids(std::vector<PolicyPtr> identity) {
  PolicySet s;
  s.identity = std::move(identity);
  return s;
}
PolicySet WithResource(PolicySet s, PolicyPtr resource, bool required = false) {
  s.resource = std::move(resource);
  s.resource_policy_required = required;
  return s;
}
PolicySet WithSession(PolicySet s, std::vector<PolicyPtr> session) {
  s.has_session = true;
  s.session = std::move(session);
  return s;
}

struct Case {
  const char* name;
  PolicySet policies;
  RequestContext request;
  Decision want;
  PolicySource source = PolicySource::kIdentity;
};

void Check(const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Evaluation e = Evaluate(c.policies, c.request);
    EXPECT_EQ(e.decision, c.want) << DenialMessage(c.request, e);
    EXPECT_EQ(e.source, c.source);
  }
}

constexpr auto kAllow = Decision::kAllow;
constexpr auto kExplicit = Decision::kExplicitDeny;
constexpr auto kImplicit = Decision::kImplicitDeny;

// AWS "Policy evaluation logic": identity and resource policies in one account, explicit deny.
TEST(PolicyEvaluatorTest, IdentityAndResourcePoliciesInOneAccount) {
  PolicyPtr read = Identity({Allow(kGet)});
  PolicyPtr deny_read = Identity({Deny(kGet, kSecret)});
  PolicyPtr allow_alice = Resource({Allow(kGet).Principal("AWS", {kAlice})});
  PolicyPtr allow_account = Resource({Allow(kGet).Principal("AWS", {kAccount})});
  PolicyPtr deny_all = Resource({Deny("secretsmanager:*").AnyPrincipal()});
  PolicyPtr deny_account = Resource({Deny("secretsmanager:*").Principal("AWS", {kRoot})});
  Check({
      {"no policies", {}, AliceDoes(), kImplicit},
      {"identity allows", Ids({read}), AliceDoes(), kAllow},
      {"identity allows another action", Ids({read}), AliceDoes("secretsmanager:PutSecretValue"),
       kImplicit},
      {"explicit deny beats allow", Ids({read, deny_read}), AliceDoes(), kExplicit},
      {"deny in the same policy", Ids({Identity({Allow("*"), Deny(kGet)})}), AliceDoes(),
       kExplicit},
      {"resource policy alone allows a named user", WithResource({}, allow_alice), AliceDoes(),
       kAllow, PolicySource::kResource},
      {"resource policy naming another user", WithResource({}, allow_alice),
       Request(kBob, kGet, kSecret), kImplicit},
      {"resource policy naming the account delegates", WithResource({}, allow_account), AliceDoes(),
       kImplicit},
      {"... to an identity policy that allows", WithResource(Ids({read}), allow_account),
       AliceDoes(), kAllow},
      {"resource deny beats identity allow", WithResource(Ids({read}), deny_all), AliceDoes(),
       kExplicit, PolicySource::kResource},
      {"resource deny naming the account covers its users", WithResource(Ids({read}), deny_account),
       AliceDoes(), kExplicit, PolicySource::kResource},
      {"identity deny beats resource allow", WithResource(Ids({deny_read}), allow_alice),
       AliceDoes(), kExplicit},
      {"null policies are skipped", Ids({nullptr, read}), AliceDoes(), kAllow},
  });
}

// KMS key policies: the key policy must allow; the root principal delegates to IAM policies.
TEST(PolicyEvaluatorTest, KmsKeyPolicyDelegationToTheAccount) {
  PolicyPtr default_key_policy = Resource({Stmt::Allow()
                                               .Sid("Enable IAM User Permissions")
                                               .Principal("AWS", {kRoot})
                                               .Action({"kms:*"})
                                               .Resource({"*"})});
  PolicyPtr alice_key_policy = Resource({Stmt::Allow()
                                             .Principal("AWS", {kAlice})
                                             .Action({"kms:Decrypt", "kms:DescribeKey"})
                                             .Resource({"*"})});
  PolicyPtr iam_decrypt = Identity({Allow("kms:Decrypt", kKey)});
  auto key = [](PolicySet s, PolicyPtr kp) {
    return WithResource(std::move(s), std::move(kp), true);
  };
  RequestContext root = Request(kRoot, "kms:Decrypt", kKey);
  Check({
      {"IAM policy + default key policy", key(Ids({iam_decrypt}), default_key_policy),
       AliceDoes("kms:Decrypt", kKey), kAllow},
      {"default key policy, no IAM policy", key({}, default_key_policy),
       AliceDoes("kms:Decrypt", kKey), kImplicit, PolicySource::kIdentity},
      {"the account root itself", key({}, default_key_policy), root, kAllow,
       PolicySource::kResource},
      {"key policy names the user", key({}, alice_key_policy), AliceDoes("kms:Decrypt", kKey),
       kAllow, PolicySource::kResource},
      {"IAM policy without key policy delegation", key(Ids({iam_decrypt}), alice_key_policy),
       Request("arn:aws:iam::111122223333:user/carol", "kms:Decrypt", kKey), kImplicit,
       PolicySource::kResource},
      {"no key policy at all", key(Ids({iam_decrypt}), nullptr), AliceDoes("kms:Decrypt", kKey),
       kImplicit, PolicySource::kResource},
      {"key policy for another action", key({}, alice_key_policy), AliceDoes("kms:Encrypt", kKey),
       kImplicit, PolicySource::kResource},
  });
}

// Session policies limit what identity (and resource) policies grant.
TEST(PolicyEvaluatorTest, SessionPoliciesIntersect) {
  PolicyPtr read = Identity({Allow(kGet)});
  PolicyPtr session_sm = Identity({Allow("secretsmanager:*")});
  PolicyPtr session_kms = Identity({Allow("kms:*")});
  PolicyPtr session_deny = Identity({Allow("*"), Deny(kGet)});
  Check({
      {"identity and session allow", WithSession(Ids({read}), {session_sm}), SessionDoes(), kAllow},
      {"session does not allow", WithSession(Ids({read}), {session_kms}), SessionDoes(), kImplicit,
       PolicySource::kSession},
      {"any session policy may allow", WithSession(Ids({read}), {session_kms, session_sm}),
       SessionDoes(), kAllow},
      {"session deny", WithSession(Ids({read}), {session_deny}), SessionDoes(), kExplicit,
       PolicySource::kSession},
      {"session without policies", WithSession(Ids({read}), {}), SessionDoes(), kImplicit,
       PolicySource::kSession},
      {"session allows, identity does not", WithSession({}, {session_sm}), SessionDoes(), kImplicit,
       PolicySource::kIdentity},
      {"resource policy naming the session ARN is not limited",
       WithSession(WithResource({}, Resource({Allow(kGet).Principal("AWS", {kSession})})),
                   {session_kms}),
       SessionDoes(), kAllow, PolicySource::kResource},
      {"resource policy naming the role is limited",
       WithSession(WithResource({}, Resource({Allow(kGet).Principal("AWS", {kRole})})),
                   {session_kms}),
       SessionDoes(), kImplicit, PolicySource::kSession},
      {"resource policy naming the role, session allows",
       WithSession(WithResource({}, Resource({Allow(kGet).Principal("AWS", {kRole})})),
                   {session_sm}),
       SessionDoes(), kAllow, PolicySource::kResource},
      {"has_session false ignores session policies",
       [&] {
         PolicySet s = Ids({read});
         s.session = {session_deny};
         return s;
       }(),
       SessionDoes(), kAllow},
  });
}

TEST(PolicyEvaluatorTest, NotActionNotResourceAndCase) {
  PolicyPtr all_but_iam = Identity({Stmt::Allow().NotAction({"iam:*"}).Resource({"*"})});
  PolicyPtr only_prod =
      Identity({Allow("*"), Stmt::Deny()
                                .Action({"secretsmanager:*"})
                                .NotResource({"arn:aws:secretsmanager:*:*:secret:prod/*"})});
  Check({
      {"NotAction allows other services", Ids({all_but_iam}), AliceDoes(), kAllow},
      {"NotAction excludes its actions", Ids({all_but_iam}), AliceDoes("iam:CreateUser", "*"),
       kImplicit},
      {"NotResource deny spares the listed", Ids({only_prod}), AliceDoes(), kAllow},
      {"NotResource deny hits the rest", Ids({only_prod}), AliceDoes(kGet, kOtherSecret),
       kExplicit},
      {"actions are case-insensitive",
       Ids({Identity({Allow("SecretsManager:getsecretVALUE", kSecret)})}), AliceDoes(), kAllow},
      {"action wildcards are case-insensitive", Ids({Identity({Allow("SECRETSMANAGER:Get*")})}),
       AliceDoes(), kAllow},
      {"resources are case-sensitive",
       Ids({Identity(
           {Allow(kGet, "arn:aws:secretsmanager:us-east-1:111122223333:secret:Prod/*")})}),
       AliceDoes(), kImplicit},
      {"resource wildcards cross colons",
       Ids({Identity({Allow(kGet, "arn:aws:secretsmanager:*:secret:prod/*")})}), AliceDoes(),
       kAllow},
      {"Resource '*' is needed for resource-less actions",
       Ids({Identity({Allow("secretsmanager:ListSecrets", "arn:aws:secretsmanager:*")})}),
       AliceDoes("secretsmanager:ListSecrets", "*"), kImplicit},
      {"several keys AND",
       Ids({Identity({Allow(kGet)
                          .When("StringEquals", "aws:username", {"alice"})
                          .When("Bool", "aws:SecureTransport", {"true"})})}),
       With(With(AliceDoes(), "aws:username", {"alice"}), "aws:SecureTransport", {"false"}),
       kImplicit},
      {"several keys AND, all hold",
       Ids({Identity({Allow(kGet)
                          .When("StringEquals", "aws:username", {"alice"})
                          .When("Bool", "aws:SecureTransport", {"true"})})}),
       With(With(AliceDoes(), "aws:username", {"alice"}), "aws:SecureTransport", {"true"}), kAllow},
  });
}

// Every condition operator through a one-statement identity policy.
struct ConditionCase {
  const char* op;
  const char* key;
  std::vector<std::string> policy_values;
  std::optional<std::vector<std::string>> request_values;  // nullopt: key absent
  bool want;
};

TEST(PolicyEvaluatorTest, ConditionOperators) {
  const std::vector<std::string> no_values;
  const std::vector<ConditionCase> cases = {
      // String.
      {"StringEquals", "aws:username", {"alice"}, {{"alice"}}, true},
      {"StringEquals", "aws:username", {"alice"}, {{"Alice"}}, false},
      {"StringEquals", "aws:username", {"alice"}, std::nullopt, false},
      {"StringEquals", "aws:username", {"bob", "alice"}, {{"alice"}}, true},
      {"StringEquals", "AWS:UserName", {"alice"}, {{"alice"}}, true},
      {"StringEquals", "aws:username", {"al*"}, {{"alice"}}, false},
      {"StringNotEquals", "aws:username", {"alice"}, {{"bob"}}, true},
      {"StringNotEquals", "aws:username", {"alice"}, {{"alice"}}, false},
      {"StringNotEquals", "aws:username", {"alice"}, std::nullopt, true},
      {"StringNotEquals", "aws:username", {"alice", "bob"}, {{"bob"}}, false},
      {"StringEqualsIgnoreCase", "aws:username", {"ALICE"}, {{"alice"}}, true},
      {"StringNotEqualsIgnoreCase", "aws:username", {"ALICE"}, {{"alice"}}, false},
      {"StringNotEqualsIgnoreCase", "aws:username", {"ALICE"}, {{"bob"}}, true},
      {"StringLike", "s3:prefix", {"home/*"}, {{"home/alice/x"}}, true},
      {"StringLike", "s3:prefix", {"home/*"}, {{"other/home/"}}, false},
      {"StringLike", "s3:prefix", {"home/?"}, {{"home/a"}}, true},
      {"StringLike", "s3:prefix", {"Home/*"}, {{"home/a"}}, false},
      {"StringNotLike", "s3:prefix", {"home/*"}, {{"other"}}, true},
      {"StringNotLike", "s3:prefix", {"home/*"}, {{"home/x"}}, false},
      {"StringNotLike", "s3:prefix", {"home/*"}, std::nullopt, true},
      // Numeric.
      {"NumericLessThan", "s3:max-keys", {"10"}, {{"9"}}, true},
      {"NumericLessThan", "s3:max-keys", {"10"}, {{"10"}}, false},
      {"NumericLessThanEquals", "s3:max-keys", {"10"}, {{"10"}}, true},
      {"NumericGreaterThan", "s3:max-keys", {"10"}, {{"10.5"}}, true},
      {"NumericGreaterThan", "s3:max-keys", {"10"}, {{"10"}}, false},
      {"NumericGreaterThanEquals", "s3:max-keys", {"10"}, {{"10"}}, true},
      {"NumericEquals", "s3:max-keys", {"10"}, {{"10.0"}}, true},
      {"NumericEquals", "s3:max-keys", {"10"}, {{"ten"}}, false},
      {"NumericNotEquals", "s3:max-keys", {"10"}, {{"11"}}, true},
      {"NumericNotEquals", "s3:max-keys", {"10"}, {{"10"}}, false},
      {"NumericNotEquals", "s3:max-keys", {"10"}, std::nullopt, true},
      {"NumericLessThan", "s3:max-keys", {"10"}, std::nullopt, false},
      // Date.
      {"DateLessThan",
       "aws:CurrentTime",
       {"2030-01-01T00:00:00Z"},
       {{"2026-11-22T10:00:00Z"}},
       true},
      {"DateGreaterThan",
       "aws:CurrentTime",
       {"2030-01-01T00:00:00Z"},
       {{"2026-11-22T10:00:00Z"}},
       false},
      {"DateEquals", "aws:CurrentTime", {"1563278400"}, {{"2019-07-16T12:00:00Z"}}, true},
      {"DateNotEquals", "aws:CurrentTime", {"1563278400"}, {{"2019-07-16T12:00:01Z"}}, true},
      {"DateLessThanEquals",
       "aws:CurrentTime",
       {"2019-07-16T12:00:00Z"},
       {{"2019-07-16T14:00:00+02:00"}},
       true},
      {"DateGreaterThanEquals", "aws:EpochTime", {"2019-07-16T12:00:00Z"}, {{"1563278399"}}, false},
      {"DateGreaterThan", "aws:TokenIssueTime", {"2019-07-16"}, std::nullopt, false},
      {"DateLessThan", "aws:CurrentTime", {"2030-01-01"}, {{"not a date"}}, false},
      // Bool and Binary.
      {"Bool", "aws:SecureTransport", {"false"}, {{"false"}}, true},
      {"Bool", "aws:SecureTransport", {"false"}, {{"true"}}, false},
      {"Bool", "aws:SecureTransport", {"true"}, {{"TRUE"}}, true},
      {"Bool", "aws:SecureTransport", {"true"}, std::nullopt, false},
      {"BoolIfExists", "aws:MultiFactorAuthPresent", {"false"}, std::nullopt, true},
      {"BoolIfExists", "aws:MultiFactorAuthPresent", {"false"}, {{"true"}}, false},
      {"BinaryEquals", "x:blob", {"QmluYXJ5VmFsdWU="}, {{"QmluYXJ5VmFsdWU="}}, true},
      {"BinaryEquals", "x:blob", {"QmluYXJ5VmFsdWU="}, {{"QmluYXJ5VmFsdWF="}}, false},
      // IP addresses, v4 and v6.
      {"IpAddress",
       "aws:SourceIp",
       {"203.0.113.0/24", "2001:DB8:1234:5678::/64"},
       {{"203.0.113.9"}},
       true},
      {"IpAddress",
       "aws:SourceIp",
       {"203.0.113.0/24", "2001:DB8:1234:5678::/64"},
       {{"2001:db8:1234:5678::9"}},
       true},
      {"IpAddress",
       "aws:SourceIp",
       {"203.0.113.0/24", "2001:DB8:1234:5678::/64"},
       {{"198.51.100.1"}},
       false},
      {"IpAddress", "aws:SourceIp", {"203.0.113.0/24"}, {{"::ffff:203.0.113.5"}}, true},
      {"IpAddress", "aws:SourceIp", {"203.0.113.0/24"}, {{"garbage"}}, false},
      {"NotIpAddress", "aws:SourceIp", {"203.0.113.0/24"}, {{"198.51.100.1"}}, true},
      {"NotIpAddress", "aws:SourceIp", {"203.0.113.0/24"}, {{"203.0.113.1"}}, false},
      {"NotIpAddress", "aws:SourceIp", {"203.0.113.0/24"}, std::nullopt, true},
      // ARNs: each of the six fields is matched on its own.
      {"ArnLike",
       "aws:SourceArn",
       {"arn:aws:iam::*:role/app-*"},
       {{"arn:aws:iam::111122223333:role/app-web"}},
       true},
      {"ArnLike",
       "aws:SourceArn",
       {"arn:aws:iam::*:role/app-*"},
       {{"arn:aws:iam::111122223333:user/app-web"}},
       false},
      {"ArnLike", "aws:SourceArn", {"arn:aws:iam::*:role/x"}, {{"arn:aws:iam::1:2:role/x"}}, false},
      {"ArnLike", "aws:SourceArn", {"arn:aws:iam::*:role/x"}, {{"not-an-arn"}}, false},
      {"ArnEquals",
       "aws:SourceArn",
       {"arn:aws:sns:*:111122223333:topic"},
       {{"arn:aws:sns:eu-west-1:111122223333:topic"}},
       true},
      {"ArnNotEquals",
       "aws:SourceArn",
       {"arn:aws:sns:*:111122223333:topic"},
       {{"arn:aws:sns:eu-west-1:111122223333:topic"}},
       false},
      {"ArnNotLike",
       "aws:SourceArn",
       {"arn:aws:sns:*:111122223333:*"},
       {{"arn:aws:sns:eu-west-1:444455556666:topic"}},
       true},
      {"ArnNotLike", "aws:SourceArn", {"arn:aws:sns:*:111122223333:*"}, std::nullopt, true},
      {"ArnLike", "aws:SourceArn", {"*"}, {{"anything"}}, true},
      // Null.
      {"Null", "aws:TokenIssueTime", {"true"}, std::nullopt, true},
      {"Null", "aws:TokenIssueTime", {"true"}, {{"2019-07-16T12:00:00Z"}}, false},
      {"Null", "aws:TokenIssueTime", {"false"}, {{"2019-07-16T12:00:00Z"}}, true},
      {"Null", "aws:TokenIssueTime", {"false"}, std::nullopt, false},
      {"Null", "aws:TokenIssueTime", {"false"}, no_values, false},
      // ...IfExists.
      {"StringEqualsIfExists", "ec2:InstanceType", {"t2.micro"}, std::nullopt, true},
      {"StringEqualsIfExists", "ec2:InstanceType", {"t2.micro"}, {{"t2.large"}}, false},
      {"StringEqualsIfExists", "ec2:InstanceType", {"t2.micro"}, {{"t2.micro"}}, true},
      {"NumericLessThanIfExists", "s3:max-keys", {"10"}, std::nullopt, true},
      // Multi-valued keys without a qualifier: any value matches / none matches.
      {"StringEquals", "aws:TagKeys", {"a"}, {{"b", "a"}}, true},
      {"StringNotEquals", "aws:TagKeys", {"a"}, {{"b", "a"}}, false},
      // ForAnyValue.
      {"ForAnyValue:StringEquals", "aws:TagKeys", {"env", "team"}, {{"env", "x"}}, true},
      {"ForAnyValue:StringEquals", "aws:TagKeys", {"env", "team"}, {{"x", "y"}}, false},
      {"ForAnyValue:StringEquals", "aws:TagKeys", {"env"}, std::nullopt, false},
      {"ForAnyValue:StringEquals", "aws:TagKeys", {"env"}, no_values, false},
      {"ForAnyValue:StringNotEquals", "aws:TagKeys", {"env"}, {{"env", "x"}}, true},
      {"ForAnyValue:StringNotEquals", "aws:TagKeys", {"env"}, {{"env"}}, false},
      {"ForAnyValue:StringLikeIfExists", "aws:TagKeys", {"env"}, std::nullopt, true},
      {"ForAnyValue:NumericGreaterThan", "x:sizes", {"10"}, {{"1", "20"}}, true},
      // ForAllValues.
      {"ForAllValues:StringEquals", "aws:TagKeys", {"env", "team"}, {{"env", "team"}}, true},
      {"ForAllValues:StringEquals", "aws:TagKeys", {"env", "team"}, {{"env", "x"}}, false},
      {"ForAllValues:StringEquals", "aws:TagKeys", {"env", "team"}, std::nullopt, true},
      {"ForAllValues:StringEquals", "aws:TagKeys", {"env", "team"}, no_values, true},
      {"ForAllValues:StringNotLike", "aws:TagKeys", {"key1*"}, {{"key2:audit"}}, true},
      {"ForAllValues:StringNotLike", "aws:TagKeys", {"key1*"}, {{"key1:hr", "key2:x"}}, false},
      {"ForAllValues:StringNotLike", "aws:TagKeys", {"key1*"}, std::nullopt, true},
      {"forallvalues:stringequals", "aws:TagKeys", {"env"}, {{"env"}}, true},
  };
  for (const ConditionCase& c : cases) {
    std::string label = std::string(c.op) + " " + c.key + " " +
                        (c.request_values ? std::to_string(c.request_values->size()) + " values"
                                          : std::string("absent"));
    SCOPED_TRACE(label);
    PolicyPtr p = Identity({Allow(kGet).When(c.op, c.key, c.policy_values)});
    ASSERT_NE(p, nullptr);
    RequestContext r = AliceDoes();
    if (c.request_values) r.Set(c.key, *c.request_values);
    EXPECT_EQ(Evaluate(Ids({p}), r).allowed(), c.want);
  }
}

TEST(PolicyEvaluatorTest, PolicyVariables) {
  const std::string home = "arn:aws:secretsmanager:*:*:secret:home/${aws:username}/*";
  auto secret = [](const std::string& path) {
    return RequestContext(
        AliceDoes(kGet, "arn:aws:secretsmanager:us-east-1:111122223333:secret:" + path));
  };
  PolicyPtr own_home = Identity({Allow(kGet, home)});
  PolicyPtr legacy_home = Make(PolicyKind::kIdentity, {Allow(kGet, home)}, "");
  PolicyPtr team = Identity(
      {Allow(kGet, "arn:aws:secretsmanager:*:*:secret:team/${aws:PrincipalTag/team, 'shared'}/*")});
  PolicyPtr literal_star = Identity({Allow(kGet, "arn:aws:secretsmanager:*:*:secret:x${*}y")});
  PolicyPtr owner = Identity(
      {Allow(kGet).When("StringEquals", "secretsmanager:ResourceTag/owner", {"${aws:username}"})});
  PolicyPtr prefix = Identity(
      {Allow(kGet).When("StringLike", "s3:prefix", {"home/${aws:username}/*", "${$}root"})});
  PolicyPtr arn_var = Identity({Allow(kGet).When("ArnLike", "aws:SourceArn",
                                                 {"arn:aws:iam::${aws:PrincipalAccount}:role/*"})});
  Check({
      {"own home", Ids({own_home}), With(secret("home/alice/db-1"), "aws:username", {"alice"}),
       kAllow},
      {"someone else's home", Ids({own_home}),
       With(secret("home/bob/db-1"), "aws:username", {"alice"}), kImplicit},
      {"variable without value", Ids({own_home}), secret("home/alice/db-1"), kImplicit},
      {"multi-valued variable", Ids({own_home}),
       With(secret("home/alice/db-1"), "aws:username", {"alice", "bob"}), kImplicit},
      {"variable values are literal", Ids({own_home}),
       With(secret("home/bob/db-1"), "aws:username", {"*"}), kImplicit},
      {"variable value with a literal star", Ids({own_home}),
       With(secret("home/*/db-1"), "aws:username", {"*"}), kAllow},
      {"2008-10-17 does not substitute", Ids({legacy_home}),
       With(secret("home/alice/db-1"), "aws:username", {"alice"}), kImplicit},
      {"2008-10-17 keeps the text", Ids({legacy_home}),
       With(secret("home/${aws:username}/db-1"), "aws:username", {"alice"}), kAllow},
      {"default when absent", Ids({team}), secret("team/shared/db"), kAllow},
      {"value when present", Ids({team}),
       With(secret("team/red/db"), "aws:PrincipalTag/team", {"red"}), kAllow},
      {"default not used when present", Ids({team}),
       With(secret("team/shared/db"), "aws:PrincipalTag/team", {"red"}), kImplicit},
      {"${*} is a literal star", Ids({literal_star}), secret("x*y"), kAllow},
      {"${*} is not a wildcard", Ids({literal_star}), secret("xzy"), kImplicit},
      {"condition value variable", Ids({owner}),
       With(With(AliceDoes(), "aws:username", {"alice"}), "secretsmanager:ResourceTag/owner",
            {"alice"}),
       kAllow},
      {"condition value variable mismatch", Ids({owner}),
       With(With(AliceDoes(), "aws:username", {"alice"}), "secretsmanager:ResourceTag/owner",
            {"bob"}),
       kImplicit},
      {"condition variable unresolved", Ids({owner}),
       With(AliceDoes(), "secretsmanager:ResourceTag/owner", {"${aws:username}"}), kImplicit},
      {"StringLike with a variable", Ids({prefix}),
       With(With(AliceDoes(), "aws:username", {"alice"}), "s3:prefix", {"home/alice/a"}), kAllow},
      {"${$} escapes a dollar", Ids({prefix}), With(AliceDoes(), "s3:prefix", {"$root"}), kAllow},
      {"ArnLike with a variable", Ids({arn_var}),
       With(With(AliceDoes(), "aws:PrincipalAccount", {kAccount}), "aws:SourceArn",
            {"arn:aws:iam::111122223333:role/x"}),
       kAllow},
      {"ArnLike variable other account", Ids({arn_var}),
       With(With(AliceDoes(), "aws:PrincipalAccount", {kAccount}), "aws:SourceArn",
            {"arn:aws:iam::444455556666:role/x"}),
       kImplicit},
  });
}

TEST(PolicyEvaluatorTest, PrincipalsAndNotPrincipal) {
  PolicyPtr open_read = Resource({Allow(kGet).AnyPrincipal()});
  auto deny_except = [](std::vector<std::string> listed) {
    return Resource(
        {Allow(kGet).AnyPrincipal(), Deny(kGet).NotPrincipal("AWS", std::move(listed))});
  };
  RequestContext service;
  service.principal.service = "lambda.amazonaws.com";
  service.action = kGet;
  service.resource = kSecret;
  Check({
      {"Principal * allows anybody", WithResource({}, open_read), Request(kBob, kGet, kSecret),
       kAllow, PolicySource::kResource},
      {"AWS * allows anybody", WithResource({}, Resource({Allow(kGet).Principal("AWS", {"*"})})),
       SessionDoes(), kAllow, PolicySource::kResource},
      {"a role ARN matches its sessions",
       WithResource({}, Resource({Allow(kGet).Principal("AWS", {kRole})})), SessionDoes(), kAllow,
       PolicySource::kResource},
      {"a session ARN matches that session",
       WithResource({}, Resource({Allow(kGet).Principal("AWS", {kSession})})), SessionDoes(),
       kAllow, PolicySource::kResource},
      {"another session of the role",
       WithResource({}, Resource({Allow(kGet).Principal("AWS", {kSession})})),
       [] {
         RequestContext r = SessionDoes();
         r.principal.arn = "arn:aws:sts::111122223333:assumed-role/app/pod-2";
         return r;
       }(),
       kImplicit},
      {"service principal",
       WithResource({}, Resource({Allow(kGet).Principal("Service", {"lambda.amazonaws.com"})})),
       service, kAllow, PolicySource::kResource},
      {"NotPrincipal deny exempts a fully listed user",
       WithResource({}, deny_except({kAlice, kRoot})), AliceDoes(), kAllow,
       PolicySource::kResource},
      {"NotPrincipal deny without the account still denies",
       WithResource({}, deny_except({kAlice})), AliceDoes(), kExplicit, PolicySource::kResource},
      {"NotPrincipal deny hits others", WithResource({}, deny_except({kAlice, kRoot})),
       Request("arn:aws:iam::111122223333:user/carol", kGet, kSecret), kExplicit,
       PolicySource::kResource},
      {"NotPrincipal deny exempts session, role and account",
       WithResource({}, deny_except({kSession, kRole, kRoot})), SessionDoes(), kAllow,
       PolicySource::kResource},
      {"NotPrincipal deny without the role still denies",
       WithResource({}, deny_except({kSession, kRoot})), SessionDoes(), kExplicit,
       PolicySource::kResource},
      {"NotPrincipal allow grants the unlisted",
       WithResource({}, Resource({Allow(kGet).NotPrincipal("AWS", {kBob})})), AliceDoes(), kAllow,
       PolicySource::kResource},
      {"NotPrincipal allow skips the listed",
       WithResource({}, Resource({Allow(kGet).NotPrincipal("AWS", {kBob})})),
       Request(kBob, kGet, kSecret), kImplicit},
  });
}

// Role trust policies: AssumeRole (account delegation) and IRSA web identity.
TEST(PolicyEvaluatorTest, TrustPolicies) {
  const std::string sub = std::string(kIssuer) + ":sub";
  const std::string aud = std::string(kIssuer) + ":aud";
  PolicyPtr irsa = Trust({Stmt::Allow()
                              .Principal("Federated", {kOidc})
                              .Action({"sts:AssumeRoleWithWebIdentity"})
                              .When("StringEquals", sub, {"system:serviceaccount:ns:sa"})
                              .When("StringEquals", aud, {"sts.amazonaws.com"})});
  PolicyPtr irsa_like = Trust({Stmt::Allow()
                                   .Principal("Federated", {kOidc})
                                   .Action({"sts:AssumeRoleWithWebIdentity"})
                                   .When("StringLike", sub, {"system:serviceaccount:ns:*"})});
  auto web = [&](std::string provider, std::string subject, std::string audience) {
    RequestContext r;
    r.principal.federated = std::move(provider);
    r.action = "sts:AssumeRoleWithWebIdentity";
    r.resource = kRole;
    r.Set(sub, std::move(subject));
    r.Set(aud, std::move(audience));
    return r;
  };
  auto trusted = [](PolicyPtr trust, std::vector<PolicyPtr> identity = {}) {
    return WithResource(Ids(std::move(identity)), std::move(trust), true);
  };
  PolicyPtr trust_account =
      Trust({Stmt::Allow().Principal("AWS", {kRoot}).Action({"sts:AssumeRole"})});
  PolicyPtr trust_alice =
      Trust({Stmt::Allow().Principal("AWS", {kAlice}).Action({"sts:AssumeRole"})});
  PolicyPtr trust_other = Trust({Stmt::Allow()
                                     .Principal("AWS", {"444455556666"})
                                     .Action({"sts:AssumeRole", "sts:TagSession"})});
  PolicyPtr may_assume = Identity({Allow("sts:AssumeRole", kRole)});
  Check({
      {"IRSA service account", trusted(irsa),
       web(kOidc, "system:serviceaccount:ns:sa", "sts.amazonaws.com"), kAllow,
       PolicySource::kTrust},
      {"IRSA wrong service account", trusted(irsa),
       web(kOidc, "system:serviceaccount:ns:other", "sts.amazonaws.com"), kImplicit,
       PolicySource::kTrust},
      {"IRSA wrong audience", trusted(irsa), web(kOidc, "system:serviceaccount:ns:sa", "other"),
       kImplicit, PolicySource::kTrust},
      {"IRSA wrong provider", trusted(irsa),
       web("arn:aws:iam::111122223333:oidc-provider/other", "system:serviceaccount:ns:sa",
           "sts.amazonaws.com"),
       kImplicit, PolicySource::kTrust},
      {"IRSA namespace wildcard", trusted(irsa_like),
       web(kOidc, "system:serviceaccount:ns:any", "x"), kAllow, PolicySource::kTrust},
      {"IRSA is not AssumeRole", trusted(irsa),
       [&] {
         RequestContext r = web(kOidc, "system:serviceaccount:ns:sa", "sts.amazonaws.com");
         r.action = "sts:AssumeRole";
         return r;
       }(),
       kImplicit, PolicySource::kTrust},
      {"trusting the account needs an identity policy", trusted(trust_account),
       AliceDoes("sts:AssumeRole", kRole), kImplicit, PolicySource::kIdentity},
      {"trusting the account plus identity policy", trusted(trust_account, {may_assume}),
       AliceDoes("sts:AssumeRole", kRole), kAllow, PolicySource::kIdentity},
      {"trusting the user directly", trusted(trust_alice), AliceDoes("sts:AssumeRole", kRole),
       kAllow, PolicySource::kTrust},
      {"trusting another account", trusted(trust_other, {may_assume}),
       AliceDoes("sts:AssumeRole", kRole), kImplicit, PolicySource::kTrust},
  });
}

TEST(PolicyEvaluatorTest, ReportsTheDecidingStatement) {
  PolicyPtr p = Identity({Allow(kGet).Sid("Read"), Deny(kGet, kOtherSecret).Sid("NoDev")});
  EXPECT_EQ(Evaluate(Ids({p}), AliceDoes()).sid, "Read");
  EXPECT_EQ(Evaluate(Ids({p}), AliceDoes(kGet, kOtherSecret)).sid, "NoDev");
  EXPECT_EQ(Evaluate(Ids({p}), AliceDoes("kms:Decrypt")).sid, "");
}

TEST(PolicyEvaluatorTest, DenialMessages) {
  PolicySet none;
  EXPECT_EQ(DenialMessage(AliceDoes(), Evaluate(none, AliceDoes())),
            "User: arn:aws:iam::111122223333:user/alice is not authorized to perform: "
            "secretsmanager:GetSecretValue on resource: " +
                std::string(kSecret) +
                " because no identity-based policy allows the secretsmanager:GetSecretValue "
                "action");
  PolicySet deny = Ids({Identity({Deny("*")})});
  EXPECT_EQ(DenialMessage(AliceDoes("secretsmanager:ListSecrets", "*"),
                          Evaluate(deny, AliceDoes("secretsmanager:ListSecrets", "*"))),
            "User: arn:aws:iam::111122223333:user/alice is not authorized to perform: "
            "secretsmanager:ListSecrets with an explicit deny in an identity-based policy");
  Evaluation e;
  e.decision = Decision::kExplicitDeny;
  e.source = PolicySource::kResource;
  EXPECT_EQ(DenialMessage(AliceDoes("kms:Decrypt", kKey), e),
            "User: arn:aws:iam::111122223333:user/alice is not authorized to perform: kms:Decrypt "
            "on resource: " +
                std::string(kKey) + " with an explicit deny in a resource-based policy");
  e.source = PolicySource::kSession;
  EXPECT_EQ(DenialMessage(AliceDoes(), e).substr(DenialMessage(AliceDoes(), e).find(" with")),
            " with an explicit deny in a session policy");
  e.decision = Decision::kImplicitDeny;
  EXPECT_EQ(DenialMessage(SessionDoes(), e),
            "User: arn:aws:sts::111122223333:assumed-role/app/pod-1 is not authorized to perform: "
            "secretsmanager:GetSecretValue on resource: " +
                std::string(kSecret) +
                " because no session policy allows the secretsmanager:GetSecretValue action");
  e.source = PolicySource::kTrust;
  RequestContext web;
  web.principal.federated = kOidc;
  web.action = "sts:AssumeRoleWithWebIdentity";
  web.resource = kRole;
  EXPECT_EQ(
      DenialMessage(web, e),
      "User: " + std::string(kOidc) +
          " is not authorized to perform: sts:AssumeRoleWithWebIdentity on resource: " + kRole +
          " because no resource-based policy allows the sts:AssumeRoleWithWebIdentity "
          "action");
  e.decision = Decision::kAllow;
  EXPECT_EQ(DenialMessage(AliceDoes(), e), "");
  RequestContext anonymous;
  anonymous.action = "kms:Decrypt";
  e.decision = Decision::kImplicitDeny;
  e.source = PolicySource::kIdentity;
  EXPECT_EQ(DenialMessage(anonymous, e).substr(0, 40), "User: anonymous is not authorized to per");
}

TEST(RequestContextTest, KeysAreCaseInsensitiveAndMultiValued) {
  RequestContext r;
  EXPECT_EQ(r.Find("aws:username"), nullptr);
  r.Set("AWS:UserName", "alice");
  ASSERT_NE(r.Find("aws:username"), nullptr);
  EXPECT_EQ(*r.Find("aws:USERNAME"), std::vector<std::string>{"alice"});
  r.Set("aws:username", {"bob", "carol"});
  EXPECT_EQ(r.Find("aws:username")->size(), 2u);
  r.Set("aws:TagKeys", std::vector<std::string>{});
  EXPECT_EQ(r.Find("aws:tagkeys"), nullptr);
  r.Erase("AWS:USERNAME");
  EXPECT_EQ(r.Find("aws:username"), nullptr);
}

TEST(RequestContextTest, AddPrincipalKeys) {
  RequestContext user = AliceDoes();
  user.AddPrincipalKeys();
  EXPECT_EQ(user.Find("aws:username")->front(), "alice");
  EXPECT_EQ(user.Find("aws:PrincipalArn")->front(), kAlice);
  EXPECT_EQ(user.Find("aws:PrincipalAccount")->front(), kAccount);
  EXPECT_EQ(user.Find("aws:PrincipalType")->front(), "User");
  RequestContext session = SessionDoes();
  session.Set("aws:PrincipalType", "Custom");
  session.AddPrincipalKeys();
  EXPECT_EQ(session.Find("aws:username"), nullptr);
  EXPECT_EQ(session.Find("aws:PrincipalArn")->front(), kRole);
  EXPECT_EQ(session.Find("aws:PrincipalType")->front(), "Custom");  // not overwritten
  RequestContext root = Request(kRoot, kGet, kSecret);
  root.AddPrincipalKeys();
  EXPECT_EQ(root.Find("aws:PrincipalType")->front(), "Account");
  RequestContext web;
  web.principal.federated = kOidc;
  web.AddPrincipalKeys();
  EXPECT_EQ(web.Find("aws:PrincipalArn"), nullptr);
}

}  // namespace
}  // namespace coffer::policy
