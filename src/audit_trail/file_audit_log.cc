#include "audit_trail/file_audit_log.h"

#include <fcntl.h>
#include <syslog.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <span>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "audit_trail/event_codec.h"
#include "audit_trail/internal/event_encoder.h"
#include "audit_trail/internal/log_file.h"
#include "audit_trail/internal/trail_files.h"
#include "base/logging.h"
#include "base/thread_annotations.h"

namespace coffer::audit_trail {
namespace {

constexpr std::string_view kRefused = "The audit trail cannot be written; the request was refused.";
constexpr char kHexDigits[] = "0123456789abcdef";

using HashHex = std::array<char, 64>;

HashHex ToHashHex(std::string_view hex) {
  HashHex h{};
  std::copy_n(hex.data(), std::min(hex.size(), h.size()), h.begin());
  return h;
}

std::string_view View(const HashHex& h) { return {h.data(), h.size()}; }

void HashLine(const crypto::Hashes& hashes, std::string_view line, HashHex& out) {
  const crypto::Sha256Digest d = hashes.Sha256(line);
  for (size_t i = 0; i < d.size(); ++i) {
    out[2 * i] = kHexDigits[d[i] >> 4];
    out[2 * i + 1] = kHexDigits[d[i] & 15];
  }
}

// Lets a warning through at most once per interval, saying how many were held back. Lock-free,
// so Append threads can use it.
class RateLimitedWarning {
 public:
  explicit RateLimitedWarning(std::string_view message) : message_(message) {}

  void Warn(const std::string& detail) {
    const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::steady_clock::now().time_since_epoch())
                            .count();
    int64_t last = last_ms_.load(std::memory_order_relaxed);
    if ((last != 0 && now - last < kIntervalMs) || !last_ms_.compare_exchange_strong(last, now)) {
      suppressed_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    log::Warn(message_, {{"detail", detail}, {"suppressed_since_last", suppressed_.exchange(0)}});
  }

 private:
  static constexpr int64_t kIntervalMs = 10'000;
  std::string_view message_;
  std::atomic<int64_t> last_ms_{0};
  std::atomic<uint64_t> suppressed_{0};
};

}  // namespace

class FileAuditLog::Writer {
 public:
  Writer(Options options, const crypto::Hashes& hashes, const Clock& clock)
      : options_(std::move(options)),
        hashes_(hashes),
        clock_(clock),
        files_(options_.files != nullptr ? *options_.files : internal::PosixLogFiles()) {
    if (options_.metrics != nullptr) {
      metrics::Registry& r = *options_.metrics;
      events_total_ =
          &r.NewCounter("coffer_audit_events_total", "Audit events written to the trail.", {})
               .With({});
      write_failures_ = &r.NewCounter("coffer_audit_write_failures_total",
                                      "Audit trail writes or syncs that failed.", {})
                             .With({});
      dropped_ = &r.NewCounter("coffer_audit_dropped_events_total",
                               "Audit events dropped (non-blocking mode).", {})
                      .With({});
      invalid_fields_ =
          &r.NewCounter("coffer_audit_invalid_fields_total",
                        "Event JSON fields that were not objects and became null.", {})
               .With({});
      digest_failures_ = &r.NewCounter("coffer_audit_digest_failures_total",
                                       "Digests that could not be signed or written.", {})
                              .With({});
      batch_size_ =
          &r.NewHistogram("coffer_audit_batch_size", "Events per group commit of the audit trail.",
                          {}, {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192})
               .With({});
    }
  }

  ~Writer() { Shutdown(); }
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  Result<void> Recover();
  void Start() {
    last_digest_time_ = clock_.Now();
    if (options_.mirror_syslog) ::openlog("coffer-audit", LOG_NDELAY, LOG_AUTHPRIV);
    thread_ = std::thread([this] { Run(); });
  }

