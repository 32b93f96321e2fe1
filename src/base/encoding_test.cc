#include "base/encoding.h"

#include <gtest/gtest.h>

namespace coffer {
namespace {

TEST(EncodingTest, HexRoundTrip) {
  EXPECT_EQ(HexEncode(std::string_view("\x01\xab\xff", 3)), "01abff");
  EXPECT_EQ(HexDecode("01ABff"), std::string("\x01\xab\xff", 3));
  EXPECT_FALSE(HexDecode("abc"));
  EXPECT_FALSE(HexDecode("zz"));
}

// RFC 4648 §10 test vectors.
TEST(EncodingTest, Base64Rfc4648Vectors) {
  static constexpr std::pair<const char*, const char*> kVectors[] = {{"", ""},
                                                                     {"f", "Zg=="},
                                                                     {"fo", "Zm8="},
                                                                     {"foo", "Zm9v"},
                                                                     {"foob", "Zm9vYg=="},
                                                                     {"fooba", "Zm9vYmE="},
                                                                     {"foobar", "Zm9vYmFy"}};
  for (auto [plain, b64] : kVectors) {
    EXPECT_EQ(Base64Encode(std::string_view(plain)), b64);
    EXPECT_EQ(Base64Decode(b64), std::string(plain));
  }
}

TEST(EncodingTest, Base64RejectsMalformed) {
  EXPECT_FALSE(Base64Decode("Zg="));     // bad length
  EXPECT_FALSE(Base64Decode("Zh=="));    // non-canonical trailing bits
  EXPECT_FALSE(Base64Decode("Zm9v\n"));  // whitespace
  EXPECT_FALSE(Base64Decode("Zm9-"));    // URL alphabet in standard decoder
  EXPECT_FALSE(Base64Decode("===="));
}

TEST(EncodingTest, Base64UrlRoundTrip) {
  std::string bytes("\xfb\xff\xfe", 3);
  EXPECT_EQ(Base64UrlEncode(bytes), "-__-");
  EXPECT_EQ(Base64UrlDecode("-__-"), bytes);
  EXPECT_EQ(Base64UrlDecode("Zm8"), std::string("fo"));
  EXPECT_EQ(Base64UrlDecode("Zm8="), std::string("fo"));
}

TEST(EncodingTest, UriEncodeMatchesSigV4) {
  EXPECT_EQ(UriEncode("a b/c~d_e.f-g*"), "a%20b%2Fc~d_e.f-g%2A");
  EXPECT_EQ(UriEncode("/a b/", false), "/a%20b/");
  EXPECT_EQ(UriEncode("\xc3\xa9"), "%C3%A9");
}

TEST(EncodingTest, UriDecode) {
  EXPECT_EQ(UriDecode("a%20b+c", true), std::string("a b c"));
  EXPECT_EQ(UriDecode("a+b"), std::string("a+b"));
  EXPECT_FALSE(UriDecode("%2"));
  EXPECT_FALSE(UriDecode("%zz"));
  EXPECT_FALSE(UriDecode("abc%"));
}

}  // namespace
}  // namespace coffer
