#ifndef COFFER_SERVER_DATA_DIR_H_
#define COFFER_SERVER_DATA_DIR_H_

#include <filesystem>
#include <string>

#include "base/result.h"
#include "base/secret_bytes.h"
#include "crypto/random.h"

namespace coffer::server {

// The data directory: created 0700; holds the database, the root-of-trust settings, the root key
// file (0600, for the key-file root of trust) and, when Coffer generated them, the root
// credentials (0600).
class DataDir {
 public:
  static Result<DataDir> Open(const std::filesystem::path& path);

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path DatabasePath() const { return path_ / "coffer.db"; }
  std::filesystem::path RootKeyPath() const { return path_ / "root.key"; }
  // The next root key while a key-file root rotation is in flight (see RootOfTrust).
  std::filesystem::path PendingRootKeyPath() const { return path_ / "root.key.next"; }
  std::filesystem::path RootOfTrustPath() const { return path_ / "root-of-trust.json"; }
  std::filesystem::path CredentialsPath() const { return path_ / "root-credentials"; }

  // Reads the root key file, or creates it with a fresh random key. Refuses a key file that
  // group or others can read, or one that is malformed.
  Result<SecretBytes> LoadOrCreateRootKey(crypto::Random& random, bool* created) const;
  // Reads a root key file with the same checks. kNotFound when it does not exist.
  Result<SecretBytes> ReadRootKeyFile(const std::filesystem::path& path) const;
  // Writes a root key file atomically (0600).
  Result<void> WriteRootKeyFile(const std::filesystem::path& path, const SecretBytes& key) const;
  // Writes the root credentials as an AWS shared-credentials file (0600).
  Result<void> WriteCredentials(std::string_view access_key_id, const SecretBytes& secret);

 private:
  explicit DataDir(std::filesystem::path p) : path_(std::move(p)) {}
  std::filesystem::path path_;
};

// Reads a file of at most 64 KiB without following a final symlink.
Result<std::string> ReadSmallFile(const std::filesystem::path& path);

// Writes `contents` to `path` atomically (temp file, fsync, rename, fsync dir) with `mode`.
Result<void> WriteFileAtomically(const std::filesystem::path& path, std::string_view contents,
                                 int mode);

// Renames `from` to `to` (atomic on POSIX) and fsyncs the directory so the rename is durable.
Result<void> RenameDurably(const std::filesystem::path& from, const std::filesystem::path& to);

}  // namespace coffer::server

#endif  // COFFER_SERVER_DATA_DIR_H_
