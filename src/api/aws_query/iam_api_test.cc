#include "api/aws_query/iam_api.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <memory>
#include <string>

#include "api/common/policy_document_parser.h"
#include "base/encoding.h"
#include "base/testing/fake_clock.h"
#include "core/identity/authorizer.h"
#include "crypto/openssl/openssl_aead.h"
#include "crypto/openssl/openssl_random.h"
#include "storage/memory/memory_access_key_store.h"
#include "storage/memory/memory_iam_store.h"
#include "storage/memory/memory_key_store.h"

namespace coffer::api::aws_query {
namespace {

constexpr std::string_view kAccount = "123456789012";

std::string Allow(std::string_view action, std::string_view resource) {
  return R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":")" +
         std::string(action) + R"(","Resource":")" + std::string(resource) + R"("}]})";
}

class IamApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(ring_.Unseal(SecretBytes(32)).has_value());
    identity_.set_policy_parser(&parser_);
    ASSERT_TRUE(iam_.Load().has_value());
    root_ = std::make_shared<identity::Credential>();
    root_->principal = identity_.RootPrincipal();
  }

  // Runs `op` with `input` (a JSON object) as `who`; on success `out` holds the output.
  Result<void> Run(std::string_view op, std::string_view input,
                   std::shared_ptr<const identity::Credential> who, rapidjson::Document* out) {
    rapidjson::Document in;
    in.Parse(input.data(), input.size());
    EXPECT_FALSE(in.HasParseError()) << input;
    aws_json::CallContext ctx;
    ctx.credential = std::move(who);
    ctx.operation = op;
    aws_json::Call call{ctx, aws_json::JsonIn(&in), aws_json::JsonOut()};
    COFFER_RETURN_IF_ERROR(api_.Invoke(op, call));
    std::string json = call.out.empty() ? std::string("{}") : call.out.Take();
    out->Parse(json.c_str());
    EXPECT_FALSE(out->HasParseError()) << json;
    return Ok();
  }
  rapidjson::Document RootCall(std::string_view op, std::string_view input) {
    rapidjson::Document out;
    auto r = Run(op, input, root_, &out);
    EXPECT_TRUE(r.has_value()) << op << ": " << r.error().message;
    return out;
  }
  Error RootError(std::string_view op, std::string_view input) {
    rapidjson::Document out;
    auto r = Run(op, input, root_, &out);
    EXPECT_FALSE(r.has_value()) << op << " succeeded";
    return r.has_value() ? Error() : r.error();
  }
  ApiError WireError(std::string_view op, std::string_view input) {
    return api_.MapError(RootError(op, input));
  }

  // A user with an inline policy (when `policy` is not empty) and its opened credential.
  std::shared_ptr<const identity::Credential> User(const std::string& name,
                                                   const std::string& policy = "") {
    RootCall("CreateUser", R"({"UserName":")" + name + R"("})");
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

  storage::memory::MemoryKeyStore key_store_;
  storage::memory::MemoryAccessKeyStore access_keys_;
  storage::memory::MemoryIamStore iam_store_;
  crypto::OpensslAead aead_;
  crypto::OpensslRandom random_;
  coffer::testing::FakeClock clock_;
  keys::KeyRing ring_{key_store_, aead_, random_, clock_};
  core::Account account_ = core::Account::Make(std::string(kAccount), "us-east-1");
  identity::IdentityService identity_{access_keys_, ring_, random_, clock_, account_};
  JsonPolicyParser parser_;
  identity::IamService iam_{iam_store_, identity_, parser_, random_, clock_, account_};
  identity::Authorizer authorizer_{iam_};
  IamApi api_{iam_, authorizer_};
  std::shared_ptr<identity::Credential> root_;
};

