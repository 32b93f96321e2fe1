#ifndef COFFER_SERVER_DATA_DIR_H_
#define COFFER_SERVER_DATA_DIR_H_

#include <filesystem>
#include <string>

#include "base/result.h"
#include "base/secret_bytes.h"
#include "crypto/random.h"

namespace coffer::server {

// The data directory: created 0700; holds the database, the root key file (0600, for the
// key-file root of trust) and, when Coffer generated them, the root credentials (0600).
class DataDir {
 public:
  static Result<DataDir> Open(const std::filesystem::path& path);

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path DatabasePath() const { return path_ / "coffer.db"; }
  std::filesystem::path RootKeyPath() const { return path_ / "root.key"; }
  std::filesystem::path CredentialsPath() const { return path_ / "root-credentials"; }

  // Reads the root key file, or creates it with a fresh random key. Refuses a key file that
  // group or others can read, or one that is malformed.
  Result<SecretBytes> LoadOrCreateRootKey(crypto::Random& random, bool* created);
  // Writes the root credentials as an AWS shared-credentials file (0600).
  Result<void> WriteCredentials(std::string_view access_key_id, const SecretBytes& secret);

 private:
  explicit DataDir(std::filesystem::path p) : path_(std::move(p)) {}
  std::filesystem::path path_;
};

// Writes `contents` to `path` atomically (temp file, fsync, rename, fsync dir) with `mode`.
Result<void> WriteFileAtomically(const std::filesystem::path& path, std::string_view contents,
                                 int mode);

}  // namespace coffer::server

#endif  // COFFER_SERVER_DATA_DIR_H_
