#ifndef COFFER_API_AWS_QUERY_IAM_API_H_
#define COFFER_API_AWS_QUERY_IAM_API_H_

#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "api/aws_query/query_service.h"
#include "core/identity/authorizer.h"
#include "core/identity/iam_service.h"

namespace coffer::api::aws_query {

// AWS IAM (query protocol, signing name "iam", API 2010-05-08) over identity::IamService: users,
// access keys, roles, inline and customer managed policies, OIDC providers, with IAM's wire
// shapes. Every operation is authorized first, as "iam:<Operation>" on the ARN of the user,
// role, policy or provider it names ("*" for listings of no particular entity); the account root
// may do everything. Lists page with Marker/MaxItems/IsTruncated (the Marker is opaque). Policy
// documents come back URL-encoded (RFC 3986), as IAM returns them.
// Errors (MapError): NoSuchEntity 404, EntityAlreadyExists 409, DeleteConflict 409,
// LimitExceeded 409, MalformedPolicyDocument 400, InvalidInput 400, ValidationError 400,
// UnmodifiableEntity 400, AccessDenied 403, ServiceFailure 500.
// Thread-safe; `iam` and `authorizer` must outlive it.
class IamApi final : public QueryService {
 public:
  IamApi(identity::IamService& iam, const identity::Authorizer& authorizer)
      : iam_(iam), authorizer_(authorizer) {}

  std::string_view signing_name() const override { return "iam"; }
  const QueryModel& model() const override { return IamModel(); }
  bool Implements(std::string_view operation) const override;
  bool MayBlock(std::string_view operation) const override;
  Result<void> Invoke(std::string_view operation, aws_json::Call& call) override;
  ApiError MapError(const Error& error) const override;

 private:
  using Call = aws_json::Call;
  using Handler = std::function<Result<void>(IamApi&, Call&)>;

  // Every implemented operation's handler, by operation name.
  static const std::map<std::string_view, Handler, std::less<>>& Handlers();

  // The ARN `op` acts on, for the authorization check made before it runs.
  std::string ResourceArn(std::string_view op, const Call& c) const;
  Result<void> AuthorizeCall(std::string_view op, Call& c) const;
  // The user an operation with an optional UserName acts on: the named one, else the caller.
  Result<std::string> TargetUser(const Call& c) const;

  Result<void> CreateUser(Call& c);
  Result<void> GetUser(Call& c);
  Result<void> ListUsers(Call& c);
  Result<void> DeleteUser(Call& c);
  Result<void> TagUser(Call& c);
  Result<void> UntagUser(Call& c);
  Result<void> ListUserTags(Call& c);
  Result<void> CreateAccessKey(Call& c);
  Result<void> ListAccessKeys(Call& c);
  Result<void> UpdateAccessKey(Call& c);
  Result<void> DeleteAccessKey(Call& c);
  Result<void> CreateRole(Call& c);
  Result<void> GetRole(Call& c);
  Result<void> ListRoles(Call& c);
  Result<void> DeleteRole(Call& c);
  Result<void> UpdateRole(Call& c);
  Result<void> UpdateAssumeRolePolicy(Call& c);
  Result<void> TagRole(Call& c);
  Result<void> UntagRole(Call& c);
  Result<void> ListRoleTags(Call& c);
  Result<void> PutInlinePolicy(Call& c, identity::IamService::Holder kind);
  Result<void> GetInlinePolicy(Call& c, identity::IamService::Holder kind);
  Result<void> DeleteInlinePolicy(Call& c, identity::IamService::Holder kind);
  Result<void> ListInlinePolicies(Call& c, identity::IamService::Holder kind);
  Result<void> CreatePolicy(Call& c);
  Result<void> GetPolicy(Call& c);
  Result<void> DeletePolicy(Call& c);
  Result<void> ListPolicies(Call& c);
  Result<void> CreatePolicyVersion(Call& c);
  Result<void> GetPolicyVersion(Call& c);
  Result<void> ListPolicyVersions(Call& c);
  Result<void> DeletePolicyVersion(Call& c);
  Result<void> SetDefaultPolicyVersion(Call& c);
  Result<void> AttachPolicy(Call& c, identity::IamService::Holder kind);
  Result<void> DetachPolicy(Call& c, identity::IamService::Holder kind);
  Result<void> ListAttachedPolicies(Call& c, identity::IamService::Holder kind);
  Result<void> CreateOpenIDConnectProvider(Call& c);
  Result<void> GetOpenIDConnectProvider(Call& c);
  Result<void> ListOpenIDConnectProviders(Call& c);
  Result<void> DeleteOpenIDConnectProvider(Call& c);
  Result<void> AddClientIDToOpenIDConnectProvider(Call& c);
  Result<void> RemoveClientIDFromOpenIDConnectProvider(Call& c);
  Result<void> UpdateOpenIDConnectProviderThumbprint(Call& c);
  Result<void> TagOpenIDConnectProvider(Call& c);
  Result<void> UntagOpenIDConnectProvider(Call& c);
  Result<void> ListOpenIDConnectProviderTags(Call& c);

  identity::IamService& iam_;
  const identity::Authorizer& authorizer_;
};

}  // namespace coffer::api::aws_query

#endif  // COFFER_API_AWS_QUERY_IAM_API_H_
