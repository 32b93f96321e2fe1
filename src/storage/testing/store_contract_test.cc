// The contract of the storage ports (KeyStore, SecretStore), run against every backend.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "storage/memory/memory_access_key_store.h"
#include "storage/memory/memory_iam_store.h"
#include "storage/memory/memory_key_store.h"
#include "storage/memory/memory_secret_store.h"
#include "storage/sqlite/sqlite_access_key_store.h"
#include "storage/sqlite/sqlite_database.h"
#include "storage/sqlite/sqlite_iam_store.h"
#include "storage/sqlite/sqlite_key_store.h"
#include "storage/sqlite/sqlite_secret_store.h"

namespace coffer::storage {
namespace {

using secrets::Secret;
using secrets::SecretVersion;

// One backend under test: its stores, and how to wait for its asynchronous writes.
struct Backend {
  std::unique_ptr<sqlite::SqliteDatabase> db;
  std::unique_ptr<secrets::SecretStore> secrets;
  std::unique_ptr<keys::KeyStore> keys;
  std::unique_ptr<identity::AccessKeyStore> access_keys;
  std::unique_ptr<identity::IamStore> iam;
  std::function<void()> sync = [] {};
  std::filesystem::path dir;
  ~Backend() {
    secrets.reset();
    keys.reset();
    access_keys.reset();
    iam.reset();
    db.reset();
    if (!dir.empty()) std::filesystem::remove_all(dir);
  }
};

using BackendFactory = std::function<std::unique_ptr<Backend>()>;

std::unique_ptr<Backend> MakeMemory() {
  auto b = std::make_unique<Backend>();
  b->secrets = std::make_unique<memory::MemorySecretStore>();
  b->keys = std::make_unique<memory::MemoryKeyStore>();
  b->access_keys = std::make_unique<memory::MemoryAccessKeyStore>();
  b->iam = std::make_unique<memory::MemoryIamStore>();
  return b;
}

std::unique_ptr<Backend> MakeSqlite() {
  auto b = std::make_unique<Backend>();
  static int counter = 0;
  b->dir = std::filesystem::temp_directory_path() /
           ("coffer-contract-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  std::filesystem::create_directories(b->dir);
  auto db = sqlite::SqliteDatabase::Open({(b->dir / "coffer.db").string(), 4, 64});
  EXPECT_TRUE(db.has_value()) << db.error().message;
  b->db = std::move(db).value();
  b->secrets = std::make_unique<sqlite::SqliteSecretStore>(*b->db);
  b->keys = std::make_unique<sqlite::SqliteKeyStore>(*b->db);
  b->access_keys = std::make_unique<sqlite::SqliteAccessKeyStore>(*b->db);
  b->iam = std::make_unique<sqlite::SqliteIamStore>(*b->db);
  b->sync = [d = b->db.get()] { d->Flush(); };
  return b;
}

Timestamp T(int64_t ms) { return FromUnixMillis(1'700'000'000'000 + ms); }

Secret MakeSecret(const std::string& name, int64_t created_ms) {
  Secret s;
  s.name = name;
  s.arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:" + name + "-AbCdEf";
  s.created = T(created_ms);
  s.last_changed = T(created_ms);
  s.revision = 1;
  return s;
}

SecretVersion MakeVersion(std::string id, int64_t created_ms, std::string ct = "ciphertext") {
  SecretVersion v;
  v.version_id = std::move(id);
  v.created = T(created_ms);
  v.kms_key_arn = "arn:aws:kms:us-east-1:123456789012:key/k";
  v.ciphertext = std::move(ct);
  return v;
}

std::string BackendName(const ::testing::TestParamInfo<BackendFactory>& p) {
  return p.index == 0 ? "memory" : "sqlite";
}

class SecretStoreContractTest : public ::testing::TestWithParam<BackendFactory> {
 protected:
  void SetUp() override { b_ = GetParam()(); }
  secrets::SecretStore& store() { return *b_->secrets; }
  std::unique_ptr<Backend> b_;
};

TEST_P(SecretStoreContractTest, CreateThenFindReturnsEveryField) {
  Secret s = MakeSecret("app/db", 1);
  s.description = "desc";
  s.kms_key_id = "arn:aws:kms:us-east-1:123456789012:key/x";
  s.type = "t";
  s.tags = core::Tags{{"k", "v"}, {"e", ""}};
  s.stages = {{"AWSCURRENT", "v1"}};
  s.version_count = 1;
  ASSERT_TRUE(store().Create(s, MakeVersion("v1", 1)).has_value());
  for (auto found : {*store().FindByName("app/db"), *store().FindByArn(s.arn)}) {
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->arn, s.arn);
    EXPECT_EQ(found->description, "desc");
    EXPECT_EQ(found->kms_key_id, s.kms_key_id);
    EXPECT_EQ(found->type, "t");
    EXPECT_EQ(found->tags, s.tags);
    EXPECT_EQ(found->stages, s.stages);
    EXPECT_EQ(found->created, s.created);
    EXPECT_EQ(found->version_count, 1);
    EXPECT_EQ(found->revision, 1);
    EXPECT_FALSE(found->last_accessed.has_value());
  }
  EXPECT_FALSE(store().FindByName("app/d")->has_value());
  auto v = *store().GetVersion(s.arn, "v1");
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->ciphertext, "ciphertext");
  EXPECT_FALSE(store().GetVersion(s.arn, "v2")->has_value());
}

TEST_P(SecretStoreContractTest, ReadValueFindsVersionByIdOrStage) {
  Secret s = MakeSecret("rv", 1);
  s.tags = core::Tags{{"k", "v"}};
  s.resource_policy = R"({"Version":"2012-10-17"})";
  s.stages = {{"AWSCURRENT", "v2"}, {"OLD", "v1"}};
  ASSERT_TRUE(store().Create(s, MakeVersion("v1", 1, "one")).has_value());
  s.revision = 1;
  ASSERT_TRUE(store().Update(s, {MakeVersion("v2", 2, "two")}, {}).has_value());
  auto by_stage = store().ReadValue("rv", "", "AWSCURRENT")->value();
  EXPECT_EQ(by_stage.secret.arn, s.arn);
  // Tags and the resource policy come along: authorization of the read needs them.
  EXPECT_EQ(by_stage.secret.tags, s.tags);
  EXPECT_EQ(by_stage.secret.resource_policy, s.resource_policy);
  EXPECT_EQ(by_stage.secret.stages, s.stages);
  ASSERT_TRUE(by_stage.version.has_value());
  EXPECT_EQ(by_stage.version->ciphertext, "two");
  EXPECT_EQ(store().ReadValue("rv", "", "OLD")->value().version->version_id, "v1");
  EXPECT_EQ(store().ReadValue("rv", "v1", "AWSCURRENT")->value().version->ciphertext, "one");
  EXPECT_FALSE(store().ReadValue("rv", "", "NOPE")->value().version.has_value());
  EXPECT_FALSE(store().ReadValue("rv", "v9", "")->value().version.has_value());
  EXPECT_FALSE(store().ReadValue("missing", "", "AWSCURRENT")->has_value());
}

TEST_P(SecretStoreContractTest, ReadValueSeesEveryWriteAtOnce) {
  Secret s = MakeSecret("fresh", 1);
  s.stages = {{"AWSCURRENT", "v1"}};
  ASSERT_TRUE(store().Create(s, MakeVersion("v1", 1, "one")).has_value());
  EXPECT_EQ(store().ReadValue("fresh", "", "AWSCURRENT")->value().version->ciphertext, "one");
  s.revision = 1;
  s.stages = {{"AWSCURRENT", "v2"}, {"AWSPREVIOUS", "v1"}};
  ASSERT_TRUE(store().Update(s, {MakeVersion("v2", 2, "two")}, {}).has_value());
  EXPECT_EQ(store().ReadValue("fresh", "", "AWSCURRENT")->value().version->ciphertext, "two");
  store().RecordAccess(s.arn, "v2", T(86'400'000));
  b_->sync();
  EXPECT_EQ(store().ReadValue("fresh", "", "AWSCURRENT")->value().secret.last_accessed,
            T(86'400'000));
  ASSERT_TRUE(store().Purge(s.arn).has_value());
  EXPECT_FALSE(store().ReadValue("fresh", "", "AWSCURRENT")->has_value());
}

TEST_P(SecretStoreContractTest, ReadYourWritesUnderConcurrentReaders) {
  Secret s = MakeSecret("hot", 0);
  s.stages = {{"AWSCURRENT", "v0"}};
  ASSERT_TRUE(store().Create(s, MakeVersion("v0", 0, "c0")).has_value());
  std::atomic<bool> stop{false};
  std::vector<std::thread> readers;
  for (int t = 0; t < 4; ++t) {
    readers.emplace_back([&] {
      while (!stop.load()) (void)store().ReadValue("hot", "", "AWSCURRENT");
    });
  }
  int stale = 0;
  for (int i = 1; i <= 200; ++i) {
    s.revision = i;
    s.stages = {{"AWSCURRENT", "v" + std::to_string(i)}};
    ASSERT_TRUE(
        store()
            .Update(s, {MakeVersion("v" + std::to_string(i), i, "c" + std::to_string(i))}, {})
            .has_value());
    auto read = store().ReadValue("hot", "", "AWSCURRENT")->value();
    if (read.version->ciphertext != "c" + std::to_string(i)) ++stale;
  }
  stop = true;
  for (auto& r : readers) r.join();
  EXPECT_EQ(stale, 0) << "a read after an acknowledged write returned an older value";
}

TEST_P(SecretStoreContractTest, AbsentAndEmptyTagsDiffer) {
  Secret a = MakeSecret("a", 1), b = MakeSecret("b", 2);
  b.tags = core::Tags{};
  ASSERT_TRUE(store().Create(a, std::nullopt).has_value());
  ASSERT_TRUE(store().Create(b, std::nullopt).has_value());
  EXPECT_FALSE(store().FindByName("a")->value().tags.has_value());
  EXPECT_TRUE(store().FindByName("b")->value().tags.has_value());
}

TEST_P(SecretStoreContractTest, NamesAndArnsAreUnique) {
  ASSERT_TRUE(store().Create(MakeSecret("n", 1), std::nullopt).has_value());
  Secret same_name = MakeSecret("n", 2);
  same_name.arn += "x";
  EXPECT_EQ(store().Create(same_name, std::nullopt).error().code, ErrorCode::kAlreadyExists);
}

TEST_P(SecretStoreContractTest, UpdateIsCompareAndSetOnRevision) {
  Secret s = MakeSecret("u", 1);
  ASSERT_TRUE(store().Create(s, std::nullopt).has_value());
  s.description = "first";
  ASSERT_TRUE(store().Update(s, {}, {}).has_value());
  EXPECT_EQ(store().FindByName("u")->value().revision, 2);
  s.description = "stale";
  EXPECT_EQ(store().Update(s, {}, {}).error().code, ErrorCode::kAborted);
  EXPECT_EQ(store().FindByName("u")->value().description, "first");
  Secret gone = MakeSecret("gone", 1);
  EXPECT_EQ(store().Update(gone, {}, {}).error().code, ErrorCode::kNotFound);
}

TEST_P(SecretStoreContractTest, UpdateIsAtomic) {
  Secret s = MakeSecret("atomic", 1);
  ASSERT_TRUE(store().Create(s, MakeVersion("v1", 1)).has_value());
  s.description = "changed";
  // The second new version collides with an existing id: nothing may change.
  auto r = store().Update(s, {MakeVersion("v2", 2), MakeVersion("v1", 3)}, {});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kAlreadyExists);
  auto after = store().FindByName("atomic")->value();
  EXPECT_EQ(after.revision, 1);
  EXPECT_FALSE(after.description.has_value());
  EXPECT_FALSE(store().GetVersion(s.arn, "v2")->has_value());
}

