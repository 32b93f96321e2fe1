#include "api/aws_json/cloudtrail_api.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <memory>
#include <string>

#include "api/aws_json/aws_json_protocol.h"
#include "api/aws_json/testing/fake_audit_reader.h"
#include "api/common/policy_document_parser.h"
#include "api/common/sigv4.h"
#include "api/common/sigv4_signer.h"
#include "base/metrics.h"
#include "base/testing/fake_clock.h"
#include "core/identity/authorizer.h"
#include "crypto/openssl/openssl_aead.h"
#include "crypto/openssl/openssl_hashes.h"
#include "crypto/openssl/openssl_random.h"
#include "storage/memory/memory_access_key_store.h"
#include "storage/memory/memory_iam_store.h"
#include "storage/memory/memory_key_store.h"

namespace coffer::api::aws_json {
namespace {

constexpr std::string_view kAccount = "123456789012";
constexpr std::string_view kRootKeyId = "AKIAROOTROOTROOTROOT";
constexpr std::string_view kRootSecret = "root-secret-access-key-000000000000000000";

// 2026-11-22T13:38:31Z plus `seconds`.
Timestamp At(int64_t seconds) { return FromUnixMillis((1'795'354'711 + seconds) * 1000); }

audit::LookupEvent Event(std::string id, std::string name, int64_t second, std::string user,
                         bool read_only = true) {
  audit::LookupEvent e;
  e.event_id = std::move(id);
  e.event_name = std::move(name);
  e.read_only = read_only ? "true" : "false";
  e.access_key_id = "AKIA" + user;
  e.event_time = At(second);
  e.event_source = "secretsmanager.amazonaws.com";
  e.username = std::move(user);
  e.resources.push_back(
      {"AWS::SecretsManager::Secret", "arn:aws:secretsmanager:us-east-1:123456789012:secret:db"});
  e.cloudtrail_event = R"({"eventVersion":"1.09","eventID":")" + e.event_id + R"("})";
  return e;
}

struct WireReply {
  int status = 0;
  std::string code;  // __type, empty on success
  std::string message;
  rapidjson::Document body;
};

class CloudTrailApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(ring_.Unseal(SecretBytes(32)).has_value());
    identity_.set_policy_parser(&parser_);
    ASSERT_TRUE(iam_.Load().has_value());
    auto root = std::make_shared<identity::Credential>();
    root->access_key_id = std::string(kRootKeyId);
    root->secret = SecretBytes::CopyFrom(kRootSecret);
    root->principal = identity_.RootPrincipal();
    root_ = std::move(root);
    protocol_.AddService(&api_);
    protocol_.set_authorizer(&authorizer_);

    reader_.Add(Event("e1", "GetSecretValue", 1, "alice"));
    reader_.Add(Event("e2", "PutSecretValue", 2, "bob", /*read_only=*/false));
    reader_.Add(Event("e3", "GetSecretValue", 3, "bob"));
  }

  // Sends `body` to `<target prefix>.<op>` through the whole awsJson1_1 stack, signed as root.
  WireReply Send(std::string_view op, std::string_view body,
                 std::string_view prefix = CloudTrailApi::kTargetPrefix) {
    http::Request r;
    r.method = "POST";
    r.target = "/";
    r.headers = {{"host", "localhost"},
                 {"content-type", "application/x-amz-json-1.1"},
                 {"x-amz-target", std::string(prefix) + "." + std::string(op)}};
    r.body = std::string(body);
    r.remote_address = "127.0.0.1";
    SigningCredentials creds{std::string(kRootKeyId), SecretBytes::CopyFrom(kRootSecret), ""};
    SigningOptions opts;
    opts.service = "cloudtrail";
    SignSigV4(r, creds, opts, clock_.Now(), hashes_);
    http::Response res = protocol_.Handle(r);
    WireReply out;
    out.status = res.status;
    out.body.Parse(res.body.data(), res.body.size());
    EXPECT_FALSE(out.body.HasParseError()) << res.body;
    if (res.status != 200 && out.body.IsObject()) {
      out.code = out.body["__type"].GetString();
      if (out.body.HasMember("Message")) out.message = out.body["Message"].GetString();
    }
    return out;
  }
  std::string ErrorCodeOf(std::string_view body) { return Send("LookupEvents", body).code; }

  // Runs LookupEvents directly as `who`, with policies enforced.
  Result<void> Run(std::string_view input, std::shared_ptr<const identity::Credential> who,
                   rapidjson::Document* out) {
    rapidjson::Document in;
    in.Parse(input.data(), input.size());
    EXPECT_FALSE(in.HasParseError()) << input;
    CallContext ctx;
    ctx.credential = std::move(who);
    ctx.operation = "LookupEvents";
    ctx.received = clock_.Now();
    ctx.authorizer = &authorizer_;
    Call call{ctx, JsonIn(&in), JsonOut()};
    COFFER_RETURN_IF_ERROR(api_.Invoke("LookupEvents", call));
    std::string json = call.out.Take();
    out->Parse(json.c_str());
    EXPECT_FALSE(out->HasParseError()) << json;
    return Ok();
  }

  std::shared_ptr<const identity::Credential> User(const std::string& name,
                                                   const std::string& policy) {
    EXPECT_TRUE(iam_.CreateUser(name, "/", {}).has_value());
    if (!policy.empty()) {
      EXPECT_TRUE(
          iam_.PutInlinePolicy(identity::IamService::Holder::kUser, name, "p", policy).has_value());
    }
    auto key = iam_.CreateAccessKey(name);
    EXPECT_TRUE(key.has_value());
    auto cred = identity_.FindCredential(key->record.access_key_id);
    EXPECT_TRUE(cred.has_value());
    return *cred;
  }

  static Result<audit::LookupQuery> Query(std::string_view json) {
    rapidjson::Document in;
    in.Parse(json.data(), json.size());
    EXPECT_FALSE(in.HasParseError()) << json;
    return CloudTrailApi::QueryFrom(JsonIn(&in));
  }

  storage::memory::MemoryKeyStore key_store_;
  storage::memory::MemoryAccessKeyStore access_keys_;
  storage::memory::MemoryIamStore iam_store_;
  crypto::OpensslAead aead_;
  crypto::OpensslHashes hashes_;
  crypto::OpensslRandom random_;
  coffer::testing::FakeClock clock_{At(100)};
  keys::KeyRing ring_{key_store_, aead_, random_, clock_};
  core::Account account_ = core::Account::Make(std::string(kAccount), "us-east-1");
  identity::IdentityService identity_{access_keys_, ring_, random_, clock_, account_};
  JsonPolicyParser parser_;
  identity::IamService iam_{iam_store_, identity_, parser_, random_, clock_, account_};
  identity::Authorizer authorizer_{iam_};
  std::shared_ptr<const identity::Credential> root_;
  SigV4Verifier verifier_{
      hashes_, clock_,
      [this](std::string_view id) -> Result<std::shared_ptr<const identity::Credential>> {
        if (id == kRootKeyId) return root_;
        return NotFoundError("unknown access key");
      }};
  metrics::Registry metrics_;
  AwsJsonProtocol protocol_{verifier_, random_, clock_, metrics_};
  FakeAuditReader reader_;
  CloudTrailApi api_{reader_};
};

TEST_F(CloudTrailApiTest, MapsEveryLookupAttributeKey) {
  const std::pair<const char*, audit::LookupKey> keys[] = {
      {"EventId", audit::LookupKey::kEventId},
      {"EventName", audit::LookupKey::kEventName},
      {"ReadOnly", audit::LookupKey::kReadOnly},
      {"Username", audit::LookupKey::kUsername},
      {"ResourceType", audit::LookupKey::kResourceType},
      {"ResourceName", audit::LookupKey::kResourceName},
      {"EventSource", audit::LookupKey::kEventSource},
      {"AccessKeyId", audit::LookupKey::kAccessKeyId},
  };
  for (const auto& [name, key] : keys) {
    std::string value = std::string(name) == "ReadOnly" ? "TRUE" : "v";
    auto q = Query(R"({"LookupAttributes":[{"AttributeKey":")" + std::string(name) +
                   R"(","AttributeValue":")" + value + R"("}]})");
    ASSERT_TRUE(q.has_value()) << name << ": " << q.error().message;
    ASSERT_EQ(q->attributes.size(), 1u);
    EXPECT_EQ(q->attributes[0].key, key) << name;
    // ReadOnly values are normalised to the lower case the reader compares with.
    EXPECT_EQ(q->attributes[0].value, std::string(name) == "ReadOnly" ? "true" : "v");
  }
}

