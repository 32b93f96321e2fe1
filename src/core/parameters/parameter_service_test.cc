#include "core/parameters/parameter_service.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "base/encoding.h"
#include "base/testing/fake_clock.h"
#include "core/parameters/errors.h"
#include "crypto/openssl/openssl_aead.h"
#include "crypto/openssl/openssl_random.h"
#include "storage/memory/memory_key_store.h"
#include "storage/memory/memory_parameter_store.h"
#include "storage/memory/memory_secret_store.h"

namespace coffer::parameters {
namespace {

using ::testing::ElementsAre;

// AllowedPattern for tests: "^\d+$" (digits only), "[" (invalid), anything else a substring.
class FakeMatcher final : public PatternMatcher {
 public:
  Result<bool> Matches(std::string_view pattern, std::string_view value) const override {
    if (pattern == "[") return InvalidArgumentError("bad pattern");
    if (pattern == "^\\d+$") {
      return !value.empty() &&
             std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; });
    }
    return value.find(pattern) != std::string_view::npos;
  }
};

constexpr std::string_view kUser = "arn:aws:iam::123456789012:user/alice";

class ParameterServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SecretBytes root(32);
    root.mutable_span()[0] = 7;
    ASSERT_TRUE(ring_.Unseal(root).has_value());
  }

  Result<PutParameterResult> Put(std::string name, std::string_view value,
                                 std::optional<ParameterType> type = ParameterType::kString,
                                 bool overwrite = false) {
    PutParameterRequest r;
    r.name = std::move(name);
    r.value = SecretBytes::CopyFrom(value);
    r.type = type;
    r.overwrite = overwrite;
    r.caller_arn = std::string(kUser);
    return service_.PutParameter(std::move(r));
  }
  std::string Get(std::string_view name, bool decrypt = true) {
    auto r = service_.GetParameter(name, decrypt);
    if (!r.has_value()) return "ERROR:" + std::string(r.error().reason);
    return std::string(r->value.view());
  }

  storage::memory::MemoryKeyStore key_store_;
  storage::memory::MemoryParameterStore store_;
  storage::memory::MemorySecretStore secret_store_;
  crypto::OpensslAead aead_;
  crypto::OpensslRandom random_;
  coffer::testing::FakeClock clock_;
  FakeMatcher matcher_;
  keys::KeyRing ring_{key_store_, aead_, random_, clock_};
  keys::KeyService keys_{key_store_,
                         ring_,
                         aead_,
                         random_,
                         clock_,
                         core::Account::Make("123456789012", "us-east-1"),
                         keys::KeyService::Options{}};
  secrets::SecretService secrets_{secret_store_, keys_,  aead_,
                                  random_,       clock_, secrets::SecretService::Options{}};
  ParameterService service_{store_, keys_,     matcher_,
                            clock_, &secrets_, ParameterService::Options{}};
};

TEST_F(ParameterServiceTest, PutThenGetAndVersionsBump) {
  auto first = Put("/app/url", "one");
  ASSERT_TRUE(first.has_value()) << first.error().message;
  EXPECT_EQ(first->version, 1);
  EXPECT_EQ(first->tier, Tier::kStandard);
  EXPECT_EQ(Put("/app/url", "two").error().reason, reason::kAlreadyExists);
  EXPECT_EQ(Put("/app/url", "two", std::nullopt, true)->version, 2);
  auto got = service_.GetParameter("/app/url", false);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->version, 2);
  EXPECT_EQ(got->arn, "arn:aws:ssm:us-east-1:123456789012:parameter/app/url");
  EXPECT_EQ(got->type, ParameterType::kString);  // kept from version 1
  EXPECT_EQ(Get("/app/url:1"), "one");
  EXPECT_EQ(service_.GetParameter("/app/url:1", false)->selector, ":1");
  EXPECT_EQ(Get("/app/url:3"), "ERROR:PARAMETER_VERSION_NOT_FOUND");
  EXPECT_EQ(Get("/nope"), "ERROR:PARAMETER_NOT_FOUND");
  EXPECT_EQ(Get("bad name"), "ERROR:VALIDATION");
}