  void Append(audit::Event&& event, Done&& done) {
    if (!options_.fail_closed) {
      bool dropped = false;
      bool stopped = false;
      {
        std::lock_guard lock(mu_);
        if (stopping_) {
          stopped = true;
        } else if (queue_.size() >= options_.max_queued_events) {
          dropped = true;
        } else {
          queue_.emplace_back(std::move(event), nullptr);
          WakeLocked();
        }
      }
      if (dropped || stopped) {
        if (dropped_ != nullptr) dropped_->Inc();
        drop_warning_.Warn(stopped ? "shut down" : "queue full");
      }
      done(Ok());
      return;
    }
    {
      std::unique_lock lock(mu_);
      if (!stopping_) {
        queue_.emplace_back(std::move(event), std::move(done));
        if (options_.sync || writing_) {
          WakeLocked();
          return;
        }
        // Without fdatasync a write is one short syscall: the appending thread writes the
        // queue itself (and any events others queue meanwhile), so the common case answers
        // without waking another thread. Concurrent appenders just queue: whoever holds the
        // writer role takes their events with its next batch.
        writing_ = true;
        std::vector<Pending> batch;
        while (!queue_.empty()) {
          batch.swap(queue_);
          lock.unlock();
          WriteChunks(batch);
          batch.clear();
          lock.lock();
        }
        writing_ = false;
        // Digests are the writer thread's job; tell it when one is due by count.
        if (options_.signer != nullptr &&
            inline_events_since_wake_.fetch_add(1) + 1 >= options_.digest_every_events) {
          inline_events_since_wake_.store(0);
          digest_due_ = true;
          WakeLocked();
        }
        return;
      }
    }
    done(UnavailableError(std::string(kRefused)));
  }

  bool Accepting() const { return accepting_.load(std::memory_order_acquire); }

  void Shutdown() {
    std::lock_guard shutdown_lock(shutdown_mu_);
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
      WakeLocked();
    }
    if (thread_.joinable()) thread_.join();
    file_.reset();
  }

 private:
  struct Pending {
    Pending(audit::Event&& e, Done&& d) : event(std::move(e)), done(std::move(d)) {}
    audit::Event event;
    Done done;
  };
  // Events per write: bounds the writer's buffer and lets rotation happen inside a long queue.
  static constexpr size_t kMaxChunk = 4096;

  void WakeLocked() COFFER_REQUIRES(mu_) {
    // Only a waiting writer needs the futex wake; a busy one takes the queue when it is done.
    if (writer_waiting_) {
      writer_waiting_ = false;
      cv_.notify_one();
    }
  }

  void Run();
  void WriteChunks(std::vector<Pending>& batch) {
    for (size_t i = 0; i < batch.size(); i += kMaxChunk) {
      WriteBatch(std::span<Pending>(batch).subspan(i, std::min(kMaxChunk, batch.size() - i)));
    }
  }
  void WriteBatch(std::span<Pending> batch);
  void MaybeDigest(bool force);
  Result<void> EnsureFile(bool for_events);
  Result<void> WriteDurably(std::string_view data);
  void MirrorLines(std::string_view lines);

  const Options options_;
  const crypto::Hashes& hashes_;
  const Clock& clock_;
  internal::LogFiles& files_;

  std::mutex shutdown_mu_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Pending> queue_ COFFER_GUARDED_BY(mu_);
  bool stopping_ COFFER_GUARDED_BY(mu_) = false;
  bool writer_waiting_ COFFER_GUARDED_BY(mu_) = false;
  // True while a thread holds the writer role: only that thread touches the file and the chain
  // state below (the writer thread, or an appending thread writing inline when sync is off).
  bool writing_ COFFER_GUARDED_BY(mu_) = false;
  // Set by inline writers when a digest may be due by count (the writer thread checks).
  bool digest_due_ COFFER_GUARDED_BY(mu_) = false;
  std::atomic<size_t> inline_events_since_wake_{0};
  std::atomic<bool> accepting_{true};
  std::thread thread_;

  // The writer thread's state (Recover runs before the thread starts).
  uint64_t next_sequence_ = 1;
  HashHex last_hash_ = ToHashHex(kZeroHash);
  uint64_t digest_first_ = 1;  // first event no digest covers yet
  std::string last_digest_hash_ = std::string(kZeroHash);
  Timestamp last_digest_time_;
  Timestamp digest_retry_after_;
  std::filesystem::path current_path_;
  std::unique_ptr<internal::LogFile> file_;
  uint64_t good_size_ = 0;   // the file's size after the last successful write
  bool file_dirty_ = false;  // a failed write could not be cut back yet
  std::string buffer_;
  internal::EventEncoder encoder_;

