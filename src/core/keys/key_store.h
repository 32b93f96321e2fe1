#ifndef COFFER_CORE_KEYS_KEY_STORE_H_
#define COFFER_CORE_KEYS_KEY_STORE_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "core/keys/key.h"

namespace coffer::keys {

// Persistence port for the keys domain: keys, their sealed material, aliases and keyring terms.
// Implemented by storage/sqlite (and storage/memory for tests). Every write is durable when it
// returns. Implementations are thread-safe.
class KeyStore {
 public:
  virtual ~KeyStore() = default;

  // kAlreadyExists if the key id exists.
  virtual Result<void> CreateKey(const Key& key, const KeyMaterial& first_material) = 0;
  virtual Result<std::optional<Key>> GetKey(std::string_view key_id) = 0;
  // Keys ordered by key id, starting after `after_key_id` (empty: from the start).
  virtual Result<std::vector<Key>> ListKeys(std::string_view after_key_id, size_t limit) = 0;
  // Replaces the key's metadata if its stored revision equals key.revision, then stores it with
  // revision + 1. kAborted on a revision mismatch, kNotFound if the key is gone. When
  // `new_material` is given it is inserted in the same transaction.
  virtual Result<void> UpdateKey(const Key& key,
                                 const std::optional<KeyMaterial>& new_material) = 0;
  // Deletes the key, its material and its aliases.
  virtual Result<void> DeleteKey(std::string_view key_id) = 0;

  virtual Result<std::optional<KeyMaterial>> GetMaterial(std::string_view key_id,
                                                         uint32_t version) = 0;
  virtual Result<std::vector<KeyMaterial>> ListMaterials(std::string_view key_id) = 0;

  // kAlreadyExists if the alias name is taken.
  virtual Result<void> CreateAlias(const Alias& alias) = 0;
  virtual Result<std::optional<Alias>> GetAlias(std::string_view name) = 0;
  // kNotFound if the alias does not exist.
  virtual Result<void> UpdateAlias(const Alias& alias) = 0;
  virtual Result<void> DeleteAlias(std::string_view name) = 0;
  // Aliases ordered by name after `after_name`; only those of `key_id` when it is non-empty.
  virtual Result<std::vector<Alias>> ListAliases(std::string_view key_id,
                                                 std::string_view after_name, size_t limit) = 0;

  virtual Result<std::vector<KeyringTerm>> ListKeyringTerms() = 0;
  // kAlreadyExists if the term exists; kFailedPrecondition (reason "ROOT_ROTATION_PENDING")
  // while a root rotation is pending, checked in the same transaction, so that the pending
  // rewrap always covers exactly the stored terms.
  virtual Result<void> AddKeyringTerm(const KeyringTerm& term) = 0;
  // Replaces every term's sealed bytes (root-key rotation), atomically.
  virtual Result<void> ReplaceKeyringTerms(const std::vector<KeyringTerm>& terms) = 0;

  // Root rotation with verification (see PendingRootRotation). The live terms are untouched
  // until CommitPendingRootRotation.
  virtual Result<std::optional<PendingRootRotation>> GetPendingRootRotation() = 0;
  // Stores `pending` durably. kAlreadyExists if a rotation is already pending;
  // kFailedPrecondition unless pending.terms names exactly the stored terms.
  virtual Result<void> PutPendingRootRotation(const PendingRootRotation& pending) = 0;
  // In one transaction: replaces every live term's sealed bytes with the pending ones and drops
  // the pending rotation. kNotFound if no rotation named `nonce` is pending;
  // kFailedPrecondition (nothing changed) if the pending terms no longer match the stored ones.
  virtual Result<void> CommitPendingRootRotation(std::string_view nonce) = 0;
  // Drops the pending rotation; kNotFound if none is pending.
  virtual Result<void> DeletePendingRootRotation() = 0;
};

}  // namespace coffer::keys

#endif  // COFFER_CORE_KEYS_KEY_STORE_H_
