#ifndef COFFER_CORE_KEYS_KEY_SERVICE_H_
#define COFFER_CORE_KEYS_KEY_SERVICE_H_

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/clock.h"
#include "base/result.h"
#include "base/secret_bytes.h"
#include "base/thread_annotations.h"
#include "core/common/account.h"
#include "core/keys/ciphertext_blob.h"
#include "core/keys/key.h"
#include "core/keys/key_ring.h"
#include "core/keys/key_store.h"
#include "crypto/aead.h"
#include "crypto/asymmetric.h"
#include "crypto/random.h"

namespace coffer::keys {

struct DataKey {
  SecretBytes plaintext;
  std::string ciphertext_blob;
  std::string key_arn;
};

struct Decrypted {
  SecretBytes plaintext;
  std::string key_arn;
};

struct CreateKeyRequest {
  std::string description;
  KeySpec spec = KeySpec::kSymmetricDefault;
  KeyUsage usage = KeyUsage::kEncryptDecrypt;
  KeyManager manager = KeyManager::kCustomer;
  std::string policy;  // empty: the default key policy
  core::Tags tags;
};

// A page of keys or aliases; `next_marker` is set when more follow.
template <class T>
struct Page {
  std::vector<T> items;
  std::optional<std::string> next_marker;
};

struct RotationStatus {
  bool enabled = false;
  int32_t period_days = 0;
  std::optional<Timestamp> next_rotation;
};

struct Rotation {
  uint32_t material_version;
  Timestamp date;
  bool on_demand;
};

// An asymmetric data key pair (GenerateDataKeyPair).
struct DataKeyPair {
  SecretBytes private_key;             // PKCS#8 DER
  std::string private_key_ciphertext;  // under the symmetric KMS key
  std::string public_key;              // SubjectPublicKeyInfo DER
  std::string key_arn;
};

// Symmetric and RSA encryption (AWS EncryptionAlgorithmSpec).
enum class EncryptionAlgorithm { kSymmetricDefault, kRsaesOaepSha1, kRsaesOaepSha256 };

// The KMS domain: keys, aliases and envelope encryption, used by the KMS API and by every store
// that encrypts values (secrets, parameters). Key metadata and opened material are cached in
// memory; writes made through this service invalidate the cache at once, changes made by other
// replicas are seen within `metadata_ttl`. Thread-safe.
class KeyService {
 public:
  struct Options {
    std::chrono::milliseconds metadata_ttl{2000};
  };

  KeyService(KeyStore& store, KeyRing& ring, const crypto::Aead& aead, crypto::Random& random,
             const Clock& clock, core::Account account, Options options,
             crypto::Asymmetric* asymmetric = nullptr);

  const core::Account& account() const { return account_; }
  std::string KeyArn(std::string_view key_id) const;
  std::string AliasArn(std::string_view alias_name) const;

  Result<Key> CreateKey(const CreateKeyRequest& request);
  // The AWS managed key `alias/aws/<service>` (e.g. "secretsmanager"), created on first use.
  Result<Key> ManagedKey(std::string_view service);
  // Resolves a KeyId input: key id, key ARN, alias name ("alias/x") or alias ARN.
  // kNotFound (reason KEY_NOT_FOUND) when nothing matches.
  Result<Key> ResolveKey(std::string_view key_ref);
  // As ResolveKey, for operations that take a key id or key ARN but no alias.
  Result<Key> ResolveKeyIdOrArn(std::string_view key_ref);

  // Symmetric envelope operations. Each checks the key's state (reasons KEY_DISABLED,
  // KEY_INVALID_STATE) and usage (INVALID_KEY_USAGE).
  Result<DataKey> GenerateDataKey(const Key& key, const EncryptionContext& context, size_t bytes);
  Result<std::string> Encrypt(const Key& key, std::string_view plaintext,
                              const EncryptionContext& context);
  // Decrypts a blob made by Encrypt/GenerateDataKey. When `expected_key_ref` is given, the blob's
  // key must be that key (reason INCORRECT_KEY). A wrong context or a modified blob gives
  // reason INVALID_CIPHERTEXT.
  Result<Decrypted> Decrypt(std::string_view blob, const EncryptionContext& context,
                            std::optional<std::string_view> expected_key_ref = std::nullopt);

  // --- Key lifecycle (the KMS API's management operations) ---
  Result<Page<Key>> ListKeys(const std::optional<std::string>& marker, size_t limit);
  Result<Key> UpdateKeyDescription(std::string_view key_ref, std::string description);
  Result<Key> EnableKey(std::string_view key_ref);
  Result<Key> DisableKey(std::string_view key_ref);
  // REQUIRES: 7 <= window_days <= 30 (checked: reason VALIDATION). Key id or key ARN only.
  Result<Key> ScheduleKeyDeletion(std::string_view key_ref, int32_t window_days);
  Result<Key> CancelKeyDeletion(std::string_view key_ref);
  Result<void> TagKey(std::string_view key_ref, const core::Tags& tags);
  Result<void> UntagKey(std::string_view key_ref, const std::vector<std::string>& tag_keys);
  // The key policy document (only the policy named "default" exists, as in AWS).
  Result<std::string> GetKeyPolicy(std::string_view key_ref, std::string_view policy_name);
  // `policy` has been validated by the caller (it parses the JSON).
  Result<void> PutKeyPolicy(std::string_view key_ref, std::string_view policy_name,
                            std::string policy);