TEST_F(CloudTrailApiTest, MapsTimesPagingAndDefaults) {
  auto q = Query(R"({"StartTime":1795354712,"EndTime":1795354713.25,"MaxResults":7,
                     "NextToken":"fake:3"})");
  ASSERT_TRUE(q.has_value()) << q.error().message;
  ASSERT_TRUE(q->start_time.has_value());
  EXPECT_EQ(*q->start_time, At(1));
  ASSERT_TRUE(q->end_time.has_value());
  EXPECT_EQ(ToUnixMillis(*q->end_time), ToUnixMillis(At(2)) + 250);
  EXPECT_EQ(q->max_results, 7);
  EXPECT_EQ(q->next_token, "fake:3");
  EXPECT_TRUE(q->attributes.empty());

  q = Query("{}");
  ASSERT_TRUE(q.has_value());
  EXPECT_FALSE(q->start_time.has_value());
  EXPECT_FALSE(q->end_time.has_value());
  EXPECT_EQ(q->max_results, 50);
  EXPECT_TRUE(q->next_token.empty());
  // Equal start and end times are a valid (one-instant) range.
  EXPECT_TRUE(Query(R"({"StartTime":5,"EndTime":5})").has_value());
}

TEST_F(CloudTrailApiTest, ReturnsEventsNewestFirstInCloudTrailsShape) {
  WireReply r = Send("LookupEvents", "{}");
  ASSERT_EQ(r.status, 200) << r.code << ": " << r.message;
  const auto& events = r.body["Events"];
  ASSERT_EQ(events.Size(), 3u);
  EXPECT_STREQ(events[0]["EventId"].GetString(), "e3");
  EXPECT_STREQ(events[2]["EventId"].GetString(), "e1");
  const auto& e = events[1];
  EXPECT_STREQ(e["EventName"].GetString(), "PutSecretValue");
  EXPECT_STREQ(e["ReadOnly"].GetString(), "false");
  EXPECT_STREQ(e["AccessKeyId"].GetString(), "AKIAbob");
  EXPECT_EQ(e["EventTime"].GetInt64(), ToUnixMillis(At(2)) / 1000);  // epoch seconds
  EXPECT_STREQ(e["EventSource"].GetString(), "secretsmanager.amazonaws.com");
  EXPECT_STREQ(e["Username"].GetString(), "bob");
  ASSERT_EQ(e["Resources"].Size(), 1u);
  EXPECT_STREQ(e["Resources"][0]["ResourceType"].GetString(), "AWS::SecretsManager::Secret");
  EXPECT_STREQ(e["Resources"][0]["ResourceName"].GetString(),
               "arn:aws:secretsmanager:us-east-1:123456789012:secret:db");
  // CloudTrailEvent is the stored record, as a JSON string.
  rapidjson::Document record;
  record.Parse(e["CloudTrailEvent"].GetString());
  ASSERT_FALSE(record.HasParseError());
  EXPECT_STREQ(record["eventID"].GetString(), "e2");
  EXPECT_FALSE(r.body.HasMember("NextToken"));
}

