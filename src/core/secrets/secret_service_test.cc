#include "core/secrets/secret_service.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "base/testing/fake_clock.h"
#include "core/secrets/errors.h"
#include "crypto/openssl/openssl_aead.h"
#include "crypto/openssl/openssl_random.h"
#include "storage/memory/memory_key_store.h"
#include "storage/memory/memory_secret_store.h"

namespace coffer::secrets {
namespace {

using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

std::string Token(int n) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "00000000-0000-4000-8000-%012d", n);
  return buf;
}

SecretValue Str(std::string_view s) { return SecretValue{false, SecretBytes::CopyFrom(s)}; }

class SecretServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SecretBytes root(32);
    root.mutable_span()[0] = 7;
    ASSERT_TRUE(ring_.Unseal(root).has_value());
  }

  CreateSecretResult Create(std::string name, const std::string& value, int token) {
    CreateSecretRequest r;
    r.name = std::move(name);
    r.value = Str(value);
    r.client_request_token = Token(token);
    auto res = service_.CreateSecret(std::move(r));
    EXPECT_TRUE(res.has_value()) << res.error().message;
    return std::move(res).value();
  }
  PutSecretValueResult Put(std::string id, const std::string& value, int token,
                           std::optional<std::vector<std::string>> stages = std::nullopt) {
    PutSecretValueRequest r;
    r.secret_id = std::move(id);
    r.value = Str(value);
    r.client_request_token = Token(token);
    r.version_stages = std::move(stages);
    auto res = service_.PutSecretValue(std::move(r));
    EXPECT_TRUE(res.has_value()) << res.error().message;
    return std::move(res).value();
  }
  std::string Value(std::string id, std::optional<std::string> stage = std::nullopt,
                    std::optional<std::string> vid = std::nullopt) {
    auto r = service_.GetSecretValue({std::move(id), std::move(vid), std::move(stage), nullptr});
    if (!r.has_value()) return "ERROR:" + std::string(r.error().reason);
    return std::string(r->value.bytes.view());
  }

  storage::memory::MemoryKeyStore key_store_;
  storage::memory::MemorySecretStore store_;
  crypto::OpensslAead aead_;
  crypto::OpensslRandom random_;
  coffer::testing::FakeClock clock_;
  keys::KeyRing ring_{key_store_, aead_, random_, clock_};
  keys::KeyService keys_{key_store_,
                         ring_,
                         aead_,
                         random_,
                         clock_,
                         core::Account::Make("123456789012", "us-east-1"),
                         keys::KeyService::Options{}};
  SecretService service_{store_, keys_, aead_, random_, clock_, SecretService::Options{}};
};

TEST_F(SecretServiceTest, CreateMakesArnWithSuffixAndCurrentVersion) {
  auto c = Create("prod/db", "s3cret", 1);
  EXPECT_TRUE(
      c.ref.arn.starts_with("arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-"));
  EXPECT_EQ(
      c.ref.arn.size(),
      std::string("arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-").size() + 6);
  EXPECT_EQ(c.version_id, Token(1));
  EXPECT_EQ(Value("prod/db"), "s3cret");
  auto d = service_.DescribeSecret("prod/db");
  ASSERT_TRUE(d.has_value());
  EXPECT_THAT(d->secret.StagesOf(Token(1)), ElementsAre("AWSCURRENT"));
  EXPECT_EQ(d->kms_key_id, "");  // default key: omitted on the wire
}

TEST_F(SecretServiceTest, StoredValueIsEncryptedAndBoundToItsVersion) {
  auto c = Create("a", "plaintext-marker", 1);
  Put("a", "second-marker", 2);
  auto v1 = *store_.GetVersion(c.ref.arn, Token(1));
  auto v2 = *store_.GetVersion(c.ref.arn, Token(2));
  EXPECT_EQ(v1->ciphertext.find("plaintext-marker"), std::string::npos);
  // Swap the ciphertexts between versions: the AAD binding must refuse both.
  auto s = *store_.FindByArn(c.ref.arn);
  secrets::SecretVersion swapped1 = *v1, swapped2 = *v2;
  swapped1.ciphertext = v2->ciphertext;
  swapped2.ciphertext = v1->ciphertext;
  ASSERT_TRUE(store_.Update(*s, {swapped1, swapped2}, {Token(1), Token(2)}).has_value());
  EXPECT_EQ(Value("a"), "ERROR:DECRYPTION_FAILURE");
  EXPECT_EQ(Value("a", std::nullopt, Token(1)), "ERROR:DECRYPTION_FAILURE");
}

