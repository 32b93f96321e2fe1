#include "core/secrets/secret_filter.h"

#include <gtest/gtest.h>

namespace coffer::secrets {
namespace {

Secret Make(std::string name, std::optional<std::string> desc, core::Tags tags = {}) {
  Secret s;
  s.name = std::move(name);
  s.description = std::move(desc);
  if (!tags.empty()) s.tags = std::move(tags);
  return s;
}

TEST(SecretFilterTest, SplitWordsAtCaseDigitAndPunctuation) {
  EXPECT_EQ(SplitWords("credsDatabase#892"),
            (std::vector<std::string>{"creds", "database", "892"}));
  EXPECT_EQ(SplitWords("prod/db_PASSWORD-2"),
            (std::vector<std::string>{"prod", "db", "password", "2"}));
}

TEST(SecretFilterTest, NameIsCaseSensitivePrefix) {
  Secret s = Make("DatabaseSecret", std::nullopt);
  EXPECT_TRUE(MatchesFilters(s, {{FilterKey::kName, {"Data"}}}));
  EXPECT_FALSE(MatchesFilters(s, {{FilterKey::kName, {"data"}}}));
  EXPECT_FALSE(MatchesFilters(s, {{FilterKey::kName, {"Secret"}}}));
}

TEST(SecretFilterTest, DescriptionIsCaseInsensitivePrefix) {
  Secret s = Make("x", "Billing database");
  EXPECT_TRUE(MatchesFilters(s, {{FilterKey::kDescription, {"billing"}}}));
  EXPECT_FALSE(MatchesFilters(s, {{FilterKey::kDescription, {"database"}}}));
  EXPECT_FALSE(MatchesFilters(Make("x", std::nullopt), {{FilterKey::kDescription, {"b"}}}));
}

TEST(SecretFilterTest, TagsAndNegation) {
  Secret s = Make("x", std::nullopt, {{"team", "billing"}, {"env", "prod"}});
  EXPECT_TRUE(MatchesFilters(s, {{FilterKey::kTagKey, {"te"}}}));
  EXPECT_TRUE(MatchesFilters(s, {{FilterKey::kTagValue, {"prod"}}}));
  EXPECT_FALSE(MatchesFilters(s, {{FilterKey::kTagKey, {"!env"}}}));
  EXPECT_TRUE(MatchesFilters(s, {{FilterKey::kTagKey, {"!owner"}}}));
  // Values OR-ed, keys AND-ed.
  EXPECT_TRUE(MatchesFilters(s, {{FilterKey::kTagValue, {"dev", "prod"}}}));
  EXPECT_FALSE(MatchesFilters(s, {{FilterKey::kTagValue, {"prod"}}, {FilterKey::kName, {"y"}}}));
}

TEST(SecretFilterTest, AllSearchesWordsEverywhere) {
  Secret s = Make("prod/BillingDb", "primary store", {{"owner", "alice"}});
  EXPECT_TRUE(MatchesFilters(s, {{FilterKey::kAll, {"billing"}}}));
  EXPECT_TRUE(MatchesFilters(s, {{FilterKey::kAll, {"ALI"}}}));
  EXPECT_TRUE(MatchesFilters(s, {{FilterKey::kAll, {"nothing store"}}}));
  EXPECT_FALSE(MatchesFilters(s, {{FilterKey::kAll, {"illing"}}}));
}

TEST(SecretFilterTest, PrimaryRegionAndOwningServiceNeverMatchLocalSecrets) {
  Secret s = Make("x", std::nullopt);
  EXPECT_FALSE(MatchesFilters(s, {{FilterKey::kPrimaryRegion, {"us"}}}));
  EXPECT_TRUE(MatchesFilters(s, {{FilterKey::kOwningService, {"!rds"}}}));
}

}  // namespace
}  // namespace coffer::secrets