TEST_P(SecretStoreContractTest, UpdateReplacesAndDeletesVersions) {
  Secret s = MakeSecret("r", 1);
  ASSERT_TRUE(store().Create(s, MakeVersion("v1", 1, "old")).has_value());
  ASSERT_TRUE(store().Update(s, {MakeVersion("v1", 1, "new"), MakeVersion("v2", 2)}, {"v1"}));
  EXPECT_EQ(store().GetVersion(s.arn, "v1")->value().ciphertext, "new");
  s.revision = 2;
  ASSERT_TRUE(store().Update(s, {}, {"v2"}).has_value());
  EXPECT_FALSE(store().GetVersion(s.arn, "v2")->has_value());
}

TEST_P(SecretStoreContractTest, ListVersionsNewestFirstWithCursor) {
  Secret s = MakeSecret("lv", 0);
  ASSERT_TRUE(store().Create(s, MakeVersion("a", 10)).has_value());
  ASSERT_TRUE(
      store().Update(s, {MakeVersion("b", 20), MakeVersion("c", 20), MakeVersion("d", 30)}, {}));
  auto page1 = *store().ListVersions(s.arn, std::nullopt, 2);
  ASSERT_EQ(page1.size(), 2u);
  EXPECT_EQ(page1[0].version_id, "d");
  EXPECT_EQ(page1[1].version_id, "c");
  EXPECT_TRUE(page1[0].ciphertext.empty());
  secrets::VersionCursor cur{ToUnixMillis(page1[1].created), page1[1].version_id};
  auto page2 = *store().ListVersions(s.arn, cur, 10);
  ASSERT_EQ(page2.size(), 2u);
  EXPECT_EQ(page2[0].version_id, "b");
  EXPECT_EQ(page2[1].version_id, "a");
  auto old = *store().OldVersions(s.arn, 1, T(25));
  EXPECT_EQ(old, (std::vector<std::string>{"c", "b", "a"}));
  EXPECT_EQ(*store().OldVersions(s.arn, 3, T(25)), (std::vector<std::string>{"a"}));
}

