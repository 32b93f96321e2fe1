#ifndef COFFER_CORE_IDENTITY_PRINCIPAL_H_
#define COFFER_CORE_IDENTITY_PRINCIPAL_H_

#include <optional>
#include <string>

#include "base/clock.h"
#include "base/secret_bytes.h"

namespace coffer::identity {

enum class PrincipalType { kRoot, kUser, kAssumedRole };

// Who made a request, as authentication established it.
struct Principal {
  PrincipalType type = PrincipalType::kRoot;
  std::string arn;           // arn:aws:iam::<account>:root | :user/<name> | sts assumed-role
  std::string principal_id;  // the account id for root, AIDA... for users, AROA...:session
  std::string account_id;
  std::string name;  // user name, or role session name
};

// A stored access key. The secret is sealed by the keyring (KeyRing::SealInternal).
struct AccessKeyRecord {
  std::string access_key_id;
  Principal principal;
  std::string sealed_secret;
  bool active = true;
  Timestamp created;
  std::optional<Timestamp> expires;  // session credentials only
};

// An opened access key, ready for signature verification. Immutable; shared by caches.
struct Credential {
  std::string access_key_id;
  SecretBytes secret;
  Principal principal;
  bool active = true;
  std::optional<Timestamp> expires;
};

}  // namespace coffer::identity

#endif  // COFFER_CORE_IDENTITY_PRINCIPAL_H_