TEST_F(ParameterServiceTest, SlashlessAndSlashNamesAreOneParameter) {
  ASSERT_TRUE(Put("single", "v").has_value());
  EXPECT_EQ(Get("/single"), "v");
  EXPECT_EQ(Put("/single", "w").error().reason, reason::kAlreadyExists);
  EXPECT_EQ(service_.GetParameter("/single", false)->name, "single");
  EXPECT_EQ(service_.GetParameter("single", false)->arn,
            "arn:aws:ssm:us-east-1:123456789012:parameter/single");
}

TEST_F(ParameterServiceTest, CreateNeedsTypeAndValidName) {
  EXPECT_EQ(Put("/x", "v", std::nullopt).error().reason, reason::kValidation);
  EXPECT_EQ(Put("/aws/x", "v").error().reason, reason::kAccessDenied);
  EXPECT_EQ(Put("ssm-x", "v").error().reason, reason::kValidation);
  EXPECT_EQ(Put("/x", "").error().reason, reason::kValidation);
}

TEST_F(ParameterServiceTest, SecureStringIsKmsCiphertextUnderParameterArnContext) {
  ASSERT_TRUE(Put("/db/pw", "hunter2", ParameterType::kSecureString).has_value());
  EXPECT_EQ(Get("/db/pw", true), "hunter2");
  std::string b64 = Get("/db/pw", false);
  auto blob = Base64Decode(b64);
  ASSERT_TRUE(blob.has_value());
  // An ordinary KMS blob: KMS Decrypt with AWS's context opens it, another context does not.
  auto plain = keys_.Decrypt(*blob, {{"PARAMETER_ARN",
                                      "arn:aws:ssm:us-east-1:123456789012:"
                                      "parameter/db/pw"}});
  ASSERT_TRUE(plain.has_value());
  EXPECT_EQ(plain->plaintext.view(), "hunter2");
  EXPECT_FALSE(keys_.Decrypt(*blob, {{"PARAMETER_ARN", "other"}}).has_value());
  auto desc = service_.DescribeParameters({});
  ASSERT_TRUE(desc.has_value());
  ASSERT_EQ(desc->parameters.size(), 1u);
  EXPECT_EQ(desc->parameters[0].latest.key_id, "alias/aws/ssm");
  EXPECT_EQ(desc->parameters[0].latest.last_modified_user, kUser);
}

TEST_F(ParameterServiceTest, DisabledKeyFailsDecryptionWithInvalidKeyId) {
  auto key = keys_.CreateKey({});
  ASSERT_TRUE(key.has_value());
  PutParameterRequest r;
  r.name = "/k";
  r.value = SecretBytes::CopyFrom(std::string_view("v"));
  r.type = ParameterType::kSecureString;
  r.key_id = key->key_id;
  ASSERT_TRUE(service_.PutParameter(std::move(r)).has_value());
  EXPECT_EQ(Get("/k"), "v");
  ASSERT_TRUE(keys_.DisableKey(key->key_id).has_value());
  EXPECT_EQ(Get("/k"), "ERROR:INVALID_KEY_ID");
  EXPECT_NE(Get("/k", false), "ERROR:INVALID_KEY_ID");  // ciphertext needs no key
  PutParameterRequest bad;
  bad.name = "/k2";
  bad.value = SecretBytes::CopyFrom(std::string_view("v"));
  bad.type = ParameterType::kSecureString;
  bad.key_id = "alias/nope";
  EXPECT_EQ(service_.PutParameter(std::move(bad)).error().reason, reason::kInvalidKeyId);
}

TEST_F(ParameterServiceTest, TiersAndSizes) {
  std::string big(5000, 'x');
  EXPECT_EQ(Put("/big", big).error().reason, reason::kValidation);
  PutParameterRequest r;
  r.name = "/big";
  r.value = SecretBytes::CopyFrom(std::string_view(big));
  r.type = ParameterType::kString;
  r.tier = Tier::kIntelligentTiering;
  auto put = service_.PutParameter(std::move(r));
  ASSERT_TRUE(put.has_value()) << put.error().message;
  EXPECT_EQ(put->tier, Tier::kAdvanced);
  PutParameterRequest down;
  down.name = "/big";
  down.value = SecretBytes::CopyFrom(std::string_view("small"));
  down.overwrite = true;
  down.tier = Tier::kStandard;
  EXPECT_EQ(service_.PutParameter(std::move(down)).error().reason, reason::kValidation);
  EXPECT_EQ(Put("/big", "small", std::nullopt, true)->tier, Tier::kAdvanced);  // kept
  EXPECT_EQ(Put("/huge", std::string(9000, 'x')).error().reason, reason::kValidation);
}

