#ifndef COFFER_SERVER_ROOT_OF_TRUST_H_
#define COFFER_SERVER_ROOT_OF_TRUST_H_

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "base/secret_bytes.h"
#include "base/thread_annotations.h"
#include "core/keys/key_ring.h"
#include "crypto/pkcs11/pkcs11_key_wrapper.h"
#include "crypto/random.h"
#include "crypto/shamir.h"
#include "server/data_dir.h"

namespace coffer::server {

// Where the root key that seals the keyring comes from. Chosen by `coffer operator init` and
// recorded in the data directory's root-of-trust.json (absent: kFile, as before the file existed).
enum class RootProvider { kFile, kShamir, kPkcs11 };
std::string_view RootProviderName(RootProvider provider);

// The contents of root-of-trust.json (0600). It never holds a secret: no root key, no share, no
// PIN — only where the PIN comes from and the root key as wrapped by the HSM.
struct RootOfTrustSettings {
  RootProvider provider = RootProvider::kFile;
  int shares = 0;  // kShamir
  int threshold = 0;
  crypto::Pkcs11KeyConfig pkcs11;             // kPkcs11
  std::string pin_file;                       // read the PIN from this file, or else
  std::string pin_env = "COFFER_PKCS11_PIN";  // from this environment variable
  std::string wrapped_root_key;               // bytes (base64 in the file)
  // Set only while a root rotation is in flight: the new root key, wrapped.
  std::string pending_wrapped_root_key;
};

// Reads root-of-trust.json; nullopt when the data directory has none (key-file provider).
Result<std::optional<RootOfTrustSettings>> ReadRootOfTrustSettings(const DataDir& dir);
Result<void> WriteRootOfTrustSettings(const DataDir& dir, const RootOfTrustSettings& settings);

// `coffer operator init`.
struct InitOptions {
  std::filesystem::path data_dir;
  int shares = 0;  // > 0 selects Shamir
  int threshold = 0;
  std::optional<crypto::Pkcs11KeyConfig> pkcs11;  // selects PKCS#11
  std::optional<std::string> pin_file;            // else the PIN comes from COFFER_PKCS11_PIN
};

// Initialises the root of trust of a data directory that has no keyring yet (kFailedPrecondition
// otherwise): creates the root key, the first keyring term under it and root-of-trust.json. For
// Shamir, prints the shares to `out` (the only time they are shown) and keeps no copy.
Result<void> InitRootOfTrust(const InitOptions& options, std::ostream& out);

struct SealStatus {
  bool sealed = true;
  RootProvider provider = RootProvider::kFile;
  int threshold = 0;  // Shamir only
  int shares = 0;
  int progress = 0;   // shares entered so far
  uint32_t term = 0;  // the newest keyring term while unsealed
};

// The answer to RootOfTrust::RotateRoot.
struct RootRotation {
  // Shamir: the new unseal keys in text form (show them once) and the nonce of the pending
  // rotation they must verify; empty for the key file and PKCS#11 (already rotated).
  std::vector<std::string> shares;
  std::string nonce;
};

// A Shamir root rotation waiting for verification; never holds a share.
struct RootRotationStatus {
  bool pending = false;
  bool complete = false;  // the verify call that answered this committed the rotation
  std::string nonce;
  Timestamp started;
  int threshold = 0;
  int shares = 0;
  int progress = 0;  // new unseal keys verified so far
};

// The server's root of trust: obtains the root key from the configured provider, unseals and
// seals the keyring, collects Shamir shares, and rotates the root key and the keyring term.
// Owned by the server; thread-safe.
class RootOfTrust {
 public:
  using OnUnsealed = std::function<Result<void>()>;

  // `pin_file` overrides the PIN source recorded at init. `on_unsealed` runs after every
  // successful unseal; when it fails, the keyring is sealed again and the unseal fails.
  static Result<std::unique_ptr<RootOfTrust>> Open(const DataDir& dir, keys::KeyRing& ring,
                                                   crypto::Random& random,
                                                   std::optional<std::string> pin_file,
                                                   OnUnsealed on_unsealed);

