#include "core/common/account.h"

#include <gtest/gtest.h>

#include "core/common/tag.h"

namespace coffer::core {
namespace {

TEST(AccountTest, BuildsArnsWithPartition) {
  EXPECT_EQ(Account::Make("123456789012", "us-east-1").Arn("kms", "key/abc"),
            "arn:aws:kms:us-east-1:123456789012:key/abc");
  EXPECT_EQ(Account::Make("123456789012", "cn-north-1").Arn("kms", "key/abc"),
            "arn:aws-cn:kms:cn-north-1:123456789012:key/abc");
  EXPECT_EQ(Account::Make("123456789012", "us-gov-west-1").GlobalArn("iam", "root"),
            "arn:aws-us-gov:iam::123456789012:root");
}

TEST(AccountTest, ValidatesAccountAndRegion) {
  EXPECT_TRUE(IsValidAccountId("123456789012"));
  EXPECT_FALSE(IsValidAccountId("12345678901"));
  EXPECT_FALSE(IsValidAccountId("12345678901a"));
  EXPECT_TRUE(IsValidRegionName("us-east-1"));
  EXPECT_TRUE(IsValidRegionName("us-gov-west-1"));
  EXPECT_FALSE(IsValidRegionName("us-east"));
  EXPECT_FALSE(IsValidRegionName("US-east-1"));
  EXPECT_FALSE(IsValidRegionName("1"));
  EXPECT_FALSE(IsValidRegionName(""));
}

TEST(AccountTest, ParsesArn) {
  ParsedArn p;
  ASSERT_TRUE(ParseArn("arn:aws:secretsmanager:us-east-1:123456789012:secret:a/b:c-xyz", &p));
  EXPECT_EQ(p.service, "secretsmanager");
  EXPECT_EQ(p.account, "123456789012");
  EXPECT_EQ(p.resource, "secret:a/b:c-xyz");
  EXPECT_FALSE(ParseArn("arn:aws:kms", &p));
  EXPECT_FALSE(ParseArn("not-an-arn", &p));
}

TEST(TagTest, MergeOverwritesAndRemoveDeletes) {
  Tags tags = {{"a", "1"}, {"b", "2"}};
  MergeTags(tags, {{"b", "3"}, {"c", "4"}});
  EXPECT_EQ(tags, (Tags{{"a", "1"}, {"b", "3"}, {"c", "4"}}));
  RemoveTags(tags, {"a", "zzz"});
  EXPECT_EQ(tags, (Tags{{"b", "3"}, {"c", "4"}}));
}

}  // namespace
}  // namespace coffer::core
