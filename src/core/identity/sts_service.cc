#include "core/identity/sts_service.h"

#include <algorithm>

namespace coffer::identity {
namespace {

constexpr size_t kMaxSessionPolicyArns = 10;
constexpr size_t kPackedLimit = size_t{2048} * 4;  // for PackedPolicySize, a percentage of this

Error ValidationError(std::string message) { return InvalidArgumentError(std::move(message)); }

}  // namespace

Result<std::vector<std::string>> StsService::SessionPolicies(const AssumeRoleInput& input) const {
  std::vector<std::string> docs;
  if (input.policy_arns.size() > kMaxSessionPolicyArns) {
    return ValidationError(
        "1 validation error detected: Value at 'policyArns' failed to satisfy "
        "constraint: Member must have length less than or equal to 10");
  }
  if (input.policy) docs.push_back(*input.policy);
  for (const std::string& arn : input.policy_arns) {
    auto mp = iam_.GetPolicy(arn);
    if (!mp.has_value()) {
      return ValidationError("The session policy " + arn + " does not exist.");
    }
    if (const PolicyVersion* v = mp->DefaultVersion()) docs.push_back(v->document);
  }
  return docs;
}

Result<AssumeRoleOutput> StsService::Issue(const Role& role, const AssumeRoleInput& input,
                                           int64_t max_duration, Principal session) {
  int64_t duration = input.duration_seconds.value_or(3600);
  if (duration < 900) {
    return ValidationError("The requested DurationSeconds must be at least 900 seconds.");
  }
  if (duration > max_duration) {
    return ValidationError(
        "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.");
  }
  COFFER_ASSIGN_OR_RETURN(std::vector<std::string> docs, SessionPolicies(input));
  session.type = PrincipalType::kAssumedRole;
  session.account_id = iam_.account().account_id;
  session.name = input.session_name;
  session.role_arn = role.arn;
  session.role_name = role.name;
  session.principal_id = role.role_id + ":" + input.session_name;
  session.arn =
      iam_.account().GlobalArn("sts", "assumed-role/" + role.name + "/" + input.session_name);
  session.has_session_policies = !docs.empty();
  size_t packed = 0;
  for (const std::string& d : docs) packed += d.size();
  session.session_policies = std::move(docs);
  AssumeRoleOutput out;
  COFFER_ASSIGN_OR_RETURN(out.credentials,
                          identity_.IssueSession(session, std::chrono::seconds(duration)));
  out.assumed_role_id = session.principal_id;
  out.arn = session.arn;
  out.packed_policy_size = static_cast<int64_t>(std::min<size_t>(100, packed * 100 / kPackedLimit));
  out.subject = session.web_identity_subject;
  out.audience = session.web_identity_audience;
  out.provider = session.federated_provider;
  return out;
}

Result<AssumeRoleOutput> StsService::AssumeRoleWithWebIdentity(const AssumeRoleInput& input,
                                                               std::string_view token,
                                                               const RequestFacts& facts) {
  COFFER_ASSIGN_OR_RETURN(std::string issuer, web_.UnverifiedIssuer(token));
  auto provider = iam_.FindOidcProviderByIssuer(issuer);
  if (!provider.has_value()) {
    return InvalidArgumentError("No OpenIDConnect provider found in your account for " + issuer,
                                reason::kInvalidIdentityToken);
  }
  COFFER_ASSIGN_OR_RETURN(WebIdentityClaims claims, web_.Verify(token, *provider, facts.now));
  auto denied = [&] {
    return PermissionDeniedError("Not authorized to perform sts:AssumeRoleWithWebIdentity");
  };
  auto role = iam_.GetRoleByArn(input.role_arn);
  if (!role.has_value()) return denied();
  COFFER_ASSIGN_OR_RETURN(policy::PolicyPtr trust, iam_.TrustPolicy(role->name));

  // The trust policy sees the provider as a federated principal and the token's claims as
  // "<issuer host/path>:<claim>" keys, as IAM does.
  std::string prefix = provider->arn.substr(provider->arn.find("oidc-provider/") + 14);
  AccessRequest request;
  request.action = "sts:AssumeRoleWithWebIdentity";
  request.resource = role->arn;
  request.resource_policy = trust;
  request.resource_policy_required = true;
  request.keys.push_back({prefix + ":sub", {claims.subject}});
  request.keys.push_back({prefix + ":aud", {claims.audience}});
  request.keys.push_back({prefix + ":oaud", claims.audiences});
  request.keys.push_back({"sts:RoleSessionName", {input.session_name}});
  request.keys.push_back({"aws:FederatedProvider", {provider->arn}});
  Principal federated;
  federated.type = PrincipalType::kAssumedRole;
  federated.arn = provider->arn;
  federated.account_id = iam_.account().account_id;
  federated.federated_provider = provider->arn;
  policy::PolicySet set;
  set.resource = trust;
  set.resource_policy_required = true;
  policy::RequestContext ctx = authorizer_.Context(federated, nullptr, facts, request);
  ctx.principal.arn.clear();  // only the Federated principal can match
  if (policy::Evaluate(set, ctx).decision != policy::Decision::kAllow) return denied();

  Principal session;
  session.federated_provider = provider->arn;
  session.web_identity_subject = claims.subject;
  session.web_identity_audience = claims.audience;
  return Issue(*role, input, role->max_session_duration_seconds, std::move(session));
}

Result<AssumeRoleOutput> StsService::AssumeRole(const Credential& caller,
                                                const AssumeRoleInput& input,
                                                const RequestFacts& facts) {
  const Principal& who = caller.principal;
  std::string denial = "User: " + who.arn +
                       " is not authorized to perform: sts:AssumeRole on "
                       "resource: " +
                       input.role_arn;
  if (who.is_root()) {
    return PermissionDeniedError(denial + " because the account root user cannot assume roles");
  }
  auto role = iam_.GetRoleByArn(input.role_arn);
  if (!role.has_value()) return PermissionDeniedError(denial);
  COFFER_ASSIGN_OR_RETURN(policy::PolicyPtr trust, iam_.TrustPolicy(role->name));
  AccessRequest request;
  request.action = "sts:AssumeRole";
  request.resource = role->arn;
  request.resource_policy = trust;
  request.resource_policy_required = true;
  request.keys.push_back({"sts:RoleSessionName", {input.session_name}});
  COFFER_RETURN_IF_ERROR(authorizer_.Authorize(caller, facts, request));
  // Role chaining limits the new session to one hour, as AWS does.
  int64_t max = who.type == PrincipalType::kAssumedRole ? 3600 : role->max_session_duration_seconds;
  return Issue(*role, input, max, Principal{});
}

Result<IdentityService::SessionCredentials> StsService::GetSessionToken(
    const Credential& caller, std::optional<int64_t> duration_seconds) {
  const Principal& who = caller.principal;
  if (who.type == PrincipalType::kAssumedRole || caller.expires.has_value()) {
    return PermissionDeniedError("Cannot call GetSessionToken with session credentials");
  }
  int64_t max = who.is_root() ? 3600 : 129600;
  int64_t duration = duration_seconds.value_or(who.is_root() ? 3600 : 43200);
  if (duration < 900 || duration > max) {
    return ValidationError("The requested DurationSeconds must be from 900 to " +
                           std::to_string(max) + " seconds.");
  }
  Principal session = who;
  session.issued = clock_.Now();
  return identity_.IssueSession(session, std::chrono::seconds(duration));
}

}  // namespace coffer::identity
