#ifndef COFFER_STORAGE_SQLITE_SQLITE_IAM_STORE_H_
#define COFFER_STORAGE_SQLITE_SQLITE_IAM_STORE_H_

#include "core/identity/iam_store.h"
#include "storage/sqlite/sqlite_database.h"

namespace coffer::storage::sqlite {

// IamStore on the embedded SQLite database: one row per entity in `iam_entities`, the entity
// encoded as JSON. Thread-safe.
class SqliteIamStore final : public identity::IamStore {
 public:
  explicit SqliteIamStore(SqliteDatabase& db) : db_(db) {}
  Result<identity::IamRecords> LoadAll() override;
  Result<void> PutUser(const identity::User& user) override;
  Result<void> PutRole(const identity::Role& role) override;
  Result<void> PutPolicy(const identity::ManagedPolicy& policy) override;
  Result<void> PutProvider(const identity::OidcProvider& provider) override;
  Result<void> DeleteUser(std::string_view name) override;
  Result<void> DeleteRole(std::string_view name) override;
  Result<void> DeletePolicy(std::string_view arn) override;
  Result<void> DeleteProvider(std::string_view arn) override;

 private:
  Result<void> Put(std::string_view kind, std::string key, std::string body);
  Result<void> Delete(std::string_view kind, std::string key);
  SqliteDatabase& db_;
};

}  // namespace coffer::storage::sqlite

#endif  // COFFER_STORAGE_SQLITE_SQLITE_IAM_STORE_H_