TEST_F(ParameterServiceTest, AllowedPatternAndDataType) {
  PutParameterRequest r;
  r.name = "/n";
  r.value = SecretBytes::CopyFrom(std::string_view("12a"));
  r.type = ParameterType::kString;
  r.allowed_pattern = "^\\d+$";
  EXPECT_EQ(service_.PutParameter(std::move(r)).error().reason, reason::kPatternMismatch);
  PutParameterRequest ok;
  ok.name = "/n";
  ok.value = SecretBytes::CopyFrom(std::string_view("12"));
  ok.type = ParameterType::kString;
  ok.allowed_pattern = "^\\d+$";
  ASSERT_TRUE(service_.PutParameter(std::move(ok)).has_value());
  // The pattern stays with the parameter.
  EXPECT_EQ(Put("/n", "x", std::nullopt, true).error().reason, reason::kPatternMismatch);
  PutParameterRequest invalid;
  invalid.name = "/m";
  invalid.value = SecretBytes::CopyFrom(std::string_view("1"));
  invalid.type = ParameterType::kString;
  invalid.allowed_pattern = "[";
  EXPECT_EQ(service_.PutParameter(std::move(invalid)).error().reason,
            reason::kInvalidAllowedPattern);
  PutParameterRequest ami;
  ami.name = "/ami";
  ami.value = SecretBytes::CopyFrom(std::string_view("ami-nothex!"));
  ami.type = ParameterType::kString;
  ami.data_type = "aws:ec2:image";
  EXPECT_EQ(service_.PutParameter(std::move(ami)).error().reason, reason::kValidation);
  PutParameterRequest good_ami;
  good_ami.name = "/ami";
  good_ami.value = SecretBytes::CopyFrom(std::string_view("ami-0123456789abcdef0"));
  good_ami.type = ParameterType::kString;
  good_ami.data_type = "aws:ec2:image";
  ASSERT_TRUE(service_.PutParameter(std::move(good_ami)).has_value());
  EXPECT_EQ(service_.GetParameter("/ami", false)->data_type, "aws:ec2:image");
}

TEST_F(ParameterServiceTest, HundredVersionsKeptOldestDroppedUnlessLabelled) {
  ASSERT_TRUE(Put("/v", "1").has_value());
  for (int i = 2; i <= 100; ++i) ASSERT_TRUE(Put("/v", std::to_string(i), std::nullopt, true));
  ASSERT_TRUE(service_.LabelParameterVersion("/v", 2, {"keep"}).has_value());
  ASSERT_EQ(Put("/v", "101", std::nullopt, true)->version, 101);
  EXPECT_EQ(Get("/v:1"), "ERROR:PARAMETER_VERSION_NOT_FOUND");
  EXPECT_EQ(Get("/v:keep"), "2");
  auto blocked = Put("/v", "102", std::nullopt, true);
  ASSERT_FALSE(blocked.has_value());
  EXPECT_EQ(blocked.error().reason, reason::kMaxVersionLimit);
  auto history = service_.GetParameterHistory({"/v", false, 50, std::nullopt});
  ASSERT_TRUE(history.has_value());
  EXPECT_EQ(history->parameters.front().version, 2);
  EXPECT_THAT(history->parameters.front().labels, ElementsAre("keep"));
  ASSERT_TRUE(history->next_token.has_value());
  auto rest = service_.GetParameterHistory({"/v", false, 50, history->next_token});
  ASSERT_TRUE(rest.has_value());
  EXPECT_EQ(rest->parameters.size(), 50u);
  EXPECT_FALSE(rest->next_token.has_value());
}

