#include "storage/sqlite/sqlite_key_store.h"

#include <map>

#include "storage/sqlite/internal/json_codec.h"

namespace coffer::storage::sqlite {
namespace {

using keys::Alias;
using keys::Key;
using keys::KeyMaterial;
using keys::KeyringTerm;
using keys::PendingRootRotation;

#define COFFER_KEY_COLUMNS                                                                     \
  "key_id, arn, description, state, spec, usage, manager, created_ms, deletion_ms, "           \
  "rotation_enabled, rotation_period_days, next_rotation_ms, current_material, policy, tags, " \
  "revision, pending_window_days"

std::optional<int64_t> OptMs(const std::optional<Timestamp>& t) {
  if (!t) return std::nullopt;
  return ToUnixMillis(*t);
}

Result<Key> ReadKey(const Statement& st) {
  Key k;
  k.key_id = st.Text(0);
  k.arn = st.Text(1);
  k.description = st.Text(2);
  auto state = keys::ParseKeyState(st.Text(3));
  auto spec = keys::ParseKeySpec(st.Text(4));
  auto usage = keys::ParseKeyUsage(st.Text(5));
  if (!state || !spec || !usage) return DataLossError("stored key metadata is corrupt");
  k.state = *state;
  k.spec = *spec;
  k.usage = *usage;
  k.manager = st.Text(6) == "AWS" ? keys::KeyManager::kAws : keys::KeyManager::kCustomer;
  k.created = FromUnixMillis(st.Int(7));
  if (auto d = st.OptInt(8)) k.deletion_date = FromUnixMillis(*d);
  k.rotation_enabled = st.Int(9) != 0;
  k.rotation_period_days = static_cast<int32_t>(st.Int(10));
  if (auto n = st.OptInt(11)) k.next_rotation = FromUnixMillis(*n);
  k.current_material = static_cast<uint32_t>(st.Int(12));
  k.policy = st.Text(13);
  COFFER_ASSIGN_OR_RETURN(k.tags, internal::DecodeTags(st.Text(14)));
  k.revision = st.Int(15);
  k.pending_window_days = static_cast<int32_t>(st.Int(16));
  return k;
}

void BindKey(Statement& st, const Key& k) {
  st.Bind(1, k.key_id)
      .Bind(2, k.arn)
      .Bind(3, k.description)
      .Bind(4, keys::KeyStateName(k.state))
      .Bind(5, keys::KeySpecName(k.spec))
      .Bind(6, keys::KeyUsageName(k.usage))
      .Bind(7, std::string_view(k.manager == keys::KeyManager::kAws ? "AWS" : "CUSTOMER"))
      .Bind(8, ToUnixMillis(k.created))
      .Bind(9, OptMs(k.deletion_date))
      .Bind(10, int64_t{k.rotation_enabled ? 1 : 0})
      .Bind(11, int64_t{k.rotation_period_days})
      .Bind(12, OptMs(k.next_rotation))
      .Bind(13, int64_t{k.current_material})
      .Bind(14, k.policy)
      .Bind(15, internal::EncodeTags(k.tags))
      .Bind(17, int64_t{k.pending_window_days});
}

Result<void> InsertMaterial(Connection& c, const KeyMaterial& m) {
  COFFER_ASSIGN_OR_RETURN(Statement st,
                          c.Prepare("INSERT INTO kms_key_materials(key_id, version, created_ms, "
                                    "on_demand, sealed) VALUES(?1, ?2, ?3, ?4, ?5)"));
  st.Bind(1, m.key_id)
      .Bind(2, int64_t{m.version})
      .Bind(3, ToUnixMillis(m.created))
      .Bind(4, int64_t{m.on_demand ? 1 : 0})
      .BindBlob(5, m.sealed);
  return st.Run();
}

KeyMaterial ReadMaterial(const Statement& st) {
  return KeyMaterial{st.Text(0), static_cast<uint32_t>(st.Int(1)), FromUnixMillis(st.Int(2)),
                     st.Int(3) != 0, st.Blob(4)};
}

Alias ReadAlias(const Statement& st) {
  return Alias{st.Text(0), st.Text(1), FromUnixMillis(st.Int(2)), FromUnixMillis(st.Int(3))};
}

Result<bool> RootRotationPending(Connection& c) {
  COFFER_ASSIGN_OR_RETURN(Statement st, c.Prepare("SELECT 1 FROM keyring_pending_root"));
  return st.Step();
}

// Pending terms in the order of `ORDER BY term`, with `created` left unset.
Result<std::vector<KeyringTerm>> ReadPendingTerms(Connection& c) {
  COFFER_ASSIGN_OR_RETURN(
      Statement st, c.Prepare("SELECT term, sealed FROM keyring_pending_terms ORDER BY term"));
  std::vector<KeyringTerm> out;
  while (true) {
    COFFER_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back(KeyringTerm{static_cast<uint32_t>(st.Int(0)), {}, st.Blob(1)});
  }
  return out;
}

// True when the pending terms and the live terms have the same term numbers.
Result<bool> PendingTermsMatch(Connection& c) {
  COFFER_ASSIGN_OR_RETURN(
      Statement st,
      c.Prepare("SELECT (SELECT count(*) FROM keyring_terms) = "
                "(SELECT count(*) FROM keyring_pending_terms) AND NOT EXISTS (SELECT 1 FROM "
                "keyring_pending_terms p WHERE p.term NOT IN (SELECT term FROM keyring_terms))"));
  COFFER_ASSIGN_OR_RETURN(bool row, st.Step());
  return row && st.Int(0) != 0;
}

}  // namespace

Result<void> SqliteKeyStore::CreateKey(const Key& key, const KeyMaterial& first_material) {
  return db_.Write([key, first_material](Connection& c) -> Result<void> {
    COFFER_ASSIGN_OR_RETURN(
        Statement st,
        c.Prepare("INSERT INTO kms_keys(" COFFER_KEY_COLUMNS ") VALUES(?1, ?2, ?3, ?4, ?5, ?6, "
                  "?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, 1, ?17)"));
    BindKey(st, key);
    COFFER_RETURN_IF_ERROR(st.Run());
    return InsertMaterial(c, first_material);
  });
}

Result<std::optional<Key>> SqliteKeyStore::GetKey(std::string_view key_id) {
  return db_.Read([&](Connection& c) -> Result<std::optional<Key>> {
    COFFER_ASSIGN_OR_RETURN(
        Statement st, c.Prepare("SELECT " COFFER_KEY_COLUMNS " FROM kms_keys WHERE key_id = ?1"));
    st.Bind(1, key_id);
    COFFER_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) return std::optional<Key>();
    COFFER_ASSIGN_OR_RETURN(Key k, ReadKey(st));
    return std::optional<Key>(std::move(k));
  });
}

