#include "api/aws_json/re2_pattern_matcher.h"

#include <re2/re2.h>

namespace coffer::api::aws_json {

Re2PatternMatcher::Re2PatternMatcher() = default;
Re2PatternMatcher::~Re2PatternMatcher() = default;

Result<bool> Re2PatternMatcher::Matches(std::string_view pattern, std::string_view value) const {
  std::shared_ptr<const re2::RE2> re;
  {
    std::lock_guard lock(mu_);
    auto it = cache_.find(pattern);
    if (it != cache_.end()) re = it->second;
  }
  if (!re) {
    re2::RE2::Options options;
    options.set_log_errors(false);
    // AllowedPattern is caller-chosen: bound what one pattern may pin (program and DFA cache),
    // so kMaxCached patterns cost at most kMaxCached * kMaxPatternMemory.
    options.set_max_mem(kMaxPatternMemory);
    auto compiled =
        std::make_shared<const re2::RE2>(re2::StringPiece(pattern.data(), pattern.size()), options);
    if (!compiled->ok()) {
      return InvalidArgumentError(compiled->error_code() == re2::RE2::ErrorPatternTooLarge
                                      ? "regular expression too large"
                                      : "invalid regular expression");
    }
    re = compiled;
    std::lock_guard lock(mu_);
    if (cache_.size() >= kMaxCached) cache_.clear();
    cache_.emplace(std::string(pattern), std::move(compiled));
  }
  return re2::RE2::PartialMatch(re2::StringPiece(value.data(), value.size()), *re);
}

}  // namespace coffer::api::aws_json
