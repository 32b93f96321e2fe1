#include "storage/sqlite/sqlite_database.h"

#include "base/check.h"
#include "base/deferred_writes.h"
#include "base/logging.h"
#include "base/metrics.h"
#include "storage/sqlite/migrations.h"

namespace coffer::storage::sqlite {
namespace {

struct StorageMetrics {
  metrics::Histogram& commit_seconds;
  metrics::Histogram& sync_seconds;
  metrics::Histogram& batch_size;
  metrics::Histogram& write_wait_seconds;
  metrics::Counter& commit_failures;
};

StorageMetrics& Metrics() {
  static StorageMetrics* m = [] {
    auto& r = metrics::Registry::Default();
    return new StorageMetrics{
        r.NewHistogram("coffer_storage_commit_seconds",
                       "Time to apply and durably commit one group of writes.", {},
                       metrics::LatencyBuckets())
            .With({}),
        r.NewHistogram("coffer_storage_sync_seconds",
                       "Time of the COMMIT itself (WAL write and fsync) of one group.", {},
                       metrics::LatencyBuckets())
            .With({}),
        r.NewHistogram("coffer_storage_commit_batch_size", "Writes sharing one commit.", {},
                       {1, 2, 4, 8, 16, 32, 64, 128, 256, 512})
            .With({}),
        r.NewHistogram("coffer_storage_write_wait_seconds",
                       "Time a durable write waited, from queueing to commit.", {},
                       metrics::LatencyBuckets())
            .With({}),
        r.NewCounter("coffer_storage_commit_failures_total", "Group commits that failed.", {})
            .With({}),
    };
  }();
  return *m;
}

}  // namespace

Error SqliteError(int rc, std::string_view what) {
  int primary = rc & 0xff;
  std::string msg = std::string(what) + ": " + sqlite3_errstr(rc);
  switch (primary) {
    case SQLITE_CONSTRAINT:
      return AlreadyExistsError(std::move(msg));
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_READONLY:
      return UnavailableError(std::move(msg), "STORAGE_UNAVAILABLE");
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return DataLossError(std::move(msg));
    default:
      return InternalError(std::move(msg));
  }
}

Statement::~Statement() {
  if (stmt_ != nullptr) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
}

Statement& Statement::Bind(int i, int64_t v) {
  sqlite3_bind_int64(stmt_, i, v);
  return *this;
}
Statement& Statement::Bind(int i, std::string_view text) {
  sqlite3_bind_text64(stmt_, i, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  return *this;
}
Statement& Statement::BindBlob(int i, std::string_view bytes) {
  sqlite3_bind_blob64(stmt_, i, bytes.data(), bytes.size(), SQLITE_TRANSIENT);
  return *this;
}
Statement& Statement::BindNull(int i) {
  sqlite3_bind_null(stmt_, i);
  return *this;
}
Statement& Statement::Bind(int i, const std::optional<std::string>& text) {
  return text ? Bind(i, std::string_view(*text)) : BindNull(i);
}
Statement& Statement::Bind(int i, const std::optional<int64_t>& v) {
  return v ? Bind(i, *v) : BindNull(i);
}

Result<bool> Statement::Step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqliteError(rc, "statement failed");
}

Result<void> Statement::Run() {
  while (true) {
    COFFER_ASSIGN_OR_RETURN(bool row, Step());
    if (!row) return Ok();
  }
}

int64_t Statement::Int(int col) const { return sqlite3_column_int64(stmt_, col); }
std::optional<int64_t> Statement::OptInt(int col) const {
  if (IsNull(col)) return std::nullopt;
  return Int(col);
}
std::string Statement::Text(int col) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
  int n = sqlite3_column_bytes(stmt_, col);
  return p ? std::string(p, static_cast<size_t>(n)) : std::string();
}
std::optional<std::string> Statement::OptText(int col) const {
  if (IsNull(col)) return std::nullopt;
  return Text(col);
}
std::string Statement::Blob(int col) const {
  const auto* p = static_cast<const char*>(sqlite3_column_blob(stmt_, col));
  int n = sqlite3_column_bytes(stmt_, col);
  return p ? std::string(p, static_cast<size_t>(n)) : std::string();
}
bool Statement::IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

