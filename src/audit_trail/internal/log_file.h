#ifndef COFFER_AUDIT_TRAIL_INTERNAL_LOG_FILE_H_
#define COFFER_AUDIT_TRAIL_INTERNAL_LOG_FILE_H_

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string_view>

#include "base/result.h"

namespace coffer::audit_trail::internal {

// One open, append-only trail file: the seam between FileAuditLog and the file system, so tests
// can fail writes on demand. Errors are kUnavailable with the errno text. Used by one thread.
class LogFile {
 public:
  virtual ~LogFile() = default;
  // Writes all of `data` at the end of the file (one write(2) unless the kernel takes less).
  virtual Result<void> Append(std::string_view data) = 0;
  // fdatasync(2).
  virtual Result<void> Sync() = 0;
  // Cuts the file back to `size` bytes.
  virtual Result<void> Truncate(uint64_t size) = 0;
  // The file's current size, from fstat(2).
  virtual Result<uint64_t> Size() = 0;
};

// Opens trail files. Thread-safe.
class LogFiles {
 public:
  virtual ~LogFiles() = default;
  // Opens `path` for appending, creating it with mode 0600 when missing.
  virtual Result<std::unique_ptr<LogFile>> Open(const std::filesystem::path& path) = 0;
};

// POSIX files (O_APPEND | O_CLOEXEC).
LogFiles& PosixLogFiles();

}  // namespace coffer::audit_trail::internal

#endif  // COFFER_AUDIT_TRAIL_INTERNAL_LOG_FILE_H_