  // Key file and PKCS#11: unseals now (kPermissionDenied / kDataLoss when the key does not open
  // the keyring). Shamir: nothing; the server stays sealed until enough shares arrive.
  Result<void> UnsealAtStart();
  bool root_key_created() const { return root_key_created_; }
  RootProvider provider() const { return settings_.provider; }

  SealStatus Status() const;
  // Shamir: adds one share (text form). When the threshold is reached, combines and unseals;
  // shares that do not rebuild the root key reset the progress and give kInvalidArgument.
  // Key file and PKCS#11: `share` must be empty; fetches the key again and unseals.
  Result<SealStatus> Unseal(std::string_view share);
  void ResetProgress();
  void Seal();

  // A new random root key. Key file and PKCS#11: every keyring term is rewrapped under it in
  // one step, after which the old root key (file contents or wrapped blob) no longer opens the
  // keyring. Shamir: two steps, as Vault's rekey with verification: the terms rewrapped under it
  // are stored as a pending rotation and the new shares are returned with its nonce; the old
  // shares stay the only valid ones until VerifyRotateRoot has seen T new shares.
  // kAlreadyExists if a rotation is pending, kUnavailable while sealed.
  Result<RootRotation> RotateRoot();
  // Shamir: adds one new share (text form) for the pending rotation `nonce`. At the threshold,
  // combines them and, when they rebuild the pending root key, commits the rotation (one store
  // transaction). Wrong shares reset the progress and give kInvalidArgument, as does a nonce
  // that names no pending rotation.
  Result<RootRotationStatus> VerifyRotateRoot(std::string_view nonce, std::string_view share);
  // Drops the pending rotation and its progress; kNotFound if none is pending.
  Result<void> CancelRotateRoot();
  Result<RootRotationStatus> RotateRootStatus();
  // Adds a keyring term; returns its number. kFailedPrecondition (reason
  // "ROOT_ROTATION_PENDING") while a root rotation is pending.
  Result<uint32_t> RotateKeyring();

 private:
  RootOfTrust(const DataDir& dir, keys::KeyRing& ring, crypto::Random& random,
              RootOfTrustSettings settings, OnUnsealed on_unsealed);
  Result<SecretBytes> LoadFileRoot();
  Result<SecretBytes> LoadPkcs11Root();
  Result<void> UnsealWith(const SecretBytes& root) COFFER_REQUIRES(mu_);
  Result<RootRotationStatus> RotationStatusLocked() COFFER_REQUIRES(mu_);
  // Decodes a share and adds it to `progress` unless it is malformed or already there.
  static Result<void> AddShare(std::string_view share, std::vector<SecretBytes>& progress);
  Result<void> OpenHsm();

  const DataDir& dir_;
  keys::KeyRing& ring_;
  crypto::Random& random_;
  std::unique_ptr<crypto::SecretSharing> sharing_;
  OnUnsealed on_unsealed_;
  std::optional<std::string> pin_file_override_;
  bool root_key_created_ = false;

  mutable std::mutex mu_;
  RootOfTrustSettings settings_;  // written under mu_ during rotations, read-only otherwise
  std::vector<SecretBytes> progress_ COFFER_GUARDED_BY(mu_);
  // New shares entered for the pending root rotation `verify_nonce_`. Held in memory only, like
  // unseal progress: a restart or a seal starts the count again.
  std::string verify_nonce_ COFFER_GUARDED_BY(mu_);
  std::vector<SecretBytes> verify_progress_ COFFER_GUARDED_BY(mu_);
  std::unique_ptr<crypto::Pkcs11KeyWrapper> hsm_;
};

}  // namespace coffer::server

#endif  // COFFER_SERVER_ROOT_OF_TRUST_H_
