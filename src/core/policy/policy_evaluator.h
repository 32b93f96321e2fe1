#ifndef COFFER_CORE_POLICY_POLICY_EVALUATOR_H_
#define COFFER_CORE_POLICY_POLICY_EVALUATOR_H_

#include <string>
#include <string_view>
#include <vector>

#include "core/policy/policy.h"
#include "core/policy/request_context.h"
#include "core/policy/wildcard.h"

namespace coffer::policy {

// The policies that apply to one request.
struct PolicySet {
  std::vector<PolicyPtr> identity;  // the user's or role's inline + attached managed policies
  // Session policies (AssumeRole*/GetFederationToken Policy + PolicyArns). When has_session is
  // true the result is the intersection with these (AWS: "session policies limit permissions");
  // has_session with no session policies therefore denies everything.
  bool has_session = false;
  std::vector<PolicyPtr> session;
  PolicyPtr resource;  // resource policy / KMS key policy / trust policy; may be null
  // KMS key policies and role trust policies: the resource policy must allow, either naming the
  // principal directly, or naming the account (arn:aws:iam::<acct>:root or "<acct>") — which
  // delegates to the identity policies, which must then allow too.
  bool resource_policy_required = false;
};

enum class Decision { kAllow, kExplicitDeny, kImplicitDeny };

// Which kind of policy decided: for a deny, where it came from (the message names it); for an
// allow, the policy that granted.
enum class PolicySource { kIdentity, kResource, kSession, kTrust };

struct Evaluation {
  Decision decision = Decision::kImplicitDeny;
  PolicySource source = PolicySource::kIdentity;
  // The Sid of the deciding statement (the explicit deny, or the allow that granted); empty for
  // an implicit deny or a statement without Sid. Points into the policy: valid while it lives.
  std::string_view sid;

  bool allowed() const { return decision == Decision::kAllow; }
};

// Evaluates `request` against `policies` with IAM's logic:
//  1. an explicit Deny in any applicable statement (identity, session or resource policy; for a
//     resource policy, a statement whose Principal names the caller, its role, or its account)
//     wins;
//  2. otherwise the request is allowed when a resource-policy Allow names the principal directly
//     (its ARN, its role, "*", a federated/service principal, or the account for the account's
//     root user), or when an identity policy allows — with resource_policy_required only if a
//     resource-policy Allow also names the principal's account;
//  3. with has_session, an allowed request must also be allowed by a session policy, unless the
//     resource policy named the session's own ARN;
//  4. otherwise the implicit deny.
// The account root user gets no special treatment: callers decide whether root bypasses
// evaluation. Thread-safe (reads only). Allocates only to substitute policy variables.
Evaluation Evaluate(const PolicySet& policies, const RequestContext& request);

// AWS's AccessDenied message, e.g.
//  "User: <principal arn> is not authorized to perform: <action> on resource: <resource> because
//   no identity-based policy allows the <action> action"
//  "... with an explicit deny in an identity-based policy" / "in a resource-based policy" /
//   "in a session policy"
//  "... because no session policy allows the <action> action"
//  "... because no resource-based policy allows the <action> action" (key policy, trust policy)
// " on resource: ..." is left out when the resource is empty or "*". Empty for kAllow.
std::string DenialMessage(const RequestContext& request, const Evaluation& evaluation);

}  // namespace coffer::policy

#endif  // COFFER_CORE_POLICY_POLICY_EVALUATOR_H_
