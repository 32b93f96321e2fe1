#ifndef COFFER_CORE_KEYS_ERRORS_H_
#define COFFER_CORE_KEYS_ERRORS_H_

#include <string_view>

// Error reasons (Error::reason) the keys domain returns; protocol adapters map them to wire errors.
namespace coffer::keys::reason {
inline constexpr std::string_view kKeyNotFound = "KEY_NOT_FOUND";             // kNotFound
inline constexpr std::string_view kKeyDisabled = "KEY_DISABLED";              // kFailedPrecondition
inline constexpr std::string_view kKeyInvalidState = "KEY_INVALID_STATE";     // kFailedPrecondition
inline constexpr std::string_view kInvalidCiphertext = "INVALID_CIPHERTEXT";  // kInvalidArgument
inline constexpr std::string_view kIncorrectKey = "INCORRECT_KEY";            // kInvalidArgument
inline constexpr std::string_view kInvalidKeyUsage = "INVALID_KEY_USAGE";     // kInvalidArgument
inline constexpr std::string_view kInvalidArn = "INVALID_ARN";                // kInvalidArgument
inline constexpr std::string_view kSealed = "SEALED";                         // kUnavailable
inline constexpr std::string_view kAliasExists = "ALIAS_EXISTS";              // kAlreadyExists
inline constexpr std::string_view kInvalidAliasName = "INVALID_ALIAS_NAME";   // kInvalidArgument
inline constexpr std::string_view kMalformedPolicy = "MALFORMED_POLICY";      // kInvalidArgument
inline constexpr std::string_view kTag = "TAG";                               // kInvalidArgument
inline constexpr std::string_view kUnsupported = "UNSUPPORTED";               // kFailedPrecondition
inline constexpr std::string_view kLimitExceeded = "LIMIT_EXCEEDED";          // kResourceExhausted
inline constexpr std::string_view kValidation = "VALIDATION";                 // kInvalidArgument
inline constexpr std::string_view kInvalidMarker = "INVALID_MARKER";          // kInvalidArgument
}  // namespace coffer::keys::reason

#endif  // COFFER_CORE_KEYS_ERRORS_H_
