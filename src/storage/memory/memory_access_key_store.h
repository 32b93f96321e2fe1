#ifndef COFFER_STORAGE_MEMORY_MEMORY_ACCESS_KEY_STORE_H_
#define COFFER_STORAGE_MEMORY_MEMORY_ACCESS_KEY_STORE_H_

#include <map>
#include <mutex>

#include "base/thread_annotations.h"
#include "core/identity/access_key_store.h"

namespace coffer::storage::memory {

// An AccessKeyStore in process memory, for tests. Thread-safe.
class MemoryAccessKeyStore final : public identity::AccessKeyStore {
 public:
  Result<void> Put(const identity::AccessKeyRecord& record) override {
    std::lock_guard lock(mu_);
    keys_[record.access_key_id] = record;
    return Ok();
  }
  Result<std::optional<identity::AccessKeyRecord>> Get(std::string_view id) override {
    std::lock_guard lock(mu_);
    auto it = keys_.find(id);
    if (it == keys_.end()) return std::optional<identity::AccessKeyRecord>();
    return std::optional<identity::AccessKeyRecord>(it->second);
  }
  Result<void> Delete(std::string_view id) override {
    std::lock_guard lock(mu_);
    auto it = keys_.find(id);
    if (it != keys_.end()) keys_.erase(it);
    return Ok();
  }
  Result<std::vector<identity::AccessKeyRecord>> ListFor(std::string_view arn) override {
    std::lock_guard lock(mu_);
    std::vector<identity::AccessKeyRecord> out;
    for (const auto& [id, r] : keys_) {
      if (r.principal.arn == arn) out.push_back(r);
    }
    return out;
  }

 private:
  std::mutex mu_;
  std::map<std::string, identity::AccessKeyRecord, std::less<>> keys_ COFFER_GUARDED_BY(mu_);
};

}  // namespace coffer::storage::memory

#endif  // COFFER_STORAGE_MEMORY_MEMORY_ACCESS_KEY_STORE_H_