TEST_F(CloudTrailApiTest, PagesWithNextTokenAndFiltersByAttributeAndTime) {
  WireReply r = Send("LookupEvents", R"({"MaxResults":2})");
  ASSERT_EQ(r.status, 200);
  ASSERT_EQ(r.body["Events"].Size(), 2u);
  ASSERT_TRUE(r.body.HasMember("NextToken"));
  std::string token = r.body["NextToken"].GetString();
  r = Send("LookupEvents", R"({"MaxResults":2,"NextToken":")" + token + R"("})");
  ASSERT_EQ(r.status, 200);
  ASSERT_EQ(r.body["Events"].Size(), 1u);
  EXPECT_STREQ(r.body["Events"][0]["EventId"].GetString(), "e1");
  EXPECT_FALSE(r.body.HasMember("NextToken"));

  r = Send("LookupEvents",
           R"({"LookupAttributes":[{"AttributeKey":"Username","AttributeValue":"bob"}],
               "EndTime":)" +
               std::to_string(ToUnixMillis(At(2)) / 1000) + "}");
  ASSERT_EQ(r.status, 200);
  ASSERT_EQ(r.body["Events"].Size(), 1u);
  EXPECT_STREQ(r.body["Events"][0]["EventId"].GetString(), "e2");
  auto q = reader_.last_query();
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(q->max_results, 50);
  ASSERT_TRUE(q->end_time.has_value());
  EXPECT_EQ(*q->end_time, At(2));
}

