#ifndef COFFER_CORE_IDENTITY_STS_SERVICE_H_
#define COFFER_CORE_IDENTITY_STS_SERVICE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "core/identity/authorizer.h"
#include "core/identity/iam_service.h"
#include "core/identity/identity_service.h"
#include "core/identity/web_identity.h"

namespace coffer::identity {

struct AssumeRoleInput {
  std::string role_arn;
  std::string session_name;
  std::optional<int64_t> duration_seconds;  // default 3600
  std::optional<std::string> policy;        // inline session policy
  std::vector<std::string> policy_arns;     // managed session policies
};

struct AssumeRoleOutput {
  IdentityService::SessionCredentials credentials;
  std::string assumed_role_id;     // AROA…:<session>
  std::string arn;                 // arn:aws:sts::<account>:assumed-role/<role>/<session>
  int64_t packed_policy_size = 0;  // percent of the limit
  // AssumeRoleWithWebIdentity only.
  std::string subject, audience, provider;
};

// STS: temporary credentials for role sessions (web identity, AssumeRole) and user sessions
// (GetSessionToken). Thread-safe.
//
// Errors: kPermissionDenied (AccessDenied: trust policy, unknown role), kInvalidArgument
// (ValidationError, or the web-identity reasons of web_identity.h and
// policy::reason::kMalformedPolicy), kPermissionDenied with reason kIdpRejectedClaim,
// kUnavailable with reason kIdpCommunicationError, kResourceExhausted with reason
// kPackedPolicyTooLarge.
class StsService {
 public:
  StsService(IamService& iam, IdentityService& identity, WebIdentityVerifier& web,
             const Authorizer& authorizer, const Clock& clock)
      : iam_(iam), identity_(identity), web_(web), authorizer_(authorizer), clock_(clock) {}

  Result<AssumeRoleOutput> AssumeRoleWithWebIdentity(const AssumeRoleInput& input,
                                                     std::string_view token,
                                                     const RequestFacts& facts);
  Result<AssumeRoleOutput> AssumeRole(const Credential& caller, const AssumeRoleInput& input,
                                      const RequestFacts& facts);
  Result<IdentityService::SessionCredentials> GetSessionToken(
      const Credential& caller, std::optional<int64_t> duration_seconds);

 private:
  // Session policies resolved to documents; kInvalidArgument for unknown policy ARNs.
  Result<std::vector<std::string>> SessionPolicies(const AssumeRoleInput& input) const;
  Result<AssumeRoleOutput> Issue(const Role& role, const AssumeRoleInput& input,
                                 int64_t max_duration, Principal session);

  IamService& iam_;
  IdentityService& identity_;
  WebIdentityVerifier& web_;
  const Authorizer& authorizer_;
  const Clock& clock_;
};

}  // namespace coffer::identity

#endif  // COFFER_CORE_IDENTITY_STS_SERVICE_H_
