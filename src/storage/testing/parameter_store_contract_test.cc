// The contract of the ParameterStore port, run against every backend.
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "core/parameters/parameter_name.h"
#include "storage/memory/memory_parameter_store.h"
#include "storage/sqlite/sqlite_database.h"
#include "storage/sqlite/sqlite_parameter_store.h"

namespace coffer::storage {
namespace {

using parameters::Parameter;
using parameters::ParameterVersion;
using parameters::PathScan;
using parameters::Selector;

struct ParameterBackend {
  std::unique_ptr<sqlite::SqliteDatabase> db;
  std::unique_ptr<parameters::ParameterStore> store;
  std::filesystem::path dir;
  ~ParameterBackend() {
    store.reset();
    db.reset();
    if (!dir.empty()) std::filesystem::remove_all(dir);
  }
};
using Factory = std::function<std::unique_ptr<ParameterBackend>()>;

std::unique_ptr<ParameterBackend> MakeMemory() {
  auto b = std::make_unique<ParameterBackend>();
  b->store = std::make_unique<memory::MemoryParameterStore>();
  return b;
}

std::unique_ptr<ParameterBackend> MakeSqlite(size_t cache_entries) {
  auto b = std::make_unique<ParameterBackend>();
  static int counter = 0;
  b->dir =
      std::filesystem::temp_directory_path() /
      ("coffer-param-contract-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  std::filesystem::create_directories(b->dir);
  auto db = sqlite::SqliteDatabase::Open({(b->dir / "coffer.db").string(), 4, 64});
  EXPECT_TRUE(db.has_value()) << db.error().message;
  b->db = std::move(db).value();
  b->store = std::make_unique<sqlite::SqliteParameterStore>(*b->db, cache_entries);
  return b;
}

Parameter MakeParameter(const std::string& path) {
  Parameter p;
  p.path = path;
  p.name = path;
  p.arn = "arn:aws:ssm:us-east-1:123456789012:parameter" + path;
  p.version = 1;
  p.version_count = 1;
  p.latest.last_modified = FromUnixMillis(1'700'000'000'000);
  p.latest.last_modified_user = "arn:aws:iam::123456789012:root";
  p.revision = 1;
  return p;
}

ParameterVersion MakeVersion(int64_t n, const std::string& value) {
  ParameterVersion v;
  v.version = n;
  v.attributes.last_modified = FromUnixMillis(1'700'000'000'000 + n);
  v.attributes.last_modified_user = "arn:aws:iam::123456789012:root";
  v.value = value;
  return v;
}

class ParameterStoreContractTest : public ::testing::TestWithParam<Factory> {
 protected:
  void SetUp() override { b_ = GetParam()(); }
  parameters::ParameterStore& store() { return *b_->store; }
  void Put(const std::string& path, const std::string& value = "v") {
    ASSERT_TRUE(store().Create(MakeParameter(path), MakeVersion(1, value)).has_value()) << path;
  }
  std::vector<std::string> Paths(const PathScan& scan) {
    auto rows = store().Scan(scan);
    EXPECT_TRUE(rows.has_value());
    std::vector<std::string> out;
    for (const auto& r : *rows) out.push_back(r.parameter.path);
    return out;
  }
  std::unique_ptr<ParameterBackend> b_;
};

TEST_P(ParameterStoreContractTest, CreateThenReadReturnsEveryField) {
  Parameter p = MakeParameter("/app/db/url");
  p.name = "/app/db/url";
  p.tags = {{"env", "prod"}, {"team", ""}};
  p.latest.type = parameters::ParameterType::kSecureString;
  p.latest.description = "desc";
  p.latest.allowed_pattern = "^a";
  p.latest.key_id = "alias/aws/ssm";
  p.latest.tier = parameters::Tier::kAdvanced;
  p.latest.policies = {{"Expiration", "{\"Type\":\"Expiration\"}"}};
  p.latest.data_type = "text";
  ParameterVersion v = MakeVersion(1, std::string("\x00\x01\xff", 3));
  v.attributes = p.latest;
  ASSERT_TRUE(store().Create(p, v).has_value());
  auto read = store().Read("/app/db/url", Selector{});
  ASSERT_TRUE(read.has_value() && read->has_value());
  const auto& got = **read;
  EXPECT_EQ(got.parameter.name, p.name);
  EXPECT_EQ(got.parameter.arn, p.arn);
  EXPECT_EQ(got.parameter.tags, p.tags);
  EXPECT_EQ(got.parameter.revision, 1);
  EXPECT_EQ(got.parameter.latest, p.latest);
  ASSERT_TRUE(got.version.has_value());
  EXPECT_EQ(got.version->value, v.value);
  EXPECT_EQ(got.version->attributes, v.attributes);
  auto found = store().Find("/app/db/url");
  ASSERT_TRUE(found.has_value() && found->has_value());
  EXPECT_EQ((*found)->latest, p.latest);
}

TEST_P(ParameterStoreContractTest, CreateTwiceIsAlreadyExists) {
  Put("/x");
  auto again = store().Create(MakeParameter("/x"), MakeVersion(1, "v"));
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists);
}

TEST_P(ParameterStoreContractTest, MissingParameterReadsAsNothing) {
  auto read = store().Read("/nope", Selector{});
  ASSERT_TRUE(read.has_value());
  EXPECT_FALSE(read->has_value());
  auto found = store().Find("/nope");
  ASSERT_TRUE(found.has_value());
  EXPECT_FALSE(found->has_value());
}

TEST_P(ParameterStoreContractTest, UpdateIsCompareAndSetAndSelectorsReadOldVersions) {
  Put("/p", "one");
  Parameter p = *store().Find("/p").value();
  p.version = 2;
  p.version_count = 2;
  p.labels = {{"prod", 1}};
  ASSERT_TRUE(store().Update(p, {MakeVersion(2, "two")}, {}).has_value());
  auto stale = store().Update(p, {MakeVersion(3, "three")}, {});
  ASSERT_FALSE(stale.has_value());
  EXPECT_EQ(stale.error().code, ErrorCode::kAborted);

  EXPECT_EQ(store().Read("/p", Selector{}).value()->version->value, "two");
  EXPECT_EQ(store().Read("/p", Selector{1, {}}).value()->version->value, "one");
  EXPECT_EQ(store().Read("/p", Selector{{}, "prod"}).value()->version->value, "one");
  EXPECT_FALSE(store().Read("/p", Selector{{}, "nope"}).value()->version.has_value());
  EXPECT_FALSE(store().Read("/p", Selector{7, {}}).value()->version.has_value());
  EXPECT_EQ(store().Find("/p").value()->revision, 2);
}

TEST_P(ParameterStoreContractTest, UpdateDeletesVersionsAndHistoryPages) {
  Put("/h", "v1");
  for (int64_t n = 2; n <= 5; ++n) {
    Parameter p = *store().Find("/h").value();
    p.version = n;
    p.version_count = n;
    ASSERT_TRUE(store().Update(p, {MakeVersion(n, "v" + std::to_string(n))}, {}).has_value());
  }
  Parameter p = *store().Find("/h").value();
  p.version_count -= 1;
  ASSERT_TRUE(store().Update(p, {}, {1}).has_value());
  auto first = store().History("/h", 0, 2);
  ASSERT_TRUE(first.has_value());
  ASSERT_EQ(first->size(), 2u);
  EXPECT_EQ((*first)[0].version, 2);
  EXPECT_EQ((*first)[0].value, "v2");
  auto rest = store().History("/h", 3, 10);
  ASSERT_EQ(rest->size(), 2u);
  EXPECT_EQ((*rest)[1].version, 5);
}

TEST_P(ParameterStoreContractTest, UpdateOfMissingParameterIsNotFound) {
  auto r = store().Update(MakeParameter("/gone"), {}, {});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
}

TEST_P(ParameterStoreContractTest, DeleteRemovesParameterAndVersions) {
  Put("/d");
  ASSERT_TRUE(store().Delete("/d").has_value());
  EXPECT_FALSE(store().Find("/d").value().has_value());
  EXPECT_TRUE(store().History("/d", 0, 10).value().empty());
  auto again = store().Delete("/d");
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, ErrorCode::kNotFound);
  Put("/d", "new");  // the path is free again
  EXPECT_EQ(store().Read("/d", Selector{}).value()->version->value, "new");
}

TEST_P(ParameterStoreContractTest, ScanOneLevelAndRecursiveInPathOrder) {
  for (const char* p : {"/a/b", "/a/c/d", "/a/c/e/f", "/a-b", "/a/a", "/b", "/ab/x", "/top"})
    Put(p);
  EXPECT_EQ(Paths({"/a/", true, {}, 100, false}), (std::vector<std::string>{"/a/a", "/a/b"}));
  EXPECT_EQ(Paths({"/a/", false, {}, 100, false}),
            (std::vector<std::string>{"/a/a", "/a/b", "/a/c/d", "/a/c/e/f"}));
  EXPECT_EQ(Paths({"/", true, {}, 100, false}), (std::vector<std::string>{"/a-b", "/b", "/top"}));
  EXPECT_EQ(Paths({"/", false, {}, 3, false}), (std::vector<std::string>{"/a-b", "/a/a", "/a/b"}));
  // A name prefix that is not a path.
  EXPECT_EQ(Paths({"/a", false, {}, 100, false}),
            (std::vector<std::string>{"/a-b", "/a/a", "/a/b", "/a/c/d", "/a/c/e/f", "/ab/x"}));
}

TEST_P(ParameterStoreContractTest, ScanPagesByKeysetWithValues) {
  for (int i = 0; i < 25; ++i) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "/t/p%02d", i);
    Put(buf, std::string("value") + buf);
  }
  std::vector<std::string> all;
  PathScan scan{"/t/", false, std::nullopt, 10, true};
  for (int page = 0; page < 5; ++page) {
    auto rows = store().Scan(scan);
    ASSERT_TRUE(rows.has_value());
    for (const auto& r : *rows) {
      ASSERT_TRUE(r.version.has_value());
      EXPECT_EQ(r.version->value, "value" + r.parameter.path);
      all.push_back(r.parameter.path);
    }
    if (rows->size() < scan.limit) break;
    scan.after = rows->back().parameter.path;
  }
  ASSERT_EQ(all.size(), 25u);
  EXPECT_EQ(all.front(), "/t/p00");
  EXPECT_EQ(all.back(), "/t/p24");
}