Result<void> ReadTransaction::Begin() {
  COFFER_ASSIGN_OR_RETURN(Statement st, c_.Prepare("BEGIN"));
  COFFER_RETURN_IF_ERROR(st.Run());
  open_ = true;
  return Ok();
}

ReadTransaction::~ReadTransaction() {
  if (!open_) return;
  // Statements must be reset before COMMIT; callers' Statements are destroyed before this.
  if (auto st = c_.Prepare("COMMIT"); st.has_value()) (void)st->Run();
}

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& path, bool read_only,
                                                     int page_size) {
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_NOMUTEX |
              (read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE));
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    if (db != nullptr) sqlite3_close_v2(db);
    return SqliteError(rc, "cannot open the database");
  }
  auto conn = std::unique_ptr<Connection>(new Connection(db));
  sqlite3_busy_timeout(db, 5000);
  sqlite3_extended_result_codes(db, 1);
  COFFER_RETURN_IF_ERROR(conn->Exec("PRAGMA foreign_keys = ON"));
  if (!read_only) {
    if (page_size > 0) {
      // Must precede the switch to WAL, which fixes the page size of a new file.
      std::string pragma = "PRAGMA page_size = " + std::to_string(page_size);
      COFFER_RETURN_IF_ERROR(conn->Exec(pragma.c_str()));
    }
    COFFER_RETURN_IF_ERROR(conn->Exec("PRAGMA journal_mode = WAL"));
    // FULL: the WAL is fsync'd at every commit, so an acknowledged write survives power loss.
    COFFER_RETURN_IF_ERROR(conn->Exec("PRAGMA synchronous = FULL"));
  }
  return conn;
}

Connection::~Connection() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  sqlite3_close_v2(db_);
}

Result<Statement> Connection::Prepare(std::string_view sql) {
  auto it = cache_.find(std::string(sql));
  if (it == cache_.end()) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) return SqliteError(rc, "cannot prepare a statement");
    it = cache_.emplace(std::string(sql), stmt).first;
  }
  return Statement(it->second, db_);
}

Result<void> Connection::Exec(const char* sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
  if (err != nullptr) {
    log::Debug("sqlite exec failed", {{"error", err}});
    sqlite3_free(err);
  }
  if (rc != SQLITE_OK) return SqliteError(rc, "statement failed");
  return Ok();
}

Result<std::unique_ptr<SqliteDatabase>> SqliteDatabase::Open(const Options& options) {
  auto db = std::unique_ptr<SqliteDatabase>(new SqliteDatabase(options));
  COFFER_ASSIGN_OR_RETURN(db->writer_, Connection::Open(options.path, false, options.page_size));
  COFFER_RETURN_IF_ERROR(Migrate(*db->writer_));
  // The writer walks the same B-tree paths on every commit; keep them in memory rather than
  // re-reading them (pages are only cached once touched, so a small store stays small).
  std::string cache = "PRAGMA cache_size = -" + std::to_string(options.writer_cache_kib);
  COFFER_RETURN_IF_ERROR(db->writer_->Exec(cache.c_str()));

  for (size_t i = 0; i < options.read_connections; ++i) {
    COFFER_ASSIGN_OR_RETURN(auto conn, Connection::Open(options.path, true));
    db->pool_.push_back(std::move(conn));
  }
  db->writer_thread_ = std::thread([d = db.get()] { d->WriterLoop(); });
  return db;
}

SqliteDatabase::~SqliteDatabase() {
  {
    std::lock_guard lock(queue_mu_);
    stopping_ = true;
  }
  queue_cv_.notify_all();
  if (writer_thread_.joinable()) writer_thread_.join();
}

SqliteDatabase::Lease::Lease(SqliteDatabase& d) : db(d) {
  std::unique_lock lock(db.pool_mu_);
  db.pool_cv_.wait(lock, [&] { return !db.pool_.empty(); });
  conn = std::move(db.pool_.back());
  db.pool_.pop_back();
}

SqliteDatabase::Lease::~Lease() {
  {
    std::lock_guard lock(db.pool_mu_);
    db.pool_.push_back(std::move(conn));
  }
  db.pool_cv_.notify_one();
}