  metrics::Counter* events_total_ = nullptr;
  metrics::Counter* write_failures_ = nullptr;
  metrics::Counter* dropped_ = nullptr;
  metrics::Counter* invalid_fields_ = nullptr;
  metrics::Counter* digest_failures_ = nullptr;
  metrics::Histogram* batch_size_ = nullptr;
  RateLimitedWarning write_warning_{"audit trail write failed; refusing or dropping events"};
  RateLimitedWarning drop_warning_{"audit events dropped (non-blocking mode)"};
  RateLimitedWarning digest_warning_{"audit digest could not be signed or written; will retry"};
  RateLimitedWarning invalid_warning_{"audit event field is not a JSON object; recorded as null"};
};

Result<void> FileAuditLog::Writer::Recover() {
  const std::filesystem::path& dir = options_.dir;
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec)) {
    std::filesystem::create_directories(dir, ec);
    if (ec) return UnavailableError("the audit trail directory cannot be created");
    std::filesystem::permissions(dir, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::replace, ec);
    if (ec) return UnavailableError("the audit trail directory cannot be secured");
  }
  COFFER_ASSIGN_OR_RETURN(std::vector<internal::TrailFile> files, internal::ListTrailFiles(dir));
  if (files.empty()) {
    current_path_ = dir / internal::TrailFileName(1);
    return Ok();
  }
  // A torn last line was never acknowledged (the writer syncs before it answers): cut it off.
  const internal::TrailFile& last_file = files.back();
  {
    std::error_code size_ec;
    const uint64_t size = std::filesystem::file_size(last_file.path, size_ec);
    if (size_ec) return UnavailableError("the last audit trail file cannot be read");
    COFFER_ASSIGN_OR_RETURN(std::string complete, internal::ReadCompleteLines(last_file.path));
    if (complete.size() != size) {
      log::Warn(
          "cutting off a torn line at the end of the audit trail",
          {{"file", last_file.name}, {"bytes", static_cast<uint64_t>(size - complete.size())}});
      if (::truncate(last_file.path.c_str(), static_cast<off_t>(complete.size())) != 0) {
        return UnavailableError("the torn end of the audit trail cannot be cut off");
      }
    }
  }
  // Newest first: find the last event (to continue the chain) and the last digest (to continue
  // the digest chain), which may be in older files.
  bool have_event = false;
  bool have_digest = false;
  bool last_file_empty = true;
  for (auto it = files.rbegin(); it != files.rend() && !(have_event && have_digest); ++it) {
    COFFER_ASSIGN_OR_RETURN(std::string data, internal::ReadCompleteLines(it->path));
    if (it == files.rbegin()) last_file_empty = data.empty();
    std::string_view rest(data);
    while (!rest.empty() && !(have_event && have_digest)) {
      rest.remove_suffix(1);  // the newline ending the last line
      const size_t nl = rest.rfind('\n');
      const std::string_view line = nl == std::string_view::npos ? rest : rest.substr(nl + 1);
      rest = nl == std::string_view::npos ? std::string_view() : rest.substr(0, nl + 1);
      Result<TrailLine> decoded = DecodeLine(line);
      if (!decoded.has_value()) {
        if (!have_event) {
          log::Error("the audit trail's last lines cannot be decoded",
                     {{"file", it->name}, {"error", decoded.error().message}});
          return DataLossError(
              "the audit trail's last event cannot be read; run `coffer audit verify`");
        }
        continue;
      }
      if (decoded->is_digest()) {
        if (!have_digest) {
          have_digest = true;
          digest_first_ = decoded->digest().last_sequence + 1;
          last_digest_hash_ = LineHash(hashes_, line);
        }
      } else if (!have_event) {
        have_event = true;
        next_sequence_ = decoded->event().sequence + 1;
        HashLine(hashes_, line, last_hash_);
      }
    }
  }
  if (!have_digest) digest_first_ = 1;
  if (digest_first_ > next_sequence_) {
    return DataLossError("the audit trail's last digest covers events that are missing");
  }
  // Keep writing to the last file unless it is empty and misnamed for the next sequence.
  current_path_ = last_file.path;
  if (last_file_empty && last_file.first_sequence != next_sequence_) {
    current_path_ = dir / internal::TrailFileName(next_sequence_);
  }
  return Ok();
}