TEST_F(IamApiTest, CreateUserReturnsIamsUserShape) {
  auto out = RootCall("CreateUser", R"({"UserName":"alice","Path":"/team/",
                                        "Tags":[{"Key":"k","Value":"v"}]})");
  const auto& u = out["User"];
  EXPECT_STREQ(u["UserName"].GetString(), "alice");
  EXPECT_STREQ(u["Path"].GetString(), "/team/");
  EXPECT_STREQ(u["Arn"].GetString(), "arn:aws:iam::123456789012:user/team/alice");
  EXPECT_TRUE(std::string(u["UserId"].GetString()).starts_with("AIDA"));
  EXPECT_TRUE(u["CreateDate"].IsNumber());
  EXPECT_STREQ(u["Tags"][0]["Key"].GetString(), "k");

  auto listed = RootCall("ListUsers", "{}");
  ASSERT_EQ(listed["Users"].Size(), 1u);
  EXPECT_FALSE(listed["Users"][0].HasMember("Tags"));  // as in IAM, lists leave tags out
  EXPECT_FALSE(listed["IsTruncated"].GetBool());
  EXPECT_FALSE(listed.HasMember("Marker"));
}

TEST_F(IamApiTest, PolicyDocumentsComeBackUrlEncoded) {
  RootCall("CreateUser", R"({"UserName":"alice"})");
  std::string doc = Allow("secretsmanager:GetSecretValue", "*");
  ASSERT_TRUE(
      iam_.PutInlinePolicy(identity::IamService::Holder::kUser, "alice", "Read", doc).has_value());
  auto out = RootCall("GetUserPolicy", R"({"UserName":"ALICE","PolicyName":"read"})");
  EXPECT_STREQ(out["UserName"].GetString(), "alice");
  EXPECT_STREQ(out["PolicyName"].GetString(), "Read");
  std::string wire = out["PolicyDocument"].GetString();
  EXPECT_TRUE(wire.starts_with("%7B%22Version%22%3A%222012-10-17%22")) << wire;
  EXPECT_EQ(wire.find_first_of("{}\":, +"), std::string::npos) << wire;
  EXPECT_EQ(UriDecode(wire).value_or(""), doc);

  RootCall("CreateRole", R"({"RoleName":"r","AssumeRolePolicyDocument":
      "{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"123456789012\"},\"Action\":\"sts:AssumeRole\"}]}"})");
  auto role = RootCall("GetRole", R"({"RoleName":"r"})");
  EXPECT_TRUE(std::string(role["Role"]["AssumeRolePolicyDocument"].GetString())
                  .starts_with("%7B%22Statement%22"));
  EXPECT_TRUE(role["Role"]["RoleLastUsed"].IsObject());
  EXPECT_EQ(role["Role"]["MaxSessionDuration"].GetInt64(), 3600);
}

TEST_F(IamApiTest, ListsPageWithAnOpaqueMarker) {
  for (const char* n : {"e", "B", "a", "d", "c"}) {
    RootCall("CreateUser", std::string(R"({"UserName":")") + n + R"("})");
  }
  std::vector<std::string> seen;
  std::string marker;
  int pages = 0;
  for (;;) {
    std::string in = R"({"MaxItems":2)" +
                     (marker.empty() ? std::string() : R"(,"Marker":")" + marker + "\"") + "}";
    auto out = RootCall("ListUsers", in);
    ++pages;
    for (const auto& u : out["Users"].GetArray()) seen.emplace_back(u["UserName"].GetString());
    if (!out["IsTruncated"].GetBool()) {
      EXPECT_FALSE(out.HasMember("Marker"));
      break;
    }
    marker = out["Marker"].GetString();
    ASSERT_LT(pages, 10);
  }
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen, (std::vector<std::string>{"a", "B", "c", "d", "e"}));

  ApiError bad = WireError("ListUsers", R"({"Marker":"not base64!"})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.code, "InvalidInput");
}