TEST_P(SecretStoreContractTest, ScanOrdersAndPages) {
  for (int i = 0; i < 5; ++i) {
    Secret s = MakeSecret(std::string(1, static_cast<char>('e' - i)), int64_t{i} * 10);
    ASSERT_TRUE(store().Create(s, std::nullopt).has_value());
  }
  Secret deleted = MakeSecret("z", 100);
  deleted.deleted = T(200);
  ASSERT_TRUE(store().Create(deleted, std::nullopt).has_value());

  secrets::SecretScan scan;
  scan.limit = 3;
  auto p1 = *store().Scan(scan);
  ASSERT_EQ(p1.size(), 3u);
  EXPECT_EQ(p1[0].name, "e");  // created first
  scan.after = secrets::ScanCursor{ToUnixMillis(p1[2].created), p1[2].name, p1[2].arn};
  auto p2 = *store().Scan(scan);
  ASSERT_EQ(p2.size(), 2u);
  EXPECT_EQ(p2[1].name, "a");

  secrets::SecretScan by_name;
  by_name.sort = secrets::SortKey::kName;
  by_name.descending = true;
  by_name.include_deleted = true;
  by_name.limit = 10;
  auto names = *store().Scan(by_name);
  ASSERT_EQ(names.size(), 6u);
  EXPECT_EQ(names[0].name, "z");
  EXPECT_EQ(names[5].name, "a");
  by_name.after = secrets::ScanCursor{0, "c", ""};
  auto after_c = *store().Scan(by_name);
  ASSERT_EQ(after_c.size(), 2u);
  EXPECT_EQ(after_c[0].name, "b");
}

