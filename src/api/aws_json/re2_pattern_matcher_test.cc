#include "api/aws_json/re2_pattern_matcher.h"

#include <gtest/gtest.h>

namespace coffer::api::aws_json {
namespace {

TEST(Re2PatternMatcherTest, MatchesAnywhereLikeAwsAllowedPattern) {
  Re2PatternMatcher m;
  EXPECT_TRUE(*m.Matches("^\\d+$", "12345"));
  EXPECT_FALSE(*m.Matches("^\\d+$", "12a45"));
  EXPECT_TRUE(*m.Matches("\\d", "a1b"));     // unanchored: a partial match is enough
  EXPECT_TRUE(*m.Matches("^\\d+$", "678"));  // from the cache
}

TEST(Re2PatternMatcherTest, RefusesAnInvalidPattern) {
  Re2PatternMatcher m;
  auto r = m.Matches("(unclosed", "x");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.error().message, "invalid regular expression");
}

TEST(Re2PatternMatcherTest, RefusesAPatternBeyondTheMemoryBudget) {
  // Small to send, large to compile: a caller must not be able to pin megabytes per pattern.
  Re2PatternMatcher m;
  auto r = m.Matches("(?:\\pL|\\pN){1000}", "x");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.error().message, "regular expression too large");
}

}  // namespace
}  // namespace coffer::api::aws_json