TEST_F(ParameterServiceTest, LabelsMoveAndFollowTheRules) {
  ASSERT_TRUE(Put("/l", "a").has_value());
  ASSERT_TRUE(Put("/l", "b", std::nullopt, true).has_value());
  auto r = service_.LabelParameterVersion("/l", 1, {"prod", "1bad", "awsx", "ok-label"});
  ASSERT_TRUE(r.has_value());
  EXPECT_THAT(r->invalid_labels, ElementsAre("1bad", "awsx"));
  EXPECT_EQ(r->version, 1);
  EXPECT_EQ(Get("/l:prod"), "a");
  ASSERT_TRUE(service_.LabelParameterVersion("/l", std::nullopt, {"prod"}).has_value());
  EXPECT_EQ(Get("/l:prod"), "b");  // moved to the latest version
  EXPECT_EQ(Get("/l:missing"), "ERROR:PARAMETER_NOT_FOUND");
  std::vector<std::string> many;
  for (int i = 0; i < 10; ++i) many.push_back("l" + std::to_string(i));
  EXPECT_EQ(service_.LabelParameterVersion("/l", 2, many).error().reason, reason::kLabelLimit);
  EXPECT_EQ(service_.LabelParameterVersion("/l", 9, {"x"}).error().reason,
            reason::kVersionNotFound);
  EXPECT_EQ(service_.LabelParameterVersion("/none", 1, {"x"}).error().reason, reason::kNotFound);
  auto un = service_.UnlabelParameterVersion("/l", 2, {"prod", "ghost"});
  ASSERT_TRUE(un.has_value());
  EXPECT_THAT(un->removed, ElementsAre("prod"));
  EXPECT_THAT(un->invalid, ElementsAre("ghost"));
}

TEST_F(ParameterServiceTest, GetParametersReportsInvalidNamesAndSortsByName) {
  ASSERT_TRUE(Put("/b", "2").has_value());
  ASSERT_TRUE(Put("/a", "1").has_value());
  auto r = service_.GetParameters({"/b", "/a", "/missing", "/a:7", "/b"}, false);
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->parameters.size(), 2u);
  EXPECT_EQ(r->parameters[0].name, "/a");
  EXPECT_THAT(r->invalid, ElementsAre("/missing", "/a:7"));
}

TEST_F(ParameterServiceTest, GetByPathPagesOneLevelOrRecursivelyWithFilters) {
  for (int i = 0; i < 23; ++i) ASSERT_TRUE(Put("/p/x" + std::to_string(100 + i), "v"));
  ASSERT_TRUE(Put("/p/deep/y", "s", ParameterType::kSecureString).has_value());
  ASSERT_TRUE(Put("/other", "o").has_value());
  auto collect = [&](GetByPathRequest req) {
    std::vector<std::string> names;
    for (int i = 0; i < 20; ++i) {
      auto page = service_.GetParametersByPath(req);
      EXPECT_TRUE(page.has_value()) << page.error().message;
      EXPECT_LE(page->parameters.size(), 10u);
      for (auto& p : page->parameters) names.push_back(p.name);
      if (!page->next_token) break;
      req.next_token = page->next_token;
    }
    return names;
  };
  EXPECT_EQ(collect({"/p", false, {}, false, std::nullopt, std::nullopt}).size(), 23u);
  EXPECT_EQ(collect({"/p/", true, {}, false, std::nullopt, std::nullopt}).size(), 24u);
  EXPECT_EQ(collect({"/", true, {}, false, std::nullopt, std::nullopt}).size(), 25u);
  EXPECT_THAT(collect({"/p", true, {{"Type", {}, {"SecureString"}}}, true, 5, std::nullopt}),
              ElementsAre("/p/deep/y"));
  auto bad = service_.GetParametersByPath({"/p", false, {{"Name", {}, {"/p"}}}, false, {}, {}});
  EXPECT_EQ(bad.error().reason, reason::kInvalidFilterKey);
  auto bad_token = service_.GetParametersByPath({"/p", false, {}, false, {}, "garbage"});
  EXPECT_EQ(bad_token.error().reason, reason::kInvalidNextToken);
  EXPECT_EQ(service_.GetParametersByPath({"/p", false, {}, false, 11, {}}).error().reason,
            reason::kValidation);
}

