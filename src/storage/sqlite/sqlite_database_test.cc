#include "storage/sqlite/sqlite_database.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>
#include <vector>

#include "storage/sqlite/migrations.h"

namespace coffer::storage::sqlite {
namespace {

class SqliteDatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("coffer-sqlite-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Path() { return (dir_ / "t.db").string(); }
  std::filesystem::path dir_;
};

Result<void> Insert(Connection& c, const std::string& key) {
  COFFER_ASSIGN_OR_RETURN(Statement st, c.Prepare("INSERT INTO meta(key, value) VALUES(?1, 'v')"));
  st.Bind(1, key);
  return st.Run();
}

TEST_F(SqliteDatabaseTest, ConcurrentWritersShareCommits) {
  auto db = SqliteDatabase::Open({Path(), 4, 512});
  ASSERT_TRUE(db.has_value()) << db.error().message;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 32; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) {
        std::string key = "k" + std::to_string(t) + "-" + std::to_string(i);
        if (!(*db)->Write([&](Connection& c) { return Insert(c, key); }).has_value()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ((*db)->writes_committed(), 640u);
  EXPECT_LT((*db)->commits(), 640u) << "no two writers ever shared a commit";
  auto count = (*db)->Read([](Connection& c) -> Result<int64_t> {
    COFFER_ASSIGN_OR_RETURN(Statement st, c.Prepare("SELECT count(*) FROM meta"));
    COFFER_ASSIGN_OR_RETURN(bool row, st.Step());
    (void)row;
    return st.Int(0);
  });
  EXPECT_EQ(*count, 640);
}

TEST_F(SqliteDatabaseTest, FailingJobDoesNotUndoItsBatchNeighbours) {
  auto db = *SqliteDatabase::Open({Path(), 2, 512});
  ASSERT_TRUE(db->Write([](Connection& c) { return Insert(c, "dup"); }).has_value());
  std::vector<std::thread> threads;
  std::atomic<int> ok{0}, dup{0};
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&, t] {
      auto r = db->Write([&](Connection& c) -> Result<void> {
        if (t % 2 == 0) return Insert(c, "dup");
        return Insert(c, "u" + std::to_string(t));
      });
      if (r.has_value()) {
        ++ok;
      } else if (r.error().code == ErrorCode::kAlreadyExists) {
        ++dup;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 8);
  EXPECT_EQ(dup.load(), 8);
}

TEST_F(SqliteDatabaseTest, DataSurvivesReopenAndSchemaIsVersioned) {
  {
    auto db = *SqliteDatabase::Open({Path(), 1, 8});
    ASSERT_TRUE(db->Write([](Connection& c) { return Insert(c, "persisted"); }).has_value());
  }
  auto db = *SqliteDatabase::Open({Path(), 1, 8});
  auto found = db->Read([](Connection& c) -> Result<bool> {
    COFFER_ASSIGN_OR_RETURN(Statement st, c.Prepare("SELECT 1 FROM meta WHERE key = 'persisted'"));
    return st.Step();
  });
  EXPECT_TRUE(*found);
  auto version = db->Read([](Connection& c) -> Result<int64_t> {
    COFFER_ASSIGN_OR_RETURN(Statement st, c.Prepare("PRAGMA user_version"));
    COFFER_ASSIGN_OR_RETURN(bool row, st.Step());
    (void)row;
    return st.Int(0);
  });
  EXPECT_EQ(*version, LatestSchemaVersion());
}

TEST_F(SqliteDatabaseTest, RefusesNewerSchema) {
  {
    auto db = *SqliteDatabase::Open({Path(), 1, 8});
    ASSERT_TRUE(db->Write([](Connection& c) { return c.Exec("PRAGMA user_version = 999"); }));
  }
  auto db = SqliteDatabase::Open({Path(), 1, 8});
  ASSERT_FALSE(db.has_value());
  EXPECT_EQ(db.error().code, ErrorCode::kFailedPrecondition);
}

TEST_F(SqliteDatabaseTest, AsyncWritesLandAfterFlush) {
  auto db = *SqliteDatabase::Open({Path(), 1, 8});
  for (int i = 0; i < 10; ++i) {
    db->WriteAsync([i](Connection& c) { return Insert(c, "a" + std::to_string(i)); });
  }
  db->Flush();
  auto count = db->Read([](Connection& c) -> Result<int64_t> {
    COFFER_ASSIGN_OR_RETURN(Statement st, c.Prepare("SELECT count(*) FROM meta"));
    COFFER_ASSIGN_OR_RETURN(bool row, st.Step());
    (void)row;
    return st.Int(0);
  });
  EXPECT_EQ(*count, 10);
}

}  // namespace
}  // namespace coffer::storage::sqlite