Result<void> FileAuditLog::Writer::EnsureFile(bool for_events) {
  if (file_ != nullptr && for_events && good_size_ > options_.max_file_bytes) {
    file_.reset();
    current_path_ = options_.dir / internal::TrailFileName(next_sequence_);
  }
  if (file_ != nullptr) return Ok();
  const bool existed = std::filesystem::exists(current_path_);
  COFFER_ASSIGN_OR_RETURN(file_, files_.Open(current_path_));
  Result<uint64_t> size = file_->Size();
  if (!size.has_value()) {
    file_.reset();
    return std::move(size).error();
  }
  good_size_ = *size;
  file_dirty_ = false;
  if (!existed && options_.sync) {
    // Make the new file's directory entry durable too.
    const int dir_fd = ::open(options_.dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd >= 0) {
      ::fsync(dir_fd);
      ::close(dir_fd);
    }
  }
  return Ok();
}

Result<void> FileAuditLog::Writer::WriteDurably(std::string_view data) {
  COFFER_RETURN_IF_ERROR(EnsureFile(true));
  if (file_dirty_) {
    COFFER_RETURN_IF_ERROR(file_->Truncate(good_size_));
    file_dirty_ = false;
  }
  Result<void> r = file_->Append(data);
  if (r.has_value() && options_.sync) r = file_->Sync();
  if (!r.has_value()) {
    // Cut the partial batch off so the chain stays intact; if even that fails, the next write
    // tries again first.
    if (!file_->Truncate(good_size_).has_value()) file_dirty_ = true;
    return r;
  }
  good_size_ += data.size();
  return Ok();
}

