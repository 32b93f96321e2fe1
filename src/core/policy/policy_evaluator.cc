#include "core/policy/policy_evaluator.h"

#include <algorithm>

#include "core/policy/internal/condition.h"
#include "core/policy/internal/statement.h"

namespace coffer::policy {
namespace {

using internal::Statement;

// How a resource-policy statement's Principal names the caller, weakest first.
enum class PrincipalMatch : uint8_t {
  kNone,
  kAccount,  // the caller's account: delegates to the identity policies
  kDirect,   // the caller itself, its role, "*", or the account for its root user
  kSession,  // the caller's own session ARN: session policies do not limit it
};

bool Contains(const std::vector<std::string>& list, std::string_view s) {
  return !s.empty() && std::find(list.begin(), list.end(), s) != list.end();
}

bool IsRootUser(const PrincipalInfo& p) {
  std::string_view arn = p.arn;
  return p.role_arn.empty() && arn.size() > 5 && arn.substr(arn.size() - 5) == ":root" &&
         arn.find(":iam::") != std::string_view::npos;
}

PrincipalMatch MatchPrincipal(const internal::PrincipalSet& set, const PrincipalInfo& p) {
  if (set.any) return PrincipalMatch::kDirect;
  if (Contains(set.arns, p.arn)) {
    return p.role_arn.empty() ? PrincipalMatch::kDirect : PrincipalMatch::kSession;
  }
  if (Contains(set.arns, p.role_arn) || Contains(set.federated, p.federated) ||
      Contains(set.services, p.service)) {
    return PrincipalMatch::kDirect;
  }
  if (Contains(set.accounts, p.account_id)) {
    return IsRootUser(p) ? PrincipalMatch::kDirect : PrincipalMatch::kAccount;
  }
  return PrincipalMatch::kNone;
}

// NotPrincipal with Deny exempts a caller only when every layer of its identity is listed: its
// account, its role (for a session) and itself — AWS may evaluate each layer on its own, which is
// why its documentation tells policy authors to list them all.
bool EveryLayerListed(const internal::PrincipalSet& set, const PrincipalInfo& p) {
  if (set.any) return true;
  bool any_layer = false;
  auto layer = [&any_layer](bool listed) {
    any_layer = true;
    return listed;
  };
  if (!p.account_id.empty() && !layer(Contains(set.accounts, p.account_id))) return false;
  if (!p.role_arn.empty() && !layer(Contains(set.arns, p.role_arn))) return false;
  if (!p.arn.empty() && !IsRootUser(p) && !layer(Contains(set.arns, p.arn))) return false;
  if (!p.federated.empty() && !layer(Contains(set.federated, p.federated))) return false;
  if (!p.service.empty() && !layer(Contains(set.services, p.service))) return false;
  return any_layer;
}

// Whether the statement's Principal/NotPrincipal covers the caller, and how.
PrincipalMatch AppliesTo(const Statement& s, const PrincipalInfo& p) {
  if (!s.has_principal) return PrincipalMatch::kDirect;
  if (!s.not_principal) return MatchPrincipal(s.principals, p);
  // NotPrincipal: with Deny, the conservative reading above; with Allow, any listed layer
  // excludes the caller. Either way a covered caller is covered like "*".
  bool excluded = s.effect == internal::Effect::kDeny
                      ? EveryLayerListed(s.principals, p)
                      : MatchPrincipal(s.principals, p) != PrincipalMatch::kNone;
  return excluded ? PrincipalMatch::kNone : PrincipalMatch::kDirect;
}

bool ActionMatches(const Statement& s, std::string_view action) {
  bool listed = false;
  for (const internal::Glob& g : s.actions) {
    if (g.Matches(action, /*ignore_case=*/true)) {
      listed = true;
      break;
    }
  }
  return listed != s.not_action;
}

bool ResourceMatches(const Statement& s, const RequestContext& r) {
  if (!s.has_resource) return true;
  bool listed = false;
  for (const internal::Pattern& p : s.resources) {
    if (p.Matches(r.resource, r, /*ignore_case=*/false)) {
      listed = true;
      break;
    }
  }
  return listed != s.not_resource;
}

bool ConditionsHold(const Statement& s, const RequestContext& r) {
  for (const internal::Condition& c : s.conditions) {
    if (!internal::EvaluateCondition(c, r)) return false;
  }
  return true;
}

// What one group of policies says about the request.
struct Findings {
  const Statement* deny = nullptr;
  const Statement* allow = nullptr;          // identity/session: any; resource: named directly
  const Statement* allow_account = nullptr;  // resource: named the caller's account
  const Statement* allow_session = nullptr;  // resource: named the caller's session ARN

