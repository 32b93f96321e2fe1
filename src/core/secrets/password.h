#ifndef COFFER_CORE_SECRETS_PASSWORD_H_
#define COFFER_CORE_SECRETS_PASSWORD_H_

#include <cstdint>
#include <string>

#include "base/result.h"
#include "base/secret_bytes.h"
#include "crypto/random.h"

namespace coffer::secrets {

// GetRandomPassword's options, with AWS's defaults.
struct PasswordOptions {
  int64_t length = 32;
  std::string exclude_characters;
  bool exclude_numbers = false;
  bool exclude_punctuation = false;
  bool exclude_uppercase = false;
  bool exclude_lowercase = false;
  bool include_space = false;
  bool require_each_included_type = true;
};

// The punctuation AWS draws from: !"#$%&'()*+,-./:;<=>?@[\]^_`{|}~
inline constexpr std::string_view kPunctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

// A uniformly random password. kInvalidArgument (reason INVALID_PARAMETER) if the options leave no
// characters or the length cannot hold one character of each required type.
Result<SecretBytes> GeneratePassword(const PasswordOptions& options, crypto::Random& random);

}  // namespace coffer::secrets

#endif  // COFFER_CORE_SECRETS_PASSWORD_H_
