#ifndef COFFER_API_AWS_JSON_RE2_PATTERN_MATCHER_H_
#define COFFER_API_AWS_JSON_RE2_PATTERN_MATCHER_H_

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "base/thread_annotations.h"
#include "core/parameters/pattern_matcher.h"

namespace re2 {
class RE2;
}  // namespace re2

namespace coffer::api::aws_json {

// AllowedPattern matching with RE2: linear time whatever the pattern and value, so a caller's
// regular expression cannot stall a thread. Compiled patterns are cached (bounded).
// Thread-safe.
class Re2PatternMatcher final : public parameters::PatternMatcher {
 public:
  Re2PatternMatcher();
  ~Re2PatternMatcher() override;
  Result<bool> Matches(std::string_view pattern, std::string_view value) const override;

 private:
  static constexpr size_t kMaxCached = 256;
  static constexpr int64_t kMaxPatternMemory = 256 << 10;
  mutable std::mutex mu_;
  mutable std::map<std::string, std::shared_ptr<const re2::RE2>, std::less<>> cache_
      COFFER_GUARDED_BY(mu_);
};

}  // namespace coffer::api::aws_json

#endif  // COFFER_API_AWS_JSON_RE2_PATTERN_MATCHER_H_
