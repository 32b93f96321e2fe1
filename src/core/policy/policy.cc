#include "core/policy/policy.h"

namespace coffer::policy {

std::vector<std::string_view> Policy::Sids() const {
  std::vector<std::string_view> sids;
  sids.reserve(statements_.size());
  for (const internal::Statement& s : statements_) sids.emplace_back(s.sid);
  return sids;
}

}  // namespace coffer::policy
