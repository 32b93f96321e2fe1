#include "core/common/page_token.h"

#include <gtest/gtest.h>

namespace coffer::core {
namespace {

TEST(PageTokenTest, RoundTripsItsFields) {
  std::string token = EncodePageToken({"ls1", "name", "", "a/b"});
  auto fields = DecodePageToken(token, "ls1", 4);
  ASSERT_TRUE(fields.has_value());
  EXPECT_EQ(*fields, (std::vector<std::string>{"ls1", "name", "", "a/b"}));
}

TEST(PageTokenTest, RefusesAnotherListingsTokenOrWrongFieldCount) {
  std::string token = EncodePageToken({"ls1", "x"});
  EXPECT_FALSE(DecodePageToken(token, "lv1", 2).has_value());
  EXPECT_FALSE(DecodePageToken(token, "ls1", 3).has_value());
}

TEST(PageTokenTest, RefusesWhatIsNotBase64Url) {
  EXPECT_FALSE(DecodePageToken("!!not base64!!", "ls1", 2).has_value());
  EXPECT_FALSE(DecodePageToken("", "ls1", 2).has_value());
}

}  // namespace
}  // namespace coffer::core