TEST_F(SecretServiceTest, DuplicateNameIsResourceExistsButSameTokenRetrySucceeds) {
  Create("dup", "v", 1);
  CreateSecretRequest again;
  again.name = "dup";
  again.value = Str("v");
  again.client_request_token = Token(2);
  auto r = service_.CreateSecret(std::move(again));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().reason, reason::kExists);
  EXPECT_EQ(r.error().message, "The operation failed because the secret dup already exists.");
  CreateSecretRequest retry;
  retry.name = "dup";
  retry.value = Str("v");
  retry.client_request_token = Token(1);
  EXPECT_TRUE(service_.CreateSecret(std::move(retry)).has_value());
}

TEST_F(SecretServiceTest, CreateRejectsBadNameAndMissingToken) {
  CreateSecretRequest bad;
  bad.name = "has space";
  EXPECT_EQ(service_.CreateSecret(std::move(bad)).error().reason, reason::kValidation);
  CreateSecretRequest no_token;
  no_token.name = "ok";
  no_token.value = Str("v");
  auto r = service_.CreateSecret(std::move(no_token));
  EXPECT_EQ(r.error().reason, reason::kInvalidRequest);
  CreateSecretRequest no_value;
  no_value.name = "novalue";
  auto nv = service_.CreateSecret(std::move(no_value));
  ASSERT_TRUE(nv.has_value());
  EXPECT_FALSE(nv->version_id.has_value());
  EXPECT_EQ(Value("novalue"), "ERROR:SECRET_NOT_FOUND");
}

TEST_F(SecretServiceTest, PutMovesCurrentAndPreviousAndDeprecatesOldest) {
  Create("s", "v1", 1);
  Put("s", "v2", 2);
  Put("s", "v3", 3);
  EXPECT_EQ(Value("s"), "v3");
  EXPECT_EQ(Value("s", "AWSPREVIOUS"), "v2");
  auto d = *service_.DescribeSecret("s");
  EXPECT_TRUE(d.secret.StagesOf(Token(1)).empty());  // deprecated
  auto listed = *service_.ListSecretVersionIds({"s", std::nullopt, std::nullopt, false});
  ASSERT_EQ(listed.versions.size(), 2u);
  auto all = *service_.ListSecretVersionIds({"s", std::nullopt, std::nullopt, true});
  EXPECT_EQ(all.versions.size(), 3u);
  // A deprecated version is still readable by id until pruned.
  EXPECT_EQ(Value("s", std::nullopt, Token(1)), "v1");
}

TEST_F(SecretServiceTest, PutWithStagesLeavesCurrentAlone) {
  Create("s", "v1", 1);
  auto p = Put("s", "pending", 2, std::vector<std::string>{"AWSPENDING"});
  EXPECT_THAT(p.stages, ElementsAre("AWSPENDING"));
  EXPECT_EQ(Value("s"), "v1");
  EXPECT_EQ(Value("s", "AWSPENDING"), "pending");
}

TEST_F(SecretServiceTest, FirstVersionAlwaysGetsCurrent) {
  CreateSecretRequest r;
  r.name = "empty";
  ASSERT_TRUE(service_.CreateSecret(std::move(r)).has_value());
  auto p = Put("empty", "first", 1, std::vector<std::string>{"CUSTOM"});
  EXPECT_THAT(p.stages, UnorderedElementsAre("AWSCURRENT", "CUSTOM"));
}