TEST_P(SecretStoreContractTest, PurgeAndDueForPurge) {
  Secret s = MakeSecret("p", 1);
  s.deleted = T(10);
  s.purge_after = T(100);
  ASSERT_TRUE(store().Create(s, MakeVersion("v", 1)).has_value());
  EXPECT_TRUE(store().DueForPurge(T(99), 10)->empty());
  EXPECT_EQ(*store().DueForPurge(T(100), 10), std::vector<std::string>{s.arn});
  ASSERT_TRUE(store().Purge(s.arn).has_value());
  EXPECT_FALSE(store().FindByArn(s.arn)->has_value());
  EXPECT_FALSE(store().GetVersion(s.arn, "v")->has_value());
  EXPECT_TRUE(store().Purge(s.arn).has_value());
  // The name is free again.
  EXPECT_TRUE(store().Create(MakeSecret("p", 2), std::nullopt).has_value());
}

TEST_P(SecretStoreContractTest, RecordAccessSurvivesLaterUpdates) {
  Secret s = MakeSecret("acc", 1);
  ASSERT_TRUE(store().Create(s, MakeVersion("v", 1)).has_value());
  store().RecordAccess(s.arn, "v", T(86'400'000));
  b_->sync();
  auto found = store().FindByName("acc")->value();
  EXPECT_EQ(found.last_accessed, T(86'400'000));
  EXPECT_EQ(store().GetVersion(s.arn, "v")->value().last_accessed, T(86'400'000));
  s.description = "update from a stale copy";  // s.last_accessed is still empty
  ASSERT_TRUE(store().Update(s, {}, {}).has_value());
  EXPECT_EQ(store().FindByName("acc")->value().last_accessed, T(86'400'000));
}

