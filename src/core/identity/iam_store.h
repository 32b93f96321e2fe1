#ifndef COFFER_CORE_IDENTITY_IAM_STORE_H_
#define COFFER_CORE_IDENTITY_IAM_STORE_H_

#include <string_view>

#include "base/result.h"
#include "core/identity/iam_entities.h"

namespace coffer::identity {

// Persistence port for IAM users, roles, managed policies and OIDC providers. Each entity is one
// record (a user's inline policies and attachments travel with it); writes are durable when they
// return. The whole set is small and loaded once at start-up. Thread-safe.
class IamStore {
 public:
  virtual ~IamStore() = default;
  virtual Result<IamRecords> LoadAll() = 0;
  // Insert or replace, keyed by name (users, roles) or ARN (policies, providers).
  virtual Result<void> PutUser(const User& user) = 0;
  virtual Result<void> PutRole(const Role& role) = 0;
  virtual Result<void> PutPolicy(const ManagedPolicy& policy) = 0;
  virtual Result<void> PutProvider(const OidcProvider& provider) = 0;
  // Deleting an absent record is not an error.
  virtual Result<void> DeleteUser(std::string_view name) = 0;
  virtual Result<void> DeleteRole(std::string_view name) = 0;
  virtual Result<void> DeletePolicy(std::string_view arn) = 0;
  virtual Result<void> DeleteProvider(std::string_view arn) = 0;
};

}  // namespace coffer::identity

#endif  // COFFER_CORE_IDENTITY_IAM_STORE_H_