TEST_F(SecretServiceTest, PutIsIdempotentPerToken) {
  Create("s", "v1", 1);
  Put("s", "v2", 2);
  auto again = service_.PutSecretValue({"s", Token(2), Str("v2"), std::nullopt});
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->version_id, Token(2));
  EXPECT_EQ(service_.ListSecretVersionIds({"s", std::nullopt, std::nullopt, true})->versions.size(),
            2u);
  auto conflict = service_.PutSecretValue({"s", Token(2), Str("other"), std::nullopt});
  ASSERT_FALSE(conflict.has_value());
  EXPECT_EQ(conflict.error().reason, reason::kExists);
}

TEST_F(SecretServiceTest, GetByVersionIdAndStageRules) {
  Create("s", "v1", 1);
  Put("s", "v2", 2);
  EXPECT_EQ(Value("s", "AWSCURRENT", Token(2)), "v2");
  auto mismatch = service_.GetSecretValue({"s", Token(1), std::string("AWSCURRENT"), nullptr});
  ASSERT_FALSE(mismatch.has_value());
  EXPECT_EQ(mismatch.error().message,
            "You provided a VersionStage that is not associated to the provided VersionId.");
  auto no_stage = service_.GetSecretValue({"s", std::nullopt, std::string("NOPE"), nullptr});
  EXPECT_EQ(no_stage.error().message,
            "Secrets Manager can't find the specified secret value for staging label: NOPE");
  auto no_version = service_.GetSecretValue({"s", Token(9), std::nullopt, nullptr});
  EXPECT_EQ(no_version.error().reason, reason::kNotFound);
}

TEST_F(SecretServiceTest, ResolvesByFullAndPartialArn) {
  auto c = Create("app/key-abcdef", "v", 1);  // a name that itself looks suffixed
  EXPECT_EQ(Value(c.ref.arn), "v");
  std::string partial = "arn:aws:secretsmanager:us-east-1:123456789012:secret:app/key-abcdef";
  EXPECT_EQ(Value(partial), "v");
  EXPECT_EQ(Value("arn:aws:secretsmanager:us-east-1:999999999999:secret:app/key-abcdef"),
            "ERROR:SECRET_NOT_FOUND");
  EXPECT_EQ(Value("arn:aws:secretsmanager:us-east-1:123456789012:secret:app/ke"),
            "ERROR:SECRET_NOT_FOUND");
}

TEST_F(SecretServiceTest, UpdateVersionStageMovesLabelsWithAwsRules) {
  Create("s", "v1", 1);
  Put("s", "v2", 2);
  // Moving AWSCURRENT back needs RemoveFromVersionId.
  auto no_remove = service_.UpdateSecretVersionStage({"s", "AWSCURRENT", std::nullopt, Token(1)});
  ASSERT_FALSE(no_remove.has_value());
  EXPECT_EQ(no_remove.error().reason, reason::kInvalidParameter);
  auto wrong_remove = service_.UpdateSecretVersionStage({"s", "AWSCURRENT", Token(1), Token(1)});
  EXPECT_EQ(wrong_remove.error().reason, reason::kInvalidParameter);
  ASSERT_TRUE(service_.UpdateSecretVersionStage({"s", "AWSCURRENT", Token(2), Token(1)}));
  EXPECT_EQ(Value("s"), "v1");
  EXPECT_EQ(Value("s", "AWSPREVIOUS"), "v2");  // moved automatically
  // Custom labels.
  ASSERT_TRUE(service_.UpdateSecretVersionStage({"s", "BLUE", std::nullopt, Token(2)}));
  EXPECT_EQ(Value("s", "BLUE"), "v2");
  ASSERT_TRUE(service_.UpdateSecretVersionStage({"s", "BLUE", Token(2), std::nullopt}));
  EXPECT_EQ(Value("s", "BLUE"), "ERROR:SECRET_NOT_FOUND");
  auto remove_current =
      service_.UpdateSecretVersionStage({"s", "AWSCURRENT", Token(1), std::nullopt});
  EXPECT_EQ(remove_current.error().reason, reason::kInvalidParameter);
  auto missing = service_.UpdateSecretVersionStage({"s", "X", std::nullopt, Token(99)});
  EXPECT_EQ(missing.error().reason, reason::kInvalidParameter);
}