INSTANTIATE_TEST_SUITE_P(Backends, SecretStoreContractTest,
                         ::testing::Values(BackendFactory(MakeMemory), BackendFactory(MakeSqlite)),
                         BackendName);

class KeyStoreContractTest : public ::testing::TestWithParam<BackendFactory> {
 protected:
  void SetUp() override { b_ = GetParam()(); }
  keys::KeyStore& store() { return *b_->keys; }
  std::unique_ptr<Backend> b_;

  static keys::Key MakeKey(const std::string& id) {
    keys::Key k;
    k.key_id = id;
    k.arn = "arn:aws:kms:us-east-1:123456789012:key/" + id;
    k.description = "d";
    k.created = T(1);
    k.policy = "{}";
    k.tags = {{"a", "b"}};
    return k;
  }
  static keys::KeyMaterial Material(const std::string& id, uint32_t v) {
    return keys::KeyMaterial{id, v, T(v), false, "sealed" + std::to_string(v)};
  }
};

TEST_P(KeyStoreContractTest, KeysRoundTripAndList) {
  ASSERT_TRUE(store().CreateKey(MakeKey("b"), Material("b", 1)).has_value());
  ASSERT_TRUE(store().CreateKey(MakeKey("a"), Material("a", 1)).has_value());
  EXPECT_EQ(store().CreateKey(MakeKey("a"), Material("a", 1)).error().code,
            ErrorCode::kAlreadyExists);
  auto k = store().GetKey("a")->value();
  EXPECT_EQ(k.tags, (core::Tags{{"a", "b"}}));
  EXPECT_EQ(k.revision, 1);
  auto listed = *store().ListKeys("", 10);
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].key_id, "a");
  EXPECT_EQ(store().ListKeys("a", 10)->size(), 1u);
  EXPECT_EQ(store().GetMaterial("a", 1)->value().sealed, "sealed1");
}

TEST_P(KeyStoreContractTest, UpdateKeyIsCompareAndSetAndAddsMaterial) {
  ASSERT_TRUE(store().CreateKey(MakeKey("k"), Material("k", 1)).has_value());
  keys::Key k = store().GetKey("k")->value();
  k.state = keys::KeyState::kDisabled;
  k.current_material = 2;
  ASSERT_TRUE(store().UpdateKey(k, Material("k", 2)).has_value());
  EXPECT_EQ(store().UpdateKey(k, std::nullopt).error().code, ErrorCode::kAborted);
  auto stored = store().GetKey("k")->value();
  EXPECT_EQ(stored.state, keys::KeyState::kDisabled);
  EXPECT_EQ(stored.revision, 2);
  EXPECT_EQ(store().ListMaterials("k")->size(), 2u);
}

