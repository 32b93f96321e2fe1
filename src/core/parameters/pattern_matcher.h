#ifndef COFFER_CORE_PARAMETERS_PATTERN_MATCHER_H_
#define COFFER_CORE_PARAMETERS_PATTERN_MATCHER_H_

#include <string_view>

#include "base/result.h"

namespace coffer::parameters {

// Regular expressions for AllowedPattern. A port: core has no regex engine it can trust with
// untrusted patterns (std::regex recurses per character), so the composition root supplies one
// (RE2). Implementations are thread-safe.
class PatternMatcher {
 public:
  virtual ~PatternMatcher() = default;
  // Whether `value` matches `pattern` (anywhere in the value, as Java's find()). kInvalidArgument
  // when the pattern does not compile.
  virtual Result<bool> Matches(std::string_view pattern, std::string_view value) const = 0;
};

}  // namespace coffer::parameters

#endif  // COFFER_CORE_PARAMETERS_PATTERN_MATCHER_H_
