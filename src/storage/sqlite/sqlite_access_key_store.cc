#include "storage/sqlite/sqlite_access_key_store.h"

namespace coffer::storage::sqlite {
namespace {

using identity::AccessKeyRecord;
using identity::PrincipalType;

#define COFFER_ACCESS_KEY_COLUMNS                                            \
  "access_key_id, principal_type, principal_arn, principal_id, account_id, " \
  "principal_name, sealed_secret, active, created_ms, expires_ms"

std::string_view TypeName(PrincipalType t) {
  switch (t) {
    case PrincipalType::kRoot:
      return "root";
    case PrincipalType::kUser:
      return "user";
    case PrincipalType::kAssumedRole:
      return "assumed-role";
  }
  return "root";
}

PrincipalType ParseType(const std::string& s) {
  if (s == "user") return PrincipalType::kUser;
  if (s == "assumed-role") return PrincipalType::kAssumedRole;
  return PrincipalType::kRoot;
}

AccessKeyRecord ReadRecord(const Statement& st) {
  AccessKeyRecord r;
  r.access_key_id = st.Text(0);
  r.principal.type = ParseType(st.Text(1));
  r.principal.arn = st.Text(2);
  r.principal.principal_id = st.Text(3);
  r.principal.account_id = st.Text(4);
  r.principal.name = st.Text(5);
  r.sealed_secret = st.Blob(6);
  r.active = st.Int(7) != 0;
  r.created = FromUnixMillis(st.Int(8));
  if (auto e = st.OptInt(9)) r.expires = FromUnixMillis(*e);
  return r;
}

}  // namespace

Result<void> SqliteAccessKeyStore::Put(const AccessKeyRecord& r) {
  return db_.Write([r](Connection& c) -> Result<void> {
    COFFER_ASSIGN_OR_RETURN(
        Statement st, c.Prepare("INSERT OR REPLACE INTO access_keys(" COFFER_ACCESS_KEY_COLUMNS
                                ") VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"));
    st.Bind(1, r.access_key_id)
        .Bind(2, TypeName(r.principal.type))
        .Bind(3, r.principal.arn)
        .Bind(4, r.principal.principal_id)
        .Bind(5, r.principal.account_id)
        .Bind(6, r.principal.name)
        .BindBlob(7, r.sealed_secret)
        .Bind(8, int64_t{r.active ? 1 : 0})
        .Bind(9, ToUnixMillis(r.created));
    if (r.expires) {
      st.Bind(10, ToUnixMillis(*r.expires));
    } else {
      st.BindNull(10);
    }
    return st.Run();
  });
}

Result<std::optional<AccessKeyRecord>> SqliteAccessKeyStore::Get(std::string_view id) {
  return db_.Read([&](Connection& c) -> Result<std::optional<AccessKeyRecord>> {
    COFFER_ASSIGN_OR_RETURN(Statement st, c.Prepare("SELECT " COFFER_ACCESS_KEY_COLUMNS
                                                    " FROM access_keys WHERE access_key_id = ?1"));
    st.Bind(1, id);
    COFFER_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) return std::optional<AccessKeyRecord>();
    return std::optional<AccessKeyRecord>(ReadRecord(st));
  });
}

Result<void> SqliteAccessKeyStore::Delete(std::string_view id) {
  return db_.Write([id = std::string(id)](Connection& c) -> Result<void> {
    COFFER_ASSIGN_OR_RETURN(Statement st,
                            c.Prepare("DELETE FROM access_keys WHERE access_key_id = ?1"));
    st.Bind(1, id);
    return st.Run();
  });
}

Result<std::vector<AccessKeyRecord>> SqliteAccessKeyStore::ListFor(std::string_view arn) {
  return db_.Read([&](Connection& c) -> Result<std::vector<AccessKeyRecord>> {
    COFFER_ASSIGN_OR_RETURN(Statement st, c.Prepare("SELECT " COFFER_ACCESS_KEY_COLUMNS
                                                    " FROM access_keys WHERE principal_arn = ?1 "
                                                    "ORDER BY access_key_id"));
    st.Bind(1, arn);
    std::vector<AccessKeyRecord> out;
    while (true) {
      COFFER_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      out.push_back(ReadRecord(st));
    }
    return out;
  });
}

}  // namespace coffer::storage::sqlite
