#include "rotation_functions/json_password_rotation.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <cctype>
#include <string>

#include "rotation_functions/testing/fake_secrets_access.h"

namespace coffer::rotation_functions {
namespace {

using rotation::Step;
using testing::FakeSecretsAccess;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr char kId[] = "arn:aws:secretsmanager:us-east-1:123456789012:secret:app-AbCdEf";
constexpr char kToken[] = "5f0c9b2e-1111-4222-8333-944455556666";
constexpr char kCurrentJson[] = R"({"user":"app","password":"old-password","extra":{"n":1}})";

rotation::StepRequest Request(Step step, std::string token = kToken) {
  rotation::StepRequest r;
  r.step = step;
  r.secret_id = kId;
  r.client_request_token = std::move(token);
  r.rotation_token = "rot-1";
  return r;
}

std::unique_ptr<JsonPasswordRotation> Make(JsonPasswordRotation::Options options = {}) {
  auto f = JsonPasswordRotation::Create(std::move(options));
  EXPECT_TRUE(f.has_value());
  return std::move(f).value();
}

Result<void> RunAll(rotation::RotationFunction& f, FakeSecretsAccess& fake) {
  for (Step s : {Step::kCreateSecret, Step::kSetSecret, Step::kTestSecret, Step::kFinishSecret}) {
    COFFER_RETURN_IF_ERROR(f.Run(Request(s), fake));
  }
  return Ok();
}

rapidjson::Document Parse(const std::string& json) {
  rapidjson::Document d;
  d.Parse(json.c_str());
  EXPECT_FALSE(d.HasParseError()) << json;
  return d;
}

class JsonPasswordRotationTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    initial_version_ = fake_.AddSecret(kId, kCurrentJson);
    // true: the engine stages an empty AWSPENDING version before createSecret, as AWS does.
    if (GetParam()) fake_.StagePending(kId, kToken);
  }
  FakeSecretsAccess fake_;
  std::string initial_version_;
};

TEST_P(JsonPasswordRotationTest, RotatesTheFieldAndKeepsTheRest) {
  auto f = Make();
  ASSERT_TRUE(RunAll(*f, fake_));
  EXPECT_EQ(fake_.VersionWithStage(kId, "AWSCURRENT"), kToken);
  EXPECT_EQ(fake_.VersionWithStage(kId, "AWSPREVIOUS"), initial_version_);
  const auto current = Parse(*fake_.ValueWithStage(kId, "AWSCURRENT"));
  EXPECT_STREQ(current["user"].GetString(), "app");
  EXPECT_EQ(current["extra"]["n"].GetInt(), 1);
  const std::string password = current["password"].GetString();
  EXPECT_EQ(password.size(), 32u);
  EXPECT_NE(password, "old-password");
  for (char c : std::string("/@\"'\\")) EXPECT_EQ(password.find(c), std::string::npos) << c;
  EXPECT_EQ(*fake_.ValueWithStage(kId, "AWSPREVIOUS"), kCurrentJson);
}

TEST_P(JsonPasswordRotationTest, EveryStepTwiceIsIdempotent) {
  auto f = Make();
  for (Step s : {Step::kCreateSecret, Step::kSetSecret, Step::kTestSecret, Step::kFinishSecret}) {
    ASSERT_TRUE(f->Run(Request(s), fake_)) << rotation::StepName(s);
    const auto pending_after_first = fake_.ValueWithStage(kId, "AWSPENDING");
    ASSERT_TRUE(f->Run(Request(s), fake_)) << rotation::StepName(s) << " again";
    EXPECT_EQ(fake_.ValueWithStage(kId, "AWSPENDING"), pending_after_first);
  }
  EXPECT_EQ(fake_.CallCount(FakeSecretsAccess::Call::kPutSecretValue), 1);
  EXPECT_EQ(fake_.CallCount(FakeSecretsAccess::Call::kRandom), 1);
  EXPECT_EQ(fake_.CallCount(FakeSecretsAccess::Call::kUpdateStage), 1);
  EXPECT_EQ(fake_.VersionWithStage(kId, "AWSCURRENT"), kToken);
  EXPECT_EQ(fake_.VersionWithStage(kId, "AWSPREVIOUS"), initial_version_);
  EXPECT_EQ(fake_.VersionCount(kId), 2u);
}

TEST_P(JsonPasswordRotationTest, AFailingStepLeavesAwsCurrentUntouched) {
  auto f = Make();
  struct Case {
    Step step;
    FakeSecretsAccess::Call call;
  };
  for (const Case& c : {Case{Step::kCreateSecret, FakeSecretsAccess::Call::kRandom},
                        Case{Step::kCreateSecret, FakeSecretsAccess::Call::kPutSecretValue},
                        Case{Step::kSetSecret, FakeSecretsAccess::Call::kGetSecretValue},
                        Case{Step::kTestSecret, FakeSecretsAccess::Call::kGetSecretValue},
                        Case{Step::kFinishSecret, FakeSecretsAccess::Call::kUpdateStage}}) {
    SCOPED_TRACE(rotation::StepName(c.step));
    FakeSecretsAccess fake;
    const std::string v0 = fake.AddSecret(kId, kCurrentJson);
    if (GetParam()) fake.StagePending(kId, kToken);
    for (Step s : {Step::kCreateSecret, Step::kSetSecret, Step::kTestSecret}) {
      if (s == c.step) break;
      ASSERT_TRUE(f->Run(Request(s), fake));
    }
    fake.FailNext(c.call, UnavailableError("injected"));
    auto r = f->Run(Request(c.step), fake);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
    EXPECT_THAT(r.error().message, StartsWith(std::string(rotation::StepName(c.step)) + ": "));
    EXPECT_EQ(fake.VersionWithStage(kId, "AWSCURRENT"), v0);
    EXPECT_EQ(*fake.ValueWithStage(kId, "AWSCURRENT"), kCurrentJson);
    // The engine's retry succeeds, and the rotation carries on from there.
    bool reached = false;
    for (Step s : {Step::kCreateSecret, Step::kSetSecret, Step::kTestSecret, Step::kFinishSecret}) {
      reached = reached || s == c.step;
      if (reached) {
        ASSERT_TRUE(f->Run(Request(s), fake)) << rotation::StepName(s);
      }
    }
    EXPECT_EQ(fake.VersionWithStage(kId, "AWSCURRENT"), kToken);
  }
}

