#include "audit_trail/event_codec.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "audit_trail/testing/ecdsa_test_signer.h"
#include "audit_trail/testing/sample_events.h"
#include "base/encoding.h"
#include "crypto/openssl/openssl_hashes.h"

namespace coffer::audit_trail {
namespace {

using testing::SampleEvent;

const Timestamp kTime = *ParseIso8601("2026-11-22T13:38:31.456Z");

std::string Hash(char c) { return std::string(64, c); }

rapidjson::Document Parse(const std::string& line) {
  rapidjson::Document d;
  d.Parse(line.c_str(), line.size());
  EXPECT_FALSE(d.HasParseError()) << line;
  return d;
}

std::vector<std::string> Keys(const rapidjson::Value& v) {
  std::vector<std::string> keys;
  for (const auto& m : v.GetObject()) keys.emplace_back(m.name.GetString());
  return keys;
}

TEST(EventCodecTest, EncodesCloudTrailShapeInOrder) {
  const std::string line = EncodeEvent(SampleEvent(1, kTime), 7, Hash('a'));
  EXPECT_EQ(line.find('\n'), std::string::npos);
  rapidjson::Document d = Parse(line);
  EXPECT_EQ(
      Keys(d),
      (std::vector<std::string>{
          "eventVersion",       "userIdentity",     "eventTime",       "eventSource",
          "eventName",          "awsRegion",        "sourceIPAddress", "userAgent",
          "requestParameters",  "responseElements", "requestID",       "eventID",
          "readOnly",           "resources",        "eventType",       "managementEvent",
          "recipientAccountId", "eventCategory",    "cofferSequence",  "cofferPreviousHash"}));
  EXPECT_STREQ(d["eventVersion"].GetString(), "1.09");
  EXPECT_STREQ(d["eventTime"].GetString(), "2026-11-22T13:38:31Z");
  EXPECT_EQ(Keys(d["userIdentity"]),
            (std::vector<std::string>{"type", "principalId", "arn", "accountId", "accessKeyId",
                                      "userName"}));
  EXPECT_TRUE(d["responseElements"].IsNull());
  EXPECT_STREQ(d["requestParameters"]["secretId"].GetString(),
               "arn:aws:secretsmanager:us-east-1:111122223333:secret:db-1-AbCdEf");
  EXPECT_TRUE(d["readOnly"].GetBool());
  EXPECT_EQ(Keys(d["resources"][0]), (std::vector<std::string>{"accountId", "type", "ARN"}));
  EXPECT_STREQ(d["eventType"].GetString(), "AwsApiCall");
  EXPECT_STREQ(d["eventCategory"].GetString(), "Management");
  EXPECT_EQ(d["cofferSequence"].GetUint64(), 7u);
  EXPECT_EQ(d["cofferPreviousHash"].GetString(), Hash('a'));
}

TEST(EventCodecTest, ErrorsAndAdditionalDataOnlyWhenSet) {
  audit::Event e = SampleEvent(1, kTime);
  e.resources.clear();
  rapidjson::Document plain = Parse(EncodeEvent(e, 1, kZeroHash));
  EXPECT_FALSE(plain.HasMember("errorCode"));
  EXPECT_FALSE(plain.HasMember("errorMessage"));
  EXPECT_FALSE(plain.HasMember("additionalEventData"));
  EXPECT_FALSE(plain.HasMember("resources"));
  e.error_code = "AccessDenied";
  e.error_message = "User: alice is not authorized";
  e.additional_event_data = R"({"reason": "policy"})";
  rapidjson::Document d = Parse(EncodeEvent(e, 1, kZeroHash));
  EXPECT_STREQ(d["errorCode"].GetString(), "AccessDenied");
  EXPECT_STREQ(d["additionalEventData"]["reason"].GetString(), "policy");
}

TEST(EventCodecTest, AssumedRoleSessionContext) {
  audit::Event e = SampleEvent(1, kTime);
  audit::UserIdentity& u = e.user_identity;
  u = {};
  u.type = "AssumedRole";
  u.principal_id = "AROAEXAMPLE:pod-1";
  u.arn = "arn:aws:sts::111122223333:assumed-role/reader/pod-1";
  u.account_id = "111122223333";
  u.access_key_id = "ASIAEXAMPLE";
  u.has_session_context = true;
  u.session_issuer_type = "Role";
  u.session_issuer_principal_id = "AROAEXAMPLE";
  u.session_issuer_arn = "arn:aws:iam::111122223333:role/reader";
  u.session_issuer_account_id = "111122223333";
  u.session_issuer_user_name = "reader";
  u.web_id_federated_provider = "arn:aws:iam::111122223333:oidc-provider/k8s.example";
  u.session_creation_date = kTime;
  const std::string line = EncodeEvent(e, 1, kZeroHash);
  rapidjson::Document d = Parse(line);
  const rapidjson::Value& sc = d["userIdentity"]["sessionContext"];
  EXPECT_EQ(Keys(sc),
            (std::vector<std::string>{"sessionIssuer", "webIdFederationData", "attributes"}));
  EXPECT_STREQ(sc["sessionIssuer"]["userName"].GetString(), "reader");
  EXPECT_STREQ(sc["webIdFederationData"]["federatedProvider"].GetString(),
               "arn:aws:iam::111122223333:oidc-provider/k8s.example");
  EXPECT_TRUE(sc["webIdFederationData"]["attributes"].IsObject());
  EXPECT_STREQ(sc["attributes"]["creationDate"].GetString(), "2026-11-22T13:38:31Z");
  EXPECT_STREQ(sc["attributes"]["mfaAuthenticated"].GetString(), "false");
  EXPECT_FALSE(d["userIdentity"].HasMember("userName"));

  Result<TrailLine> decoded = DecodeLine(line);
  ASSERT_TRUE(decoded.has_value()) << decoded.error().message;
  EXPECT_EQ(decoded->event().username, "pod-1");
  EXPECT_EQ(decoded->event().access_key_id, "ASIAEXAMPLE");
}

TEST(EventCodecTest, NonObjectJsonBecomesNullAndIsCounted) {
  audit::Event e = SampleEvent(1, kTime);
  e.request_parameters = R"({"a": 1)";  // truncated
  e.response_elements = "[1,2]";        // not an object
  e.additional_event_data = "nope";
  int invalid = 0;
  rapidjson::Document d = Parse(EncodeEvent(e, 1, kZeroHash, &invalid));
  EXPECT_EQ(invalid, 3);
  EXPECT_TRUE(d["requestParameters"].IsNull());
  EXPECT_TRUE(d["responseElements"].IsNull());
  EXPECT_FALSE(d.HasMember("additionalEventData"));
}

TEST(EventCodecTest, ObjectsAreCompactedToOneLineKeepingNumbers) {
  audit::Event e = SampleEvent(1, kTime);
  e.request_parameters =
      "{\n  \"n\": 1.50e2,\n  \"s\": \"a\\u0000b\\n\",\n  \"l\": [true, null]\n}";
  int invalid = 0;
  const std::string line = EncodeEvent(e, 1, kZeroHash, &invalid);
  EXPECT_EQ(invalid, 0);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_NE(line.find(R"("requestParameters":{"n":1.50e2,"s":"a\u0000b\n","l":[true,null]})"),
            std::string::npos)
      << line;
}

TEST(EventCodecTest, OneLineObjectsAreInsertedAsIs) {
  audit::Event e = SampleEvent(1, kTime);
  e.request_parameters = R"({ "secretId" : "db", "n": 1.0 })";
  e.response_elements = std::string("{\"a\":1}\0{", 9);  // a NUL: not JSON
  int invalid = 0;
  const std::string line = EncodeEvent(e, 1, kZeroHash, &invalid);
  EXPECT_EQ(invalid, 1);
  EXPECT_NE(line.find(R"("requestParameters":{ "secretId" : "db", "n": 1.0 },)"
                      R"("responseElements":null)"),
            std::string::npos)
      << line;
}

TEST(EventCodecTest, InvalidUtf8AndControlCharactersStayValidJson) {
  audit::Event e = SampleEvent(1, kTime);
  e.user_agent = std::string("bad\xff\xc3(\"quote\"\x01\n", 15);
  e.request_parameters = "{\"s\":\"\xff\"}";  // invalid UTF-8 inside an object
  int invalid = 0;
  const std::string line = EncodeEvent(e, 1, kZeroHash, &invalid);
  EXPECT_EQ(invalid, 1);
  rapidjson::Document d;
  d.Parse<rapidjson::kParseValidateEncodingFlag>(line.c_str(), line.size());
  ASSERT_FALSE(d.HasParseError());
  EXPECT_EQ(std::string(d["userAgent"].GetString()), "bad\xef\xbf\xbd\xef\xbf\xbd(\"quote\"\x01\n");
}

TEST(EventCodecTest, DecodeRoundTripsLookupFields) {
  const std::string line = EncodeEvent(SampleEvent(3, kTime), 42, Hash('b'));
  Result<TrailLine> r = DecodeLine(line);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  ASSERT_FALSE(r->is_digest());
  const EventRecord& e = r->event();
  EXPECT_EQ(e.sequence, 42u);
  EXPECT_EQ(e.previous_hash, Hash('b'));
  EXPECT_EQ(e.event_id, "event-3");
  EXPECT_EQ(e.event_name, "GetSecretValue");
  EXPECT_TRUE(e.read_only);
  EXPECT_EQ(e.access_key_id, "AKIAEXAMPLE");
  EXPECT_EQ(e.event_time, *ParseIso8601("2026-11-22T13:38:31Z"));
  EXPECT_EQ(e.event_source, "secretsmanager.amazonaws.com");
  EXPECT_EQ(e.username, "alice");
  ASSERT_EQ(e.resources.size(), 1u);
  EXPECT_EQ(e.resources[0].type, "AWS::SecretsManager::Secret");
  EXPECT_EQ(e.raw, line);
}

TEST(EventCodecTest, UsernameByIdentityType) {
  audit::Event e = SampleEvent(1, kTime);
  e.user_identity.type = "Root";
  EXPECT_EQ(DecodeLine(EncodeEvent(e, 1, kZeroHash))->event().username, "root");
  e.user_identity.type = "Unknown";
  e.user_identity.principal_id = "anonymous";
  EXPECT_EQ(DecodeLine(EncodeEvent(e, 1, kZeroHash))->event().username, "anonymous");
}

TEST(EventCodecTest, LineHashIsSha256OfTheLine) {
  crypto::OpensslHashes hashes;
  EXPECT_EQ(LineHash(hashes, "abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(EventCodecTest, DecodeRejectsMalformedLines) {
  const std::string good = EncodeEvent(SampleEvent(1, kTime), 1, kZeroHash);
  for (const std::string& bad : {
           std::string(""),
           std::string("null"),
           std::string("[]"),
           std::string("{"),
           good.substr(0, good.size() - 1),
           std::string(R"({"cofferSequence":0,"cofferPreviousHash":")") + Hash('0') + "\"}",
           std::string(R"({"cofferSequence":1,"cofferPreviousHash":"xyz"})"),
           // Upper-case hex is not what the writer produces.
           std::string(R"({"eventTime":"2026-11-22T13:38:31Z","cofferSequence":1,)"
                       R"("cofferPreviousHash":")") +
               Hash('A') + "\"}",
           good + "\n",
           good + "garbage",
       }) {
    EXPECT_FALSE(DecodeLine(bad).has_value()) << bad;
  }
}

TEST(DigestTest, EncodeDecodeAndSigningText) {
  testing::EcdsaTestSigner signer;
  DigestRecord d;
  d.first_sequence = 1;
  d.last_sequence = 1000;
  d.last_event_hash = Hash('c');
  d.previous_digest_hash = std::string(kZeroHash);
  d.digest_time = *ParseIso8601("2026-11-22T13:38:31Z");
  d.key_arn = signer.key_arn();
  d.signing_algorithm = signer.algorithm();
  const std::string text = DigestSigningText(d);
  EXPECT_EQ(text,
            "coffer-audit-digest\nversion=1\nfirstSequence=1\nlastSequence=1000\n"
            "lastEventHash=" +
                Hash('c') + "\npreviousDigestHash=" + std::string(kZeroHash) +
                "\ndigestTime=2026-11-22T13:38:31Z\nkeyArn=" + signer.key_arn() +
                "\nsigningAlgorithm=ECDSA_SHA_256");
  d.signature = *signer.Sign(text);
  const std::string line = EncodeDigest(d);
  EXPECT_EQ(line.rfind(R"({"cofferDigest":{"version":1,"firstSequence":1,"lastSequence":1000,)", 0),
            0u);
  Result<TrailLine> r = DecodeLine(line);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  ASSERT_TRUE(r->is_digest());
  EXPECT_EQ(DigestSigningText(r->digest()), text);
  EXPECT_EQ(r->digest().signature, d.signature);

  auto verifier = signer.Verifier();
  EXPECT_TRUE(*verifier->Verify(text, d.signature));
  EXPECT_FALSE(*verifier->Verify(text + "x", d.signature));
  std::string flipped = d.signature;
  flipped[flipped.size() / 2] ^= 1;
  EXPECT_FALSE(*verifier->Verify(text, flipped));
}

TEST(DigestTest, VerifierAcceptsPemAndRejectsGarbage) {
  testing::EcdsaTestSigner signer;
  const std::string der = signer.PublicKeyDer();
  std::string pem = "-----BEGIN PUBLIC KEY-----\n";
  const std::string b64 = Base64Encode(der);
  for (size_t i = 0; i < b64.size(); i += 64) pem += b64.substr(i, 64) + "\n";
  pem += "-----END PUBLIC KEY-----\n";
  auto v = PublicKeyDigestVerifier::Create(pem, signer.asymmetric());
  ASSERT_TRUE(v.has_value()) << v.error().message;
  const std::string sig = *signer.Sign("message");
  EXPECT_TRUE(*(*v)->Verify("message", sig));
  EXPECT_EQ(PublicKeyDigestVerifier::Create("not a key", signer.asymmetric()).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(PublicKeyDigestVerifier::Create(
                "-----BEGIN PUBLIC KEY-----\n!!\n-----END PUBLIC KEY-----", signer.asymmetric())
                .error()
                .code,
            ErrorCode::kInvalidArgument);
}

TEST(DigestTest, DecodeRejectsControlCharactersInSignedStrings) {
  DigestRecord d;
  d.first_sequence = 1;
  d.last_sequence = 2;
  d.last_event_hash = Hash('c');
  d.previous_digest_hash = std::string(kZeroHash);
  d.key_arn = "arn\nsigningAlgorithm=X";
  d.signing_algorithm = "ECDSA_SHA_256";
  EXPECT_FALSE(DecodeLine(EncodeDigest(d)).has_value());
}

}  // namespace
}  // namespace coffer::audit_trail
