#ifndef COFFER_CORE_KEYS_KEY_RING_H_
#define COFFER_CORE_KEYS_KEY_RING_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/result.h"
#include "base/secret_bytes.h"
#include "base/thread_annotations.h"
#include "core/keys/key_store.h"
#include "crypto/aead.h"
#include "crypto/random.h"

namespace coffer::keys {

// The middle of the key hierarchy:
//
//   root key (key file | Shamir shares | HSM)  ──seals──>  keyring terms (AES-256 keys, numbered)
//   keyring term (the newest)                   ──seals──>  every KMS key version's material
//                                                           and Coffer-internal secrets
//
// Rotating the root key rewraps only the terms; adding a term changes what new material is
// sealed under without touching old material. While sealed (no root key) every operation
// returns kUnavailable. Owned by the server; thread-safe.
class KeyRing {
 public:
  KeyRing(KeyStore& store, const crypto::Aead& aead, crypto::Random& random, const Clock& clock);

  // Opens the keyring with `root_key` (32 bytes). On a fresh store, creates term 1 under it.
  // kPermissionDenied if the root key does not open the stored terms.
  Result<void> Unseal(const SecretBytes& root_key);
  // Forgets the root key and every term key.
  void Seal();
  bool is_sealed() const;

  // Seals one KMS key version's material under the newest term, bound to (key_id, version).
  Result<std::string> SealMaterial(std::string_view key_id, uint32_t version,
                                   std::span<const uint8_t> material);
  // kDataLoss if `sealed` was not made for (key_id, version) or was modified.
  Result<SecretBytes> OpenMaterial(std::string_view key_id, uint32_t version,
                                   std::string_view sealed);

  // Seals Coffer-internal secrets (access-key secrets, signing keys) bound to `purpose` and `aad`.
  Result<std::string> SealInternal(std::string_view purpose, std::string_view aad,
                                   std::string_view plaintext);
  Result<SecretBytes> OpenInternal(std::string_view purpose, std::string_view aad,
                                   std::string_view sealed);

  // Adds a new term; new material is sealed under it from now on.
  Result<uint32_t> RotateTerm();
  // Rewraps every term under `new_root_key`; afterwards only the new root key opens the keyring.
  Result<void> RotateRootKey(const SecretBytes& new_root_key);
  // Returns true when `candidate` opens the stored terms (used to check reconstructed roots).
  Result<bool> Verify(const SecretBytes& candidate);

  // Root rotation with verification, for roots that exist only outside Coffer (Shamir shares),
  // as Vault's rekey with verification: a crash or a lost response at any step leaves a root key
  // that someone holds able to open the keyring.
  //
  // Begin seals every term under `new_root_key` and stores the result as the pending rotation
  // (one transaction); the live terms, and so the current root key, are untouched and nothing
  // keeps `new_root_key`. Returns the rotation's nonce. kAlreadyExists if one is pending,
  // kUnavailable while sealed. While it is pending, RotateTerm fails with kFailedPrecondition
  // (reason "ROOT_ROTATION_PENDING").
  Result<std::string> BeginRootRotation(const SecretBytes& new_root_key);
  // The pending rotation, if any.
  Result<std::optional<PendingRootRotation>> GetPendingRootRotation();
  // True when `candidate` opens every term of the pending rotation `nonce`. kNotFound if no
  // rotation named `nonce` is pending.
  Result<bool> VerifyPendingRoot(std::string_view nonce, const SecretBytes& candidate);
  // Swaps the pending terms in (one transaction); from then on only `new_root_key` opens the
  // keyring. kNotFound if no rotation named `nonce` is pending; kInvalidArgument if
  // `new_root_key` does not open its terms or they do not hold the loaded term keys;
  // kUnavailable while sealed.
  Result<void> CommitRootRotation(std::string_view nonce, const SecretBytes& new_root_key);
  // Drops the pending rotation; kNotFound if none is pending.
  Result<void> CancelRootRotation();
  uint32_t current_term() const;

 private:
  Result<std::string> SealUnder(const SecretBytes& key, uint32_t term, std::string_view aad,
                                std::string_view plaintext);
  Result<SecretBytes> OpenSealed(std::string_view sealed, std::string_view aad);
  Result<SecretBytes> OpenTerm(const SecretBytes& root, const KeyringTerm& t);

  KeyStore& store_;
  const crypto::Aead& aead_;
  crypto::Random& random_;
  const Clock& clock_;

  mutable std::shared_mutex mu_;
  bool sealed_ COFFER_GUARDED_BY(mu_) = true;
  // Kept while unsealed so that new terms can be sealed under it.
  std::shared_ptr<const SecretBytes> root_ COFFER_GUARDED_BY(mu_);
  std::map<uint32_t, std::shared_ptr<const SecretBytes>> terms_ COFFER_GUARDED_BY(mu_);
  uint32_t current_term_ COFFER_GUARDED_BY(mu_) = 0;
};

}  // namespace coffer::keys

#endif  // COFFER_CORE_KEYS_KEY_RING_H_
