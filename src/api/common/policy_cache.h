#ifndef COFFER_API_COMMON_POLICY_CACHE_H_
#define COFFER_API_COMMON_POLICY_CACHE_H_

#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/result.h"
#include "base/thread_annotations.h"
#include "core/policy/policy.h"

namespace coffer::api {

// Parsed resource policies (secret resource policies, KMS key policies) by document text, so a
// policy is parsed once, not on every request. Bounded: the cache is emptied when it reaches
// `capacity` entries. Thread-safe.
class PolicyCache {
 public:
  explicit PolicyCache(const policy::PolicyParser& parser, size_t capacity = 4096)
      : parser_(parser), capacity_(capacity) {}

  // The parsed document; an error when it does not parse (a stored policy always did).
  Result<policy::PolicyPtr> Get(std::string_view document, policy::PolicyKind kind) {
    std::string key(1, static_cast<char>('0' + static_cast<int>(kind)));
    key.append(document);
    {
      std::lock_guard lock(mu_);
      auto it = cache_.find(key);
      if (it != cache_.end()) return it->second;
    }
    COFFER_ASSIGN_OR_RETURN(policy::PolicyPtr p, parser_.Parse(document, kind));
    std::lock_guard lock(mu_);
    if (cache_.size() >= capacity_) cache_.clear();
    cache_.emplace(std::move(key), p);
    return p;
  }

  const policy::PolicyParser& parser() const { return parser_; }

 private:
  const policy::PolicyParser& parser_;
  const size_t capacity_;
  std::mutex mu_;
  std::unordered_map<std::string, policy::PolicyPtr> cache_ COFFER_GUARDED_BY(mu_);
};

}  // namespace coffer::api

#endif  // COFFER_API_COMMON_POLICY_CACHE_H_
