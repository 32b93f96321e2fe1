#ifndef COFFER_AUDIT_TRAIL_FILE_AUDIT_LOG_H_
#define COFFER_AUDIT_TRAIL_FILE_AUDIT_LOG_H_

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>

#include "audit_trail/digest.h"
#include "base/clock.h"
#include "base/metrics.h"
#include "base/result.h"
#include "core/audit/audit_log.h"
#include "crypto/hashes.h"

namespace coffer::audit_trail {

namespace internal {
class LogFiles;
}

// The audit trail as hash-chained JSON lines in rotated files:
// <dir>/audit-<20-digit first sequence>.jsonl (mode 0600, dir 0700), sealed by signed digest
// lines. Append() queues; one writer thread takes the whole queue, chains and writes it with one
// write(2), fdatasyncs and then acknowledges every event of the batch (group commit).
//
// Fail-closed (default): when a batch cannot be written or synced the file is cut back to its
// size before the batch, the chain is unchanged, every `done` of the batch gets kUnavailable and
// Accepting() is false until a later batch succeeds. Non-blocking (fail_closed = false): `done`
// gets Ok at once; events that do not fit the bounded queue or cannot be written are dropped and
// counted. Thread-safe. See docs/design/audit.md.
class FileAuditLog final : public audit::AuditLog {
 public:
  struct Options {
    std::filesystem::path dir;
    size_t max_file_bytes = size_t{64} << 20;  // rotate once a file exceeds this
    size_t digest_every_events = 1000;
    std::chrono::seconds digest_interval{60};
    bool sync = true;  // fdatasync before acknowledging
    bool fail_closed = true;
    size_t max_queued_events = 100'000;  // non-blocking mode only
    bool mirror_stdout = false;          // one line per event, after the file write
    bool mirror_syslog = false;          // LOG_AUTHPRIV | LOG_INFO, ident "coffer-audit"
    DigestSigner* signer = nullptr;      // no digests when null; must outlive the log
    std::function<void(const Checkpoint&)> on_checkpoint;  // on the writer thread
    metrics::Registry* metrics = nullptr;
    internal::LogFiles* files = nullptr;  // tests only: a file seam; null means POSIX files
  };

  // Creates the directory if needed, continues the chain after the last event of the last file
  // (cutting off a torn last line with a warning) and starts the writer thread. `hashes` and
  // `clock` must outlive the log. kInvalidArgument for bad options; kUnavailable when the
  // directory or file cannot be opened; kDataLoss when the last event line cannot be decoded (the
  // trail needs `coffer audit verify` and a human).
  static Result<std::unique_ptr<FileAuditLog>> Create(Options options, const crypto::Hashes& hashes,
                                                      const Clock& clock);
  ~FileAuditLog() override;
  FileAuditLog(const FileAuditLog&) = delete;
  FileAuditLog& operator=(const FileAuditLog&) = delete;

  // kUnavailable ("The audit trail cannot be written; the request was refused.") when the event
  // cannot be made durable, or after Shutdown.
  void Append(audit::Event event, Done done) override;
  Result<void> AppendAndWait(audit::Event event) override;
  bool Accepting() const override;

  // Writes what is queued, a final digest (when there is a signer and new events) and stops the
  // writer thread. Later Appends fail with kUnavailable. Idempotent; the destructor calls it.
  void Shutdown();

 private:
  class Writer;  // the queue and the writer thread (file_audit_log.cc)
  explicit FileAuditLog(std::unique_ptr<Writer> writer);
  std::unique_ptr<Writer> writer_;
};

}  // namespace coffer::audit_trail

#endif  // COFFER_AUDIT_TRAIL_FILE_AUDIT_LOG_H_