Result<std::vector<Key>> SqliteKeyStore::ListKeys(std::string_view after_key_id, size_t limit) {
  return db_.Read([&](Connection& c) -> Result<std::vector<Key>> {
    COFFER_ASSIGN_OR_RETURN(Statement st,
                            c.Prepare("SELECT " COFFER_KEY_COLUMNS " FROM kms_keys WHERE key_id "
                                      "> ?1 ORDER BY key_id LIMIT ?2"));
    st.Bind(1, after_key_id).Bind(2, static_cast<int64_t>(limit));
    std::vector<Key> out;
    while (true) {
      COFFER_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      COFFER_ASSIGN_OR_RETURN(Key k, ReadKey(st));
      out.push_back(std::move(k));
    }
    return out;
  });
}

Result<void> SqliteKeyStore::UpdateKey(const Key& key,
                                       const std::optional<KeyMaterial>& new_material) {
  return db_.Write([key, new_material](Connection& c) -> Result<void> {
    COFFER_ASSIGN_OR_RETURN(
        Statement st,
        c.Prepare("UPDATE kms_keys SET arn = ?2, description = ?3, state = ?4, spec = ?5, "
                  "usage = ?6, manager = ?7, created_ms = ?8, deletion_ms = ?9, "
                  "rotation_enabled = ?10, rotation_period_days = ?11, next_rotation_ms = ?12, "
                  "current_material = ?13, policy = ?14, tags = ?15, revision = revision + 1, "
                  "pending_window_days = ?17 "
                  "WHERE key_id = ?1 AND revision = ?16"));
    BindKey(st, key);
    st.Bind(16, key.revision);
    COFFER_RETURN_IF_ERROR(st.Run());
    if (c.Changes() != 1) {
      COFFER_ASSIGN_OR_RETURN(Statement exists,
                              c.Prepare("SELECT 1 FROM kms_keys WHERE key_id = ?1"));
      exists.Bind(1, key.key_id);
      COFFER_ASSIGN_OR_RETURN(bool row, exists.Step());
      return row ? AbortedError("key changed concurrently") : NotFoundError("key not found");
    }
    if (new_material) COFFER_RETURN_IF_ERROR(InsertMaterial(c, *new_material));
    return Ok();
  });
}