TEST_P(ParameterStoreContractTest, ReadAfterWriteSeesTheWrite) {
  // With a read cache, a write must invalidate what was cached before it.
  Put("/c", "one");
  EXPECT_EQ(store().Read("/c", Selector{}).value()->version->value, "one");
  Parameter p = *store().Find("/c").value();
  p.version = 2;
  p.version_count = 2;
  ASSERT_TRUE(store().Update(p, {MakeVersion(2, "two")}, {}).has_value());
  EXPECT_EQ(store().Read("/c", Selector{}).value()->version->value, "two");
  ASSERT_TRUE(store().Delete("/c").has_value());
  EXPECT_FALSE(store().Read("/c", Selector{}).value().has_value());
}

TEST_P(ParameterStoreContractTest, ConcurrentCompareAndSetLosesNoUpdate) {
  Put("/n");
  constexpr int kThreads = 4, kEach = 10;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        while (true) {
          Parameter p = *store().Find("/n").value();
          p.tags.push_back({"t" + std::to_string(t) + "-" + std::to_string(i), ""});
          auto r = store().Update(p, {}, {});
          if (r.has_value()) break;
          ASSERT_EQ(r.error().code, ErrorCode::kAborted);
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(store().Find("/n").value()->tags.size(), static_cast<size_t>(kThreads * kEach));
}

INSTANTIATE_TEST_SUITE_P(
    Backends, ParameterStoreContractTest,
    ::testing::Values(Factory(MakeMemory), Factory([] { return MakeSqlite(0); }),
                      Factory([] { return MakeSqlite(1000); })),
    [](const ::testing::TestParamInfo<Factory>& p) {
      return std::string(p.index == 0 ? "memory" : p.index == 1 ? "sqlite" : "sqlite_cached");
    });

}  // namespace
}  // namespace coffer::storage