TEST_P(KeyStoreContractTest, AliasesAndDeleteKeyCascade) {
  ASSERT_TRUE(store().CreateKey(MakeKey("k"), Material("k", 1)).has_value());
  ASSERT_TRUE(store().CreateAlias({"alias/x", "k", T(1), T(1)}).has_value());
  ASSERT_TRUE(store().CreateAlias({"alias/y", "k", T(1), T(1)}).has_value());
  EXPECT_EQ(store().CreateAlias({"alias/x", "k", T(1), T(1)}).error().code,
            ErrorCode::kAlreadyExists);
  ASSERT_TRUE(store().UpdateAlias({"alias/x", "other", T(1), T(2)}).has_value());
  EXPECT_EQ(store().GetAlias("alias/x")->value().key_id, "other");
  EXPECT_EQ(store().UpdateAlias({"alias/none", "k", T(1), T(2)}).error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(store().ListAliases("k", "", 10)->size(), 1u);
  EXPECT_EQ(store().ListAliases("", "alias/x", 10)->size(), 1u);
  ASSERT_TRUE(store().DeleteKey("k").has_value());
  EXPECT_FALSE(store().GetKey("k")->has_value());
  EXPECT_FALSE(store().GetAlias("alias/y")->has_value());
  EXPECT_TRUE(store().ListMaterials("k")->empty());
}

TEST_P(KeyStoreContractTest, KeyringTerms) {
  ASSERT_TRUE(store().AddKeyringTerm({1, T(1), "one"}).has_value());
  ASSERT_TRUE(store().AddKeyringTerm({2, T(2), "two"}).has_value());
  EXPECT_EQ(store().AddKeyringTerm({2, T(2), "dup"}).error().code, ErrorCode::kAlreadyExists);
  ASSERT_TRUE(store().ReplaceKeyringTerms({{1, T(1), "ONE"}, {2, T(2), "TWO"}}).has_value());
  auto terms = *store().ListKeyringTerms();
  ASSERT_EQ(terms.size(), 2u);
  EXPECT_EQ(terms[0].sealed, "ONE");
  EXPECT_EQ(terms[1].sealed, "TWO");
}

TEST_P(KeyStoreContractTest, PendingRootRotationCommitsAtomically) {
  ASSERT_TRUE(store().AddKeyringTerm({1, T(1), "one"}).has_value());
  ASSERT_TRUE(store().AddKeyringTerm({2, T(2), "two"}).has_value());
  EXPECT_FALSE(store().GetPendingRootRotation()->has_value());
  keys::PendingRootRotation p{"nonce-1", T(5), {{1, T(1), "ONE"}, {2, T(2), "TWO"}}};
  ASSERT_TRUE(store().PutPendingRootRotation(p).has_value());
  b_->sync();
  auto got = store().GetPendingRootRotation()->value();
  EXPECT_EQ(got.nonce, "nonce-1");
  EXPECT_EQ(got.created, T(5));
  ASSERT_EQ(got.terms.size(), 2u);
  EXPECT_EQ(got.terms[0].term, 1u);
  EXPECT_EQ(got.terms[0].created, T(1));
  EXPECT_EQ(got.terms[1].sealed, "TWO");
  // The live terms are untouched while it is pending.
  EXPECT_EQ(store().ListKeyringTerms()->at(0).sealed, "one");
  EXPECT_EQ(store().PutPendingRootRotation({"nonce-2", T(6), p.terms}).error().code,
            ErrorCode::kAlreadyExists);
  auto refused = store().AddKeyringTerm({3, T(3), "three"});
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(refused.error().reason, "ROOT_ROTATION_PENDING");
  EXPECT_EQ(store().ListKeyringTerms()->size(), 2u);
  EXPECT_EQ(store().CommitPendingRootRotation("nonce-2").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store().ListKeyringTerms()->at(0).sealed, "one");

  ASSERT_TRUE(store().CommitPendingRootRotation("nonce-1").has_value());
  auto terms = *store().ListKeyringTerms();
  ASSERT_EQ(terms.size(), 2u);
  EXPECT_EQ(terms[0].sealed, "ONE");
  EXPECT_EQ(terms[0].created, T(1));
  EXPECT_EQ(terms[1].sealed, "TWO");
  EXPECT_FALSE(store().GetPendingRootRotation()->has_value());
  EXPECT_EQ(store().CommitPendingRootRotation("nonce-1").error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(store().AddKeyringTerm({3, T(3), "three"}).has_value());
}

TEST_P(KeyStoreContractTest, PendingRootRotationMustCoverEveryTermAndCanBeDeleted) {
  ASSERT_TRUE(store().AddKeyringTerm({1, T(1), "one"}).has_value());
  ASSERT_TRUE(store().AddKeyringTerm({2, T(2), "two"}).has_value());
  EXPECT_EQ(store().PutPendingRootRotation({"n", T(5), {{1, T(1), "ONE"}}}).error().code,
            ErrorCode::kFailedPrecondition);
  EXPECT_EQ(
      store()
          .PutPendingRootRotation({"n", T(5), {{1, T(1), "ONE"}, {2, T(2), "2"}, {3, T(3), "3"}}})
          .error()
          .code,
      ErrorCode::kFailedPrecondition);
  EXPECT_FALSE(store().GetPendingRootRotation()->has_value());
  EXPECT_EQ(store().DeletePendingRootRotation().error().code, ErrorCode::kNotFound);
  ASSERT_TRUE(store()
                  .PutPendingRootRotation({"n", T(5), {{1, T(1), "ONE"}, {2, T(2), "TWO"}}})
                  .has_value());
  ASSERT_TRUE(store().DeletePendingRootRotation().has_value());
  EXPECT_FALSE(store().GetPendingRootRotation()->has_value());
  EXPECT_EQ(store().CommitPendingRootRotation("n").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store().ListKeyringTerms()->at(1).sealed, "two");
  // A new rotation may start once the old one is gone, and sees none of its rows.
  ASSERT_TRUE(store()
                  .PutPendingRootRotation({"m", T(6), {{1, T(1), "uno"}, {2, T(2), "dos"}}})
                  .has_value());
  EXPECT_EQ(store().GetPendingRootRotation()->value().terms[1].sealed, "dos");
}

INSTANTIATE_TEST_SUITE_P(Backends, KeyStoreContractTest,
                         ::testing::Values(BackendFactory(MakeMemory), BackendFactory(MakeSqlite)),
                         BackendName);

class AccessKeyStoreContractTest : public ::testing::TestWithParam<BackendFactory> {
 protected:
  void SetUp() override { b_ = GetParam()(); }
  identity::AccessKeyStore& store() { return *b_->access_keys; }
  std::unique_ptr<Backend> b_;
};

TEST_P(AccessKeyStoreContractTest, PutGetListDelete) {
  identity::AccessKeyRecord r;
  r.access_key_id = "AKIAAAAAAAAAAAAAAAAA";
  r.principal.type = identity::PrincipalType::kUser;
  r.principal.arn = "arn:aws:iam::123456789012:user/alice";
  r.principal.principal_id = "AIDAEXAMPLE";
  r.principal.account_id = "123456789012";
  r.principal.name = "alice";
  r.sealed_secret = std::string("\x00sealed", 7);
  r.created = T(5);
  r.expires = T(99);
  ASSERT_TRUE(store().Put(r).has_value());
  auto got = store().Get(r.access_key_id)->value();
  EXPECT_EQ(got.principal.arn, r.principal.arn);
  EXPECT_EQ(got.principal.type, identity::PrincipalType::kUser);
  EXPECT_EQ(got.principal.name, "alice");
  EXPECT_EQ(got.sealed_secret, r.sealed_secret);
  EXPECT_EQ(got.expires, T(99));
  r.active = false;
  ASSERT_TRUE(store().Put(r).has_value());  // replaces
  EXPECT_FALSE(store().Get(r.access_key_id)->value().active);
  EXPECT_EQ(store().ListFor(r.principal.arn)->size(), 1u);
  EXPECT_TRUE(store().ListFor("arn:aws:iam::123456789012:user/bob")->empty());
  ASSERT_TRUE(store().Delete(r.access_key_id).has_value());
  EXPECT_FALSE(store().Get(r.access_key_id)->has_value());
}

INSTANTIATE_TEST_SUITE_P(Backends, AccessKeyStoreContractTest,
                         ::testing::Values(BackendFactory(MakeMemory), BackendFactory(MakeSqlite)),
                         BackendName);

}  // namespace
class IamStoreContractTest : public ::testing::TestWithParam<BackendFactory> {
 protected:
  void SetUp() override { b_ = GetParam()(); }
  identity::IamStore& store() { return *b_->iam; }
  std::unique_ptr<Backend> b_;
};

TEST_P(IamStoreContractTest, EveryEntityRoundTripsAndDeletes) {
  identity::User u;
  u.name = "Alice";
  u.user_id = "AIDAEXAMPLE";
  u.path = "/eng/";
  u.arn = "arn:aws:iam::123456789012:user/eng/Alice";
  u.created = T(1);
  u.tags = {{"team", "db"}};
  u.policies.inline_policies["p"] = R"({"Statement":[]})";
  u.policies.attached = {"arn:aws:iam::123456789012:policy/x"};
  identity::Role r;
  r.name = "reader";
  r.role_id = "AROAEXAMPLE";
  r.arn = "arn:aws:iam::123456789012:role/reader";
  r.description = "d";
  r.assume_role_policy = "{}";
  r.max_session_duration_seconds = 7200;
  r.created = T(2);
  identity::ManagedPolicy mp;
  mp.name = "x";
  mp.policy_id = "ANPAEXAMPLE";
  mp.arn = "arn:aws:iam::123456789012:policy/x";
  mp.default_version_id = "v2";
  mp.versions = {{"v1", "{1}", T(3)}, {"v2", "{2}", T(4)}};
  mp.next_version = 3;
  mp.created = T(3);
  mp.updated = T(4);
  identity::OidcProvider p;
  p.arn = "arn:aws:iam::123456789012:oidc-provider/issuer.example/id/1";
  p.url = "https://issuer.example/id/1";
  p.client_ids = {"sts.amazonaws.com"};
  p.thumbprints = {std::string(40, 'a')};
  p.jwks = R"({"keys":[]})";
  p.created = T(5);
  ASSERT_TRUE(store().PutUser(u).has_value());
  ASSERT_TRUE(store().PutRole(r).has_value());
  ASSERT_TRUE(store().PutPolicy(mp).has_value());
  ASSERT_TRUE(store().PutProvider(p).has_value());
  b_->sync();

  auto all = store().LoadAll();
  ASSERT_TRUE(all.has_value());
  ASSERT_EQ(all->users.size(), 1u);
  EXPECT_EQ(all->users[0].arn, u.arn);
  EXPECT_EQ(all->users[0].tags, u.tags);
  EXPECT_EQ(all->users[0].policies.inline_policies, u.policies.inline_policies);
  EXPECT_EQ(all->users[0].policies.attached, u.policies.attached);
  EXPECT_EQ(all->users[0].created, u.created);
  ASSERT_EQ(all->roles.size(), 1u);
  EXPECT_EQ(all->roles[0].max_session_duration_seconds, 7200);
  EXPECT_EQ(all->roles[0].assume_role_policy, "{}");
  ASSERT_EQ(all->policies.size(), 1u);
  ASSERT_EQ(all->policies[0].versions.size(), 2u);
  EXPECT_EQ(all->policies[0].versions[1].document, "{2}");
  EXPECT_EQ(all->policies[0].DefaultVersion()->version_id, "v2");
  ASSERT_EQ(all->providers.size(), 1u);
  EXPECT_EQ(all->providers[0].client_ids, p.client_ids);
  EXPECT_EQ(all->providers[0].jwks, p.jwks);

  // Users and roles are keyed without case: a put under another spelling replaces.
  u.name = "ALICE";
  ASSERT_TRUE(store().PutUser(u).has_value());
  EXPECT_EQ(store().LoadAll()->users.size(), 1u);
  ASSERT_TRUE(store().DeleteUser("alice").has_value());
  ASSERT_TRUE(store().DeleteRole("reader").has_value());
  ASSERT_TRUE(store().DeletePolicy(mp.arn).has_value());
  ASSERT_TRUE(store().DeleteProvider(p.arn).has_value());
  ASSERT_TRUE(store().DeleteProvider(p.arn).has_value());  // absent: not an error
  auto none = store().LoadAll();
  EXPECT_TRUE(none->users.empty() && none->roles.empty() && none->policies.empty() &&
              none->providers.empty());
}

INSTANTIATE_TEST_SUITE_P(Backends, IamStoreContractTest,
                         ::testing::Values(BackendFactory(MakeMemory), BackendFactory(MakeSqlite)),
                         BackendName);

}  // namespace coffer::storage