  // --- Aliases ---
  Result<void> CreateAlias(std::string_view alias_name, std::string_view target_key_ref);
  Result<void> UpdateAlias(std::string_view alias_name, std::string_view target_key_ref);
  Result<void> DeleteAlias(std::string_view alias_name);
  // Aliases (of one key when key_ref is non-empty), ordered by name.
  Result<Page<Alias>> ListAliases(std::string_view key_ref,
                                  const std::optional<std::string>& marker, size_t limit);

  // --- Rotation ---
  // REQUIRES: 90 <= period_days <= 2560 (checked). Symmetric customer keys only.
  Result<void> EnableKeyRotation(std::string_view key_ref, int32_t period_days);
  Result<void> DisableKeyRotation(std::string_view key_ref);
  Result<RotationStatus> GetKeyRotationStatus(std::string_view key_ref);
  Result<Key> RotateKeyOnDemand(std::string_view key_ref);
  Result<std::vector<Rotation>> ListKeyRotations(std::string_view key_ref);

  // --- Cryptography for the KMS API ---
  // Encrypt under a symmetric key (SYMMETRIC_DEFAULT) or an RSA key (OAEP). Plaintext <= 4096
  // bytes for symmetric keys (reason VALIDATION beyond), the OAEP limit for RSA keys.
  Result<std::string> EncryptWith(const Key& key, EncryptionAlgorithm algorithm,
                                  std::string_view plaintext, const EncryptionContext& context);
  // Decrypt a symmetric blob (no key needed) or, with `key_ref` and an RSAES algorithm, an RSA
  // ciphertext.
  Result<Decrypted> DecryptWith(std::string_view ciphertext, EncryptionAlgorithm algorithm,
                                const EncryptionContext& context,
                                std::optional<std::string_view> key_ref);
  Result<std::string> Sign(const Key& key, crypto::SigningAlgorithm algorithm,
                           std::string_view message, bool is_digest);
  // False when the signature does not verify.
  Result<bool> Verify(const Key& key, crypto::SigningAlgorithm algorithm, std::string_view message,
                      bool is_digest, std::string_view signature);
  Result<std::string> GetPublicKey(const Key& key);
  Result<std::string> GenerateMac(const Key& key, crypto::MacAlgorithm algorithm,
                                  std::string_view message);
  Result<bool> VerifyMac(const Key& key, crypto::MacAlgorithm algorithm, std::string_view message,
                         std::string_view mac);
  Result<DataKeyPair> GenerateDataKeyPair(const Key& key, crypto::KeyPairSpec spec,
                                          const EncryptionContext& context);
  SecretBytes GenerateRandom(size_t bytes) { return random_.Secret(bytes); }

  // --- Background work ---
  // Deletes keys whose waiting period has ended, and rotates keys whose automatic rotation is
  // due, calling `on_done` after each with the key and "DeleteKey" or "RotateKey" (for the audit
  // trail). Returns {deleted, rotated}.
  Result<std::pair<size_t, size_t>> RunScheduledWork(
      const std::function<void(const Key& key, std::string_view action)>& on_done = {});

  // Drops cached metadata for a key (after a write elsewhere in core).
  void Invalidate(std::string_view key_id);

 private:
  struct CachedKey {
    std::shared_ptr<const Key> key;
    Timestamp loaded;
  };
  struct CachedAlias {
    std::string key_id;
    Timestamp loaded;
  };

  Result<std::shared_ptr<const Key>> LoadKey(std::string_view key_id);
  Result<std::string> LoadAliasTarget(std::string_view alias_name);
  Result<std::shared_ptr<const SecretBytes>> Material(std::string_view key_id, uint32_t version);
  Result<void> CheckUsable(const Key& key, KeyUsage usage) const;
  // Reads, modifies and writes a key with compare-and-set retries; `change` returns an error to
  // abort. Resolves key id, key ARN and (when allow_alias) alias references.
  // `change` edits the key and may return new material to insert in the same write.
  Result<Key> ModifyKey(std::string_view key_ref, bool allow_alias,
                        const std::function<Result<std::optional<KeyMaterial>>(Key&)>& change);
  Result<Key> NewMaterialVersion(std::string_view key_ref, bool on_demand);
  // Tag keys beginning with "aws:" (any case) are reserved; at most 50 tags (reason TAG).
  static Result<void> CheckTags(const core::Tags& tags);
  // EnableKey and DisableKey: customer keys not pending deletion only.
  Result<Key> SetKeyState(std::string_view key_ref, KeyState state);
  Result<SecretBytes> OpenCurrentMaterial(const Key& key);
  crypto::Asymmetric& asymmetric();
  Result<void> CheckAliasName(std::string_view alias_name, bool creating) const;
  std::string DefaultPolicy() const;
  Error KeyNotFound(std::string_view key_id) const;

  KeyStore& store_;
  KeyRing& ring_;
  const crypto::Aead& aead_;
  crypto::Random& random_;
  const Clock& clock_;
  const core::Account account_;
  const Options options_;

  std::shared_mutex cache_mu_;
  std::unordered_map<std::string, CachedKey> keys_ COFFER_GUARDED_BY(cache_mu_);
  std::unordered_map<std::string, CachedAlias> aliases_ COFFER_GUARDED_BY(cache_mu_);
  std::map<std::pair<std::string, uint32_t>, std::shared_ptr<const SecretBytes>> materials_
      COFFER_GUARDED_BY(cache_mu_);
  std::mutex managed_mu_;  // serialises first-use creation of managed keys in this process
  crypto::Asymmetric* asymmetric_;
};

}  // namespace coffer::keys

#endif  // COFFER_CORE_KEYS_KEY_SERVICE_H_