TEST_F(IamApiTest, PolicyVersionsSortNumerically) {
  std::string doc = Allow("kms:Decrypt", "*");
  auto created = iam_.CreatePolicy("p", "/", doc, "", {});
  ASSERT_TRUE(created.has_value());
  std::string arn = created->arn;
  // Leaves v1, v9, v10, v11, v12: "v10" < "v9" as text.
  auto make = [&](int n) {
    for (int i = 0; i < n; ++i) ASSERT_TRUE(iam_.CreatePolicyVersion(arn, doc, false).has_value());
  };
  auto drop = [&](int from, int to) {
    for (int v = from; v <= to; ++v) {
      ASSERT_TRUE(iam_.DeletePolicyVersion(arn, "v" + std::to_string(v)).has_value());
    }
  };
  make(4);
  drop(2, 5);
  make(4);
  drop(6, 8);
  make(3);
  auto out = RootCall("ListPolicyVersions", R"({"PolicyArn":")" + arn + R"("})");
  std::vector<std::string> ids;
  for (const auto& v : out["Versions"].GetArray()) {
    ids.emplace_back(v["VersionId"].GetString());
    EXPECT_FALSE(v.HasMember("Document"));
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"v1", "v9", "v10", "v11", "v12"}));
  auto page = RootCall("ListPolicyVersions", R"({"PolicyArn":")" + arn + R"(","MaxItems":4})");
  EXPECT_TRUE(page["IsTruncated"].GetBool());
  auto rest = RootCall("ListPolicyVersions", R"({"PolicyArn":")" + arn + R"(","Marker":")" +
                                                 page["Marker"].GetString() + R"("})");
  ASSERT_EQ(rest["Versions"].Size(), 1u);
  EXPECT_STREQ(rest["Versions"][0]["VersionId"].GetString(), "v12");
}

TEST_F(IamApiTest, ListPoliciesWithScopeAwsIsEmpty) {
  ASSERT_TRUE(iam_.CreatePolicy("p", "/", Allow("kms:Decrypt", "*"), "", {}).has_value());
  EXPECT_EQ(RootCall("ListPolicies", R"({"Scope":"AWS"})")["Policies"].Size(), 0u);
  EXPECT_EQ(RootCall("ListPolicies", R"({"Scope":"Local"})")["Policies"].Size(), 1u);
  EXPECT_EQ(RootCall("ListPolicies", R"({"OnlyAttached":true})")["Policies"].Size(), 0u);
}

TEST_F(IamApiTest, ErrorsMapToIamCodes) {
  RootCall("CreateUser", R"({"UserName":"alice"})");
  ApiError e = WireError("GetUser", R"({"UserName":"nobody"})");
  EXPECT_EQ(e.status, 404);
  EXPECT_EQ(e.code, "NoSuchEntity");
  e = WireError("CreateUser", R"({"UserName":"ALICE"})");
  EXPECT_EQ(e.status, 409);
  EXPECT_EQ(e.code, "EntityAlreadyExists");
  e = WireError("PutUserPolicy",
                R"({"UserName":"alice","PolicyName":"p","PolicyDocument":"{\"Statement\":5}"})");
  EXPECT_EQ(e.status, 400);
  EXPECT_EQ(e.code, "MalformedPolicyDocument");
  RootCall("CreateAccessKey", R"({"UserName":"alice"})");
  RootCall("CreateAccessKey", R"({"UserName":"alice"})");
  e = WireError("CreateAccessKey", R"({"UserName":"alice"})");
  EXPECT_EQ(e.status, 409);
  EXPECT_EQ(e.code, "LimitExceeded");
  e = WireError("DeleteUser", R"({"UserName":"alice"})");
  EXPECT_EQ(e.status, 409);
  EXPECT_EQ(e.code, "DeleteConflict");
  e = WireError("CreateUser", R"({"UserName":"bob","Path":"nope"})");
  EXPECT_EQ(e.status, 400);
  EXPECT_EQ(e.code, "InvalidInput");
  // Root has no IAM user to default to.
  e = WireError("CreateAccessKey", "{}");
  EXPECT_EQ(e.code, "ValidationError");
  EXPECT_EQ(api_.MapError(InternalError("disk on fire")).code, "ServiceFailure");
  EXPECT_EQ(api_.MapError(InternalError("disk on fire")).message.find("disk"), std::string::npos);
}

