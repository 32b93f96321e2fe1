#include "core/identity/authorizer.h"

#include "base/strings.h"

namespace coffer::identity {

std::shared_ptr<const PrincipalAuthz> Authorizer::AuthzOf(const Principal& who) const {
  switch (who.type) {
    case PrincipalType::kRoot:
      return nullptr;
    case PrincipalType::kUser:
      return iam_.Authz(IamService::Holder::kUser, who.name);
    case PrincipalType::kAssumedRole:
      return iam_.Authz(IamService::Holder::kRole, who.role_name);
  }
  return nullptr;
}

policy::RequestContext Authorizer::Context(const Principal& who, const PrincipalAuthz* authz,
                                           const RequestFacts& facts,
                                           const AccessRequest& request) const {
  policy::RequestContext ctx;
  ctx.action = std::string(request.action);
  ctx.resource = std::string(request.resource);
  ctx.principal.arn = who.arn;
  ctx.principal.account_id = who.account_id;
  ctx.principal.role_arn = who.role_arn;
  ctx.principal.federated = who.federated_provider;

  // Formatted once per second per thread: every request needs them.
  thread_local int64_t second = -1;
  thread_local std::string current_time, epoch_time;
  int64_t s = ToUnixMillis(facts.now) / 1000;
  if (s != second) {
    second = s;
    current_time = FormatIso8601(FromUnixMillis(s * 1000));
    epoch_time = std::to_string(s);
  }
  ctx.Set("aws:CurrentTime", current_time);
  ctx.Set("aws:EpochTime", epoch_time);
  ctx.Set("aws:SecureTransport", std::string(facts.secure ? "true" : "false"));
  if (!facts.source_ip.empty()) ctx.Set("aws:SourceIp", std::string(facts.source_ip));
  if (!facts.region.empty()) ctx.Set("aws:RequestedRegion", std::string(facts.region));
  if (!facts.user_agent.empty()) ctx.Set("aws:UserAgent", std::string(facts.user_agent));
  ctx.Set("aws:PrincipalAccount", who.account_id);
  ctx.Set("aws:ViaAWSService", std::string("false"));
  switch (who.type) {
    case PrincipalType::kRoot:
      ctx.Set("aws:PrincipalArn", who.arn);
      ctx.Set("aws:PrincipalType", std::string("Account"));
      ctx.Set("aws:userid", who.account_id);
      break;
    case PrincipalType::kUser:
      ctx.Set("aws:PrincipalArn", who.arn);
      ctx.Set("aws:PrincipalType", std::string("User"));
      ctx.Set("aws:userid", who.principal_id);
      ctx.Set("aws:username", who.name);
      break;
    case PrincipalType::kAssumedRole:
      // AWS: for role sessions aws:PrincipalArn is the role's ARN, not the session's.
      ctx.Set("aws:PrincipalArn", who.role_arn);
      ctx.Set("aws:PrincipalType", std::string("AssumedRole"));
      ctx.Set("aws:userid", who.principal_id);
      if (!who.federated_provider.empty()) {
        ctx.Set("aws:FederatedProvider", who.federated_provider);
      }
      break;
  }
  if (who.issued.time_since_epoch().count() != 0) {
    ctx.Set("aws:TokenIssueTime", FormatIso8601(who.issued));
  }
  if (authz != nullptr) {
    for (const core::Tag& t : authz->tags) ctx.Set("aws:PrincipalTag/" + t.key, t.value);
  }
  if (request.resource_tags != nullptr) {
    for (const core::Tag& t : *request.resource_tags) {
      ctx.Set("aws:ResourceTag/" + t.key, t.value);
      if (!request.service_tag_prefix.empty()) {
        ctx.Set(std::string(request.service_tag_prefix) + ":ResourceTag/" + t.key, t.value);
      }
    }
  }
  for (const auto& [k, v] : request.keys) ctx.Set(k, v);
  return ctx;
}

Result<void> Authorizer::Authorize(const Principal& who,
                                   const std::vector<policy::PolicyPtr>& session_policies,
                                   const RequestFacts& facts, const AccessRequest& request) const {
  if (who.is_root() && who.account_id == iam_.account().account_id) return Ok();
  std::shared_ptr<const PrincipalAuthz> authz = AuthzOf(who);
  policy::PolicySet set;
  if (authz) set.identity = authz->policies;
  set.has_session = who.has_session_policies;
  set.session = session_policies;
  set.resource = request.resource_policy;
  set.resource_policy_required = request.resource_policy_required;
  policy::RequestContext ctx = Context(who, authz.get(), facts, request);
  policy::Evaluation e = policy::Evaluate(set, ctx);
  if (e.decision == policy::Decision::kAllow) return Ok();
  return PermissionDeniedError(policy::DenialMessage(ctx, e));
}

Result<void> Authorizer::Authorize(const Credential& who, const RequestFacts& facts,
                                   const AccessRequest& request) const {
  return Authorize(who.principal, who.session_policies, facts, request);
}

}  // namespace coffer::identity
