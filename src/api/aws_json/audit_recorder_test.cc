#include "api/aws_json/audit_recorder.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <memory>
#include <string>
#include <vector>

#include "crypto/testing/fake_random.h"

namespace coffer::api::aws_json {
namespace {

// The audit log as a test sees it: events appended, and a switch to fail them.
class RecordingAuditLog final : public audit::AuditLog {
 public:
  void Append(audit::Event event, Done done) override {
    events.push_back(std::move(event));
    done(fail ? Result<void>(UnavailableError("disk full")) : Ok());
  }
  Result<void> AppendAndWait(audit::Event event) override {
    events.push_back(std::move(event));
    return fail ? Result<void>(UnavailableError("disk full")) : Ok();
  }
  bool Accepting() const override { return !fail; }

  std::vector<audit::Event> events;
  bool fail = false;
};

// A model fragment: {"SecretId": string, "SecretString": sensitive string, "Blob": blob,
// "Context": map<string, string>, "Tags": [{"Key","Value"}]}.
const Shape kString = {.type = Type::kString, .name = "String"};
const Shape kSensitiveString = {.type = Type::kString, .name = "Secret", .sensitive = true};
const Shape kBlob = {.type = Type::kBlob, .name = "Blob"};
const Shape kMap = {.type = Type::kMap, .name = "Map", .key = &kString, .value = &kString};
const Member kTagMembers[] = {{"Key", &kString, true, false}, {"Value", &kString, true, false}};
const Shape kTag = {
    .type = Type::kStructure, .name = "Tag", .members = kTagMembers, .member_count = 2};
const Shape kTags = {.type = Type::kList, .name = "Tags", .element = &kTag};
const Member kMembers[] = {
    {"SecretId", &kString, true, false}, {"SecretString", &kSensitiveString, false, false},
    {"Blob", &kBlob, false, false},      {"Context", &kMap, false, false},
    {"Tags", &kTags, false, false},      {"Note", &kString, false, true}};
const Shape kInput = {
    .type = Type::kStructure, .name = "Input", .members = kMembers, .member_count = 6};

rapidjson::Document Parse(const std::string& text) {
  rapidjson::Document d;
  d.Parse(text.c_str());
  EXPECT_FALSE(d.HasParseError()) << text;
  return d;
}

TEST(AuditRequestParametersTest, HidesSensitiveMembersAndBlobsAndUsesCamelCase) {
  rapidjson::Document in =
      Parse(R"({"SecretId":"db","SecretString":"hunter2","Blob":"aGk=","Context":{"Team":"x"},)"
            R"("Tags":[{"Key":"k","Value":"v"}],"Note":"private"})");
  std::string out = AuditRequestParameters(in, &kInput);
  EXPECT_EQ(out, R"({"secretId":"db","secretString":"HIDDEN_DUE_TO_SECURITY_REASONS",)"
                 R"("blob":"HIDDEN_DUE_TO_SECURITY_REASONS","context":{"Team":"x"},)"
                 R"("tags":[{"key":"k","value":"v"}],"note":"HIDDEN_DUE_TO_SECURITY_REASONS"})");
  EXPECT_EQ(out.find("hunter2"), std::string::npos);
  EXPECT_EQ(out.find("private"), std::string::npos);
}

TEST(AuditRequestParametersTest, HidesSecretNamesEvenWithoutAModel) {
  rapidjson::Document in =
      Parse(R"({"Plaintext":"cGxhaW4=","Password":"p","Nested":{"SessionToken":"t"}})");
  std::string out = AuditRequestParameters(in, nullptr);
  EXPECT_EQ(out.find("cGxhaW4="), std::string::npos);
  EXPECT_EQ(out.find("\"p\""), std::string::npos);
  EXPECT_EQ(out.find("\"t\""), std::string::npos);
}

TEST(AuditRequestParametersTest, EmptyInputRecordsNull) {
  rapidjson::Document in = Parse("{}");
  EXPECT_EQ(AuditRequestParameters(in, &kInput), "");
}

TEST(AuditResponseElementsTest, DropsSecretMaterialFromAnswers) {
  std::string out =
      AuditResponseElements(R"({"AccessKey":{"AccessKeyId":"AKIA1","SecretAccessKey":"s3cr3t"},)"
                            R"("Credentials":{"SessionToken":"tok","Expiration":1}})");
  EXPECT_NE(out.find("\"accessKeyId\":\"AKIA1\""), std::string::npos) << out;
  EXPECT_EQ(out.find("s3cr3t"), std::string::npos);
  EXPECT_EQ(out.find("tok"), std::string::npos);
  EXPECT_EQ(AuditResponseElements("{}"), "");
  EXPECT_EQ(AuditResponseElements("not json"), "");
}

TEST(AuditRecorderTest, ReadOnlyFollowsCloudTrail) {
  for (const char* op :
       {"GetSecretValue", "ListSecrets", "DescribeKey", "BatchGetSecretValue", "Decrypt", "Encrypt",
        "GenerateDataKey", "ReEncrypt", "Sign", "LookupEvents", "ValidateResourcePolicy"}) {
    EXPECT_TRUE(AuditRecorder::IsReadOnly(op)) << op;
  }
  for (const char* op : {"CreateSecret", "PutSecretValue", "DeleteSecret", "ScheduleKeyDeletion",
                         "PutParameter", "AssumeRole", "TagResource"}) {
    EXPECT_FALSE(AuditRecorder::IsReadOnly(op)) << op;
  }
}

TEST(AuditIdentityTest, DescribesEachKindOfCaller) {
  identity::Credential root;
  root.access_key_id = "AKIAROOT";
  root.principal.type = identity::PrincipalType::kRoot;
  root.principal.arn = "arn:aws:iam::123456789012:root";
  root.principal.principal_id = "123456789012";
  root.principal.account_id = "123456789012";
  audit::UserIdentity u = AuditIdentity(&root);
  EXPECT_EQ(u.type, "Root");
  EXPECT_EQ(u.access_key_id, "AKIAROOT");
  EXPECT_FALSE(u.has_session_context);

  identity::Credential session;
  session.access_key_id = "ASIAX";
  session.session_token = "token";
  session.principal.type = identity::PrincipalType::kAssumedRole;
  session.principal.arn = "arn:aws:sts::123456789012:assumed-role/app/pod";
  session.principal.principal_id = "AROAEXAMPLE:pod";
  session.principal.account_id = "123456789012";
  session.principal.role_arn = "arn:aws:iam::123456789012:role/app";
  session.principal.role_name = "app";
  session.principal.federated_provider = "arn:aws:iam::123456789012:oidc-provider/issuer.example";
  u = AuditIdentity(&session);
  EXPECT_EQ(u.type, "AssumedRole");
  EXPECT_TRUE(u.has_session_context);
  EXPECT_EQ(u.session_issuer_type, "Role");
  EXPECT_EQ(u.session_issuer_principal_id, "AROAEXAMPLE");
  EXPECT_EQ(u.session_issuer_arn, "arn:aws:iam::123456789012:role/app");
  EXPECT_EQ(u.session_issuer_user_name, "app");
  EXPECT_EQ(u.web_id_federated_provider, session.principal.federated_provider);

  u = AuditIdentity(nullptr, "AKIACLAIMED");
  EXPECT_EQ(u.type, "Unknown");
  EXPECT_EQ(u.access_key_id, "AKIACLAIMED");
}

class AuditRecorderSealTest : public ::testing::Test {
 protected:
  AuditRecorderSealTest() : recorder_(log_, random_, "123456789012", "us-east-1") {
    ctx_.request_id = "11111111-2222-4333-8444-555555555555";
    ctx_.http = &request_;
    request_.remote_address = "10.1.2.3";
    request_.headers.push_back({"user-agent", "test-agent"});
  }

