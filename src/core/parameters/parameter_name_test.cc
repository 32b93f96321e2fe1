#include "core/parameters/parameter_name.h"

#include <gtest/gtest.h>

#include "core/parameters/errors.h"

namespace coffer::parameters {
namespace {

const core::Account kAccount = core::Account::Make("123456789012", "us-east-1");

TEST(ParameterNameTest, NormalizeAddsLeadingSlashAndTrimsSpaces) {
  EXPECT_EQ(*NormalizeName("x"), "/x");
  EXPECT_EQ(*NormalizeName("/x"), "/x");
  EXPECT_EQ(*NormalizeName("  /a/b.c-d_e  "), "/a/b.c-d_e");
  EXPECT_EQ(*NormalizeName("Case"), "/Case");
}

TEST(ParameterNameTest, NormalizeRejectsBadNames) {
  for (const char* bad : {"", "   ", "a b", "/a//b", "/a/", "/", "x@y", "a:b", "/a/b c"}) {
    auto r = NormalizeName(bad);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().reason, reason::kValidation) << bad;
  }
  EXPECT_EQ(NormalizeName("a/b").error().message, "Parameter name must be a fully qualified name.");
}

TEST(ParameterNameTest, NewNamesRejectReservedPrefixesAndDeepHierarchies) {
  EXPECT_EQ(CheckNewName("awsx").error().reason, reason::kValidation);
  EXPECT_EQ(CheckNewName("SSM-thing").error().reason, reason::kValidation);
  EXPECT_EQ(CheckNewName("/ssm/x").error().reason, reason::kValidation);
  EXPECT_EQ(CheckNewName("/aws/x").error().reason, reason::kAccessDenied);
  EXPECT_TRUE(CheckNewName("/awsome-not-reserved").has_value() == false);  // "aws" prefix
  EXPECT_TRUE(CheckNewName("/app/aws").has_value());
  std::string deep;
  for (int i = 0; i < 15; ++i) deep += "/l" + std::to_string(i);
  EXPECT_TRUE(CheckNewName(deep).has_value());
  EXPECT_EQ(CheckNewName(deep + "/x").error().reason, reason::kHierarchyLevelLimit);
}

TEST(ParameterNameTest, ReferencesTakeArnsVersionsAndLabels) {
  auto plain = ParseReference("/a/b", kAccount);
  EXPECT_EQ(plain->path, "/a/b");
  EXPECT_FALSE(plain->selector.version || plain->selector.label);
  auto v = ParseReference("/a/b:3", kAccount);
  EXPECT_EQ(v->selector.version, 3);
  EXPECT_EQ(v->selector_text, ":3");
  auto l = ParseReference("x:prod", kAccount);
  EXPECT_EQ(l->path, "/x");
  EXPECT_EQ(l->selector.label, "prod");
  auto arn = ParseReference("arn:aws:ssm:us-east-1:123456789012:parameter/a/b:2", kAccount);
  ASSERT_TRUE(arn.has_value());
  EXPECT_EQ(arn->path, "/a/b");
  EXPECT_EQ(arn->selector.version, 2);
  EXPECT_EQ(ParseReference("arn:aws:ssm:us-east-1:123456789012:parameter/x", kAccount)->path, "/x");
  EXPECT_FALSE(ParseReference("arn:aws:ssm:eu-west-1:123456789012:parameter/x", kAccount));
  EXPECT_FALSE(ParseReference("/a:", kAccount));
  EXPECT_FALSE(ParseReference("/a:0", kAccount));
}

TEST(ParameterNameTest, ArnsDropTheLeadingSlash) {
  EXPECT_EQ(ParameterArn(kAccount, "/a/b"), "arn:aws:ssm:us-east-1:123456789012:parameter/a/b");
  EXPECT_EQ(ParameterArn(kAccount, "/x"), "arn:aws:ssm:us-east-1:123456789012:parameter/x");
}

TEST(ParameterNameTest, PathsAndParents) {
  EXPECT_EQ(*NormalizePath("/"), "/");
  EXPECT_EQ(*NormalizePath("/a/b"), "/a/b/");
  EXPECT_EQ(*NormalizePath("/a/b/"), "/a/b/");
  EXPECT_FALSE(NormalizePath("a/b"));
  EXPECT_FALSE(NormalizePath("/a//b"));
  EXPECT_FALSE(NormalizePath(""));
  EXPECT_EQ(ParentOf("/a/b"), "/a/");
  EXPECT_EQ(ParentOf("/x"), "/");
}

TEST(ParameterNameTest, LabelRules) {
  EXPECT_TRUE(IsValidLabel("Prod_1.a-b"));
  EXPECT_FALSE(IsValidLabel(""));
  EXPECT_FALSE(IsValidLabel("1abc"));
  EXPECT_FALSE(IsValidLabel("awsLabel"));
  EXPECT_FALSE(IsValidLabel("SSM"));
  EXPECT_FALSE(IsValidLabel("a b"));
  EXPECT_FALSE(IsValidLabel(std::string(101, 'a')));
  EXPECT_TRUE(IsValidLabel(std::string(100, 'a')));
}

}  // namespace
}  // namespace coffer::parameters
