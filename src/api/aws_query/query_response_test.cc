#include "api/aws_query/query_response.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api/aws_query/testing/test_model.h"

namespace coffer::api::aws_query {
namespace {

using ::testing::HasSubstr;

std::string Escaped(std::string_view text) {
  std::string out;
  AppendXmlEscaped(out, text);
  return out;
}

// The XML for `json` as the output of `op` (by name) in `model`, or "error: <message>".
std::string Encode(std::string json, std::string_view op_name,
                   const QueryModel& model = testing::kModel) {
  const QueryOperation* op = model.Find(op_name);
  EXPECT_NE(op, nullptr) << op_name;
  if (op == nullptr) return {};
  auto xml = EncodeResponse(json, *op, ShapeNames(model), model.xml_namespace, "req-1");
  if (!xml.has_value()) return "error: " + xml.error().message;
  return *xml;
}

// What sits between <EverythingResult> and </EverythingResult>.
std::string Result(std::string json) {
  std::string xml = Encode(std::move(json), "Everything");
  size_t start = xml.find("<EverythingResult>");
  size_t end = xml.find("</EverythingResult>");
  if (start == std::string::npos || end == std::string::npos) return xml;
  start += std::string_view("<EverythingResult>").size();
  return xml.substr(start, end - start);
}

TEST(AppendXmlEscapedTest, EscapesMarkup) {
  EXPECT_EQ(Escaped(R"(a<b>&"c"'d)"), "a&lt;b&gt;&amp;&quot;c&quot;'d");
  EXPECT_EQ(Escaped("]]>"), "]]&gt;");
  EXPECT_EQ(Escaped("caf\xC3\xA9 \xF0\x9F\x94\x91"), "caf\xC3\xA9 \xF0\x9F\x94\x91");
}

TEST(AppendXmlEscapedTest, KeepsTabsAndNewlinesAndEscapesCarriageReturns) {
  EXPECT_EQ(Escaped("a\tb\nc\r\nd"), "a\tb\nc&#xD;\nd");
}

TEST(AppendXmlEscapedTest, ReplacesWhatXmlCannotCarry) {
  EXPECT_EQ(Escaped(std::string("a\0b\x01\x1F", 5)),
            "a\xEF\xBF\xBD"
            "b\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(Escaped("\xEF\xBF\xBF\xEF\xBF\xBE\xEF\xBF\xBD"),
            "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  // Bytes that are not UTF-8 (a caller's bug) become U+FFFD one by one.
  EXPECT_EQ(Escaped("a\xFF"
                    "b\xC3"),
            "a\xEF\xBF\xBD"
            "b\xEF\xBF\xBD");
  EXPECT_EQ(Escaped("\xC3\xA9\xE2\x82"), "\xC3\xA9\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(EncodeResponseTest, WrapsTheResultAndAddsRequestMetadata) {
  EXPECT_EQ(Encode(R"({"Name":"n"})", "Everything"),
            "<EverythingResponse xmlns=\"https://example.com/doc/2020-01-01/\">"
            "<EverythingResult><Name>n</Name></EverythingResult>"
            "<ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata>"
            "</EverythingResponse>");
}

TEST(EncodeResponseTest, OperationsWithoutOutputHaveOnlyMetadata) {
  EXPECT_EQ(Encode("{}", "NeedsId"),
            "<NeedsIdResponse xmlns=\"https://example.com/doc/2020-01-01/\">"
            "<ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata>"
            "</NeedsIdResponse>");
}

TEST(EncodeResponseTest, EncodesScalarsInModelOrder) {
  EXPECT_EQ(Result(R"({"Data":"aGk=","Flag":false,"Big":-9000000000,"Count":7,"Ratio":0.1,)"
                   R"("Name":"a<&>b","Unknown":"dropped","Password":null})"),
            "<Name>a&lt;&amp;&gt;b</Name><Count>7</Count><Big>-9000000000</Big>"
            "<Flag>false</Flag><Ratio>0.1</Ratio><Data>aGk=</Data>");
}

TEST(EncodeResponseTest, TimestampsAreIso8601Utc) {
  EXPECT_EQ(Result(R"({"When":1795325140})"), "<When>2026-11-22T05:25:40Z</When>");
  EXPECT_EQ(Result(R"({"When":1795325140.25})"), "<When>2026-11-22T05:25:40.250Z</When>");
  EXPECT_EQ(Result(R"({"When":0})"), "<When>1970-01-01T00:00:00Z</When>");
  EXPECT_THAT(Result(R"({"When":1e300})"), HasSubstr("error: "));
  EXPECT_THAT(Result(R"({"When":"2026-11-22"})"), HasSubstr("error: "));
}

TEST(EncodeResponseTest, ListsAreMemberElements) {
  EXPECT_EQ(Result(R"({"Names":["a","b"],"Tags":[{"Key":"k","Value":"v"},{"Key":"k2"}]})"),
            "<Names><member>a</member><member>b</member></Names>"
            "<Tags><member><Key>k</Key><Value>v</Value></member>"
            "<member><Key>k2</Key></member></Tags>");
  EXPECT_EQ(Result(R"({"Names":[]})"), "<Names></Names>");
}

TEST(EncodeResponseTest, MapsAreEntryElements) {
  EXPECT_EQ(Result(R"({"Attributes":{"a":"1","b&":"2<"},"Objects":{"o":{"Key":"k"}}})"),
            "<Attributes><entry><key>a</key><value>1</value></entry>"
            "<entry><key>b&amp;</key><value>2&lt;</value></entry></Attributes>"
            "<Objects><entry><key>o</key><value><Key>k</Key></value></entry></Objects>");
}

TEST(EncodeResponseTest, HonoursWireNamesAndFlattenedShapes) {
  EXPECT_EQ(Result(R"({"Renamed":"r","Items":["a"],"Named":{"k":"v"},"Flat":["x","y"],)"
                   R"("FlatAttributes":{"k":"v"}})"),
            "<Flat>x</Flat><Flat>y</Flat>"
            "<FlatAttributes><key>k</key><value>v</value></FlatAttributes>"
            "<Items><item>a</item></Items><OtherName>r</OtherName>"
            "<Named><entry><Name>k</Name><Val>v</Val></entry></Named>");
}

TEST(EncodeResponseTest, OutputThatDoesNotFitTheModelIsAnError) {
  EXPECT_EQ(Result(R"({"Count":"7"})"),
            "error: Everything: output member 'Count' is a JSON string, the model wants an "
            "integer");
  EXPECT_THAT(Result(R"({"Count":1.5})"), HasSubstr("error: "));
  EXPECT_THAT(Result(R"({"Names":"a"})"), HasSubstr("error: "));
  EXPECT_THAT(Result(R"({"Nested":[]})"), HasSubstr("error: "));
  EXPECT_THAT(Result(R"({"Flag":1})"), HasSubstr("error: "));
  EXPECT_THAT(Result("{"), HasSubstr("error: Everything: the output is not valid JSON"));
  EXPECT_THAT(Result("[]"), HasSubstr("error: "));
}

TEST(EncodeResponseTest, WipesTheJson) {
  const QueryOperation* op = testing::kModel.Find("Everything");
  ASSERT_NE(op, nullptr);
  std::string json = R"({"Password":"secret-value"})";
  auto xml = EncodeResponse(json, *op, ShapeNames(testing::kModel), "", "r");
  ASSERT_TRUE(xml.has_value());
  EXPECT_THAT(*xml, HasSubstr("<Password>secret-value</Password>"));
  EXPECT_EQ(json.find("secret"), std::string::npos);
  EXPECT_EQ(json, std::string(json.size(), '\0'));
}

TEST(EncodeResponseTest, StsAssumeRoleWithWebIdentity) {
  std::string xml = Encode(
      R"({"Credentials":{"AccessKeyId":"ASIAEXAMPLE","SecretAccessKey":"s/k","SessionToken":"t",)"
      R"("Expiration":1795325140},"SubjectFromWebIdentityToken":"system:serviceaccount:ns:sa",)"
      R"("AssumedRoleUser":{"AssumedRoleId":"AROAEXAMPLE:s1",)"
      R"("Arn":"arn:aws:sts::123456789012:assumed-role/eso/s1"},"PackedPolicySize":6,)"
      R"("Provider":"https://issuer","Audience":"sts.amazonaws.com"})",
      "AssumeRoleWithWebIdentity", StsModel());
  EXPECT_EQ(
      xml,
      "<AssumeRoleWithWebIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
      "<AssumeRoleWithWebIdentityResult><Credentials><AccessKeyId>ASIAEXAMPLE</AccessKeyId>"
      "<SecretAccessKey>s/k</SecretAccessKey><SessionToken>t</SessionToken>"
      "<Expiration>2026-11-22T05:25:40Z</Expiration></Credentials>"
      "<SubjectFromWebIdentityToken>system:serviceaccount:ns:sa"
      "</SubjectFromWebIdentityToken><AssumedRoleUser><AssumedRoleId>AROAEXAMPLE:s1"
      "</AssumedRoleId><Arn>arn:aws:sts::123456789012:assumed-role/eso/s1</Arn>"
      "</AssumedRoleUser><PackedPolicySize>6</PackedPolicySize>"
      "<Provider>https://issuer</Provider><Audience>sts.amazonaws.com</Audience>"
      "</AssumeRoleWithWebIdentityResult>"
      "<ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata>"
      "</AssumeRoleWithWebIdentityResponse>");
}

TEST(EncodeResponseTest, IamListUsers) {
  std::string xml =
      Encode(R"({"Users":[{"Path":"/","UserName":"alice","UserId":"AIDAEXAMPLE",)"
             R"("Arn":"arn:aws:iam::123456789012:user/alice","CreateDate":1795325140}],)"
             R"("IsTruncated":false})",
             "ListUsers", IamModel());
  EXPECT_THAT(xml, HasSubstr("<ListUsersResponse xmlns=\"https://iam.amazonaws.com/doc/"
                             "2010-05-08/\"><ListUsersResult><Users><member><Path>/</Path>"
                             "<UserName>alice</UserName><UserId>AIDAEXAMPLE</UserId>"));
  EXPECT_THAT(xml, HasSubstr("<CreateDate>2026-11-22T05:25:40Z</CreateDate></member></Users>"
                             "<IsTruncated>false</IsTruncated></ListUsersResult>"));
}

TEST(EncodeErrorTest, SenderAndReceiverErrors) {
  EXPECT_EQ(EncodeError({404, "NoSuchEntity", "The user with name <x> cannot be found.", false},
                        "https://iam.amazonaws.com/doc/2010-05-08/", "req-2"),
            "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><Error>"
            "<Type>Sender</Type><Code>NoSuchEntity</Code>"
            "<Message>The user with name &lt;x&gt; cannot be found.</Message></Error>"
            "<RequestId>req-2</RequestId></ErrorResponse>");
  EXPECT_EQ(EncodeError({503, "ServiceUnavailable", "down", false}, "", "r"),
            "<ErrorResponse><Error><Type>Receiver</Type><Code>ServiceUnavailable</Code>"
            "<Message>down</Message></Error><RequestId>r</RequestId></ErrorResponse>");
}

}  // namespace
}  // namespace coffer::api::aws_query