TEST_F(SecretServiceTest, DeleteRestoreAndPurge) {
  Create("d", "v", 1);
  auto bad_window = service_.DeleteSecret({"d", 6, std::nullopt});
  EXPECT_EQ(bad_window.error().message,
            "The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).");
  EXPECT_EQ(service_.DeleteSecret({"d", 7, true}).error().reason, reason::kInvalidParameter);
  auto del = service_.DeleteSecret({"d", 7, std::nullopt});
  ASSERT_TRUE(del.has_value());
  EXPECT_EQ(del->deletion_date, clock_.Now() + std::chrono::hours(24 * 7));
  EXPECT_EQ(Value("d"), "ERROR:INVALID_REQUEST");
  EXPECT_EQ(service_.PutSecretValue({"d", Token(2), Str("x"), std::nullopt}).error().reason,
            reason::kInvalidRequest);
  EXPECT_TRUE(service_.DescribeSecret("d")->secret.deleted.has_value());
  CreateSecretRequest recreate;
  recreate.name = "d";
  EXPECT_EQ(service_.CreateSecret(std::move(recreate)).error().reason, reason::kInvalidRequest);
  ASSERT_TRUE(service_.RestoreSecret("d").has_value());
  EXPECT_EQ(Value("d"), "v");
  ASSERT_TRUE(service_.DeleteSecret({"d", std::nullopt, std::nullopt}).has_value());
  clock_.Advance(std::chrono::hours(24 * 30 - 1));
  EXPECT_EQ(*service_.PurgeDue(), 0u);
  clock_.Advance(std::chrono::hours(2));
  EXPECT_EQ(*service_.PurgeDue(), 1u);
  EXPECT_EQ(service_.DescribeSecret("d").error().reason, reason::kNotFound);
  // Re-created names get a new ARN.
  auto again = Create("d", "v2", 5);
  EXPECT_NE(again.ref.arn, del->ref.arn);
}

TEST_F(SecretServiceTest, ForceDeleteIsImmediateAndToleratesMissingSecrets) {
  Create("f", "v", 1);
  ASSERT_TRUE(service_.DeleteSecret({"f", std::nullopt, true}).has_value());
  EXPECT_EQ(service_.DescribeSecret("f").error().reason, reason::kNotFound);
  auto missing = service_.DeleteSecret({"never-existed", std::nullopt, true});
  ASSERT_TRUE(missing.has_value());
  EXPECT_EQ(missing->ref.name, "never-existed");
  EXPECT_FALSE(missing->ref.arn.empty());
  EXPECT_EQ(service_.DeleteSecret({"never-existed", std::nullopt, std::nullopt}).error().reason,
            reason::kNotFound);
}

TEST_F(SecretServiceTest, ListSecretsFiltersSortsAndPaginates) {
  for (int i = 0; i < 25; ++i) {
    clock_.Advance(std::chrono::seconds(1));
    char name[32];
    std::snprintf(name, sizeof name, "app/%02d", i);
    Create(name, "v", i + 1);
  }
  Create("other", "v", 100);
  ListSecretsRequest req;
  req.max_results = 10;
  req.filters = {{FilterKey::kName, {"app/"}}};
  std::vector<std::string> names;
  std::optional<std::string> token;
  int pages = 0;
  do {
    req.next_token = token;
    auto page = service_.ListSecrets(req);
    ASSERT_TRUE(page.has_value()) << page.error().message;
    for (auto& s : page->secrets) names.push_back(s.secret.name);
    token = page->next_token;
    ++pages;
  } while (token);
  ASSERT_EQ(names.size(), 25u);
  EXPECT_EQ(names.front(), "app/00");  // created-date ascending by default
  EXPECT_EQ(names.back(), "app/24");
  EXPECT_EQ(pages, 3);
  req.next_token = std::nullopt;
  req.descending = true;
  req.sort = SortKey::kName;
  req.filters.clear();
  req.max_results = 2;
  auto desc = *service_.ListSecrets(req);
  EXPECT_EQ(desc.secrets[0].secret.name, "other");
  EXPECT_EQ(desc.secrets[1].secret.name, "app/24");
  // A token is bound to its sort order.
  req.next_token = desc.next_token;
  req.descending = false;
  EXPECT_EQ(service_.ListSecrets(req).error().reason, reason::kInvalidNextToken);
  req.next_token = "garbage!";
  EXPECT_EQ(service_.ListSecrets(req).error().reason, reason::kInvalidNextToken);
}

