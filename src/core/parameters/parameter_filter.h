#ifndef COFFER_CORE_PARAMETERS_PARAMETER_FILTER_H_
#define COFFER_CORE_PARAMETERS_PARAMETER_FILTER_H_

#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "core/parameters/parameter.h"

namespace coffer::parameters {

enum class FilterKey { kName, kPath, kType, kKeyId, kLabel, kTier, kDataType, kTag };
enum class FilterOption { kEquals, kBeginsWith, kContains, kRecursive, kOneLevel };

// A ParameterStringFilter as the caller sent it.
struct RawFilter {
  std::string key;
  std::optional<std::string> option;
  std::vector<std::string> values;
};

// A validated filter.
struct ParameterFilter {
  FilterKey key = FilterKey::kName;
  std::string tag_key;  // for kTag
  FilterOption option = FilterOption::kEquals;
  std::vector<std::string> values;  // Name and Path values normalized to start with '/'
};

// Where a filter list is used: GetParametersByPath accepts Type, KeyId, Label and tag:...;
// DescribeParameters accepts all but Label.
enum class FilterUse { kByPath, kDescribe };

// Validates filters with SSM's errors: reasons INVALID_FILTER_KEY (unknown, not allowed here,
// duplicated), INVALID_FILTER_OPTION, INVALID_FILTER_VALUE (missing or not an allowed value),
// VALIDATION (a malformed Path value).
Result<std::vector<ParameterFilter>> ParseFilters(const std::vector<RawFilter>& raw, FilterUse use);
// DescribeParameters' deprecated Filters (keys Name, Type, KeyId; Name matches as a prefix).
Result<std::vector<ParameterFilter>> ParseLegacyFilters(const std::vector<RawFilter>& raw);

// True when the parameter's latest version matches every filter.
bool MatchesAll(const Parameter& parameter, const std::vector<ParameterFilter>& filters);

}  // namespace coffer::parameters

#endif  // COFFER_CORE_PARAMETERS_PARAMETER_FILTER_H_
