#ifndef COFFER_CORE_IDENTITY_IDENTITY_SERVICE_H_
#define COFFER_CORE_IDENTITY_IDENTITY_SERVICE_H_

#include <chrono>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include "base/clock.h"
#include "base/result.h"
#include "base/thread_annotations.h"
#include "core/common/account.h"
#include "core/identity/access_key_store.h"
#include "core/keys/key_ring.h"
#include "core/policy/policy.h"
#include "crypto/random.h"

namespace coffer::identity {

struct RootCredentials {
  std::string access_key_id;
  SecretBytes secret_access_key;
  bool generated = false;  // true when made now (the caller shows them once)
};

// Principals and their access keys. Opened credentials are cached for `cache_ttl` (changes made
// through this service take effect at once). Thread-safe.
class IdentityService {
 public:
  IdentityService(AccessKeyStore& store, keys::KeyRing& ring, crypto::Random& random,
                  const Clock& clock, core::Account account,
                  std::chrono::milliseconds cache_ttl = std::chrono::seconds(2));

  Principal RootPrincipal() const;

  // Makes the account root's access key the given one (replacing other root keys), or keeps
  // the stored one, or generates one. kInvalidArgument for malformed explicit credentials.
  Result<RootCredentials> EnsureRootCredentials(std::optional<std::string> access_key_id,
                                                std::optional<std::string> secret_access_key);

  // The active, unexpired credential with this id; kNotFound (reason UNKNOWN_ACCESS_KEY) or
  // kUnauthenticated (reason EXPIRED_CREDENTIALS).
  Result<std::shared_ptr<const Credential>> FindCredential(std::string_view access_key_id);

  // A temporary credential set (what STS returns).
  struct SessionCredentials {
    std::string access_key_id;  // ASIA…
    SecretBytes secret_access_key;
    std::string session_token;
    Timestamp expiration;
  };
  // Issues temporary credentials for `principal` (a role session, or a user/root for
  // GetSessionToken) valid for `duration`. Nothing is stored: the session token is the
  // principal, the secret and the expiry sealed by the keyring (so sessions survive restarts
  // and stop at expiry). kInvalidArgument (reason policy::reason::kMalformedPolicy) when a
  // session policy does not parse; kResourceExhausted (reason kPackedPolicyTooLarge) when the
  // session policies are too large.
  Result<SessionCredentials> IssueSession(const Principal& principal,
                                          std::chrono::seconds duration);

  // Like FindCredential, for a request that presented `session_token` (may be empty).
  Result<std::shared_ptr<const Credential>> FindCredential(std::string_view access_key_id,
                                                           std::string_view session_token);

  // Long-term access keys of IAM users.
  Result<AccessKeyRecord> CreateAccessKey(const Principal& owner, SecretBytes* secret);
  Result<std::vector<AccessKeyRecord>> ListAccessKeys(std::string_view principal_arn);
  Result<void> SetAccessKeyActive(const AccessKeyRecord& record, bool active);
  Result<void> DeleteAccessKey(std::string_view access_key_id);

  // Parses session policies of temporary credentials; REQUIRES: set before serving.
  void set_policy_parser(const policy::PolicyParser* parser) { parser_ = parser; }

  // 20-character AWS-style access key id with the given prefix ("AKIA", "ASIA").
  std::string NewAccessKeyId(std::string_view prefix);
  // 40-character secret access key.
  SecretBytes NewSecretAccessKey();

 private:
  struct Cached {
    std::shared_ptr<const Credential> credential;
    Timestamp loaded;
  };
  void Invalidate(std::string_view access_key_id);
  Result<std::shared_ptr<const Credential>> OpenSession(std::string_view access_key_id,
                                                        std::string_view token);

  AccessKeyStore& store_;
  keys::KeyRing& ring_;
  crypto::Random& random_;
  const Clock& clock_;
  const core::Account account_;
  const std::chrono::milliseconds cache_ttl_;
  const policy::PolicyParser* parser_ = nullptr;
  std::shared_mutex mu_;
  std::unordered_map<std::string, Cached> cache_ COFFER_GUARDED_BY(mu_);
};

namespace reason {
inline constexpr std::string_view kUnknownAccessKey = "UNKNOWN_ACCESS_KEY";
inline constexpr std::string_view kExpiredCredentials = "EXPIRED_CREDENTIALS";
inline constexpr std::string_view kPackedPolicyTooLarge = "PACKED_POLICY_TOO_LARGE";
}  // namespace reason

}  // namespace coffer::identity

#endif  // COFFER_CORE_IDENTITY_IDENTITY_SERVICE_H_
