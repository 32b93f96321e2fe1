#ifndef COFFER_STORAGE_SQLITE_SQLITE_ACCESS_KEY_STORE_H_
#define COFFER_STORAGE_SQLITE_SQLITE_ACCESS_KEY_STORE_H_

#include "core/identity/access_key_store.h"
#include "storage/sqlite/sqlite_database.h"

namespace coffer::storage::sqlite {

// AccessKeyStore on the embedded SQLite database. Thread-safe.
class SqliteAccessKeyStore final : public identity::AccessKeyStore {
 public:
  explicit SqliteAccessKeyStore(SqliteDatabase& db) : db_(db) {}
  Result<void> Put(const identity::AccessKeyRecord& record) override;
  Result<std::optional<identity::AccessKeyRecord>> Get(std::string_view access_key_id) override;
  Result<void> Delete(std::string_view access_key_id) override;
  Result<std::vector<identity::AccessKeyRecord>> ListFor(std::string_view principal_arn) override;

 private:
  SqliteDatabase& db_;
};

}  // namespace coffer::storage::sqlite

#endif  // COFFER_STORAGE_SQLITE_SQLITE_ACCESS_KEY_STORE_H_
