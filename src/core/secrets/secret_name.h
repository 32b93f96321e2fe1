#ifndef COFFER_CORE_SECRETS_SECRET_NAME_H_
#define COFFER_CORE_SECRETS_SECRET_NAME_H_

#include <string>
#include <string_view>

namespace coffer::secrets {

// 1-512 ASCII letters, digits and /_+=.@-
bool IsValidSecretName(std::string_view name);
inline constexpr std::string_view kInvalidNameMessage =
    "Invalid name. Must be a valid name containing alphanumeric characters, or any of the "
    "following: -/_+=.@!";
// The alphabet of the 6-character ARN suffix.
inline constexpr std::string_view kArnSuffixAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

}  // namespace coffer::secrets

#endif  // COFFER_CORE_SECRETS_SECRET_NAME_H_
