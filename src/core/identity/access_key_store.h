#ifndef COFFER_CORE_IDENTITY_ACCESS_KEY_STORE_H_
#define COFFER_CORE_IDENTITY_ACCESS_KEY_STORE_H_

#include <optional>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "core/identity/principal.h"

namespace coffer::identity {

// Persistence port for access keys. Writes are durable when they return. Thread-safe.
class AccessKeyStore {
 public:
  virtual ~AccessKeyStore() = default;
  // Inserts or replaces the record with this access key id.
  virtual Result<void> Put(const AccessKeyRecord& record) = 0;
  virtual Result<std::optional<AccessKeyRecord>> Get(std::string_view access_key_id) = 0;
  virtual Result<void> Delete(std::string_view access_key_id) = 0;
  // Keys of the principal with this ARN, ordered by access key id.
  virtual Result<std::vector<AccessKeyRecord>> ListFor(std::string_view principal_arn) = 0;
};

}  // namespace coffer::identity

#endif  // COFFER_CORE_IDENTITY_ACCESS_KEY_STORE_H_
