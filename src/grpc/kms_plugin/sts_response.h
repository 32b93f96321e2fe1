#ifndef COFFER_GRPC_KMS_PLUGIN_STS_RESPONSE_H_
#define COFFER_GRPC_KMS_PLUGIN_STS_RESPONSE_H_

#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/result.h"
#include "base/secret_bytes.h"

namespace coffer::kmsplugin {

// Temporary credentials from STS AssumeRoleWithWebIdentity.
struct StsCredentials {
  std::string access_key_id;
  SecretBytes secret_access_key;
  std::string session_token;
  Timestamp expiration;
  std::string assumed_role_arn;  // AssumedRoleUser/Arn, for logs; may be empty
};

// Parses the answer to an AssumeRoleWithWebIdentity query request (the awsQuery XML protocol):
// on HTTP 200 an <AssumeRoleWithWebIdentityResponse>, otherwise an <ErrorResponse>. Element names
// are matched without their namespace prefix. Never throws.
// Errors:
//   kUnauthenticated    STS refused the token (InvalidIdentityToken, ExpiredTokenException)
//   kPermissionDenied   IDPRejectedClaim, AccessDenied
//   kUnavailable        HTTP 5xx (or IDPCommunicationError, throttling)
//   kInternal           a 200 answer that is not well-formed XML or lacks a credential field
//   kInvalidArgument    any other STS error
// The message names the STS error code and message, never the credentials.
Result<StsCredentials> ParseAssumeRoleWithWebIdentityResponse(int http_status,
                                                              std::string_view body);

}  // namespace coffer::kmsplugin

#endif  // COFFER_GRPC_KMS_PLUGIN_STS_RESPONSE_H_
