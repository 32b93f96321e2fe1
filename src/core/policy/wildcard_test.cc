#include "core/policy/wildcard.h"

#include <gtest/gtest.h>

#include <string>

#include "core/policy/internal/pattern.h"

namespace coffer::policy {
namespace {

TEST(WildcardMatchTest, StarAndQuestionMark) {
  EXPECT_TRUE(WildcardMatch("*", "", false));
  EXPECT_TRUE(WildcardMatch("*", "anything:at/all", false));
  EXPECT_TRUE(WildcardMatch("", "", false));
  EXPECT_FALSE(WildcardMatch("", "a", false));
  EXPECT_TRUE(WildcardMatch("secretsmanager:Get*", "secretsmanager:GetSecretValue", false));
  EXPECT_FALSE(WildcardMatch("secretsmanager:Get*", "secretsmanager:PutSecretValue", false));
  EXPECT_TRUE(WildcardMatch("*Secret*", "secretsmanager:GetSecretValue", false));
  EXPECT_TRUE(WildcardMatch("a?c", "abc", false));
  EXPECT_FALSE(WildcardMatch("a?c", "ac", false));
  EXPECT_FALSE(WildcardMatch("a?c", "abbc", false));
  EXPECT_TRUE(WildcardMatch("a*b*c", "aXbYbZc", false));
  EXPECT_FALSE(WildcardMatch("a*b*c", "aXbYbZ", false));
  EXPECT_TRUE(WildcardMatch("**", "x", false));
  EXPECT_TRUE(WildcardMatch("*a", "aaaa", false));
  EXPECT_FALSE(WildcardMatch("*a", "aaab", false));
  // Secrets Manager's "-??????" suffix idiom.
  EXPECT_TRUE(WildcardMatch("arn:aws:secretsmanager:us-east-1:111122223333:secret:db-??????",
                            "arn:aws:secretsmanager:us-east-1:111122223333:secret:db-a1B2c3",
                            false));
  EXPECT_FALSE(WildcardMatch("arn:aws:secretsmanager:us-east-1:111122223333:secret:db-??????",
                             "arn:aws:secretsmanager:us-east-1:111122223333:secret:db-prod-a1B2c3",
                             false));
}

TEST(WildcardMatchTest, CaseFolding) {
  EXPECT_TRUE(WildcardMatch("KMS:decrypt", "kms:Decrypt", true));
  EXPECT_FALSE(WildcardMatch("KMS:decrypt", "kms:Decrypt", false));
  EXPECT_TRUE(WildcardMatch("kms:*crypt", "KMS:ReEncrypt", true));
}

TEST(WildcardMatchTest, PathologicalPatternStaysFast) {
  // Exponential for a naive recursive matcher; the single-backtrack matcher is quadratic.
  std::string text(5000, 'a');
  std::string pattern;
  for (int i = 0; i < 200; ++i) pattern += "*a";
  pattern += "b";
  EXPECT_FALSE(WildcardMatch(pattern, text, false));
}

TEST(GlobMatchTest, EscapedCharactersAreLiteral) {
  using internal::GlobMatch;
  EXPECT_TRUE(GlobMatch("a\\*", "a*", false, true));
  EXPECT_FALSE(GlobMatch("a\\*", "ab", false, true));
  EXPECT_TRUE(GlobMatch("a\\?b", "a?b", false, true));
  EXPECT_FALSE(GlobMatch("a\\?b", "axb", false, true));
  EXPECT_TRUE(GlobMatch("a\\\\*", "a\\xyz", false, true));
  EXPECT_TRUE(GlobMatch("*\\*", "abc*", false, true));
  EXPECT_FALSE(GlobMatch("*\\*", "abc", false, true));
  // Without escapes a backslash is an ordinary character.
  EXPECT_TRUE(GlobMatch("a\\*", "a\\bc", false, false));
}

TEST(GlobTest, ShapesMatchLikeTheGeneralMatcher) {
  using internal::Glob;
  EXPECT_EQ(Glob("*").shape(), Glob::Shape::kAny);
  EXPECT_EQ(Glob("kms:Decrypt").shape(), Glob::Shape::kExact);
  EXPECT_EQ(Glob("kms:Get*").shape(), Glob::Shape::kPrefix);
  EXPECT_EQ(Glob("kms:*Key").shape(), Glob::Shape::kGeneral);
  const char* patterns[] = {"*", "kms:Decrypt", "kms:Get*", "kms:*Key", "KMS:?et*", ""};
  const char* texts[] = {"kms:Decrypt", "kms:GetKeyPolicy", "KMS:DescribeKey", "", "kms:Get"};
  for (const char* p : patterns) {
    for (const char* t : texts) {
      for (bool fold : {false, true}) {
        EXPECT_EQ(Glob(p).Matches(t, fold), WildcardMatch(p, t, fold)) << p << " " << t;
      }
    }
  }
  EXPECT_EQ(Glob("KMS:Get*", /*lower_case=*/true).text(), "kms:get*");
}

}  // namespace
}  // namespace coffer::policy