Result<void> SqliteKeyStore::DeleteKey(std::string_view key_id) {
  return db_.Write([key_id = std::string(key_id)](Connection& c) -> Result<void> {
    for (const char* sql : {"DELETE FROM kms_aliases WHERE key_id = ?1",
                            "DELETE FROM kms_key_materials WHERE key_id = ?1",
                            "DELETE FROM kms_keys WHERE key_id = ?1"}) {
      COFFER_ASSIGN_OR_RETURN(Statement st, c.Prepare(sql));
      st.Bind(1, key_id);
      COFFER_RETURN_IF_ERROR(st.Run());
    }
    return Ok();
  });
}

Result<std::optional<KeyMaterial>> SqliteKeyStore::GetMaterial(std::string_view key_id,
                                                               uint32_t version) {
  return db_.Read([&](Connection& c) -> Result<std::optional<KeyMaterial>> {
    COFFER_ASSIGN_OR_RETURN(Statement st,
                            c.Prepare("SELECT key_id, version, created_ms, on_demand, sealed FROM "
                                      "kms_key_materials WHERE key_id = ?1 AND version = ?2"));
    st.Bind(1, key_id).Bind(2, int64_t{version});
    COFFER_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) return std::optional<KeyMaterial>();
    return std::optional<KeyMaterial>(ReadMaterial(st));
  });
}

Result<std::vector<KeyMaterial>> SqliteKeyStore::ListMaterials(std::string_view key_id) {
  return db_.Read([&](Connection& c) -> Result<std::vector<KeyMaterial>> {
    COFFER_ASSIGN_OR_RETURN(Statement st,
                            c.Prepare("SELECT key_id, version, created_ms, on_demand, sealed FROM "
                                      "kms_key_materials WHERE key_id = ?1 ORDER BY version"));
    st.Bind(1, key_id);
    std::vector<KeyMaterial> out;
    while (true) {
      COFFER_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      out.push_back(ReadMaterial(st));
    }
    return out;
  });
}

Result<void> SqliteKeyStore::CreateAlias(const Alias& alias) {
  return db_.Write([alias](Connection& c) -> Result<void> {
    COFFER_ASSIGN_OR_RETURN(
        Statement st, c.Prepare("INSERT INTO kms_aliases(name, key_id, created_ms, updated_ms) "
                                "VALUES(?1, ?2, ?3, ?4)"));
    st.Bind(1, alias.name)
        .Bind(2, alias.key_id)
        .Bind(3, ToUnixMillis(alias.created))
        .Bind(4, ToUnixMillis(alias.updated));
    return st.Run();
  });
}

Result<std::optional<Alias>> SqliteKeyStore::GetAlias(std::string_view name) {
  return db_.Read([&](Connection& c) -> Result<std::optional<Alias>> {
    COFFER_ASSIGN_OR_RETURN(Statement st,
                            c.Prepare("SELECT name, key_id, created_ms, updated_ms FROM "
                                      "kms_aliases WHERE name = ?1"));
    st.Bind(1, name);
    COFFER_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) return std::optional<Alias>();
    return std::optional<Alias>(ReadAlias(st));
  });
}

Result<void> SqliteKeyStore::UpdateAlias(const Alias& alias) {
  return db_.Write([alias](Connection& c) -> Result<void> {
    COFFER_ASSIGN_OR_RETURN(
        Statement st,
        c.Prepare("UPDATE kms_aliases SET key_id = ?2, updated_ms = ?3 WHERE name = ?1"));
    st.Bind(1, alias.name).Bind(2, alias.key_id).Bind(3, ToUnixMillis(alias.updated));
    COFFER_RETURN_IF_ERROR(st.Run());
    if (c.Changes() != 1) return NotFoundError("alias not found");
    return Ok();
  });
}

