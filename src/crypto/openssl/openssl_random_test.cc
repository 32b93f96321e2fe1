#include "crypto/openssl/openssl_random.h"

#include <gtest/gtest.h>

#include <set>

namespace coffer::crypto {
namespace {

TEST(OpensslRandomTest, BytesDiffer) {
  OpensslRandom r;
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) seen.insert(r.Bytes(16));
  EXPECT_EQ(seen.size(), 100u);
}

TEST(OpensslRandomTest, UuidIsVersion4) {
  OpensslRandom r;
  std::string u = r.UuidV4();
  ASSERT_EQ(u.size(), 36u);
  EXPECT_EQ(u[14], '4');
  EXPECT_NE(std::string("89ab").find(u[19]), std::string::npos);
}

TEST(OpensslRandomTest, FromAlphabetUsesOnlyAlphabetAndCoversIt) {
  OpensslRandom r;
  std::string s = r.FromAlphabet("abc", 3000);
  std::set<char> chars(s.begin(), s.end());
  EXPECT_EQ(chars, (std::set<char>{'a', 'b', 'c'}));
}

}  // namespace
}  // namespace coffer::crypto
