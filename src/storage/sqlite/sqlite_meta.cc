#include "storage/sqlite/sqlite_meta.h"

#include <filesystem>
#include <memory>

namespace coffer::storage::sqlite {

Result<std::optional<std::string>> GetMeta(SqliteDatabase& db, std::string_view key) {
  return db.Read([&](Connection& c) -> Result<std::optional<std::string>> {
    COFFER_ASSIGN_OR_RETURN(Statement st, c.Prepare("SELECT value FROM meta WHERE key = ?1"));
    st.Bind(1, key);
    COFFER_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) return std::optional<std::string>();
    return std::optional<std::string>(st.Text(0));
  });
}

Result<std::optional<std::string>> ReadMetaFromFile(const std::string& path, std::string_view key) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return NotFoundError("no database at " + path);
  COFFER_ASSIGN_OR_RETURN(std::unique_ptr<Connection> c, Connection::Open(path, true));
  COFFER_ASSIGN_OR_RETURN(Statement st, c->Prepare("SELECT value FROM meta WHERE key = ?1"));
  st.Bind(1, key);
  COFFER_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return std::optional<std::string>();
  return std::optional<std::string>(st.Text(0));
}

Result<void> PutMeta(SqliteDatabase& db, std::string_view key, std::string_view value) {
  return db.Write(
      [key = std::string(key), value = std::string(value)](Connection& c) -> Result<void> {
        COFFER_ASSIGN_OR_RETURN(
            Statement st, c.Prepare("INSERT OR REPLACE INTO meta(key, value) VALUES(?1, ?2)"));
        st.Bind(1, key).Bind(2, value);
        return st.Run();
      });
}

}  // namespace coffer::storage::sqlite