INSTANTIATE_TEST_SUITE_P(EngineStagesPendingFirst, JsonPasswordRotationTest, ::testing::Bool());

TEST(JsonPasswordRotationOptionsTest, UsesTheConfiguredFieldAndPasswordRules) {
  FakeSecretsAccess fake;
  fake.AddSecret(kId, R"({"api_key":"k0","password":"untouched"})");
  JsonPasswordRotation::Options options;
  options.field = "api_key";
  options.password = {12, "", true};
  auto f = Make(options);
  ASSERT_TRUE(RunAll(*f, fake));
  const auto current = Parse(*fake.ValueWithStage(kId, "AWSCURRENT"));
  const std::string key = current["api_key"].GetString();
  EXPECT_EQ(key.size(), 12u);
  for (char c : key) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c))) << c;
  EXPECT_STREQ(current["password"].GetString(), "untouched");
}

TEST(JsonPasswordRotationOptionsTest, CreateRejectsBadOptions) {
  JsonPasswordRotation::Options no_field;
  no_field.field = "";
  EXPECT_FALSE(JsonPasswordRotation::Create(no_field).has_value());
  JsonPasswordRotation::Options too_long;
  too_long.password.length = 4097;
  EXPECT_FALSE(JsonPasswordRotation::Create(too_long).has_value());
}

TEST(JsonPasswordRotationGuardsTest, RefusesSecretsThatAreNotStagedForRotation) {
  auto f = Make();
  FakeSecretsAccess fake;
  const std::string v1 = fake.AddSecret(kId, kCurrentJson, /*rotation_enabled=*/false);
  auto disabled = f->Run(Request(Step::kCreateSecret), fake);
  ASSERT_FALSE(disabled.has_value());
  EXPECT_EQ(disabled.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_THAT(disabled.error().message, HasSubstr("not enabled for rotation"));
  fake.SetRotationEnabled(kId, true);

  // setSecret for a token that names no version, or a version that is not AWSPENDING.
  auto unknown = f->Run(Request(Step::kSetSecret, "no-such-token"), fake);
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().code, ErrorCode::kFailedPrecondition);
  ASSERT_TRUE(fake.PutSecretValue(kId, "labelled", SecretBytes::CopyFrom("{}"), {"CUSTOM"}));
  auto not_pending = f->Run(Request(Step::kSetSecret, "labelled"), fake);
  ASSERT_FALSE(not_pending.has_value());
  EXPECT_THAT(not_pending.error().message, HasSubstr("not set as AWSPENDING"));

  // Any step for the version that already is AWSCURRENT does nothing.
  for (Step s : {Step::kCreateSecret, Step::kSetSecret, Step::kTestSecret, Step::kFinishSecret}) {
    EXPECT_TRUE(f->Run(Request(s, v1), fake)) << rotation::StepName(s);
  }
  EXPECT_EQ(fake.CallCount(FakeSecretsAccess::Call::kPutSecretValue), 1);
  EXPECT_EQ(fake.CallCount(FakeSecretsAccess::Call::kUpdateStage), 0);
  EXPECT_EQ(fake.VersionWithStage(kId, "AWSCURRENT"), v1);
}

TEST(JsonPasswordRotationGuardsTest, RejectsSecretsThatAreNotJsonWithTheField) {
  auto f = Make();
  for (const char* value : {"plain text", "[1,2]", R"({"user":"app"})", R"({"password":7})",
                            R"({"password":"a","password":"b"})"}) {
    FakeSecretsAccess fake;
    const std::string v1 = fake.AddSecret(kId, value);
    auto r = f->Run(Request(Step::kCreateSecret), fake);
    ASSERT_FALSE(r.has_value()) << value;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << value;
    EXPECT_EQ(fake.CallCount(FakeSecretsAccess::Call::kPutSecretValue), 0);
    EXPECT_EQ(fake.VersionWithStage(kId, "AWSCURRENT"), v1);
  }
}

TEST(JsonPasswordRotationGuardsTest, TestSecretFailsWhenThePasswordDidNotChange) {
  auto f = Make();
  FakeSecretsAccess fake;
  const std::string v1 = fake.AddSecret(kId, kCurrentJson);
  // A pending version someone put by hand, with the current password.
  ASSERT_TRUE(
      fake.PutSecretValue(kId, kToken, SecretBytes::CopyFrom(kCurrentJson), {"AWSPENDING"}));
  ASSERT_TRUE(f->Run(Request(Step::kCreateSecret), fake));
  ASSERT_TRUE(f->Run(Request(Step::kSetSecret), fake));
  auto r = f->Run(Request(Step::kTestSecret), fake);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_THAT(r.error().message, Not(HasSubstr("old-password")));
  EXPECT_EQ(fake.VersionWithStage(kId, "AWSCURRENT"), v1);
}

}  // namespace
}  // namespace coffer::rotation_functions
