#ifndef COFFER_STORAGE_MEMORY_MEMORY_IAM_STORE_H_
#define COFFER_STORAGE_MEMORY_MEMORY_IAM_STORE_H_

#include <map>
#include <mutex>
#include <string>

#include "base/strings.h"
#include "base/thread_annotations.h"
#include "core/identity/iam_store.h"

namespace coffer::storage::memory {

// An IamStore in process memory, for tests. Thread-safe.
class MemoryIamStore final : public identity::IamStore {
 public:
  Result<identity::IamRecords> LoadAll() override {
    std::lock_guard lock(mu_);
    identity::IamRecords out;
    for (const auto& [k, v] : users_) out.users.push_back(v);
    for (const auto& [k, v] : roles_) out.roles.push_back(v);
    for (const auto& [k, v] : policies_) out.policies.push_back(v);
    for (const auto& [k, v] : providers_) out.providers.push_back(v);
    return out;
  }
  Result<void> PutUser(const identity::User& u) override {
    return Put(users_, AsciiLower(u.name), u);
  }
  Result<void> PutRole(const identity::Role& r) override {
    return Put(roles_, AsciiLower(r.name), r);
  }
  Result<void> PutPolicy(const identity::ManagedPolicy& p) override {
    return Put(policies_, p.arn, p);
  }
  Result<void> PutProvider(const identity::OidcProvider& p) override {
    return Put(providers_, p.arn, p);
  }
  Result<void> DeleteUser(std::string_view name) override {
    return Erase(users_, AsciiLower(name));
  }
  Result<void> DeleteRole(std::string_view name) override {
    return Erase(roles_, AsciiLower(name));
  }
  Result<void> DeletePolicy(std::string_view arn) override {
    return Erase(policies_, std::string(arn));
  }
  Result<void> DeleteProvider(std::string_view arn) override {
    return Erase(providers_, std::string(arn));
  }

 private:
  template <class T>
  Result<void> Put(std::map<std::string, T>& m, std::string key, const T& v) {
    std::lock_guard lock(mu_);
    m[std::move(key)] = v;
    return Ok();
  }
  template <class T>
  Result<void> Erase(std::map<std::string, T>& m, const std::string& key) {
    std::lock_guard lock(mu_);
    m.erase(key);
    return Ok();
  }

  std::mutex mu_;
  std::map<std::string, identity::User> users_ COFFER_GUARDED_BY(mu_);
  std::map<std::string, identity::Role> roles_ COFFER_GUARDED_BY(mu_);
  std::map<std::string, identity::ManagedPolicy> policies_ COFFER_GUARDED_BY(mu_);
  std::map<std::string, identity::OidcProvider> providers_ COFFER_GUARDED_BY(mu_);
};

}  // namespace coffer::storage::memory

#endif  // COFFER_STORAGE_MEMORY_MEMORY_IAM_STORE_H_
