#include "server/data_dir.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/encoding.h"
#include "base/logging.h"
#include "base/strings.h"

namespace coffer::server {
namespace {

constexpr std::string_view kRootKeyHeader = "coffer-root-key-v1 ";

}  // namespace

Result<std::string> ReadSmallFile(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return UnavailableError("cannot open " + path.filename().string());
  std::string out;
  char buf[4096];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      ::close(fd);
      return UnavailableError("cannot read " + path.filename().string());
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
    if (out.size() > 65536) {
      ::close(fd);
      return FailedPreconditionError(path.filename().string() + " is too large");
    }
  }
  ::close(fd);
  return out;
}

Result<void> WriteFileAtomically(const std::filesystem::path& path, std::string_view contents,
                                 int mode) {
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
  if (fd < 0) return UnavailableError("cannot create " + path.filename().string());
  ::fchmod(fd, static_cast<mode_t>(mode));
  size_t done = 0;
  while (done < contents.size()) {
    ssize_t n = ::write(fd, contents.data() + done, contents.size() - done);
    if (n < 0) {
      ::close(fd);
      return UnavailableError("cannot write " + path.filename().string());
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    return UnavailableError("cannot sync " + path.filename().string());
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    return UnavailableError("cannot rename " + path.filename().string());
  }
  int dir = ::open(path.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  return Ok();
}

Result<void> RenameDurably(const std::filesystem::path& from, const std::filesystem::path& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) {
    return UnavailableError("cannot rename " + from.filename().string());
  }
  int dir = ::open(to.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  return Ok();
}

Result<DataDir> DataDir::Open(const std::filesystem::path& path) {
  std::error_code ec;
  std::filesystem::path abs = std::filesystem::absolute(path, ec);
  if (ec) return InvalidArgumentError("bad --data-dir");
  if (!std::filesystem::exists(abs, ec)) {
    if (::mkdir(abs.c_str(), 0700) != 0 && errno != EEXIST) {
      std::filesystem::create_directories(abs.parent_path(), ec);
      if (::mkdir(abs.c_str(), 0700) != 0) {
        return UnavailableError("cannot create the data directory: " +
                                std::string(std::strerror(errno)));
      }
    }
  }
  struct stat st {};
  if (::stat(abs.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return FailedPreconditionError("--data-dir is not a directory");
  }
  if ((st.st_mode & 077) != 0) {
    log::Warn("the data directory is accessible to group or others; chmod 700 it",
              {{"mode", static_cast<int64_t>(st.st_mode & 0777)}});
  }
  return DataDir(abs);
}

Result<SecretBytes> DataDir::ReadRootKeyFile(const std::filesystem::path& p) const {
  std::string name = p.filename().string();
  struct stat st {};
  if (::lstat(p.c_str(), &st) != 0) return NotFoundError(name + " does not exist");
  if (!S_ISREG(st.st_mode)) return FailedPreconditionError(name + " is not a regular file");
  if ((st.st_mode & 077) != 0) {
    return FailedPreconditionError(name +
                                   " is readable by group or others; refusing to use it (chmod "
                                   "600 it)");
  }
  COFFER_ASSIGN_OR_RETURN(std::string text, ReadSmallFile(p));
  std::string_view line = TrimWhitespace(text);
  if (!line.starts_with(kRootKeyHeader)) {
    SecureWipe(text.data(), text.size());
    return FailedPreconditionError(name + " is not a Coffer root key file");
  }
  auto key = Base64Decode(line.substr(kRootKeyHeader.size()));
  SecureWipe(text.data(), text.size());
  if (!key || key->size() != 32) return FailedPreconditionError(name + " is malformed");
  return SecretBytes::TakeFrom(*key);
}

Result<void> DataDir::WriteRootKeyFile(const std::filesystem::path& p,
                                       const SecretBytes& key) const {
  std::string text = std::string(kRootKeyHeader) + Base64Encode(key.span()) + "\n";
  auto written = WriteFileAtomically(p, text, 0600);
  SecureWipe(text.data(), text.size());
  return written;
}

Result<SecretBytes> DataDir::LoadOrCreateRootKey(crypto::Random& random, bool* created) const {
  auto existing = ReadRootKeyFile(RootKeyPath());
  if (existing.has_value() || existing.error().code != ErrorCode::kNotFound) {
    if (existing.has_value()) *created = false;
    return existing;
  }
  SecretBytes key = random.Secret(32);
  COFFER_RETURN_IF_ERROR(WriteRootKeyFile(RootKeyPath(), key));
  *created = true;
  return key;
}

Result<void> DataDir::WriteCredentials(std::string_view access_key_id, const SecretBytes& secret) {
  std::string text =
      "# Coffer root credentials (AWS shared-credentials format). Keep this safe.\n"
      "[default]\naws_access_key_id = " +
      std::string(access_key_id) + "\naws_secret_access_key = " + std::string(secret.view()) + "\n";
  auto written = WriteFileAtomically(CredentialsPath(), text, 0600);
  SecureWipe(text.data(), text.size());
  return written;
}

}  // namespace coffer::server
