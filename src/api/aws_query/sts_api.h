#ifndef COFFER_API_AWS_QUERY_STS_API_H_
#define COFFER_API_AWS_QUERY_STS_API_H_

#include <string_view>

#include "api/aws_query/query_service.h"
#include "core/common/account.h"
#include "core/identity/authorizer.h"
#include "core/identity/sts_service.h"

namespace coffer::api::aws_query {

// AWS STS (query protocol, signing name "sts", API 2011-06-15) over identity::StsService:
// AssumeRoleWithWebIdentity (served unsigned, as in AWS: the web identity token is the
// credential), AssumeRole, GetSessionToken and GetCallerIdentity. Decisions are made by
// StsService (role trust policies, the caller's identity policies); GetCallerIdentity needs no
// permission, as in AWS. Tokens and secrets never appear in error messages.
// Errors (MapError): InvalidIdentityToken 400, IDPRejectedClaim 403, IDPCommunicationError 400,
// ExpiredTokenException 400, MalformedPolicyDocument 400, PackedPolicyTooLarge 400,
// AccessDenied 403, ValidationError 400, InternalFailure 500.
// Thread-safe; `sts`, `authorizer` and `account` must outlive it.
class StsApi final : public QueryService {
 public:
  StsApi(identity::StsService& sts, const identity::Authorizer& authorizer,
         const core::Account& account)
      : sts_(sts), authorizer_(authorizer), account_(account) {}

  std::string_view signing_name() const override { return "sts"; }
  const QueryModel& model() const override { return StsModel(); }
  bool Implements(std::string_view operation) const override;
  // AssumeRoleWithWebIdentity may fetch the issuer's signing keys over the network.
  bool MayBlock(std::string_view operation) const override;
  Result<void> Invoke(std::string_view operation, aws_json::Call& call) override;
  ApiError MapError(const Error& error) const override;

 private:
  Result<void> AssumeRoleWithWebIdentity(aws_json::Call& c);
  Result<void> AssumeRole(aws_json::Call& c);
  Result<void> GetCallerIdentity(aws_json::Call& c);
  Result<void> GetSessionToken(aws_json::Call& c);

  identity::StsService& sts_;
  const identity::Authorizer& authorizer_;
  const core::Account& account_;
};

}  // namespace coffer::api::aws_query

#endif  // COFFER_API_AWS_QUERY_STS_API_H_
