#ifndef COFFER_CORE_POLICY_TESTING_STATEMENT_BUILDER_H_
#define COFFER_CORE_POLICY_TESTING_STATEMENT_BUILDER_H_

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"
#include "core/policy/policy_builder.h"
#include "core/policy/request_context.h"

// Test and benchmark helper: policies written as C++ instead of JSON (core has no JSON parser),
// fed through PolicyBuilder exactly as the JSON parser feeds it.
//   Build(PolicyKind::kIdentity, {Stmt::Allow().Action({"kms:*"}).Resource({"*"})});
namespace coffer::policy::testing {

class Stmt {
 public:
  static Stmt Allow() { return Stmt("Allow"); }
  static Stmt Deny() { return Stmt("Deny"); }
  static Stmt WithEffect(std::string effect) { return Stmt(std::move(effect)); }

  Stmt& Sid(std::string sid) {
    sid_ = std::move(sid);
    return *this;
  }
  Stmt& Action(std::vector<std::string> v) { return List(&action_, &action_set_, std::move(v)); }
  Stmt& NotAction(std::vector<std::string> v) {
    return List(&not_action_, &not_action_set_, std::move(v));
  }
  Stmt& Resource(std::vector<std::string> v) {
    return List(&resource_, &resource_set_, std::move(v));
  }
  Stmt& NotResource(std::vector<std::string> v) {
    return List(&not_resource_, &not_resource_set_, std::move(v));
  }
  Stmt& AnyPrincipal() {
    any_principal_ = true;
    return *this;
  }
  Stmt& AnyNotPrincipal() {
    any_not_principal_ = true;
    return *this;
  }
  Stmt& Principal(std::string type, std::vector<std::string> v) {
    principal_.emplace_back(std::move(type), std::move(v));
    return *this;
  }
  Stmt& NotPrincipal(std::string type, std::vector<std::string> v) {
    not_principal_.emplace_back(std::move(type), std::move(v));
    return *this;
  }
  Stmt& When(std::string op, std::string key, std::vector<std::string> values) {
    conditions_.push_back({std::move(op), std::move(key), std::move(values)});
    return *this;
  }

  Result<void> AddTo(PolicyBuilder& b) const {
    COFFER_RETURN_IF_ERROR(b.BeginStatement());
    if (!sid_.empty()) COFFER_RETURN_IF_ERROR(b.SetSid(sid_));
    if (!effect_.empty()) COFFER_RETURN_IF_ERROR(b.SetEffect(effect_));
    if (any_principal_) COFFER_RETURN_IF_ERROR(b.SetAnyPrincipal());
    if (any_not_principal_) COFFER_RETURN_IF_ERROR(b.SetAnyPrincipal(/*is_not=*/true));
    for (const auto& [type, values] : principal_) {
      COFFER_RETURN_IF_ERROR(b.AddPrincipals(type, values));
    }
    for (const auto& [type, values] : not_principal_) {
      COFFER_RETURN_IF_ERROR(b.AddPrincipals(type, values, /*is_not=*/true));
    }
    if (action_set_) COFFER_RETURN_IF_ERROR(b.SetActions(action_));
    if (not_action_set_) COFFER_RETURN_IF_ERROR(b.SetActions(not_action_, /*is_not=*/true));
    if (resource_set_) COFFER_RETURN_IF_ERROR(b.SetResources(resource_));
    if (not_resource_set_) COFFER_RETURN_IF_ERROR(b.SetResources(not_resource_, /*is_not=*/true));
    for (const Cond& c : conditions_) COFFER_RETURN_IF_ERROR(b.AddCondition(c.op, c.key, c.values));
    return b.EndStatement();
  }

 private:
  struct Cond {
    std::string op;
    std::string key;
    std::vector<std::string> values;
  };

  explicit Stmt(std::string effect) : effect_(std::move(effect)) {}

  Stmt& List(std::vector<std::string>* field, bool* is_set, std::vector<std::string> v) {
    *field = std::move(v);
    *is_set = true;
    return *this;
  }

