#include "api/aws_query/query_request.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "api/aws_query/testing/test_model.h"

namespace coffer::api::aws_query {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string ToJson(const rapidjson::Value& v) {
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  v.Accept(w);
  return std::string(sb.GetString(), sb.GetSize());
}

std::vector<FormParam> Form(std::string_view body) {
  auto parsed = ParseForm(body);
  EXPECT_TRUE(std::holds_alternative<std::vector<FormParam>>(parsed))
      << std::get<ApiError>(parsed).message;
  if (!std::holds_alternative<std::vector<FormParam>>(parsed)) return {};
  return std::get<std::vector<FormParam>>(std::move(parsed));
}

ApiError FormError(std::string_view body) {
  auto parsed = ParseForm(body);
  EXPECT_TRUE(std::holds_alternative<ApiError>(parsed)) << body;
  if (!std::holds_alternative<ApiError>(parsed)) return {};
  return std::get<ApiError>(parsed);
}

// Decodes `body` for `input` under the test model's names: the JSON, or "error: <code>: <msg>".
std::string Decode(std::string_view body, const Shape* input = &testing::kAll,
                   const QueryModel& model = testing::kModel) {
  auto params = Form(body);
  rapidjson::Document doc;
  auto err = DecodeInput(params, input, ShapeNames(model), doc);
  if (err) return "error: " + err->code + ": " + err->message;
  return ToJson(doc);
}

TEST(ParseFormTest, DecodesPercentEscapesAndPlusAsSpace) {
  auto params = Form("Action=GetUser&UserName=a%2Fb+c%20d&Path=%2F&Empty=&NoEquals&&Utf8=%C3%A9");
  ASSERT_EQ(params.size(), 6u);
  EXPECT_EQ(params[0].name, "Action");
  EXPECT_EQ(params[0].value, "GetUser");
  EXPECT_EQ(params[1].value, "a/b c d");
  EXPECT_EQ(params[2].value, "/");
  EXPECT_EQ(params[3].name, "Empty");
  EXPECT_EQ(params[3].value, "");
  EXPECT_EQ(params[4].name, "NoEquals");
  EXPECT_EQ(params[4].value, "");
  EXPECT_EQ(params[5].value, "\xC3\xA9");
}

TEST(ParseFormTest, DecodesEscapedNames) {
  auto params = Form("Tags.member.1.Key%3Dx=v%3D%26");
  ASSERT_EQ(params.size(), 1u);
  EXPECT_EQ(params[0].name, "Tags.member.1.Key=x");
  EXPECT_EQ(params[0].value, "v=&");
}

TEST(ParseFormTest, RefusesMalformedEscapes) {
  for (std::string_view body : {"A=%", "A=%4", "A=%zz", "A%G1=1", "A=1&B=%%41"}) {
    ApiError e = FormError(body);
    EXPECT_EQ(e.status, 400) << body;
    EXPECT_EQ(e.code, "MalformedQueryString") << body;
  }
}

TEST(ParseFormTest, RefusesBytesThatAreNotUtf8) {
  EXPECT_EQ(FormError("A=%FF").code, "MalformedQueryString");
  EXPECT_EQ(FormError("A=%C0%AF").code, "MalformedQueryString");     // overlong '/'
  EXPECT_EQ(FormError("%ED%A0%80=1").code, "MalformedQueryString");  // a surrogate
  EXPECT_EQ(FormError("A=\xFF").code, "MalformedQueryString");
}

TEST(ParseFormTest, RefusesDuplicateNames) {
  ApiError e = FormError("Action=GetUser&UserName=a&UserName=b");
  EXPECT_EQ(e.code, "MalformedQueryString");
  EXPECT_THAT(e.message, HasSubstr("'UserName' appears more than once"));
  // The same name spelled with an escape is the same parameter.
  EXPECT_EQ(FormError("UserName=a&User%4Eame=b").code, "MalformedQueryString");
}

TEST(ParseFormTest, CapsTheParameterCount) {
  std::string body;
  for (size_t i = 0; i < kMaxParameters; ++i) body += "P" + std::to_string(i) + "=x&";
  EXPECT_EQ(Form(body).size(), kMaxParameters);
  body += "Extra=1";
  ApiError e = FormError(body);
  EXPECT_EQ(e.code, "MalformedQueryString");
  EXPECT_THAT(e.message, HasSubstr("more than 5000 parameters"));
}

TEST(FindFormValueTest, FindsDecodedValues) {
  EXPECT_EQ(FindFormValue("Version=1&Action=GetUser", "Action"), "GetUser");
  EXPECT_EQ(FindFormValue("Acti%6Fn=Get%55ser", "Action"), "GetUser");
  EXPECT_EQ(FindFormValue("Actions=x", "Action"), std::nullopt);
  EXPECT_EQ(FindFormValue("Action", "Action"), "");
  EXPECT_EQ(FindFormValue("", "Action"), std::nullopt);
}

TEST(DecodeInputTest, MapsScalarsByType) {
  EXPECT_EQ(Decode("Action=Everything&Version=2020-01-01&Name=n&Count=7&Big=-9000000000&Flag=true"
                   "&Ratio=2.5&When=2026-11-22T05:25:40Z&Data=aGk%3D&Password=longenough"),
            R"({"Name":"n","Count":7,"Big":-9000000000,"Flag":true,"Ratio":2.5,)"
            R"("When":1795325140,"Data":"aGk=","Password":"longenough"})");
}

TEST(DecodeInputTest, ParsesTimestampsWithFractionsAndOffsets) {
  EXPECT_EQ(Decode("When=2026-11-22T05:25:40.250Z"), R"({"When":1795325140.25})");
  EXPECT_EQ(Decode("When=2026-11-22T07:25:40%2B02:00"), R"({"When":1795325140})");
  EXPECT_THAT(Decode("When=1795325140"),
              HasSubstr("Value '1795325140' at 'when' failed to satisfy constraint: Member must "
                        "be a Timestamp"));
}

TEST(DecodeInputTest, BooleansAreTrueOrFalse) {
  EXPECT_EQ(Decode("Flag=false"), R"({"Flag":false})");
  EXPECT_EQ(Decode("Flag=TRUE"), R"({"Flag":true})");
  EXPECT_EQ(Decode("Flag=yes"),
            "error: ValidationError: 1 validation error detected: Value 'yes' at 'flag' failed "
            "to satisfy constraint: Member must be a Boolean (true or false)");
}

TEST(DecodeInputTest, BadNumbersAreValidationErrors) {
  EXPECT_EQ(Decode("Count=abc"),
            "error: ValidationError: 1 validation error detected: Value 'abc' at 'count' failed "
            "to satisfy constraint: Member must be an Integer");
  EXPECT_THAT(Decode("Count=2147483648"), HasSubstr("Member must be an Integer"));
  EXPECT_THAT(Decode("Count=1.5"), HasSubstr("Member must be an Integer"));
  EXPECT_THAT(Decode("Count=+5"), HasSubstr("Member must be an Integer"));
  EXPECT_THAT(Decode("Count="), HasSubstr("Member must be an Integer"));
  EXPECT_THAT(Decode("Big=99999999999999999999"), HasSubstr("Member must be a Long"));
  EXPECT_THAT(Decode("Ratio=nan"), HasSubstr("Member must be a Double"));
  EXPECT_THAT(Decode("Ratio=1e999"), HasSubstr("Member must be a Double"));
  EXPECT_THAT(Decode("Ratio=1.5x"), HasSubstr("Member must be a Double"));
  // Every bad parameter is reported, as AWS reports every violated constraint.
  EXPECT_THAT(Decode("Count=x&Flag=y"), HasSubstr("2 validation errors detected: "));
}

TEST(DecodeInputTest, ModelConstraintsAreCheckedAfterDecoding) {
  EXPECT_EQ(Decode("Count=500"),
            "error: ValidationError: 1 validation error detected: Value '500' at 'count' failed "
            "to satisfy constraint: Member must have value less than or equal to 100");
  EXPECT_EQ(Decode("", &testing::kRequired),
            "error: ValidationError: 1 validation error detected: Value null at 'id' failed to "
            "satisfy constraint: Member must not be null");
  EXPECT_THAT(Decode("Data=not-base64"),
              HasSubstr("ValidationError: 1 validation error detected: Base64"));
}

TEST(DecodeInputTest, SensitiveValuesAreNeverEchoed) {
  std::string out = Decode("Password=hunter2&Tags.member.1.Value=v");
  EXPECT_THAT(out, HasSubstr("2 validation errors detected: "));
  EXPECT_THAT(out, HasSubstr("Value at 'password' failed to satisfy constraint: Member must have "
                             "length greater than or equal to 8"));
  EXPECT_THAT(out, HasSubstr("Value null at 'tags.1.member.key'"));
  EXPECT_THAT(out, Not(HasSubstr("hunter2")));
}

TEST(DecodeInputTest, ListsAreMemberNumberedFromOne) {
  EXPECT_EQ(Decode("Names.member.2=b&Names.member.1=a&Names.member.3=c"),
            R"({"Names":["a","b","c"]})");
  EXPECT_EQ(Decode("Names="), R"({"Names":[]})");
  EXPECT_EQ(Decode("Tags.member.1.Key=k1&Tags.member.1.Value=v1&Tags.member.2.Key=k2"),
            R"({"Tags":[{"Key":"k1","Value":"v1"},{"Key":"k2"}]})");
}

TEST(DecodeInputTest, ListsWithGapsAreRefused) {
  EXPECT_EQ(Decode("Names.member.1=a&Names.member.3=c"),
            "error: ValidationError: 1 validation error detected: Value at 'names' failed to "
            "satisfy constraint: Member must be numbered from 1 without gaps (member.2 is "
            "missing)");
  EXPECT_THAT(Decode("Names.member.2=b"), HasSubstr("(member.1 is missing)"));
}

TEST(DecodeInputTest, HugeIndicesAreRefusedWithoutAllocating) {
  EXPECT_EQ(Decode("Names.member.4000000000=x"),
            "error: ValidationError: 1 validation error detected: Value at 'names' failed to "
            "satisfy constraint: Member must have length less than or equal to 5000");
  EXPECT_THAT(Decode("Names.member.99999999999999999999999999999=x"),
              HasSubstr("less than or equal to 5000"));
  EXPECT_THAT(Decode("Attributes.entry.4000000000.key=x"), HasSubstr("less than or equal to 5000"));
  EXPECT_THAT(Decode("Names.member.5001=x"), HasSubstr("less than or equal to 5000"));
  // Not an index at all: an unknown parameter, ignored.
  EXPECT_EQ(Decode("Names.member.0=x&Names.member.01=y&Names.member.-1=z&Names.member.x=w"), "{}");
}

TEST(DecodeInputTest, MapsAreEntryNumberedKeyValuePairs) {
  EXPECT_EQ(Decode("Attributes.entry.1.key=a&Attributes.entry.1.value=1&"
                   "Attributes.entry.2.value=2&Attributes.entry.2.key=b"),
            R"({"Attributes":{"a":"1","b":"2"}})");
  EXPECT_EQ(Decode("Attributes="), R"({"Attributes":{}})");
  EXPECT_EQ(Decode("Objects.entry.1.key=o&Objects.entry.1.value.Key=k"),
            R"({"Objects":{"o":{"Key":"k"}}})");
  EXPECT_THAT(Decode("Attributes.entry.1.value=1"), HasSubstr("Map entry must have a key"));
  EXPECT_THAT(Decode("Attributes.entry.1.key=a&Attributes.entry.2.key=a"),
              HasSubstr("Value 'a' at 'attributes.2.key' failed to satisfy constraint: Map keys "
                        "must be unique"));
  EXPECT_THAT(Decode("Attributes.entry.2.key=a"), HasSubstr("(entry.1 is missing)"));
}

TEST(DecodeInputTest, NestedStructures) {
  EXPECT_EQ(Decode("Nested.Key=k&Nested.Value=v"), R"({"Nested":{"Key":"k","Value":"v"}})");
  EXPECT_EQ(Decode("Nested.Value=v"),
            "error: ValidationError: 1 validation error detected: Value null at 'nested.key' "
            "failed to satisfy constraint: Member must not be null");
}

TEST(DecodeInputTest, UnknownParametersAreIgnoredAndLeaveNothingBehind) {
  EXPECT_EQ(Decode("Action=Everything&Version=2020-01-01&Bogus=1&Nested.Bogus=1&Name.x=1&"
                   "Tags.member.1.Bogus=1&Names.item.1=x&Nested=1&Names=nonempty&"
                   "Attributes.entry.1.other=x"),
            "{}");
}

TEST(DecodeInputTest, HonoursWireNamesAndFlattenedShapes) {
  EXPECT_EQ(Decode("OtherName=r&Renamed=ignored"), R"({"Renamed":"r"})");
  EXPECT_EQ(Decode("Items.item.1=a&Items.item.2=b&Items.member.3=ignored"),
            R"({"Items":["a","b"]})");
  EXPECT_EQ(Decode("Named.entry.1.Name=k&Named.entry.1.Val=v"), R"({"Named":{"k":"v"}})");
  EXPECT_EQ(Decode("Flat.1=a&Flat.2=b&Flat.member.3=ignored"), R"({"Flat":["a","b"]})");
  EXPECT_EQ(Decode("FlatAttributes.1.key=k&FlatAttributes.1.value=v"),
            R"({"FlatAttributes":{"k":"v"}})");
}

TEST(DecodeInputTest, DeepNamesAreIgnored) {
  std::string name = "Nested";
  for (int i = 0; i < 100; ++i) name += ".Key";
  EXPECT_EQ(Decode(name + "=x"), "{}");
}

TEST(DecodeInputTest, OperationsWithoutInputGetAnEmptyObject) {
  EXPECT_EQ(Decode("Action=NoInput&Anything=1", nullptr), "{}");
}

TEST(DecodeInputTest, DecodesRealStsRequests) {
  const QueryOperation* op = StsModel().Find("AssumeRoleWithWebIdentity");
  ASSERT_NE(op, nullptr);
  EXPECT_TRUE(op->is_unsigned);
  // As boto3 sends it.
  std::string body =
      "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A1234567"
      "89012%3Arole%2Feso&RoleSessionName=s1&WebIdentityToken=eyJhbGciOi.eyJzdWIi.c2ln&"
      "DurationSeconds=3600&PolicyArns.member.1.arn=arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2FReadOnly"
      "Access";
  EXPECT_EQ(Decode(body, op->input, StsModel()),
            R"({"RoleArn":"arn:aws:iam::123456789012:role/eso","RoleSessionName":"s1",)"
            R"("WebIdentityToken":"eyJhbGciOi.eyJzdWIi.c2ln",)"
            R"("PolicyArns":[{"arn":"arn:aws:iam::aws:policy/ReadOnlyAccess"}],)"
            R"("DurationSeconds":3600})");
  // The token is sensitive: its violations never show it.
  std::string short_token =
      "RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Feso&RoleSessionName=s1&"
      "WebIdentityToken=ab&DurationSeconds=60";
  std::string out = Decode(short_token, op->input, StsModel());
  EXPECT_THAT(out, HasSubstr("error: ValidationError: 2 validation errors detected: "));
  EXPECT_THAT(out, HasSubstr("Value at 'webIdentityToken' failed to satisfy constraint: Member "
                             "must have length greater than or equal to 4"));
  EXPECT_THAT(out, HasSubstr("Value '60' at 'durationSeconds' failed to satisfy constraint: "
                             "Member must have value greater than or equal to 900"));
}

TEST(DecodeInputTest, DecodesRealIamRequests) {
  const QueryOperation* op = IamModel().Find("CreateRole");
  ASSERT_NE(op, nullptr);
  EXPECT_FALSE(op->is_unsigned);
  EXPECT_STREQ(op->result_wrapper, "CreateRoleResult");
  EXPECT_EQ(Decode("Action=CreateRole&Version=2010-05-08&RoleName=r&Path=%2Fapp%2F&"
                   "AssumeRolePolicyDocument=%7B%7D&MaxSessionDuration=7200&"
                   "Tags.member.1.Key=team&Tags.member.1.Value=a+b",
                   op->input, IamModel()),
            R"({"Path":"/app/","RoleName":"r","AssumeRolePolicyDocument":"{}",)"
            R"("MaxSessionDuration":7200,"Tags":[{"Key":"team","Value":"a b"}]})");
  const QueryOperation* list = IamModel().Find("ListUsers");
  ASSERT_NE(list, nullptr);
  EXPECT_THAT(Decode("MaxItems=0", list->input, IamModel()),
              HasSubstr("Member must have value greater than or equal to 1"));
}

}  // namespace
}  // namespace coffer::api::aws_query
