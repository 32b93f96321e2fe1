#include "rotation_functions/testing/fake_secrets_access.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace coffer::rotation_functions::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

constexpr char kId[] = "arn:aws:secretsmanager:us-east-1:123456789012:secret:s-AbCdEf";

TEST(FakeSecretsAccessTest, FirstVersionIsCurrent) {
  FakeSecretsAccess fake;
  const std::string v1 = fake.AddSecret(kId, "one");
  EXPECT_THAT(fake.StagesOf(kId, v1), ElementsAre("AWSCURRENT"));
  auto value = fake.GetSecretValue(kId, "", "");
  ASSERT_TRUE(value.has_value());
  EXPECT_EQ(value->secret_string->view(), "one");
  EXPECT_EQ(value->version_id, v1);
}

TEST(FakeSecretsAccessTest, MovingCurrentMakesTheOldVersionPrevious) {
  FakeSecretsAccess fake;
  const std::string v1 = fake.AddSecret(kId, "one");
  ASSERT_TRUE(fake.PutSecretValue(kId, "v2", SecretBytes::CopyFrom("two"), {"AWSPENDING"}));
  EXPECT_THAT(fake.StagesOf(kId, "v2"), ElementsAre("AWSPENDING"));
  ASSERT_TRUE(fake.UpdateSecretVersionStage(kId, "AWSCURRENT", "v2", v1));
  EXPECT_THAT(fake.StagesOf(kId, "v2"), UnorderedElementsAre("AWSPENDING", "AWSCURRENT"));
  EXPECT_THAT(fake.StagesOf(kId, v1), ElementsAre("AWSPREVIOUS"));
  ASSERT_TRUE(fake.PutSecretValue(kId, "v3", SecretBytes::CopyFrom("three"), {"AWSCURRENT"}));
  EXPECT_THAT(fake.StagesOf(kId, v1), IsEmpty());
  EXPECT_THAT(fake.StagesOf(kId, "v2"), UnorderedElementsAre("AWSPENDING", "AWSPREVIOUS"));
  auto info = fake.DescribeSecret(kId);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->version_stages.count(v1), 0u) << "unlabelled versions are not listed";
}

TEST(FakeSecretsAccessTest, MovingAStageHeldElsewhereNeedsRemoveFrom) {
  FakeSecretsAccess fake;
  const std::string v1 = fake.AddSecret(kId, "one");
  ASSERT_TRUE(fake.PutSecretValue(kId, "v2", SecretBytes::CopyFrom("two"), {"AWSPENDING"}));
  auto r = fake.UpdateSecretVersionStage(kId, "AWSCURRENT", "v2", "");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(fake.VersionWithStage(kId, "AWSCURRENT"), v1);
}

TEST(FakeSecretsAccessTest, StagedVersionWithoutValueReadsAsNotFoundUntilPut) {
  FakeSecretsAccess fake;
  fake.AddSecret(kId, "one");
  fake.StagePending(kId, "tok");
  auto info = fake.DescribeSecret(kId);
  ASSERT_TRUE(info.has_value());
  EXPECT_THAT(info->version_stages.at("tok"), ElementsAre("AWSPENDING"));
  auto missing = fake.GetSecretValue(kId, "tok", "AWSPENDING");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  ASSERT_TRUE(fake.PutSecretValue(kId, "tok", SecretBytes::CopyFrom("two"), {"AWSPENDING"}));
  EXPECT_EQ(fake.GetSecretValue(kId, "tok", "AWSPENDING")->secret_string->view(), "two");
  // Same token, same value: idempotent; another value: refused.
  EXPECT_TRUE(fake.PutSecretValue(kId, "tok", SecretBytes::CopyFrom("two"), {"AWSPENDING"}));
  auto clash = fake.PutSecretValue(kId, "tok", SecretBytes::CopyFrom("other"), {"AWSPENDING"});
  ASSERT_FALSE(clash.has_value());
  EXPECT_EQ(clash.error().code, ErrorCode::kAlreadyExists);
}

TEST(FakeSecretsAccessTest, RandomPasswordsHonourLengthAndExclusions) {
  FakeSecretsAccess fake;
  auto a = fake.GetRandomPassword({40, "abc", true});
  auto b = fake.GetRandomPassword({40, "abc", true});
  ASSERT_TRUE(a.has_value());
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(a->size(), 40u);
  EXPECT_NE(a->view(), b->view());
  for (char c : a->view()) {
    EXPECT_TRUE((c >= 'd' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) << c;
  }
  fake.FailNext(FakeSecretsAccess::Call::kRandom, UnavailableError("injected"));
  EXPECT_FALSE(fake.GetRandomPassword({}).has_value());
  EXPECT_TRUE(fake.GetRandomPassword({}).has_value());
}

}  // namespace
}  // namespace coffer::rotation_functions::testing