TEST_F(CloudTrailApiTest, RefusesBadLookupAttributesWithCloudTrailsCode) {
  EXPECT_EQ(ErrorCodeOf(R"({"LookupAttributes":[
                {"AttributeKey":"Username","AttributeValue":"bob"},
                {"AttributeKey":"EventName","AttributeValue":"GetSecretValue"}]})"),
            "InvalidLookupAttributesException");
  EXPECT_EQ(ErrorCodeOf(R"({"LookupAttributes":[{"AttributeKey":"Colour","AttributeValue":"x"}]})"),
            "InvalidLookupAttributesException");
  EXPECT_EQ(
      ErrorCodeOf(R"({"LookupAttributes":[{"AttributeKey":"ReadOnly","AttributeValue":"yes"}]})"),
      "InvalidLookupAttributesException");
  EXPECT_EQ(
      ErrorCodeOf(R"({"LookupAttributes":[{"AttributeKey":"Username","AttributeValue":""}]})"),
      "InvalidLookupAttributesException");
  EXPECT_EQ(ErrorCodeOf(R"({"LookupAttributes":[{"AttributeValue":"bob"}]})"),
            "InvalidLookupAttributesException");
  // 2000 characters pass; '_' counts twice, so 1001 of them do not.
  std::string ok(2000, 'a');
  EXPECT_EQ(ErrorCodeOf(R"({"LookupAttributes":[{"AttributeKey":"Username","AttributeValue":")" +
                        ok + R"("}]})"),
            "");
  std::string underscores(1001, '_');
  EXPECT_EQ(ErrorCodeOf(R"({"LookupAttributes":[{"AttributeKey":"Username","AttributeValue":")" +
                        underscores + R"("}]})"),
            "InvalidLookupAttributesException");
  // No reader call was made for a refused query.
  reader_.FailWith(InternalError("must not be reached"));
  EXPECT_EQ(ErrorCodeOf(R"({"LookupAttributes":[{"AttributeKey":"Colour","AttributeValue":"x"}]})"),
            "InvalidLookupAttributesException");
}