  std::string effect_;
  std::string sid_;
  std::vector<std::string> action_, not_action_, resource_, not_resource_;
  bool action_set_ = false, not_action_set_ = false;
  bool resource_set_ = false, not_resource_set_ = false;
  bool any_principal_ = false, any_not_principal_ = false;
  std::vector<std::pair<std::string, std::vector<std::string>>> principal_, not_principal_;
  std::vector<Cond> conditions_;
};

// Builds a policy of `kind` from `statements`; `version` empty leaves Version out (2008-10-17).
inline Result<PolicyPtr> Build(PolicyKind kind, const std::vector<Stmt>& statements,
                               std::string_view version = "2012-10-17") {
  PolicyBuilder b(kind);
  if (!version.empty()) COFFER_RETURN_IF_ERROR(b.SetVersion(version));
  for (const Stmt& s : statements) COFFER_RETURN_IF_ERROR(s.AddTo(b));
  return b.Build();
}

// A realistic 10-statement identity policy with conditions (allows, denies, IP, dates, tags),
// shared by the allocation test and the benchmark; SampleRequest() is allowed by it.
inline std::vector<Stmt> SampleStatements() {
  const std::string secrets = "arn:aws:secretsmanager:us-east-1:111122223333:secret:";
  return {
      Stmt::Allow()
          .Sid("Browse")
          .Action({"secretsmanager:Describe*", "secretsmanager:List*"})
          .Resource({secrets + "dev/*"}),
      Stmt::Allow()
          .Sid("DecryptViaSecretsManager")
          .Action({"kms:Decrypt"})
          .Resource({"arn:aws:kms:us-east-1:111122223333:key/*"})
          .When("StringEquals", "kms:ViaService", {"secretsmanager.us-east-1.amazonaws.com"}),
      Stmt::Deny()
          .Sid("NoDeleteWithoutMfa")
          .Action({"secretsmanager:DeleteSecret"})
          .Resource({"*"})
          .When("BoolIfExists", "aws:MultiFactorAuthPresent", {"false"}),
      Stmt::Allow()
          .Sid("Parameters")
          .Action({"ssm:GetParameter*"})
          .Resource({"arn:aws:ssm:*:*:parameter/app/*"}),
      Stmt::Deny()
          .Sid("OnlyFromTheVpc")
          .Action({"*"})
          .Resource({"*"})
          .When("NotIpAddress", "aws:SourceIp", {"10.0.0.0/8", "192.168.0.0/16"}),
      Stmt::Allow()
          .Sid("TeamSecrets")
          .Action({"secretsmanager:GetSecretValue"})
          .Resource({secrets + "prod/*"})
          .When("StringEquals", "secretsmanager:ResourceTag/team", {"payments", "billing"})
          .When("DateLessThan", "aws:CurrentTime", {"2030-01-01T00:00:00Z"}),
      Stmt::Deny()
          .Sid("TlsOnly")
          .Action({"secretsmanager:*"})
          .Resource({"*"})
          .When("Bool", "aws:SecureTransport", {"false"}),
      Stmt::Allow()
          .Sid("AssumeAppRoles")
          .Action({"sts:AssumeRole"})
          .Resource({"arn:aws:iam::*:role/app-*"}),
      Stmt::Allow()
          .Sid("Shared")
          .Action({"secretsmanager:GetSecretValue"})
          .Resource({secrets + "shared/*"})
          .When("ForAnyValue:StringLike", "aws:PrincipalTag/groups", {"platform-*"}),
      Stmt::Deny()
          .Sid("NoLegacyKeys")
          .NotAction({"secretsmanager:GetSecretValue", "secretsmanager:Describe*"})
          .Resource({secrets + "legacy/*"})
          .When("NumericGreaterThan", "x:key-age-days", {"90"}),
  };
}

inline RequestContext SampleRequest() {
  RequestContext r;
  r.principal.arn = "arn:aws:iam::111122223333:user/alice";
  r.principal.account_id = "111122223333";
  r.action = "secretsmanager:GetSecretValue";
  r.resource = "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbCdEf";
  r.Set("aws:SourceIp", "10.1.2.3");
  r.Set("aws:CurrentTime", "2026-11-22T10:00:00Z");
  r.Set("aws:SecureTransport", "true");
  r.Set("aws:MultiFactorAuthPresent", "true");
  r.Set("secretsmanager:ResourceTag/team", "payments");
  r.Set("aws:PrincipalTag/groups", {"developers", "platform-oncall"});
  r.AddPrincipalKeys();
  return r;
}

}  // namespace coffer::policy::testing

#endif  // COFFER_CORE_POLICY_TESTING_STATEMENT_BUILDER_H_
