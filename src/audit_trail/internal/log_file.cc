#include "audit_trail/internal/log_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "audit_trail/internal/trail_files.h"

namespace coffer::audit_trail::internal {
namespace {

Error FileError(std::string_view what, int err) {
  return UnavailableError(std::string(what) + ": " + ErrnoText(err));
}

class PosixLogFile final : public LogFile {
 public:
  explicit PosixLogFile(int fd) : fd_(fd) {}
  ~PosixLogFile() override { ::close(fd_); }
  PosixLogFile(const PosixLogFile&) = delete;
  PosixLogFile& operator=(const PosixLogFile&) = delete;

  Result<void> Append(std::string_view data) override {
    while (!data.empty()) {
      const ssize_t n = ::write(fd_, data.data(), data.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        return FileError("write", errno);
      }
      if (n == 0) return FileError("write", EIO);
      data.remove_prefix(static_cast<size_t>(n));
    }
    return Ok();
  }

  Result<void> Sync() override {
    while (::fdatasync(fd_) != 0) {
      if (errno != EINTR) return FileError("fdatasync", errno);
    }
    return Ok();
  }

  Result<void> Truncate(uint64_t size) override {
    while (::ftruncate(fd_, static_cast<off_t>(size)) != 0) {
      if (errno != EINTR) return FileError("ftruncate", errno);
    }
    return Ok();
  }

  Result<uint64_t> Size() override {
    struct stat st {};
    if (::fstat(fd_, &st) != 0) return FileError("fstat", errno);
    return static_cast<uint64_t>(st.st_size);
  }

 private:
  int fd_;
};

class PosixLogFilesImpl final : public LogFiles {
 public:
  Result<std::unique_ptr<LogFile>> Open(const std::filesystem::path& path) override {
    const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return FileError("open", errno);
    // An existing file keeps its mode on open; the trail is 0600 whatever umask made it.
    if (::fchmod(fd, 0600) != 0) {
      const int err = errno;
      ::close(fd);
      return FileError("fchmod", err);
    }
    return std::unique_ptr<LogFile>(new PosixLogFile(fd));
  }
};

}  // namespace

LogFiles& PosixLogFiles() {
  static PosixLogFilesImpl files;
  return files;
}

}  // namespace coffer::audit_trail::internal