void FileAuditLog::Writer::MirrorLines(std::string_view lines) {
  if (options_.mirror_stdout) {
    std::string_view rest = lines;
    while (!rest.empty()) {
      const ssize_t n = ::write(STDOUT_FILENO, rest.data(), rest.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;  // best-effort
      rest.remove_prefix(static_cast<size_t>(n));
    }
  }
  if (options_.mirror_syslog) {
    std::string_view rest = lines;
    while (!rest.empty()) {
      const size_t nl = rest.find('\n');
      const std::string_view line = rest.substr(0, nl);
      ::syslog(LOG_AUTHPRIV | LOG_INFO, "%.*s", static_cast<int>(line.size()), line.data());
      rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
    }
  }
}

void FileAuditLog::Writer::WriteBatch(std::span<Pending> batch) {
  buffer_.clear();
  uint64_t sequence = next_sequence_;
  HashHex hash = last_hash_;
  int invalid = 0;
  for (const Pending& p : batch) {
    const size_t start = buffer_.size();
    invalid += encoder_.Append(buffer_, p.event, sequence, View(hash));
    HashLine(hashes_, std::string_view(buffer_).substr(start), hash);
    buffer_.push_back('\n');
    ++sequence;
  }
  if (invalid > 0) {
    if (invalid_fields_ != nullptr) invalid_fields_->Inc(static_cast<uint64_t>(invalid));
    invalid_warning_.Warn(std::to_string(invalid) + " field(s) in this batch");
  }
  Result<void> written = WriteDurably(buffer_);
  if (!written.has_value()) {
    accepting_.store(!options_.fail_closed, std::memory_order_release);
    if (write_failures_ != nullptr) write_failures_->Inc();
    write_warning_.Warn(written.error().message + "; " + std::to_string(batch.size()) +
                        (options_.fail_closed ? " events refused" : " events dropped"));
    if (options_.fail_closed) {
      const Result<void> refused = UnavailableError(std::string(kRefused));
      for (Pending& p : batch) p.done(refused);
    } else if (dropped_ != nullptr) {
      dropped_->Inc(batch.size());
    }
    return;
  }
  next_sequence_ = sequence;
  last_hash_ = hash;
  accepting_.store(true, std::memory_order_release);
  if (events_total_ != nullptr) events_total_->Inc(batch.size());
  if (batch_size_ != nullptr) batch_size_->Observe(static_cast<double>(batch.size()));
  MirrorLines(buffer_);
  if (options_.fail_closed) {
    const Result<void> ok = Ok();
    for (Pending& p : batch) p.done(ok);
  }
}

void FileAuditLog::Writer::MaybeDigest(bool force) {
  if (options_.signer == nullptr || next_sequence_ == digest_first_) return;
  const Timestamp now = clock_.Now();
  const bool due = force || next_sequence_ - digest_first_ >= options_.digest_every_events ||
                   now - last_digest_time_ >= options_.digest_interval;
  if (!due || (!force && now < digest_retry_after_)) return;
  DigestRecord d;
  d.first_sequence = digest_first_;
  d.last_sequence = next_sequence_ - 1;
  d.last_event_hash = std::string(View(last_hash_));
  d.previous_digest_hash = last_digest_hash_;
  d.digest_time = std::chrono::floor<std::chrono::seconds>(now);
  d.key_arn = options_.signer->key_arn();
  d.signing_algorithm = options_.signer->algorithm();
  Result<std::string> signature = options_.signer->Sign(DigestSigningText(d));
  Result<void> written = Ok();
  std::string line;
  if (signature.has_value()) {
    d.signature = std::move(*signature);
    line = EncodeDigest(d);
    line.push_back('\n');
    written = WriteDurably(line);
  } else {
    written = std::move(signature).error();
  }
  if (!written.has_value()) {
    if (digest_failures_ != nullptr) digest_failures_->Inc();
    digest_warning_.Warn(written.error().message);
    digest_retry_after_ = now + std::chrono::seconds(1);
    return;
  }
  last_digest_hash_ = LineHash(hashes_, std::string_view(line).substr(0, line.size() - 1));
  digest_first_ = next_sequence_;
  last_digest_time_ = now;
  if (options_.on_checkpoint) {
    options_.on_checkpoint(Checkpoint{d.last_sequence, d.last_event_hash, d.digest_time});
  }
}

void FileAuditLog::Writer::Run() {
  // Wake up now and then (even without events) for interval digests.
  const auto tick = std::min<std::chrono::milliseconds>(
      std::chrono::seconds(1),
      std::max<std::chrono::milliseconds>(options_.digest_interval, std::chrono::milliseconds(10)));
  std::vector<Pending> batch;
  while (true) {
    bool stop = false;
    {
      std::unique_lock lock(mu_);
      if ((queue_.empty() || writing_) && !stopping_ && !digest_due_) {
        writer_waiting_ = true;
        cv_.wait_for(lock, tick,
                     [this] { return (!queue_.empty() && !writing_) || stopping_ || digest_due_; });
        writer_waiting_ = false;
      }
      digest_due_ = false;
      if (writing_) {
        // An appending thread holds the writer role; let it finish (it takes the queue too).
        cv_.wait_for(lock, tick, [this] { return !writing_; });
        if (writing_) continue;
      }
      writing_ = true;
      batch.swap(queue_);
      stop = stopping_ && batch.empty();
    }
    WriteChunks(batch);
    batch.clear();  // keeps the capacity for the next swap
    MaybeDigest(stop);
    {
      std::lock_guard lock(mu_);
      writing_ = false;
    }
    if (stop) break;
  }
}

FileAuditLog::FileAuditLog(std::unique_ptr<Writer> writer) : writer_(std::move(writer)) {}

FileAuditLog::~FileAuditLog() { Shutdown(); }

Result<std::unique_ptr<FileAuditLog>> FileAuditLog::Create(Options options,
                                                           const crypto::Hashes& hashes,
                                                           const Clock& clock) {
  if (options.dir.empty()) return InvalidArgumentError("the audit trail needs a directory");
  if (options.max_file_bytes == 0 || options.digest_every_events == 0 ||
      options.digest_interval <= std::chrono::seconds(0) ||
      (!options.fail_closed && options.max_queued_events == 0)) {
    return InvalidArgumentError("invalid audit trail options");
  }
  auto writer = std::make_unique<Writer>(std::move(options), hashes, clock);
  COFFER_RETURN_IF_ERROR(writer->Recover());
  writer->Start();
  return std::unique_ptr<FileAuditLog>(new FileAuditLog(std::move(writer)));
}

void FileAuditLog::Append(audit::Event event, Done done) {
  writer_->Append(std::move(event), std::move(done));
}

Result<void> FileAuditLog::AppendAndWait(audit::Event event) {
  struct Waiter {
    std::mutex mu;
    std::condition_variable cv;
    std::optional<Result<void>> result;
  } w;
  writer_->Append(std::move(event), [&w](const Result<void>& r) {
    std::lock_guard lock(w.mu);
    w.result = r;
    w.cv.notify_one();
  });
  std::unique_lock lock(w.mu);
  w.cv.wait(lock, [&w] { return w.result.has_value(); });
  return *w.result;
}

bool FileAuditLog::Accepting() const { return writer_->Accepting(); }

void FileAuditLog::Shutdown() { writer_->Shutdown(); }

}  // namespace coffer::audit_trail
