#ifndef COFFER_CORE_POLICY_WILDCARD_H_
#define COFFER_CORE_POLICY_WILDCARD_H_

#include <string_view>

namespace coffer::policy {

// Glob matching used for actions (case-insensitive) and resources/ARNs (case-sensitive): '*'
// matches any run of characters (also none, also across ':' and '/'), '?' exactly one character.
// There is no escape character. Never allocates, never recurses; O(|pattern| * |text|) at worst.
bool WildcardMatch(std::string_view pattern, std::string_view text, bool ignore_case);

}  // namespace coffer::policy

#endif  // COFFER_CORE_POLICY_WILDCARD_H_