Result<void> SqliteKeyStore::DeleteAlias(std::string_view name) {
  return db_.Write([name = std::string(name)](Connection& c) -> Result<void> {
    COFFER_ASSIGN_OR_RETURN(Statement st, c.Prepare("DELETE FROM kms_aliases WHERE name = ?1"));
    st.Bind(1, name);
    return st.Run();
  });
}

Result<std::vector<Alias>> SqliteKeyStore::ListAliases(std::string_view key_id,
                                                       std::string_view after_name, size_t limit) {
  return db_.Read([&](Connection& c) -> Result<std::vector<Alias>> {
    const char* sql = key_id.empty()
                          ? "SELECT name, key_id, created_ms, updated_ms FROM kms_aliases "
                            "WHERE name > ?2 ORDER BY name LIMIT ?3"
                          : "SELECT name, key_id, created_ms, updated_ms FROM kms_aliases "
                            "WHERE key_id = ?1 AND name > ?2 ORDER BY name LIMIT ?3";
    COFFER_ASSIGN_OR_RETURN(Statement st, c.Prepare(sql));
    if (!key_id.empty()) st.Bind(1, key_id);
    st.Bind(2, after_name).Bind(3, static_cast<int64_t>(limit));
    std::vector<Alias> out;
    while (true) {
      COFFER_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      out.push_back(ReadAlias(st));
    }
    return out;
  });
}

Result<std::vector<KeyringTerm>> SqliteKeyStore::ListKeyringTerms() {
  return db_.Read([&](Connection& c) -> Result<std::vector<KeyringTerm>> {
    COFFER_ASSIGN_OR_RETURN(
        Statement st,
        c.Prepare("SELECT term, created_ms, sealed FROM keyring_terms ORDER BY term"));
    std::vector<KeyringTerm> out;
    while (true) {
      COFFER_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      out.push_back(
          KeyringTerm{static_cast<uint32_t>(st.Int(0)), FromUnixMillis(st.Int(1)), st.Blob(2)});
    }
    return out;
  });
}

Result<void> SqliteKeyStore::AddKeyringTerm(const KeyringTerm& term) {
  return db_.Write([term](Connection& c) -> Result<void> {
    // In the same transaction as the insert: a pending rewrap must cover every stored term.
    COFFER_ASSIGN_OR_RETURN(bool pending, RootRotationPending(c));
    if (pending) {
      return FailedPreconditionError("a root key rotation is pending", "ROOT_ROTATION_PENDING");
    }
    COFFER_ASSIGN_OR_RETURN(
        Statement st,
        c.Prepare("INSERT INTO keyring_terms(term, created_ms, sealed) VALUES(?1, ?2, ?3)"));
    st.Bind(1, int64_t{term.term}).Bind(2, ToUnixMillis(term.created)).BindBlob(3, term.sealed);
    return st.Run();
  });
}

Result<void> SqliteKeyStore::ReplaceKeyringTerms(const std::vector<KeyringTerm>& terms) {
  return db_.Write([terms](Connection& c) -> Result<void> {
    for (const KeyringTerm& t : terms) {
      COFFER_ASSIGN_OR_RETURN(Statement st,
                              c.Prepare("UPDATE keyring_terms SET sealed = ?2 WHERE term = ?1"));
      st.Bind(1, int64_t{t.term}).BindBlob(2, t.sealed);
      COFFER_RETURN_IF_ERROR(st.Run());
      if (c.Changes() != 1) return NotFoundError("keyring term not found");
    }
    return Ok();
  });
}

