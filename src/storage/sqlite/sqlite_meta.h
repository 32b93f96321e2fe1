#ifndef COFFER_STORAGE_SQLITE_SQLITE_META_H_
#define COFFER_STORAGE_SQLITE_SQLITE_META_H_

#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "storage/sqlite/sqlite_database.h"

namespace coffer::storage::sqlite {

// Instance settings fixed at first start (account id, region, root-of-trust kind).
Result<std::optional<std::string>> GetMeta(SqliteDatabase& db, std::string_view key);
// GetMeta on the database file at `path`, opened read-only (no migrations, no writes): for
// tools that read a running server's data directory. kNotFound when the file does not exist.
Result<std::optional<std::string>> ReadMetaFromFile(const std::string& path, std::string_view key);
Result<void> PutMeta(SqliteDatabase& db, std::string_view key, std::string_view value);

}  // namespace coffer::storage::sqlite

#endif  // COFFER_STORAGE_SQLITE_SQLITE_META_H_
