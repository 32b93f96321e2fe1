#include "audit_trail/internal/trail_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <system_error>

namespace coffer::audit_trail::internal {
namespace {

constexpr std::string_view kPrefix = "audit-";
constexpr std::string_view kSuffix = ".jsonl";
constexpr size_t kDigits = 20;

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

std::string ErrnoText(int err) { return std::error_code(err, std::generic_category()).message(); }

std::string TrailFileName(uint64_t first_sequence) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "audit-%020llu.jsonl",
                static_cast<unsigned long long>(first_sequence));
  return buf;
}

std::optional<uint64_t> ParseTrailFileName(std::string_view name) {
  if (name.size() != kPrefix.size() + kDigits + kSuffix.size() ||
      name.substr(0, kPrefix.size()) != kPrefix ||
      name.substr(kPrefix.size() + kDigits) != kSuffix) {
    return std::nullopt;
  }
  uint64_t v = 0;
  for (char c : name.substr(kPrefix.size(), kDigits)) {
    if (c < '0' || c > '9') return std::nullopt;
    const auto d = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) return std::nullopt;
    v = v * 10 + d;
  }
  if (v == 0) return std::nullopt;
  return v;
}

Result<std::vector<TrailFile>> ListTrailFiles(const std::filesystem::path& dir) {
  std::vector<TrailFile> files;
  std::error_code ec;
  std::filesystem::directory_iterator it(dir, ec);
  if (ec) return UnavailableError("the audit trail directory cannot be read");
  for (; it != std::filesystem::directory_iterator(); it.increment(ec)) {
    if (ec) return UnavailableError("the audit trail directory cannot be read");
    std::string name = it->path().filename().string();
    std::optional<uint64_t> first = ParseTrailFileName(name);
    if (!first.has_value()) continue;
    files.push_back({*first, it->path(), std::move(name)});
  }
  if (ec) return UnavailableError("the audit trail directory cannot be read");
  std::sort(files.begin(), files.end(), [](const TrailFile& a, const TrailFile& b) {
    return a.first_sequence < b.first_sequence;
  });
  return files;
}

Result<void> ReadAt(int fd, uint64_t offset, size_t len, char* out) {
  size_t done = 0;
  while (done < len) {
    const ssize_t n = ::pread(fd, out + done, len - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return UnavailableError("an audit trail file cannot be read");
    done += static_cast<size_t>(n);
  }
  return Ok();
}

Result<std::string> ReadCompleteLines(const std::filesystem::path& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return UnavailableError("an audit trail file cannot be opened");
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return UnavailableError("an audit trail file cannot be read");
  std::string data(static_cast<size_t>(st.st_size), '\0');
  COFFER_RETURN_IF_ERROR(ReadAt(fd.get(), 0, data.size(), data.data()));
  const size_t last_newline = data.rfind('\n');
  data.resize(last_newline == std::string::npos ? 0 : last_newline + 1);
  return data;
}

}  // namespace coffer::audit_trail::internal
