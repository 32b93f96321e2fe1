#include "core/secrets/password.h"

#include <gtest/gtest.h>

#include "crypto/openssl/openssl_random.h"

namespace coffer::secrets {
namespace {

bool Has(std::string_view s, std::string_view chars) {
  return s.find_first_of(chars) != std::string_view::npos;
}

TEST(PasswordTest, DefaultsToThirtyTwoCharsWithEveryType) {
  crypto::OpensslRandom random;
  for (int i = 0; i < 50; ++i) {
    auto p = GeneratePassword({}, random);
    ASSERT_TRUE(p.has_value());
    std::string_view s = p->view();
    EXPECT_EQ(s.size(), 32u);
    EXPECT_TRUE(Has(s, "abcdefghijklmnopqrstuvwxyz"));
    EXPECT_TRUE(Has(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"));
    EXPECT_TRUE(Has(s, "0123456789"));
    EXPECT_TRUE(Has(s, kPunctuation));
    EXPECT_FALSE(Has(s, " "));
  }
}

TEST(PasswordTest, HonoursExclusions) {
  crypto::OpensslRandom random;
  PasswordOptions o;
  o.length = 200;
  o.exclude_punctuation = true;
  o.exclude_uppercase = true;
  o.exclude_characters = "abc012";
  o.include_space = true;
  auto p = GeneratePassword(o, random);
  ASSERT_TRUE(p.has_value());
  std::string_view s = p->view();
  EXPECT_FALSE(Has(s, kPunctuation));
  EXPECT_FALSE(Has(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabc012"));
  EXPECT_TRUE(Has(s, " "));
}

TEST(PasswordTest, RefusesImpossibleRequests) {
  crypto::OpensslRandom random;
  PasswordOptions none;
  none.exclude_lowercase = none.exclude_uppercase = none.exclude_numbers = true;
  none.exclude_punctuation = true;
  EXPECT_EQ(GeneratePassword(none, random).error().reason, "INVALID_PARAMETER");
  PasswordOptions short_one;
  short_one.length = 3;  // four required types
  EXPECT_EQ(GeneratePassword(short_one, random).error().message,
            "Password length is too short based on the required types.");
  short_one.require_each_included_type = false;
  EXPECT_TRUE(GeneratePassword(short_one, random).has_value());
  PasswordOptions too_long;
  too_long.length = 4097;
  EXPECT_FALSE(GeneratePassword(too_long, random).has_value());
}

}  // namespace
}  // namespace coffer::secrets