TEST_F(ParameterServiceTest, DescribeFiltersAndPages) {
  for (int i = 0; i < 60; ++i) ASSERT_TRUE(Put("/d/p" + std::to_string(100 + i), "v"));
  ASSERT_TRUE(Put("/e/q", "v", ParameterType::kStringList).has_value());
  DescribeRequest all;
  auto first = service_.DescribeParameters(all);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->parameters.size(), 50u);
  ASSERT_TRUE(first->next_token);
  all.next_token = first->next_token;
  EXPECT_EQ(service_.DescribeParameters(all)->parameters.size(), 11u);
  DescribeRequest typed;
  typed.parameter_filters = {{"Type", {}, {"StringList"}}};
  EXPECT_EQ(service_.DescribeParameters(typed)->parameters.size(), 1u);
  DescribeRequest path;
  path.parameter_filters = {{"Path", "OneLevel", {"/e"}}};
  EXPECT_EQ(service_.DescribeParameters(path)->parameters.size(), 1u);
  DescribeRequest both;
  both.filters = {{"Name", {}, {"/d"}}};
  both.parameter_filters = {{"Type", {}, {"String"}}};
  EXPECT_EQ(service_.DescribeParameters(both).error().reason, reason::kValidation);
}

TEST_F(ParameterServiceTest, DeleteAndDeleteMany) {
  ASSERT_TRUE(Put("/x", "v").has_value());
  ASSERT_TRUE(service_.DeleteParameter("x").has_value());
  EXPECT_EQ(service_.DeleteParameter("/x").error().reason, reason::kNotFound);
  ASSERT_TRUE(Put("/y", "v").has_value());
  auto r = service_.DeleteParameters({"/y", "/z"});
  ASSERT_TRUE(r.has_value());
  EXPECT_THAT(r->deleted, ElementsAre("/y"));
  EXPECT_THAT(r->invalid, ElementsAre("/z"));
}

TEST_F(ParameterServiceTest, TagsOnParameters) {
  PutParameterRequest r;
  r.name = "/t";
  r.value = SecretBytes::CopyFrom(std::string_view("v"));
  r.type = ParameterType::kString;
  r.tags = core::Tags{{"a", "1"}};
  ASSERT_TRUE(service_.PutParameter(std::move(r)).has_value());
  ASSERT_TRUE(service_.AddTags("Parameter", "/t", {{"b", "2"}, {"a", "3"}}).has_value());
  EXPECT_EQ(*service_.ListTags("Parameter", "t"), (core::Tags{{"a", "3"}, {"b", "2"}}));
  ASSERT_TRUE(service_.RemoveTags("Parameter", "/t", {"a"}).has_value());
  EXPECT_EQ(*service_.ListTags("Parameter", "/t"), (core::Tags{{"b", "2"}}));
  EXPECT_EQ(service_.ListTags("Document", "/t").error().reason, reason::kInvalidResourceType);
  EXPECT_EQ(service_.ListTags("Parameter", "/none").error().reason, reason::kInvalidResourceId);
  core::Tags many;
  for (int i = 0; i < 51; ++i) many.push_back({"k" + std::to_string(i), ""});
  EXPECT_EQ(service_.AddTags("Parameter", "/t", many).error().reason, reason::kTooManyTags);
  PutParameterRequest with_overwrite;
  with_overwrite.name = "/t";
  with_overwrite.value = SecretBytes::CopyFrom(std::string_view("v"));
  with_overwrite.overwrite = true;
  with_overwrite.tags = core::Tags{{"a", "1"}};
  EXPECT_EQ(service_.PutParameter(std::move(with_overwrite)).error().reason, reason::kValidation);
}

TEST_F(ParameterServiceTest, SecretsManagerReference) {
  secrets::CreateSecretRequest c;
  c.name = "app/db";
  c.client_request_token = "00000000-0000-4000-8000-000000000001";
  c.value = secrets::SecretValue{false, SecretBytes::CopyFrom(std::string_view("pw"))};
  ASSERT_TRUE(secrets_.CreateSecret(std::move(c)).has_value());
  auto v = service_.GetParameter("/aws/reference/secretsmanager/app/db", true);
  ASSERT_TRUE(v.has_value()) << v.error().message;
  EXPECT_EQ(v->value.view(), "pw");
  EXPECT_EQ(v->type, ParameterType::kSecureString);
  ASSERT_TRUE(v->source.has_value());
  EXPECT_EQ(v->source->secret.name, "app/db");
  EXPECT_EQ(service_.GetParameter("/aws/reference/secretsmanager/app/db", false).error().reason,
            reason::kValidation);
  EXPECT_EQ(service_.GetParameter("/aws/reference/secretsmanager/none", true).error().reason,
            reason::kNotFound);
}

}  // namespace
}  // namespace coffer::parameters
