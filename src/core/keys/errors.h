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
}  // namespace coffer::keys::reason

#endif  // COFFER_CORE_KEYS_ERRORS_H_
