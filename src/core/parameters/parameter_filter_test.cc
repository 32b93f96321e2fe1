#include "core/parameters/parameter_filter.h"

#include <gtest/gtest.h>

#include "core/parameters/errors.h"

namespace coffer::parameters {
namespace {

Parameter Make(std::string path, ParameterType type = ParameterType::kString) {
  Parameter p;
  p.path = std::move(path);
  p.latest.type = type;
  if (type == ParameterType::kSecureString) p.latest.key_id = "alias/aws/ssm";
  return p;
}

TEST(ParameterFilterTest, ValidatesKeysOptionsAndValues) {
  auto by_path = [](RawFilter f) { return ParseFilters({std::move(f)}, FilterUse::kByPath); };
  auto describe = [](RawFilter f) { return ParseFilters({std::move(f)}, FilterUse::kDescribe); };
  EXPECT_EQ(by_path({"Name", {}, {"/a"}}).error().reason, reason::kInvalidFilterKey);
  EXPECT_EQ(by_path({"Path", {}, {"/a"}}).error().reason, reason::kInvalidFilterKey);
  EXPECT_EQ(describe({"Label", {}, {"x"}}).error().reason, reason::kInvalidFilterKey);
  EXPECT_EQ(describe({"Bogus", {}, {"x"}}).error().reason, reason::kInvalidFilterKey);
  EXPECT_EQ(by_path({"Label", "BeginsWith", {"x"}}).error().reason, reason::kInvalidFilterOption);
  EXPECT_EQ(describe({"Path", "Equals", {"/a"}}).error().reason, reason::kInvalidFilterOption);
  EXPECT_EQ(describe({"Type", "Contains", {"String"}}).error().reason,
            reason::kInvalidFilterOption);
  EXPECT_EQ(describe({"Type", {}, {"Number"}}).error().reason, reason::kInvalidFilterValue);
  EXPECT_EQ(describe({"Tier", {}, {}}).error().reason, reason::kInvalidFilterValue);
  EXPECT_EQ(describe({"Path", {}, {"/aws/x"}}).error().reason, reason::kValidation);
  EXPECT_EQ(describe({"Path", {}, {"a//b"}}).error().reason, reason::kValidation);
  EXPECT_TRUE(describe({"Name", "Contains", {"db"}}).has_value());
  EXPECT_TRUE(by_path({"tag:env", {}, {}}).has_value());
  auto dup = ParseFilters({{"Type", {}, {"String"}}, {"Type", {}, {"SecureString"}}},
                          FilterUse::kDescribe);
  EXPECT_EQ(dup.error().reason, reason::kInvalidFilterKey);
}

TEST(ParameterFilterTest, MatchesNamesPathsTypesTagsAndLabels) {
  Parameter p = Make("/app/db/url", ParameterType::kSecureString);
  p.tags = {{"env", "prod"}};
  p.labels = {{"live", 1}};
  auto match = [&](const std::vector<RawFilter>& raw, FilterUse use = FilterUse::kDescribe) {
    auto f = ParseFilters(raw, use);
    EXPECT_TRUE(f.has_value()) << f.error().message;
    return MatchesAll(p, *f);
  };
  EXPECT_TRUE(match({{"Name", {}, {"app/db/url"}}}));
  EXPECT_TRUE(match({{"Name", "BeginsWith", {"/app/"}}}));
  EXPECT_TRUE(match({{"Name", "Contains", {"db/u"}}}));
  EXPECT_FALSE(match({{"Name", {}, {"/app/db"}}}));
  EXPECT_TRUE(match({{"Path", {}, {"/app/db"}}}));
  EXPECT_FALSE(match({{"Path", {}, {"/app"}}}));
  EXPECT_TRUE(match({{"Path", "Recursive", {"/app"}}}));
  EXPECT_TRUE(match({{"Path", "Recursive", {"/"}}}));
  EXPECT_TRUE(match({{"Type", {}, {"String", "SecureString"}}}));
  EXPECT_TRUE(match({{"KeyId", {}, {"alias/aws/ssm"}}}));
  EXPECT_TRUE(match({{"tag:env", {}, {}}}));
  EXPECT_TRUE(match({{"tag:env", "BeginsWith", {"pr"}}}));
  EXPECT_FALSE(match({{"tag:env", {}, {"dev"}}}));
  EXPECT_FALSE(match({{"tag:team", {}, {}}}));
  EXPECT_TRUE(match({{"Tier", {}, {"Standard"}}, {"DataType", {}, {"text"}}}));
  EXPECT_TRUE(match({{"Label", {}, {"live"}}}, FilterUse::kByPath));
  EXPECT_FALSE(match({{"Label", {}, {"dead"}}}, FilterUse::kByPath));
}

TEST(ParameterFilterTest, LegacyFiltersMatchNamePrefixes) {
  auto f = ParseLegacyFilters({{"Name", {}, {"/app"}}});
  ASSERT_TRUE(f.has_value());
  EXPECT_TRUE(MatchesAll(Make("/app/x"), *f));
  EXPECT_EQ(ParseLegacyFilters({{"Tier", {}, {"Standard"}}}).error().reason,
            reason::kInvalidFilterKey);
}

}  // namespace
}  // namespace coffer::parameters