TEST_F(SecretServiceTest, ListSecretsHidesPlannedDeletionUnlessAsked) {
  Create("keep", "v", 1);
  Create("gone", "v", 2);
  ASSERT_TRUE(service_.DeleteSecret({"gone", std::nullopt, std::nullopt}).has_value());
  ListSecretsRequest req;
  EXPECT_EQ(service_.ListSecrets(req)->secrets.size(), 1u);
  req.include_planned_deletion = true;
  EXPECT_EQ(service_.ListSecrets(req)->secrets.size(), 2u);
}

TEST_F(SecretServiceTest, PrunesDeprecatedVersionsBeyondHundredOlderThanADay) {
  Create("p", "v0", 1000);
  for (int i = 1; i <= 120; ++i) Put("p", "v" + std::to_string(i), 1000 + i);
  // All 121 versions are younger than 24 h: nothing is pruned yet.
  EXPECT_EQ(service_.ListSecretVersionIds({"p", 100, std::nullopt, true})->versions.size(), 100u);
  EXPECT_EQ(store_.FindByName("p")->value().version_count, 121);
  EXPECT_EQ(*service_.PruneVersions(), 0u);  // all younger than a day
  clock_.Advance(std::chrono::hours(25));
  Put("p", "new", 5000);
  EXPECT_EQ(store_.FindByName("p")->value().version_count, 122);  // writes never prune
  EXPECT_EQ(*service_.PruneVersions(), 22u);
  auto s = *store_.FindByName("p");
  EXPECT_EQ(s->version_count, 100);
  EXPECT_EQ(Value("p", std::nullopt, Token(1000)), "ERROR:SECRET_NOT_FOUND");
  EXPECT_EQ(Value("p"), "new");
  EXPECT_EQ(Value("p", "AWSPREVIOUS"), "v120");
}

TEST_F(SecretServiceTest, TagsMergeAndRemove) {
  Create("t", "v", 1);
  EXPECT_FALSE(service_.DescribeSecret("t")->secret.tags.has_value());
  ASSERT_TRUE(service_.TagResource("t", {{"a", "1"}, {"b", "2"}}).has_value());
  ASSERT_TRUE(service_.TagResource("t", {{"a", "3"}}).has_value());
  ASSERT_TRUE(service_.UntagResource("t", {"b", "missing"}).has_value());
  auto tags = *service_.DescribeSecret("t")->secret.tags;
  EXPECT_EQ(tags, (core::Tags{{"a", "3"}}));
  EXPECT_EQ(service_.TagResource("t", {{"aws:reserved", "x"}}).error().reason,
            reason::kInvalidParameter);
  core::Tags many;
  for (int i = 0; i < 51; ++i) many.push_back({"k" + std::to_string(i), "v"});
  EXPECT_EQ(service_.TagResource("t", many).error().reason, reason::kInvalidParameter);
}

TEST_F(SecretServiceTest, BatchGetReportsPerSecretErrors) {
  Create("b1", "one", 1);
  Create("b2", "two", 2);
  BatchGetRequest req;
  req.secret_ids = std::vector<std::string>{"b1", "missing", "b2"};
  auto r = service_.BatchGetSecretValue(req);
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->values.size(), 2u);
  ASSERT_EQ(r->errors.size(), 1u);
  EXPECT_EQ(r->errors[0].secret_id, "missing");
  EXPECT_EQ(r->errors[0].error.reason, reason::kNotFound);
  BatchGetRequest both;
  both.secret_ids = std::vector<std::string>{"b1"};
  both.filters = std::vector<SecretFilter>{};
  EXPECT_EQ(service_.BatchGetSecretValue(both).error().reason, reason::kInvalidParameter);
  BatchGetRequest by_filter;
  by_filter.filters = std::vector<SecretFilter>{{FilterKey::kName, {"b"}}};
  auto f = *service_.BatchGetSecretValue(by_filter);
  EXPECT_EQ(f.values.size(), 2u);
}

