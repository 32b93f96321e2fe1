#include "base/uuid.h"

#include <gtest/gtest.h>

namespace coffer {
namespace {

TEST(UuidTest, FormatsVersion4) {
  UuidBytes b{};
  b.fill(0xff);
  std::string s = FormatUuidV4(b);
  EXPECT_EQ(s, "ffffffff-ffff-4fff-bfff-ffffffffffff");
}

TEST(UuidTest, ParseRoundTrip) {
  auto b = ParseUuid("0F8FAD5B-D9CB-469F-A165-70867728950E");
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(FormatUuid(*b), "0f8fad5b-d9cb-469f-a165-70867728950e");
  EXPECT_FALSE(ParseUuid("0f8fad5b-d9cb-469f-a165-70867728950"));
  EXPECT_FALSE(ParseUuid("0f8fad5bxd9cb-469f-a165-70867728950e"));
  EXPECT_FALSE(ParseUuid("0f8fad5b-d9cb-469f-a165-70867728950g"));
}

}  // namespace
}  // namespace coffer
