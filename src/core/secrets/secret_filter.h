#ifndef COFFER_CORE_SECRETS_SECRET_FILTER_H_
#define COFFER_CORE_SECRETS_SECRET_FILTER_H_

#include <string>
#include <vector>

#include "core/secrets/secret.h"

namespace coffer::secrets {

enum class FilterKey {
  kDescription,
  kName,
  kTagKey,
  kTagValue,
  kPrimaryRegion,
  kOwningService,
  kAll
};

// One ListSecrets filter: its values are OR-ed, except negated ones ("!x"), which must all hold.
struct SecretFilter {
  FilterKey key;
  std::vector<std::string> values;
};

// True when `secret` passes every filter (filters are AND-ed). Matching follows AWS's rules:
// name, tag-key, tag-value, primary-region and owning-service are case-sensitive prefix
// matches, description is a case-insensitive prefix match, and "all" splits the value into words
// (at punctuation, case changes and letter/digit changes) and matches any word as a
// case-insensitive prefix of any word of the name, description, tag keys or tag values.
bool MatchesFilters(const Secret& secret, const std::vector<SecretFilter>& filters);

// The words of `s` as the "all" filter sees them, lower-cased.
std::vector<std::string> SplitWords(std::string_view s);

}  // namespace coffer::secrets

#endif  // COFFER_CORE_SECRETS_SECRET_FILTER_H_