TEST_F(SecretServiceTest, UpdateSecretChangesKeyAndReencryptsLabelledVersions) {
  Create("u", "v1", 1);
  auto key = keys_.CreateKey({});
  ASSERT_TRUE(key.has_value());
  UpdateSecretRequest up;
  up.secret_id = "u";
  up.kms_key_id = key->arn;
  up.description = "now under a customer key";
  auto r = service_.UpdateSecret(std::move(up));
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_FALSE(r->version_id.has_value());
  auto d = *service_.DescribeSecret("u");
  EXPECT_EQ(d.kms_key_id, key->arn);
  EXPECT_EQ(d.secret.description, "now under a customer key");
  auto v = *store_.GetVersion(d.secret.arn, Token(1));
  EXPECT_EQ(v->kms_key_arn, key->arn);
  EXPECT_EQ(Value("u"), "v1");
  // Disabling the key makes reads fail; enabling restores them.
  keys::Key k = *key_store_.GetKey(key->key_id).value();
  k.state = keys::KeyState::kDisabled;
  ASSERT_TRUE(key_store_.UpdateKey(k, std::nullopt).has_value());
  keys_.Invalidate(k.key_id);
  EXPECT_EQ(Value("u"), "ERROR:DECRYPTION_FAILURE");
  auto put = service_.PutSecretValue({"u", Token(2), Str("v2"), std::nullopt});
  EXPECT_EQ(put.error().reason, reason::kEncryptionFailure);
  k = *key_store_.GetKey(key->key_id).value();
  k.state = keys::KeyState::kEnabled;
  ASSERT_TRUE(key_store_.UpdateKey(k, std::nullopt).has_value());
  keys_.Invalidate(k.key_id);
  EXPECT_EQ(Value("u"), "v1");
}

TEST_F(SecretServiceTest, NamingTheDefaultKeyExplicitlyStillCountsAsDefault) {
  CreateSecretRequest r;
  r.name = "explicit-default";
  r.kms_key_id = "alias/aws/secretsmanager";
  r.value = Str("v");
  r.client_request_token = Token(1);
  ASSERT_TRUE(service_.CreateSecret(std::move(r)).has_value());
  EXPECT_EQ(service_.DescribeSecret("explicit-default")->kms_key_id, "");
}

TEST_F(SecretServiceTest, UpdateSecretWithValueRotatesLabels) {
  Create("u", "v1", 1);
  UpdateSecretRequest up;
  up.secret_id = "u";
  up.value = Str("v2");
  up.client_request_token = Token(2);
  auto r = service_.UpdateSecret(std::move(up));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->version_id, Token(2));
  EXPECT_EQ(Value("u"), "v2");
  EXPECT_EQ(Value("u", "AWSPREVIOUS"), "v1");
  UpdateSecretRequest nothing;
  nothing.secret_id = "u";
  auto n = service_.UpdateSecret(std::move(nothing));
  ASSERT_TRUE(n.has_value());
  EXPECT_FALSE(n->version_id.has_value());
}

TEST_F(SecretServiceTest, LastAccessedIsTheDayOfTheRead) {
  Create("la", "v", 1);
  EXPECT_FALSE(service_.DescribeSecret("la")->secret.last_accessed.has_value());
  Value("la");
  EXPECT_EQ(service_.DescribeSecret("la")->secret.last_accessed, StartOfDay(clock_.Now()));
}

TEST_F(SecretServiceTest, ValueSizeLimit) {
  CreateSecretRequest r;
  r.name = "big";
  r.client_request_token = Token(1);
  r.value = Str(std::string(65537, 'x'));
  EXPECT_EQ(service_.CreateSecret(std::move(r)).error().reason, reason::kInvalidParameter);
  CreateSecretRequest ok;
  ok.name = "max";
  ok.client_request_token = Token(2);
  ok.value = Str(std::string(65536, 'x'));
  EXPECT_TRUE(service_.CreateSecret(std::move(ok)).has_value());
}

}  // namespace
}  // namespace coffer::secrets
