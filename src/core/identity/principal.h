#ifndef COFFER_CORE_IDENTITY_PRINCIPAL_H_
#define COFFER_CORE_IDENTITY_PRINCIPAL_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/secret_bytes.h"

namespace coffer::policy {
class Policy;
}  // namespace coffer::policy

namespace coffer::identity {

enum class PrincipalType { kRoot, kUser, kAssumedRole };

// Who made a request, as authentication established it.
struct Principal {
  PrincipalType type = PrincipalType::kRoot;
  std::string arn;           // arn:aws:iam::<account>:root | :user/<name> | sts assumed-role
  std::string principal_id;  // the account id for root, AIDA... for users, AROA...:session
  std::string account_id;
  std::string name;  // user name, or role session name

  // Role sessions (kAssumedRole) only.
  std::string role_arn;   // arn:aws:iam::<account>:role[/path]/<role>
  std::string role_name;  // the role's name
  // Temporary credentials (role sessions and GetSessionToken) only.
  Timestamp issued;                // aws:TokenIssueTime
  std::string federated_provider;  // OIDC provider ARN (AssumeRoleWithWebIdentity)
  std::string web_identity_subject;
  std::string web_identity_audience;
  // Session policies passed to AssumeRole*: the documents, intersected with the role's policies.
  bool has_session_policies = false;
  std::vector<std::string> session_policies;

  bool is_root() const { return type == PrincipalType::kRoot; }
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
  // Temporary credentials carry their session token; requests must present exactly it.
  std::string session_token;
  // Parsed session policies (see Principal::session_policies), ready for evaluation.
  std::vector<std::shared_ptr<const policy::Policy>> session_policies;
};

}  // namespace coffer::identity

#endif  // COFFER_CORE_IDENTITY_PRINCIPAL_H_
