#ifndef COFFER_CORE_SECRETS_ERRORS_H_
#define COFFER_CORE_SECRETS_ERRORS_H_

#include <string_view>

// Error reasons (Error::reason) the secrets domain returns; protocol adapters map them.
namespace coffer::secrets::reason {
inline constexpr std::string_view kNotFound = "SECRET_NOT_FOUND";           // kNotFound
inline constexpr std::string_view kExists = "SECRET_EXISTS";                // kAlreadyExists
inline constexpr std::string_view kInvalidRequest = "INVALID_REQUEST";      // kFailedPrecondition
inline constexpr std::string_view kInvalidParameter = "INVALID_PARAMETER";  // kInvalidArgument
inline constexpr std::string_view kValidation = "VALIDATION";               // kInvalidArgument
inline constexpr std::string_view kLimitExceeded = "LIMIT_EXCEEDED";        // kResourceExhausted
inline constexpr std::string_view kEncryptionFailure = "ENCRYPTION_FAILURE";
inline constexpr std::string_view kDecryptionFailure = "DECRYPTION_FAILURE";
inline constexpr std::string_view kInvalidNextToken = "INVALID_NEXT_TOKEN";  // kInvalidArgument
inline constexpr std::string_view kThrottled = "THROTTLED";                  // kResourceExhausted
}  // namespace coffer::secrets::reason

#endif  // COFFER_CORE_SECRETS_ERRORS_H_
