// Fuzzes the policy document parser (RapidJSON + PolicyBuilder) with every policy kind, then
// evaluates whatever parses against a few requests: every input must end in a policy or a
// MalformedPolicy error, never a crash, a hang or unbounded memory.
#include <cstdint>
#include <string>
#include <string_view>

#include "api/common/policy_document_parser.h"
#include "core/policy/policy_evaluator.h"

namespace {

using coffer::policy::PolicyKind;
using coffer::policy::RequestContext;

RequestContext UserRequest() {
  RequestContext r;
  r.principal.arn = "arn:aws:iam::111122223333:user/alice";
  r.principal.account_id = "111122223333";
  r.action = "secretsmanager:GetSecretValue";
  r.resource = "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbCdEf";
  r.Set("aws:SourceIp", "10.1.2.3");
  r.Set("aws:CurrentTime", "2026-11-22T10:00:00Z");
  r.Set("aws:SecureTransport", "true");
  r.Set("aws:TagKeys", {"env", "team"});
  r.Set("secretsmanager:ResourceTag/team", "payments");
  r.AddPrincipalKeys();
  return r;
}

RequestContext SessionRequest() {
  RequestContext r = UserRequest();
  r.principal.arn = "arn:aws:sts::111122223333:assumed-role/app/pod-1";
  r.principal.role_arn = "arn:aws:iam::111122223333:role/app";
  r.action = "kms:Decrypt";
  r.resource = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
  r.Set("aws:SourceIp", "2001:db8::7");
  return r;
}

RequestContext WebIdentityRequest() {
  RequestContext r;
  r.principal.federated =
      "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE";
  r.action = "sts:AssumeRoleWithWebIdentity";
  r.resource = "arn:aws:iam::111122223333:role/app";
  r.Set("oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE:sub", "system:serviceaccount:ns:sa");
  r.Set("oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE:aud", "sts.amazonaws.com");
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const coffer::api::JsonPolicyParser parser;
  static const RequestContext requests[] = {UserRequest(), SessionRequest(), WebIdentityRequest()};
  const std::string_view doc(reinterpret_cast<const char*>(data), size);
  for (PolicyKind kind : {PolicyKind::kIdentity, PolicyKind::kResource, PolicyKind::kTrust}) {
    auto policy = parser.Parse(doc, kind);
    if (!policy.has_value()) {
      if (policy.error().reason != coffer::policy::reason::kMalformedPolicy) __builtin_trap();
      continue;
    }
    for (const RequestContext& r : requests) {
      coffer::policy::PolicySet set;
      if (kind == PolicyKind::kIdentity) {
        set.identity = {*policy};
        set.has_session = true;
        set.session = {*policy};
      } else {
        set.resource = *policy;
        set.resource_policy_required = kind == PolicyKind::kTrust;
      }
      auto e = coffer::policy::Evaluate(set, r);
      std::string message = coffer::policy::DenialMessage(r, e);
      if (e.allowed() != message.empty()) __builtin_trap();
    }
  }
  return 0;
}