  AuditedCall Call(std::string_view service, std::string_view op) {
    AuditedCall c;
    c.service = service;
    c.operation = op;
    c.ctx = &ctx_;
    return c;
  }

  // Runs the response's await as the HTTP layer would; returns what would be sent.
  static http::Response Deliver(http::Response r, bool* confirmed) {
    if (!r.await) return r;
    auto await = std::move(r.await);
    await([confirmed](bool c) { *confirmed = c; });
    if (r.substitute && r.substitute->status != 0) return *r.substitute;
    return r;
  }

  static http::Response Unavailable(std::string_view) {
    http::Response r;
    r.status = 503;
    r.body = "refused";
    return r;
  }

  RecordingAuditLog log_;
  crypto::testing::FakeRandom random_;
  AuditRecorder recorder_;
  http::Request request_;
  CallContext ctx_;
};

TEST_F(AuditRecorderSealTest, HoldsTheAnswerUntilItsEventIsWritten) {
  http::Response ok;
  ok.status = 200;
  ok.body = "secret value";
  http::Response sealed = recorder_.Seal(recorder_.Build(Call("secretsmanager", "GetSecretValue")),
                                         std::move(ok), Unavailable);
  EXPECT_TRUE(log_.events.empty());  // appended only when the HTTP layer awaits
  bool confirmed = false;
  http::Response sent = Deliver(std::move(sealed), &confirmed);
  EXPECT_TRUE(confirmed);
  EXPECT_EQ(sent.status, 200);
  ASSERT_EQ(log_.events.size(), 1u);
  const audit::Event& e = log_.events[0];
  EXPECT_EQ(e.event_source, "secretsmanager.amazonaws.com");
  EXPECT_EQ(e.event_name, "GetSecretValue");
  EXPECT_EQ(e.source_ip_address, "10.1.2.3");
  EXPECT_EQ(e.user_agent, "test-agent");
  EXPECT_EQ(e.request_id, ctx_.request_id);
  EXPECT_TRUE(e.read_only);
  EXPECT_EQ(e.recipient_account_id, "123456789012");
  EXPECT_EQ(e.aws_region, "us-east-1");
}

TEST_F(AuditRecorderSealTest, AnEventThatCannotBeWrittenReplacesTheAnswer) {
  log_.fail = true;
  http::Response ok;
  ok.status = 200;
  ok.body = "secret value";
  bool confirmed = false;
  http::Response sent =
      Deliver(recorder_.Seal(recorder_.Build(Call("secretsmanager", "GetSecretValue")),
                             std::move(ok), Unavailable),
              &confirmed);
  EXPECT_TRUE(confirmed);
  EXPECT_EQ(sent.status, 503);
  EXPECT_EQ(sent.body, "refused");
}

TEST_F(AuditRecorderSealTest, AWriteThatMustRunAgainIsNotAuditedTwice) {
  http::Response provisional;
  provisional.status = 200;
  provisional.await = [](std::function<void(bool)> confirm) { confirm(false); };
  bool confirmed = true;
  Deliver(recorder_.Seal(recorder_.Build(Call("secretsmanager", "PutSecretValue")),
                         std::move(provisional), Unavailable),
          &confirmed);
  EXPECT_FALSE(confirmed);
  EXPECT_TRUE(log_.events.empty());

  http::Response committed;
  committed.status = 200;
  committed.await = [](std::function<void(bool)> confirm) { confirm(true); };
  Deliver(recorder_.Seal(recorder_.Build(Call("secretsmanager", "PutSecretValue")),
                         std::move(committed), Unavailable),
          &confirmed);
  EXPECT_TRUE(confirmed);
  EXPECT_EQ(log_.events.size(), 1u);
}

TEST_F(AuditRecorderSealTest, ResourcesComeFromTheAnswerOrTheRequest) {
  AuditedCall c = Call("secretsmanager", "DescribeSecret");
  c.output =
      R"({"ARN":"arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf","Name":"db"})";
  audit::Event e = recorder_.Build(c);
  ASSERT_EQ(e.resources.size(), 1u);
  EXPECT_EQ(e.resources[0].arn, "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf");
  EXPECT_EQ(e.resources[0].type, "AWS::SecretsManager::Secret");

  rapidjson::Document in = Parse(R"({"Name":"/app/db"})");
  AuditedCall p = Call("ssm", "GetParameter");
  p.input = &in;
  e = recorder_.Build(p);
  ASSERT_EQ(e.resources.size(), 1u);
  EXPECT_EQ(e.resources[0].arn, "arn:aws:ssm:us-east-1:123456789012:parameter/app/db");

  rapidjson::Document key = Parse(R"({"KeyId":"alias/app"})");
  AuditedCall k = Call("kms", "Encrypt");
  k.input = &key;
  ApiError denied{400, "AccessDeniedException", "no", false};
  k.error = &denied;
  e = recorder_.Build(k);
  ASSERT_EQ(e.resources.size(), 1u);
  EXPECT_EQ(e.resources[0].arn, "arn:aws:kms:us-east-1:123456789012:alias/app");
  EXPECT_EQ(e.error_code, "AccessDeniedException");
  EXPECT_TRUE(e.response_elements.empty());
}

}  // namespace
}  // namespace coffer::api::aws_json