Result<std::optional<PendingRootRotation>> SqliteKeyStore::GetPendingRootRotation() {
  return db_.Read([&](Connection& c) -> Result<std::optional<PendingRootRotation>> {
    ReadTransaction txn(c);
    COFFER_RETURN_IF_ERROR(txn.Begin());
    COFFER_ASSIGN_OR_RETURN(Statement st,
                            c.Prepare("SELECT nonce, created_ms FROM keyring_pending_root"));
    COFFER_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) return std::optional<PendingRootRotation>();
    PendingRootRotation p;
    p.nonce = st.Text(0);
    p.created = FromUnixMillis(st.Int(1));
    COFFER_ASSIGN_OR_RETURN(p.terms, ReadPendingTerms(c));
    COFFER_ASSIGN_OR_RETURN(Statement created,
                            c.Prepare("SELECT term, created_ms FROM keyring_terms ORDER BY term"));
    std::map<uint32_t, Timestamp> created_at;
    while (true) {
      COFFER_ASSIGN_OR_RETURN(bool more, created.Step());
      if (!more) break;
      created_at[static_cast<uint32_t>(created.Int(0))] = FromUnixMillis(created.Int(1));
    }
    for (KeyringTerm& t : p.terms) {
      auto it = created_at.find(t.term);
      if (it != created_at.end()) t.created = it->second;
    }
    return std::optional<PendingRootRotation>(std::move(p));
  });
}

Result<void> SqliteKeyStore::PutPendingRootRotation(const PendingRootRotation& pending) {
  return db_.Write([pending](Connection& c) -> Result<void> {
    COFFER_ASSIGN_OR_RETURN(bool exists, RootRotationPending(c));
    if (exists) return AlreadyExistsError("a root key rotation is already pending");
    // Rows left without a header cannot exist (both are written here, in one transaction), but
    // a stale row must never join this rewrap.
    COFFER_RETURN_IF_ERROR(c.Exec("DELETE FROM keyring_pending_terms"));
    COFFER_ASSIGN_OR_RETURN(
        Statement head,
        c.Prepare("INSERT INTO keyring_pending_root(id, nonce, created_ms) VALUES(1, ?1, ?2)"));
    head.Bind(1, pending.nonce).Bind(2, ToUnixMillis(pending.created));
    COFFER_RETURN_IF_ERROR(head.Run());
    for (const KeyringTerm& t : pending.terms) {
      COFFER_ASSIGN_OR_RETURN(
          Statement st,
          c.Prepare("INSERT INTO keyring_pending_terms(term, sealed) VALUES(?1, ?2)"));
      st.Bind(1, int64_t{t.term}).BindBlob(2, t.sealed);
      COFFER_RETURN_IF_ERROR(st.Run());
    }
    COFFER_ASSIGN_OR_RETURN(bool match, PendingTermsMatch(c));
    if (!match) {
      return FailedPreconditionError("the pending rewrap does not cover the stored keyring terms");
    }
    return Ok();
  });
}

Result<void> SqliteKeyStore::CommitPendingRootRotation(std::string_view nonce) {
  return db_.Write([nonce = std::string(nonce)](Connection& c) -> Result<void> {
    COFFER_ASSIGN_OR_RETURN(Statement head,
                            c.Prepare("SELECT nonce FROM keyring_pending_root WHERE id = 1"));
    COFFER_ASSIGN_OR_RETURN(bool row, head.Step());
    if (!row || head.Text(0) != nonce) {
      return NotFoundError("no such root key rotation is pending");
    }
    COFFER_ASSIGN_OR_RETURN(bool match, PendingTermsMatch(c));
    if (!match) {
      return FailedPreconditionError("the pending rewrap does not cover the stored keyring terms");
    }
    COFFER_RETURN_IF_ERROR(
        c.Exec("UPDATE keyring_terms SET sealed = (SELECT p.sealed FROM keyring_pending_terms p "
               "WHERE p.term = keyring_terms.term)"));
    COFFER_RETURN_IF_ERROR(c.Exec("DELETE FROM keyring_pending_terms"));
    return c.Exec("DELETE FROM keyring_pending_root");
  });
}

Result<void> SqliteKeyStore::DeletePendingRootRotation() {
  return db_.Write([](Connection& c) -> Result<void> {
    COFFER_ASSIGN_OR_RETURN(bool exists, RootRotationPending(c));
    if (!exists) return NotFoundError("no root key rotation is pending");
    COFFER_RETURN_IF_ERROR(c.Exec("DELETE FROM keyring_pending_terms"));
    return c.Exec("DELETE FROM keyring_pending_root");
  });
}

}  // namespace coffer::storage::sqlite