TEST_F(IamApiTest, UsersNeedPoliciesForEveryIamAction) {
  auto alice = User("alice");
  rapidjson::Document out;
  auto r = Run("ListUsers", "{}", alice, &out);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kPermissionDenied);
  EXPECT_TRUE(r.error().message.starts_with(
      "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: iam:ListUsers"))
      << r.error().message;
  EXPECT_EQ(api_.MapError(r.error()).code, "AccessDenied");
  EXPECT_EQ(api_.MapError(r.error()).status, 403);
  // Without a name, the caller's own user is the resource.
  r = Run("GetUser", "{}", alice, &out);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("on resource: arn:aws:iam::123456789012:user/alice"),
            std::string::npos)
      << r.error().message;
  // A refused write changes nothing.
  r = Run("PutUserPolicy",
          R"({"UserName":"alice","PolicyName":"all","PolicyDocument":")" +
              std::string(R"({\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",)"
                          R"(\"Action\":\"*\",\"Resource\":\"*\"}]})") +
              R"("})",
          alice, &out);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(iam_.ListInlinePolicies(identity::IamService::Holder::kUser, "alice")->size(), 0u);
}

TEST_F(IamApiTest, PoliciesAreCheckedAgainstTheEntityArn) {
  RootCall("CreateUser", R"({"UserName":"bob","Path":"/team/"})");
  RootCall("CreateUser", R"({"UserName":"carol"})");
  auto alice = User("alice", Allow("iam:GetUser", "arn:aws:iam::123456789012:user/team/*"));
  rapidjson::Document out;
  ASSERT_TRUE(Run("GetUser", R"({"UserName":"bob"})", alice, &out).has_value());
  EXPECT_STREQ(out["User"]["Arn"].GetString(), "arn:aws:iam::123456789012:user/team/bob");
  auto r = Run("GetUser", R"({"UserName":"carol"})", alice, &out);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kPermissionDenied);
  // A missing user is denied too (the caller may not learn which names exist).
  r = Run("GetUser", R"({"UserName":"zed"})", alice, &out);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kPermissionDenied);
}

TEST_F(IamApiTest, GetUserWithoutANameIsTheCaller) {
  auto root = RootCall("GetUser", "{}");
  EXPECT_STREQ(root["User"]["Arn"].GetString(), "arn:aws:iam::123456789012:root");
  EXPECT_STREQ(root["User"]["UserId"].GetString(), "123456789012");
  auto alice =
      User("alice", Allow("iam:GetUser", "arn:aws:iam::123456789012:user/${aws:username}"));
  rapidjson::Document out;
  ASSERT_TRUE(Run("GetUser", "{}", alice, &out).has_value());
  EXPECT_STREQ(out["User"]["UserName"].GetString(), "alice");
}

TEST_F(IamApiTest, OidcProviderUrlIsShownWithoutScheme) {
  auto created = RootCall("CreateOpenIDConnectProvider",
                          R"({"Url":"https://oidc.example.com/id/x","ClientIDList":["a"]})");
  std::string arn = created["OpenIDConnectProviderArn"].GetString();
  EXPECT_EQ(arn, "arn:aws:iam::123456789012:oidc-provider/oidc.example.com/id/x");
  auto got =
      RootCall("GetOpenIDConnectProvider", R"({"OpenIDConnectProviderArn":")" + arn + R"("})");
  EXPECT_STREQ(got["Url"].GetString(), "oidc.example.com/id/x");
  EXPECT_STREQ(got["ClientIDList"][0].GetString(), "a");
  EXPECT_EQ(got["ThumbprintList"].Size(), 0u);
}

TEST_F(IamApiTest, OnlyWritesAndAccessKeyListingsBlock) {
  EXPECT_TRUE(api_.Implements("CreateUser"));
  EXPECT_TRUE(api_.Implements("ListOpenIDConnectProviderTags"));
  EXPECT_FALSE(api_.Implements("CreateGroup"));
  EXPECT_TRUE(api_.MayBlock("CreateUser"));
  EXPECT_TRUE(api_.MayBlock("ListAccessKeys"));
  EXPECT_FALSE(api_.MayBlock("GetUser"));
  EXPECT_FALSE(api_.MayBlock("ListRoles"));
  EXPECT_FALSE(api_.MayBlock("CreateGroup"));
  EXPECT_EQ(api_.signing_name(), "iam");
  EXPECT_STREQ(api_.model().api_version, "2010-05-08");
}

}  // namespace
}  // namespace coffer::api::aws_query
