#ifndef COFFER_CORE_IDENTITY_IAM_SERVICE_H_
#define COFFER_CORE_IDENTITY_IAM_SERVICE_H_

#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "base/thread_annotations.h"
#include "core/common/account.h"
#include "core/identity/iam_entities.h"
#include "core/identity/iam_store.h"
#include "core/identity/identity_service.h"
#include "core/policy/policy.h"
#include "crypto/random.h"

namespace coffer::identity {

// A new access key, shown once.
struct NewAccessKey {
  AccessKeyRecord record;
  SecretBytes secret;
};

// What the policy evaluator needs about a user or role, precomputed whenever IAM changes.
struct PrincipalAuthz {
  std::vector<policy::PolicyPtr> policies;  // inline + attached managed (default versions)
  core::Tags tags;
  std::string unique_id;  // AIDA… / AROA…
};

// IAM: users, access keys, roles, inline and managed policies, OIDC providers. All state lives
// in memory (loaded from the store at start) as an immutable snapshot, replaced on every change
// after the store has made the change durable, so authorization reads never wait for writers.
// Every policy document is validated (and compiled) before it is stored. Thread-safe.
//
// Errors: kNotFound (NoSuchEntity), kAlreadyExists (EntityAlreadyExists), kFailedPrecondition with
// reason kDeleteConflict, kResourceExhausted (LimitExceeded), kInvalidArgument (InvalidInput, or
// reason policy::reason::kMalformedPolicy for MalformedPolicyDocument).
class IamService {
 public:
  IamService(IamStore& store, IdentityService& identity, const policy::PolicyParser& parser,
             crypto::Random& random, const Clock& clock, core::Account account);

  // Loads every record; REQUIRES: called once before anything else.
  Result<void> Load();

  const core::Account& account() const { return account_; }

  // Users.
  Result<User> CreateUser(std::string_view name, std::string_view path, core::Tags tags);
  Result<User> GetUser(std::string_view name) const;
  Result<std::vector<User>> ListUsers(std::string_view path_prefix) const;
  Result<void> DeleteUser(std::string_view name);
  Result<void> TagUser(std::string_view name, const core::Tags& tags);
  Result<void> UntagUser(std::string_view name, const std::vector<std::string>& keys);

  // Access keys of a user (at most two each, as in IAM).
  Result<NewAccessKey> CreateAccessKey(std::string_view user_name);
  Result<std::vector<AccessKeyRecord>> ListAccessKeys(std::string_view user_name) const;
  Result<void> UpdateAccessKey(std::string_view user_name, std::string_view access_key_id,
                               bool active);
  Result<void> DeleteAccessKey(std::string_view user_name, std::string_view access_key_id);
  // The user owning an access key (for GetAccessKeyInfo-like lookups); kNotFound otherwise.

  // Roles.
  struct RoleSpec {
    std::string name;
    std::string path = "/";
    std::string assume_role_policy;
    std::string description;
    int64_t max_session_duration_seconds = 3600;
    core::Tags tags;
  };
  Result<Role> CreateRole(RoleSpec spec);
  Result<Role> GetRole(std::string_view name) const;
  // The role named by an ARN arn:aws:iam::<account>:role[/path]/<name>; kNotFound otherwise.
  Result<Role> GetRoleByArn(std::string_view arn) const;
  Result<std::vector<Role>> ListRoles(std::string_view path_prefix) const;
  Result<void> DeleteRole(std::string_view name);
  Result<void> UpdateAssumeRolePolicy(std::string_view name, std::string_view document);
  Result<void> UpdateRole(std::string_view name, std::optional<std::string> description,
                          std::optional<int64_t> max_session_duration_seconds);
  Result<void> TagRole(std::string_view name, const core::Tags& tags);
  Result<void> UntagRole(std::string_view name, const std::vector<std::string>& keys);
  // The role's parsed trust policy.
  Result<policy::PolicyPtr> TrustPolicy(std::string_view role_name) const;

  // Inline policies; `kind` is a user or a role.
  enum class Holder { kUser, kRole };
  Result<void> PutInlinePolicy(Holder kind, std::string_view holder, std::string_view name,
                               std::string_view document);
  Result<std::string> GetInlinePolicy(Holder kind, std::string_view holder,
                                      std::string_view name) const;
  Result<void> DeleteInlinePolicy(Holder kind, std::string_view holder, std::string_view name);
  Result<std::vector<std::string>> ListInlinePolicies(Holder kind, std::string_view holder) const;

