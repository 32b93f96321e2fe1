#include "api/aws_json/shape_validator.h"

#include <gtest/gtest.h>

namespace coffer::api::aws_json {
namespace shapes::secretsmanager {
#include "api/aws_json/shapes/secretsmanager_shapes.inc"
}  // namespace shapes::secretsmanager
namespace {

namespace sm = shapes::secretsmanager;

std::optional<ApiError> Check(const std::string& json, const Shape& shape) {
  rapidjson::Document d;
  d.Parse(json.c_str());
  EXPECT_FALSE(d.HasParseError()) << json;
  return ValidateInput(d, shape);
}

TEST(ShapeValidatorTest, AcceptsValidInputAndIgnoresUnknownMembers) {
  EXPECT_FALSE(Check(R"({"SecretId":"a","VersionStage":"AWSCURRENT","Extra":1})",
                     sm::kGetSecretValueRequest));
}

TEST(ShapeValidatorTest, MissingRequiredMemberUsesCoralFormat) {
  auto e = Check("{}", sm::kGetSecretValueRequest);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code, "ValidationException");
  EXPECT_EQ(e->message,
            "1 validation error detected: Value null at 'secretId' failed to satisfy constraint: "
            "Member must not be null");
}

TEST(ShapeValidatorTest, NullCountsAsAbsent) {
  auto e = Check(R"({"SecretId":null})", sm::kGetSecretValueRequest);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code, "ValidationException");
}

TEST(ShapeValidatorTest, CollectsEveryConstraintViolation) {
  auto e = Check(R"({"SecretId":"","VersionId":"AWSCURRENT"})", sm::kGetSecretValueRequest);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->message,
            "2 validation errors detected: Value '' at 'secretId' failed to satisfy constraint: "
            "Member must have length greater than or equal to 1; Value 'AWSCURRENT' at "
            "'versionId' failed to satisfy constraint: Member must have length greater than or "
            "equal to 32");
}

TEST(ShapeValidatorTest, SensitiveValuesAreNotEchoed) {
  std::string big(65537, 'x');
  auto e = Check(R"({"SecretId":"a","SecretString":")" + big + R"("})", sm::kPutSecretValueRequest);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->message,
            "1 validation error detected: Value at 'secretString' failed to satisfy constraint: "
            "Member must have length less than or equal to 65536");
}

TEST(ShapeValidatorTest, RangesEnumsAndListPaths) {
  auto e = Check(R"({"PasswordLength":5000})", sm::kGetRandomPasswordRequest);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->message,
            "1 validation error detected: Value '5000' at 'passwordLength' failed to satisfy "
            "constraint: Member must have value less than or equal to 4096");
  e = Check(R"({"Filters":[{"Key":"color","Values":["x"]}]})", sm::kListSecretsRequest);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->message,
            "1 validation error detected: Value 'color' at 'filters.1.member.key' failed to "
            "satisfy constraint: Member must satisfy enum value set: [description, name, tag-key, "
            "tag-value, primary-region, owning-service, all]");
}

TEST(ShapeValidatorTest, PatternsAreEnforced) {
  auto e = Check(R"({"Filters":[{"Key":"name","Values":["bad*value"]}]})", sm::kListSecretsRequest);
  ASSERT_TRUE(e);
  EXPECT_NE(e->message.find("Member must satisfy regular expression pattern"), std::string::npos)
      << e->message;
  EXPECT_FALSE(
      Check(R"({"Filters":[{"Key":"name","Values":["!prod/db-1"]}]})", sm::kListSecretsRequest));
}

TEST(ShapeValidatorTest, WrongJsonTypesAreSerializationExceptions) {
  auto e = Check(R"({"SecretId":5})", sm::kGetSecretValueRequest);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code, "SerializationException");
  EXPECT_EQ(e->message, "NUMBER_VALUE can not be converted to a String");
  e = Check(R"({"SecretId":{"a":1}})", sm::kGetSecretValueRequest);
  EXPECT_EQ(e->message, "Start of structure or map found where not expected.");
  e = Check(R"({"PasswordLength":"10"})", sm::kGetRandomPasswordRequest);
  EXPECT_EQ(e->message, "STRING_VALUE can not be converted to a Long");
  e = Check(R"({"MaxResults":1.5})", sm::kListSecretsRequest);
  EXPECT_EQ(e->code, "SerializationException");
  e = Check(R"([1,2])", sm::kListSecretsRequest);
  EXPECT_EQ(e->message, "Start of list found where not expected");
  e = Check(R"({"SecretId":"a","SecretBinary":"not base64!"})", sm::kPutSecretValueRequest);
  EXPECT_EQ(e->code, "SerializationException");
}

TEST(ShapeValidatorTest, BlobLengthIsCheckedOnDecodedBytes) {
  EXPECT_FALSE(Check(R"({"SecretId":"a","SecretBinary":"AAEC"})", sm::kPutSecretValueRequest));
  auto e = Check(R"({"SecretId":"a","SecretBinary":""})", sm::kPutSecretValueRequest);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code, "ValidationException");
}

}  // namespace
}  // namespace coffer::api::aws_json