Result<void> SqliteDatabase::Write(WriteFn fn, std::function<void()> after_commit) {
  if (DeferredWrites* scope = DeferredWrites::Active()) {
    if (scope->CanDefer()) {
      {
        std::lock_guard lock(queue_mu_);
        if (stopping_) return UnavailableError("the database is closing");
        queue_.push_back(Job{std::move(fn), scope->Defer(), std::move(after_commit)});
      }
      queue_cv_.notify_one();
      return Ok();
    }
    // A second write in the scope: it must not commit if the deferred one failed.
    COFFER_RETURN_IF_ERROR(scope->WaitForEarlier());
  }
  auto started = std::chrono::steady_clock::now();
  auto done = std::make_shared<std::promise<Result<void>>>();
  std::future<Result<void>> future = done->get_future();
  {
    std::lock_guard lock(queue_mu_);
    if (stopping_) return UnavailableError("the database is closing");
    queue_.push_back(Job{std::move(fn), [done](const Result<void>& r) { done->set_value(r); },
                         std::move(after_commit)});
  }
  queue_cv_.notify_one();
  Result<void> r = future.get();
  Metrics().write_wait_seconds.Observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  return r;
}

void SqliteDatabase::WriteAsync(WriteFn fn, std::function<void()> after_commit) {
  {
    std::lock_guard lock(queue_mu_);
    if (stopping_) return;
    queue_.push_back(Job{std::move(fn), nullptr, std::move(after_commit)});
  }
  queue_cv_.notify_one();
}

void SqliteDatabase::Flush() {
  std::unique_lock lock(queue_mu_);
  idle_cv_.wait(lock, [&] { return queue_.empty() && !busy_; });
}

uint64_t SqliteDatabase::writes_committed() const { return writes_committed_.load(); }
uint64_t SqliteDatabase::commits() const { return commits_.load(); }

void SqliteDatabase::WriterLoop() {
  while (true) {
    std::vector<Job> batch;
    {
      std::unique_lock lock(queue_mu_);
      queue_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty() && stopping_) return;
      while (!queue_.empty() && batch.size() < options_.max_batch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      busy_ = true;
    }
    CommitBatch(batch);
    {
      std::lock_guard lock(queue_mu_);
      busy_ = false;
    }
    idle_cv_.notify_all();
  }
}

void SqliteDatabase::CommitBatch(std::vector<Job>& batch) {
  auto started = std::chrono::steady_clock::now();
  Metrics().batch_size.Observe(static_cast<double>(batch.size()));
  std::vector<Result<void>> results;
  results.reserve(batch.size());
  auto fail_all = [&](const Error& e) {
    for (Job& j : batch) {
      if (j.done) j.done(e);
    }
  };
  auto begun = writer_->Exec("BEGIN IMMEDIATE");
  if (!begun.has_value()) {
    log::Error("cannot begin a write transaction", {{"error", begun.error().message}});
    fail_all(begun.error());
    return;
  }
  for (Job& j : batch) {
    auto sp = writer_->Exec("SAVEPOINT job");
    if (!sp.has_value()) {
      results.push_back(sp);
      continue;
    }
    Result<void> r = j.fn(*writer_);
    if (!r.has_value()) (void)writer_->Exec("ROLLBACK TO job");
    (void)writer_->Exec("RELEASE job");
    results.push_back(std::move(r));
  }
  auto sync_started = std::chrono::steady_clock::now();
  auto committed = writer_->Exec("COMMIT");
  Metrics().sync_seconds.Observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - sync_started).count());
  if (!committed.has_value()) {
    // Nothing in this batch is durable: tell every waiter, and leave no transaction open.
    (void)writer_->Exec("ROLLBACK");
    log::Error("group commit failed", {{"error", committed.error().message},
                                       {"jobs", static_cast<int64_t>(batch.size())}});
    fail_all(committed.error());
    return;
  }
  Metrics().commit_seconds.Observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  commits_.fetch_add(1, std::memory_order_relaxed);
  writes_committed_.fetch_add(batch.size(), std::memory_order_relaxed);
  for (size_t i = 0; i < batch.size(); ++i) {
    if (results[i].has_value() && batch[i].after_commit) batch[i].after_commit();
  }
  for (size_t i = 0; i < batch.size(); ++i) {
    if (batch[i].done) batch[i].done(std::move(results[i]));
  }
}

}  // namespace coffer::storage::sqlite