  // Managed policies.
  Result<ManagedPolicy> CreatePolicy(std::string_view name, std::string_view path,
                                     std::string_view document, std::string_view description,
                                     core::Tags tags);
  Result<ManagedPolicy> GetPolicy(std::string_view arn) const;
  Result<PolicyVersion> GetPolicyVersion(std::string_view arn, std::string_view version_id) const;
  Result<PolicyVersion> CreatePolicyVersion(std::string_view arn, std::string_view document,
                                            bool set_as_default);
  Result<void> DeletePolicyVersion(std::string_view arn, std::string_view version_id);
  Result<void> SetDefaultPolicyVersion(std::string_view arn, std::string_view version_id);
  // Customer managed policies, optionally only those attached to something.
  Result<std::vector<ManagedPolicy>> ListPolicies(std::string_view path_prefix,
                                                  bool only_attached) const;
  Result<void> DeletePolicy(std::string_view arn);
  Result<void> AttachPolicy(Holder kind, std::string_view holder, std::string_view policy_arn);
  Result<void> DetachPolicy(Holder kind, std::string_view holder, std::string_view policy_arn);
  // Attached policies as (name, ARN).
  Result<std::vector<std::pair<std::string, std::string>>> ListAttachedPolicies(
      Holder kind, std::string_view holder) const;
  // How many users and roles the policy is attached to.
  int64_t AttachmentCount(std::string_view policy_arn) const;

  // OIDC providers.
  Result<OidcProvider> CreateOidcProvider(std::string_view url, std::vector<std::string> client_ids,
                                          std::vector<std::string> thumbprints, core::Tags tags);
  Result<OidcProvider> GetOidcProvider(std::string_view arn) const;
  // The provider whose url is `issuer` (a token's iss); kNotFound otherwise.
  Result<OidcProvider> FindOidcProviderByIssuer(std::string_view issuer) const;
  Result<std::vector<OidcProvider>> ListOidcProviders() const;
  Result<void> DeleteOidcProvider(std::string_view arn);
  Result<void> AddClientId(std::string_view arn, std::string_view client_id);
  Result<void> RemoveClientId(std::string_view arn, std::string_view client_id);
  Result<void> UpdateThumbprints(std::string_view arn, std::vector<std::string> thumbprints);
  Result<void> TagOidcProvider(std::string_view arn, const core::Tags& tags);
  Result<void> UntagOidcProvider(std::string_view arn, const std::vector<std::string>& keys);
  // Coffer's extension: a JWKS document for an issuer Coffer cannot reach ("" removes it).
  Result<void> SetOidcProviderJwks(std::string_view arn, std::string jwks);

  // The compiled policies and tags of a user (kUser, by name) or role (kRole, by name); nullptr
  // when it does not exist (e.g. deleted while its sessions live on: they get no permissions).
  std::shared_ptr<const PrincipalAuthz> Authz(Holder kind, std::string_view name) const;

  const policy::PolicyParser& parser() const { return parser_; }

  // Public only so that helpers in the .cc file can name it.
  struct State;

 private:
  std::shared_ptr<const State> Snapshot() const;
  // Applies `mutate` to a copy of the state under the writer lock and publishes the result.
  template <class F>
  Result<void> Mutate(F&& mutate);
  Result<void> Validate(std::string_view document, policy::PolicyKind kind, size_t max_chars) const;
  std::string NewId(std::string_view prefix);

  IamStore& store_;
  IdentityService& identity_;
  const policy::PolicyParser& parser_;
  crypto::Random& random_;
  const Clock& clock_;
  const core::Account account_;

  std::mutex write_mu_;  // serializes writers
  mutable std::shared_mutex state_mu_;
  std::shared_ptr<const State> state_ COFFER_GUARDED_BY(state_mu_);
};

namespace reason {
inline constexpr std::string_view kDeleteConflict = "DELETE_CONFLICT";
inline constexpr std::string_view kUnmodifiable = "UNMODIFIABLE";
}  // namespace reason

}  // namespace coffer::identity

#endif  // COFFER_CORE_IDENTITY_IAM_SERVICE_H_
