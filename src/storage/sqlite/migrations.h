#ifndef COFFER_STORAGE_SQLITE_MIGRATIONS_H_
#define COFFER_STORAGE_SQLITE_MIGRATIONS_H_

#include "base/result.h"
#include "storage/sqlite/sqlite_database.h"

namespace coffer::storage::sqlite {

// Brings the schema to the newest version (PRAGMA user_version), one transaction per step.
// Refuses a database newer than this binary.
Result<void> Migrate(Connection& conn);
int LatestSchemaVersion();

}  // namespace coffer::storage::sqlite

#endif  // COFFER_STORAGE_SQLITE_MIGRATIONS_H_
