#ifndef COFFER_CORE_IDENTITY_IAM_ENTITIES_H_
#define COFFER_CORE_IDENTITY_IAM_ENTITIES_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/clock.h"
#include "core/common/tag.h"
#include "core/identity/web_identity.h"

namespace coffer::identity {

// Inline policies by name (IAM names are unique per principal, compared without case); attached
// managed policies by ARN, in attachment order.
struct PrincipalPolicies {
  std::map<std::string, std::string> inline_policies;  // name → document
  std::vector<std::string> attached;                   // managed policy ARNs

  bool empty() const { return inline_policies.empty() && attached.empty(); }
};

// An IAM user.
struct User {
  std::string name;
  std::string user_id;  // AIDA…
  std::string path = "/";
  std::string arn;
  Timestamp created;
  core::Tags tags;
  PrincipalPolicies policies;
};

// An IAM role: a trust (assume-role) policy saying who may assume it, and permissions.
struct Role {
  std::string name;
  std::string role_id;  // AROA…
  std::string path = "/";
  std::string arn;
  std::string description;
  std::string assume_role_policy;  // the trust policy document
  int64_t max_session_duration_seconds = 3600;
  Timestamp created;
  core::Tags tags;
  PrincipalPolicies policies;
};

struct PolicyVersion {
  std::string version_id;  // "v1", "v2", …
  std::string document;
  Timestamp created;
};

// A customer managed policy with up to five versions, one of them the default.
struct ManagedPolicy {
  std::string name;
  std::string policy_id;  // ANPA…
  std::string path = "/";
  std::string arn;
  std::string description;
  std::string default_version_id;
  std::vector<PolicyVersion> versions;  // oldest first
  int64_t next_version = 2;             // the number of the next version made
  Timestamp created;
  Timestamp updated;
  core::Tags tags;

  const PolicyVersion* DefaultVersion() const {
    for (const PolicyVersion& v : versions) {
      if (v.version_id == default_version_id) return &v;
    }
    return nullptr;
  }
};

// Everything IAM stores, as loaded at start-up.
struct IamRecords {
  std::vector<User> users;
  std::vector<Role> roles;
  std::vector<ManagedPolicy> policies;
  std::vector<OidcProvider> providers;
};

}  // namespace coffer::identity

#endif  // COFFER_CORE_IDENTITY_IAM_ENTITIES_H_
