#ifndef COFFER_STORAGE_SQLITE_SQLITE_KEY_STORE_H_
#define COFFER_STORAGE_SQLITE_SQLITE_KEY_STORE_H_

#include "core/keys/key_store.h"
#include "storage/sqlite/sqlite_database.h"

namespace coffer::storage::sqlite {

// KeyStore on the embedded SQLite database. Thread-safe.
class SqliteKeyStore final : public keys::KeyStore {
 public:
  explicit SqliteKeyStore(SqliteDatabase& db) : db_(db) {}

  Result<void> CreateKey(const keys::Key& key, const keys::KeyMaterial& first_material) override;
  Result<std::optional<keys::Key>> GetKey(std::string_view key_id) override;
  Result<std::vector<keys::Key>> ListKeys(std::string_view after_key_id, size_t limit) override;
  Result<void> UpdateKey(const keys::Key& key,
                         const std::optional<keys::KeyMaterial>& new_material) override;
  Result<void> DeleteKey(std::string_view key_id) override;
  Result<std::optional<keys::KeyMaterial>> GetMaterial(std::string_view key_id,
                                                       uint32_t version) override;
  Result<std::vector<keys::KeyMaterial>> ListMaterials(std::string_view key_id) override;
  Result<void> CreateAlias(const keys::Alias& alias) override;
  Result<std::optional<keys::Alias>> GetAlias(std::string_view name) override;
  Result<void> UpdateAlias(const keys::Alias& alias) override;
  Result<void> DeleteAlias(std::string_view name) override;
  Result<std::vector<keys::Alias>> ListAliases(std::string_view key_id, std::string_view after_name,
                                               size_t limit) override;
  Result<std::vector<keys::KeyringTerm>> ListKeyringTerms() override;
  Result<void> AddKeyringTerm(const keys::KeyringTerm& term) override;
  Result<void> ReplaceKeyringTerms(const std::vector<keys::KeyringTerm>& terms) override;
  Result<std::optional<keys::PendingRootRotation>> GetPendingRootRotation() override;
  Result<void> PutPendingRootRotation(const keys::PendingRootRotation& pending) override;
  Result<void> CommitPendingRootRotation(std::string_view nonce) override;
  Result<void> DeletePendingRootRotation() override;

 private:
  SqliteDatabase& db_;
};

}  // namespace coffer::storage::sqlite

#endif  // COFFER_STORAGE_SQLITE_SQLITE_KEY_STORE_H_