  bool HasAllAllows() const {
    return allow != nullptr && allow_account != nullptr && allow_session != nullptr;
  }
};

void Scan(const Policy& policy, const RequestContext& r, Findings* f) {
  for (const Statement& s : policy.statements()) {
    const bool deny = s.effect == internal::Effect::kDeny;
    // Once every kind of allow is known only a deny can change the outcome.
    if (!deny && (f->HasAllAllows() || (!s.has_principal && f->allow != nullptr))) continue;
    if (!ActionMatches(s, r.action) || !ResourceMatches(s, r)) continue;
    PrincipalMatch how = AppliesTo(s, r.principal);
    if (how == PrincipalMatch::kNone) continue;
    if (!ConditionsHold(s, r)) continue;
    if (deny) {
      f->deny = &s;
      return;
    }
    const Statement** slot = how == PrincipalMatch::kSession   ? &f->allow_session
                             : how == PrincipalMatch::kAccount ? &f->allow_account
                                                               : &f->allow;
    if (*slot == nullptr) *slot = &s;
  }
}

Evaluation Decide(Decision d, PolicySource source, const Statement* s) {
  Evaluation e;
  e.decision = d;
  e.source = source;
  if (s != nullptr) e.sid = s->sid;
  return e;
}

}  // namespace

Evaluation Evaluate(const PolicySet& policies, const RequestContext& request) {
  Findings identity;
  for (const PolicyPtr& p : policies.identity) {
    if (p == nullptr) continue;
    Scan(*p, request, &identity);
    if (identity.deny != nullptr) {
      return Decide(Decision::kExplicitDeny, PolicySource::kIdentity, identity.deny);
    }
  }
  Findings session;
  if (policies.has_session) {
    for (const PolicyPtr& p : policies.session) {
      if (p == nullptr) continue;
      Scan(*p, request, &session);
      if (session.deny != nullptr) {
        return Decide(Decision::kExplicitDeny, PolicySource::kSession, session.deny);
      }
    }
  }
  const PolicySource resource_source =
      policies.resource != nullptr && policies.resource->kind() == PolicyKind::kTrust
          ? PolicySource::kTrust
          : PolicySource::kResource;
  Findings resource;
  if (policies.resource != nullptr) {
    Scan(*policies.resource, request, &resource);
    if (resource.deny != nullptr) {
      return Decide(Decision::kExplicitDeny, resource_source, resource.deny);
    }
  }

  const Statement* direct =
      resource.allow_session != nullptr ? resource.allow_session : resource.allow;
  const Statement* granting = nullptr;
  PolicySource granted_by = resource_source;
  if (direct != nullptr) {
    granting = direct;
  } else if (identity.allow != nullptr &&
             (!policies.resource_policy_required || resource.allow_account != nullptr)) {
    granting = identity.allow;
    granted_by = PolicySource::kIdentity;
  }
  if (granting == nullptr) {
    // Name the missing half: a key/trust policy that does not even delegate to the account is
    // "no resource-based policy allows"; everything else lacks an identity-policy allow.
    bool resource_missing = policies.resource_policy_required && resource.allow_account == nullptr;
    return Decide(Decision::kImplicitDeny,
                  resource_missing ? resource_source : PolicySource::kIdentity, nullptr);
  }
  if (policies.has_session && resource.allow_session == nullptr && session.allow == nullptr) {
    return Decide(Decision::kImplicitDeny, PolicySource::kSession, nullptr);
  }
  return Decide(Decision::kAllow, granted_by, granting);
}

std::string DenialMessage(const RequestContext& request, const Evaluation& evaluation) {
  if (evaluation.decision == Decision::kAllow) return {};
  const PrincipalInfo& p = request.principal;
  std::string_view who = !p.arn.empty()         ? std::string_view(p.arn)
                         : !p.federated.empty() ? std::string_view(p.federated)
                         : !p.service.empty()   ? std::string_view(p.service)
                                                : std::string_view("anonymous");
  std::string m = "User: ";
  m.append(who);
  m.append(" is not authorized to perform: ");
  m.append(request.action);
  if (!request.resource.empty() && request.resource != "*") {
    m.append(" on resource: ");
    m.append(request.resource);
  }
  if (evaluation.decision == Decision::kExplicitDeny) {
    switch (evaluation.source) {
      case PolicySource::kIdentity:
        m.append(" with an explicit deny in an identity-based policy");
        break;
      case PolicySource::kSession:
        m.append(" with an explicit deny in a session policy");
        break;
      case PolicySource::kResource:
      case PolicySource::kTrust:
        m.append(" with an explicit deny in a resource-based policy");
        break;
    }
    return m;
  }
  switch (evaluation.source) {
    case PolicySource::kIdentity:
      m.append(" because no identity-based policy allows the ");
      break;
    case PolicySource::kSession:
      m.append(" because no session policy allows the ");
      break;
    case PolicySource::kResource:
    case PolicySource::kTrust:
      m.append(" because no resource-based policy allows the ");
      break;
  }
  m.append(request.action);
  m.append(" action");
  return m;
}

}  // namespace coffer::policy
