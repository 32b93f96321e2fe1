#ifndef COFFER_CORE_POLICY_ERRORS_H_
#define COFFER_CORE_POLICY_ERRORS_H_

#include <string_view>

// Error reasons (Error::reason) the policy module returns; protocol adapters map them to wire
// errors (IAM MalformedPolicyDocument, KMS MalformedPolicyDocumentException, Secrets Manager
// MalformedPolicyDocumentException).
namespace coffer::policy::reason {
inline constexpr std::string_view kMalformedPolicy = "MALFORMED_POLICY";  // kInvalidArgument
}  // namespace coffer::policy::reason

#endif  // COFFER_CORE_POLICY_ERRORS_H_
