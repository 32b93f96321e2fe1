#include "core/policy/wildcard.h"

#include "core/policy/internal/pattern.h"

namespace coffer::policy {

bool WildcardMatch(std::string_view pattern, std::string_view text, bool ignore_case) {
  return internal::GlobMatch(pattern, text, ignore_case, /*escaped=*/false);
}

}  // namespace coffer::policy
