#ifndef COFFER_STORAGE_SQLITE_SQLITE_DATABASE_H_
#define COFFER_STORAGE_SQLITE_SQLITE_DATABASE_H_

#include <sqlite3.h>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "base/result.h"
#include "base/thread_annotations.h"

namespace coffer::storage::sqlite {

class Connection;

// A prepared statement borrowed from a connection's cache; reset and unbound when destroyed.
// Columns and parameters are 0-based / 1-based as in SQLite's C API.
class Statement {
 public:
  Statement(sqlite3_stmt* stmt, sqlite3* db) : stmt_(stmt), db_(db) {}
  Statement(Statement&& o) noexcept : stmt_(o.stmt_), db_(o.db_) { o.stmt_ = nullptr; }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  Statement& Bind(int i, int64_t v);
  Statement& Bind(int i, std::string_view text);
  Statement& Bind(int i, const std::string& text) { return Bind(i, std::string_view(text)); }
  Statement& Bind(int i, const char* text) { return Bind(i, std::string_view(text)); }
  Statement& BindBlob(int i, std::string_view bytes);
  Statement& BindNull(int i);
  Statement& Bind(int i, const std::optional<std::string>& text);
  Statement& Bind(int i, const std::optional<int64_t>& v);

  // True while a row is available; kInternal/kUnavailable on errors.
  Result<bool> Step();
  // Runs to completion (for statements that return no rows).
  Result<void> Run();

  int64_t Int(int col) const;
  std::optional<int64_t> OptInt(int col) const;
  std::string Text(int col) const;
  std::optional<std::string> OptText(int col) const;
  std::string Blob(int col) const;
  bool IsNull(int col) const;

 private:
  sqlite3_stmt* stmt_;
  sqlite3* db_;
};

// One SQLite connection and its prepared-statement cache. Used by one thread at a time.
class Connection {
 public:
  // `page_size` (writable connections only) applies if the database is still empty.
  static Result<std::unique_ptr<Connection>> Open(const std::string& path, bool read_only,
                                                  int page_size = 0);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  Result<Statement> Prepare(std::string_view sql);
  Result<void> Exec(const char* sql);
  int64_t Changes() const { return sqlite3_changes64(db_); }
  sqlite3* raw() const { return db_; }

 private:
  explicit Connection(sqlite3* db) : db_(db) {}
  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

// A read transaction on a read connection: one snapshot (and one set of file locks) for several
// statements. Ends (COMMIT) when destroyed.
class ReadTransaction {
 public:
  explicit ReadTransaction(Connection& c) : c_(c) {}
  ~ReadTransaction();
  ReadTransaction(const ReadTransaction&) = delete;
  ReadTransaction& operator=(const ReadTransaction&) = delete;
  Result<void> Begin();

 private:
  Connection& c_;
  bool open_ = false;
};

// Maps a SQLite result code to an Error. Constraint violations become kAlreadyExists; a full
// disk or I/O error becomes kUnavailable. The message never contains SQL or values.
Error SqliteError(int rc, std::string_view what);

// The embedded database: a pool of read connections and one writer thread doing group commit.
// Every Write() joins the next transaction; when several callers wait, they share one commit and
// one WAL fsync (synchronous=FULL), and each runs in its own savepoint so one failing job does
// not undo the others. Write() returns only when its commit is durable. Thread-safe.
class SqliteDatabase {
 public:
  using WriteFn = std::function<Result<void>(Connection&)>;

  struct Options {
    std::string path;
    size_t read_connections = 8;
    size_t max_batch = 512;
    // Page size of a new database. Small pages keep the WAL bytes (and so the fsync) of a
    // commit small: a put dirties a few random pages.
    int page_size = 4096;
    int writer_cache_kib = 32768;
  };

  // Opens (creating if needed) and migrates the database.
  static Result<std::unique_ptr<SqliteDatabase>> Open(const Options& options);
  ~SqliteDatabase();

  // Runs `fn` on a read connection. Each statement sees a committed snapshot.
  template <class F>
  auto Read(F&& fn) -> decltype(fn(std::declval<Connection&>())) {
    Lease lease(*this);
    return fn(*lease.conn);
  }
  // Runs `fn` in the next group commit and waits until that commit is durable. Inside a
  // DeferredWrites scope the first write of the scope is queued and reported through the scope
  // instead, and Write returns success at once.
  // REQUIRES: `fn` owns everything it uses (captures by value, no string_view or references):
  // with deferral it runs after Write has returned.
  // `after_commit`, if given, runs on the writer thread once the write's commit is durable and
  // before the write is acknowledged (cache invalidation).
  Result<void> Write(WriteFn fn, std::function<void()> after_commit = nullptr);
  // Queues `fn` for the next group commit without waiting (advisory data only).
  void WriteAsync(WriteFn fn, std::function<void()> after_commit = nullptr);
  // Waits for every queued write to commit.
  void Flush();

  // Writes committed, transactions committed (for metrics).
  uint64_t writes_committed() const;
  uint64_t commits() const;

 private:
  struct Job {
    WriteFn fn;
    std::function<void(const Result<void>&)> done;  // empty for WriteAsync
    std::function<void()> after_commit;
  };
  struct Lease {
    explicit Lease(SqliteDatabase& db);
    ~Lease();
    SqliteDatabase& db;
    std::unique_ptr<Connection> conn;
  };

  explicit SqliteDatabase(Options options) : options_(std::move(options)) {}
  void WriterLoop();
  void CommitBatch(std::vector<Job>& batch);

  Options options_;
  std::unique_ptr<Connection> writer_;

  std::mutex pool_mu_;
  std::condition_variable pool_cv_;
  std::vector<std::unique_ptr<Connection>> pool_ COFFER_GUARDED_BY(pool_mu_);

  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::condition_variable idle_cv_;
  std::deque<Job> queue_ COFFER_GUARDED_BY(queue_mu_);
  bool stopping_ COFFER_GUARDED_BY(queue_mu_) = false;
  bool busy_ COFFER_GUARDED_BY(queue_mu_) = false;
  std::atomic<uint64_t> writes_committed_{0};
  std::atomic<uint64_t> commits_{0};
  std::thread writer_thread_;
};

}  // namespace coffer::storage::sqlite

#endif  // COFFER_STORAGE_SQLITE_SQLITE_DATABASE_H_
