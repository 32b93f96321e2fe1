#include "base/secret_bytes.h"

#include <gtest/gtest.h>

#include <string>
#include <type_traits>

namespace coffer {
namespace {

static_assert(!std::is_copy_constructible_v<SecretBytes>, "SecretBytes must not be copyable");

TEST(SecretBytesTest, CopyFromKeepsBytes) {
  SecretBytes s = SecretBytes::CopyFrom(std::string_view("hunter2"));
  EXPECT_EQ(s.size(), 7u);
  EXPECT_EQ(s.view(), "hunter2");
}

TEST(SecretBytesTest, TakeFromWipesSource) {
  std::string src = "correct horse";
  SecretBytes s = SecretBytes::TakeFrom(src);
  EXPECT_TRUE(src.empty());
  EXPECT_EQ(s.view(), "correct horse");
}

TEST(SecretBytesTest, MoveEmptiesSource) {
  SecretBytes a = SecretBytes::CopyFrom(std::string_view("abc"));
  SecretBytes b = std::move(a);
  EXPECT_EQ(b.view(), "abc");
  // Checking the moved-from state is the point of this test.
  // NOLINTNEXTLINE(bugprone-use-after-move,clang-analyzer-cplusplus.Move)
  EXPECT_EQ(a.size(), 0u);
}

TEST(SecretBytesTest, ZeroFilledConstructor) {
  SecretBytes s(4);
  for (uint8_t b : s.span()) EXPECT_EQ(b, 0);
}

TEST(SecretBytesTest, EqualsIsExact) {
  SecretBytes s = SecretBytes::CopyFrom(std::string_view("abc"));
  std::string same = "abc", other = "abd", longer = "abcd";
  EXPECT_TRUE(ConstantTimeEquals(s.view(), same));
  EXPECT_FALSE(ConstantTimeEquals(s.view(), other));
  EXPECT_FALSE(ConstantTimeEquals(s.view(), longer));
}

TEST(SecretBytesTest, SecureWipeZeroes) {
  char buf[8] = {'s', 'e', 'c', 'r', 'e', 't', '!', '!'};
  SecureWipe(buf, sizeof buf);
  for (char c : buf) EXPECT_EQ(c, 0);
}

}  // namespace
}  // namespace coffer
