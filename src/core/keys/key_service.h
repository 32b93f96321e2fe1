#ifndef COFFER_CORE_KEYS_KEY_SERVICE_H_
#define COFFER_CORE_KEYS_KEY_SERVICE_H_

#include <chrono>
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
             const Clock& clock, core::Account account, Options options);

  const core::Account& account() const { return account_; }
  std::string KeyArn(std::string_view key_id) const;
  std::string AliasArn(std::string_view alias_name) const;

  Result<Key> CreateKey(const CreateKeyRequest& request);
  // The AWS managed key `alias/aws/<service>` (e.g. "secretsmanager"), created on first use.
  Result<Key> ManagedKey(std::string_view service);
  // Resolves a KeyId input: key id, key ARN, alias name ("alias/x") or alias ARN.
  // kNotFound (reason KEY_NOT_FOUND) when nothing matches.
  Result<Key> ResolveKey(std::string_view key_ref);

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
};

}  // namespace coffer::keys

#endif  // COFFER_CORE_KEYS_KEY_SERVICE_H_