TEST_F(CloudTrailApiTest, RefusesBadTimesCountsAndCategories) {
  WireReply r = Send("LookupEvents", R"({"StartTime":1795354713,"EndTime":1795354712})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.code, "InvalidTimeRangeException");
  EXPECT_FALSE(r.message.empty());
  EXPECT_EQ(ErrorCodeOf(R"({"StartTime":-1})"), "InvalidTimeRangeException");
  EXPECT_EQ(ErrorCodeOf(R"({"EndTime":1e300})"), "InvalidTimeRangeException");
  EXPECT_EQ(ErrorCodeOf(R"({"MaxResults":0})"), "InvalidMaxResultsException");
  EXPECT_EQ(ErrorCodeOf(R"({"MaxResults":51})"), "InvalidMaxResultsException");
  EXPECT_EQ(ErrorCodeOf(R"({"MaxResults":50})"), "");
  EXPECT_EQ(ErrorCodeOf(R"({"MaxResults":1})"), "");
  EXPECT_EQ(ErrorCodeOf(R"({"EventCategory":"data"})"), "InvalidEventCategoryException");
  EXPECT_EQ(ErrorCodeOf(R"({"EventCategory":"insight"})"), "UnsupportedOperationException");
  // JSON types are still the model's.
  EXPECT_EQ(ErrorCodeOf(R"({"MaxResults":"5"})"), "SerializationException");
  EXPECT_EQ(ErrorCodeOf(R"({"StartTime":"yesterday"})"), "SerializationException");
  EXPECT_EQ(ErrorCodeOf(R"({"LookupAttributes":{"AttributeKey":"Username"}})"),
            "SerializationException");
}

TEST_F(CloudTrailApiTest, ReaderErrorsBecomeCloudTrailErrors) {
  WireReply r = Send("LookupEvents", R"({"NextToken":"garbage"})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.code, "InvalidNextTokenException");
  reader_.FailWith(UnavailableError("disk gone at /var/lib/coffer/audit"));
  r = Send("LookupEvents", "{}");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.code, "ServiceUnavailable");
  EXPECT_EQ(r.message.find("/var/lib"), std::string::npos) << r.message;  // no paths leak
  reader_.FailWith(InternalError("bad line in audit-00000000000000000001.jsonl"));
  r = Send("LookupEvents", "{}");
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.message.find("jsonl"), std::string::npos) << r.message;
}

TEST_F(CloudTrailApiTest, OtherOperationsAreRoutedButNotImplemented) {
  EXPECT_GT(api_.operations().size(), 50u);  // the whole model
  EXPECT_FALSE(api_.Implements("DescribeTrails"));
  EXPECT_TRUE(api_.Implements("LookupEvents"));
  WireReply r = Send("DescribeTrails", "{}");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.code, "UnknownOperationException");
  EXPECT_NE(r.message.find("does not implement"), std::string::npos) << r.message;
  // Lookups read files: never on an I/O thread.
  EXPECT_TRUE(api_.MayBlock("LookupEvents"));
  EXPECT_FALSE(api_.Deferrable("LookupEvents"));
}

TEST_F(CloudTrailApiTest, CallersNeedLookupEventsPermission) {
  rapidjson::Document out;
  ASSERT_TRUE(Run("{}", root_, &out).has_value());
  EXPECT_EQ(out["Events"].Size(), 3u);

  auto alice = User("alice", R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow",
      "Action":"secretsmanager:*","Resource":"*"}]})");
  auto r = Run("{}", alice, &out);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kPermissionDenied);
  ApiError wire = api_.MapError(r.error());
  EXPECT_EQ(wire.code, "AccessDeniedException");
  EXPECT_NE(wire.message.find("cloudtrail:LookupEvents"), std::string::npos) << wire.message;

  auto bob = User("bob", R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow",
      "Action":"cloudtrail:LookupEvents","Resource":"*"}]})");
  r = Run(R"({"LookupAttributes":[{"AttributeKey":"Username","AttributeValue":"alice"}]})", bob,
          &out);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  ASSERT_EQ(out["Events"].Size(), 1u);
  EXPECT_STREQ(out["Events"][0]["EventId"].GetString(), "e1");
}

}  // namespace
}  // namespace coffer::api::aws_json
