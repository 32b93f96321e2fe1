#include "storage/sqlite/sqlite_secret_store.h"

#include <algorithm>
#include <tuple>

#include "storage/sqlite/internal/json_codec.h"

namespace coffer::storage::sqlite {
namespace {

using secrets::Secret;
using secrets::SecretVersion;

#define COFFER_SECRET_COLUMNS                                                             \
  "arn, name, description, kms_key_id, type, created_ms, last_changed_ms, "               \
  "last_accessed_ms, deleted_ms, purge_after_ms, tags, stages, version_count, revision, " \
  "resource_policy"

std::optional<Timestamp> OptTime(const std::optional<int64_t>& ms) {
  if (!ms) return std::nullopt;
  return FromUnixMillis(*ms);
}
std::optional<int64_t> OptMs(const std::optional<Timestamp>& t) {
  if (!t) return std::nullopt;
  return ToUnixMillis(*t);
}

Result<Secret> ReadSecret(const Statement& st) {
  Secret s;
  s.arn = st.Text(0);
  s.name = st.Text(1);
  s.description = st.OptText(2);
  s.kms_key_id = st.OptText(3);
  s.type = st.OptText(4);
  s.created = FromUnixMillis(st.Int(5));
  s.last_changed = FromUnixMillis(st.Int(6));
  s.last_accessed = OptTime(st.OptInt(7));
  s.deleted = OptTime(st.OptInt(8));
  s.purge_after = OptTime(st.OptInt(9));
  if (auto tags = st.OptText(10)) {
    COFFER_ASSIGN_OR_RETURN(s.tags, internal::DecodeTags(*tags));
  }
  COFFER_ASSIGN_OR_RETURN(s.stages, internal::DecodeStringMap(st.Text(11)));
  s.version_count = st.Int(12);
  s.revision = st.Int(13);
  s.resource_policy = st.OptText(14);
  return s;
}

// Binds the mutable columns in the order used by INSERT and UPDATE below (parameters 1-12).
void BindSecret(Statement& st, const Secret& s) {
  st.Bind(1, s.description)
      .Bind(2, s.kms_key_id)
      .Bind(3, s.type)
      .Bind(4, ToUnixMillis(s.last_changed))
      .Bind(5, OptMs(s.deleted))
      .Bind(6, OptMs(s.purge_after));
  if (s.tags) {
    st.Bind(7, internal::EncodeTags(*s.tags));
  } else {
    st.BindNull(7);
  }
  st.Bind(8, internal::EncodeStringMap(s.stages)).Bind(9, s.version_count);
  st.Bind(14, s.resource_policy);
}

Result<void> InsertVersion(Connection& c, const std::string& arn, const SecretVersion& v) {
  COFFER_ASSIGN_OR_RETURN(
      Statement st, c.Prepare("INSERT INTO secret_versions(secret_id, version_id, created_ms, "
                              "last_accessed_ms, kms_key_arn, is_binary, ciphertext) "
                              "SELECT id, ?2, ?3, ?4, ?5, ?6, ?7 FROM secrets WHERE arn = ?1"));
  st.Bind(1, arn)
      .Bind(2, v.version_id)
      .Bind(3, ToUnixMillis(v.created))
      .Bind(4, OptMs(v.last_accessed))
      .Bind(5, v.kms_key_arn)
      .Bind(6, int64_t{v.is_binary ? 1 : 0})
      .BindBlob(7, v.ciphertext);
  COFFER_RETURN_IF_ERROR(st.Run());
  if (c.Changes() != 1) return NotFoundError("secret not found");
  return Ok();
}

}  // namespace

Result<std::optional<Secret>> SqliteSecretStore::FindBy(const char* sql, std::string_view key) {
  return db_.Read([&](Connection& c) -> Result<std::optional<Secret>> {
    COFFER_ASSIGN_OR_RETURN(Statement st, c.Prepare(sql));
    st.Bind(1, key);
    COFFER_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) return std::optional<Secret>();
    COFFER_ASSIGN_OR_RETURN(Secret s, ReadSecret(st));
    return std::optional<Secret>(std::move(s));
  });
}

Result<std::optional<Secret>> SqliteSecretStore::FindByName(std::string_view name) {
  return FindBy("SELECT " COFFER_SECRET_COLUMNS " FROM secrets WHERE name = ?1", name);
}

Result<std::optional<Secret>> SqliteSecretStore::FindByArn(std::string_view arn) {
  return FindBy("SELECT " COFFER_SECRET_COLUMNS " FROM secrets WHERE arn = ?1", arn);
}

Result<std::optional<SecretVersion>> SqliteSecretStore::GetVersion(std::string_view arn,
                                                                   std::string_view version_id) {
  return db_.Read([&](Connection& c) -> Result<std::optional<SecretVersion>> {
    COFFER_ASSIGN_OR_RETURN(
        Statement st,
        c.Prepare("SELECT v.version_id, v.created_ms, v.last_accessed_ms, v.kms_key_arn, "
                  "v.is_binary, v.ciphertext FROM secret_versions v JOIN secrets s "
                  "ON s.id = v.secret_id WHERE s.arn = ?1 AND v.version_id = ?2"));
    st.Bind(1, arn).Bind(2, version_id);
    COFFER_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) return std::optional<SecretVersion>();
    SecretVersion v;
    v.version_id = st.Text(0);
    v.created = FromUnixMillis(st.Int(1));
    v.last_accessed = OptTime(st.OptInt(2));
    v.kms_key_arn = st.Text(3);
    v.is_binary = st.Int(4) != 0;
    v.ciphertext = st.Blob(5);
    return std::optional<SecretVersion>(std::move(v));
  });
}

std::function<void()> SqliteSecretStore::InvalidateLater(std::string name) {
  if (!cache_) return nullptr;
  return [cache = cache_.get(), name = std::move(name)] { cache->Invalidate(name); };
}

Result<std::optional<secrets::SecretRead>> SqliteSecretStore::ReadValue(std::string_view name,
                                                                        std::string_view version_id,
                                                                        std::string_view stage) {
  uint64_t generation = 0;
  if (cache_) {
    if (auto hit = cache_->Find(name, version_id, stage)) {
      return std::optional<secrets::SecretRead>(std::move(*hit));
    }
    generation = cache_->Generation(name);  // before reading: see ReadCache
  }
  auto read = ReadValueUncached(name, version_id, stage);
  if (cache_ && read.has_value() && read->has_value()) {
    cache_->Insert(name, version_id, stage, generation, **read);
  }
  return read;
}

Result<std::optional<secrets::SecretRead>> SqliteSecretStore::ReadValueUncached(
    std::string_view name, std::string_view version_id, std::string_view stage) {
  return db_.Read([&](Connection& c) -> Result<std::optional<secrets::SecretRead>> {
    ReadTransaction txn(c);
    COFFER_RETURN_IF_ERROR(txn.Begin());
    // Tags and the resource policy come along: authorization needs them.
    COFFER_ASSIGN_OR_RETURN(Statement st, c.Prepare("SELECT " COFFER_SECRET_COLUMNS
                                                    ", id FROM secrets WHERE name = ?1"));
    st.Bind(1, name);
    COFFER_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) return std::optional<secrets::SecretRead>();
    secrets::SecretRead out;
    COFFER_ASSIGN_OR_RETURN(out.secret, ReadSecret(st));
    int64_t secret_id = st.Int(15);
    std::string vid(version_id);
    if (vid.empty()) {
      auto it = out.secret.stages.find(std::string(stage));
      if (it != out.secret.stages.end()) vid = it->second;
    }
    if (!vid.empty()) {
      COFFER_ASSIGN_OR_RETURN(
          Statement v, c.Prepare("SELECT version_id, created_ms, last_accessed_ms, kms_key_arn, "
                                 "is_binary, ciphertext FROM secret_versions WHERE secret_id = ?1 "
                                 "AND version_id = ?2"));
      v.Bind(1, secret_id).Bind(2, vid);
      COFFER_ASSIGN_OR_RETURN(bool vrow, v.Step());
      if (vrow) {
        SecretVersion ver;
        ver.version_id = v.Text(0);
        ver.created = FromUnixMillis(v.Int(1));
        ver.last_accessed = OptTime(v.OptInt(2));
        ver.kms_key_arn = v.Text(3);
        ver.is_binary = v.Int(4) != 0;
        ver.ciphertext = v.Blob(5);
        out.version = std::move(ver);
      }
    }
    return std::optional<secrets::SecretRead>(std::move(out));
  });
}

namespace {

// A secret's versions without values, newest first (created desc, version id desc). There is
// no age index: each put would dirty one more random page for it. A secret holds at most a few
// thousand versions, so sorting them here is cheap, and only listings and pruning need it.
Result<std::vector<SecretVersion>> VersionsNewestFirst(Connection& c, std::string_view arn) {
  COFFER_ASSIGN_OR_RETURN(
      Statement st,
      c.Prepare("SELECT v.version_id, v.created_ms, v.last_accessed_ms, v.kms_key_arn, "
                "v.is_binary FROM secret_versions v JOIN secrets s ON s.id = v.secret_id "
                "WHERE s.arn = ?1"));
  st.Bind(1, arn);
  std::vector<SecretVersion> out;
  while (true) {
    COFFER_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    SecretVersion v;
    v.version_id = st.Text(0);
    v.created = FromUnixMillis(st.Int(1));
    v.last_accessed = OptTime(st.OptInt(2));
    v.kms_key_arn = st.Text(3);
    v.is_binary = st.Int(4) != 0;
    out.push_back(std::move(v));
  }
  std::sort(out.begin(), out.end(), [](const SecretVersion& a, const SecretVersion& b) {
    return std::tie(b.created, b.version_id) < std::tie(a.created, a.version_id);
  });
  return out;
}

}  // namespace

Result<std::vector<SecretVersion>> SqliteSecretStore::ListVersions(
    std::string_view arn, const std::optional<secrets::VersionCursor>& after, size_t limit) {
  return db_.Read([&](Connection& c) -> Result<std::vector<SecretVersion>> {
    COFFER_ASSIGN_OR_RETURN(std::vector<SecretVersion> all, VersionsNewestFirst(c, arn));
    std::vector<SecretVersion> out;
    for (SecretVersion& v : all) {
      if (after && std::make_tuple(ToUnixMillis(v.created), v.version_id) >=
                       std::make_tuple(after->created_ms, after->version_id)) {
        continue;
      }
      out.push_back(std::move(v));
      if (out.size() == limit) break;
    }
    return out;
  });
}

Result<std::vector<std::string>> SqliteSecretStore::OldVersions(std::string_view arn,
                                                                size_t keep_newest,
                                                                Timestamp created_before) {
  return db_.Read([&](Connection& c) -> Result<std::vector<std::string>> {
    COFFER_ASSIGN_OR_RETURN(std::vector<SecretVersion> all, VersionsNewestFirst(c, arn));
    std::vector<std::string> out;
    for (size_t i = keep_newest; i < all.size(); ++i) {
      if (all[i].created < created_before) out.push_back(std::move(all[i].version_id));
    }
    return out;
  });
}

Result<std::vector<Secret>> SqliteSecretStore::Scan(const secrets::SecretScan& scan) {
  std::string key;
  bool by_name = false;
  switch (scan.sort) {
    case secrets::SortKey::kCreated:
      key = "created_ms";
      break;
    case secrets::SortKey::kLastChanged:
      key = "last_changed_ms";
      break;
    case secrets::SortKey::kLastAccessed:
      key = "coalesce(last_accessed_ms, 0)";
      break;
    case secrets::SortKey::kName:
      by_name = true;
      break;
  }
  const char* dir = scan.descending ? "DESC" : "ASC";
  const char* cmp = scan.descending ? "<" : ">";
  std::string sql = "SELECT " COFFER_SECRET_COLUMNS " FROM secrets WHERE 1 = 1";
  if (!scan.include_deleted) sql += " AND deleted_ms IS NULL";
  if (by_name) {
    if (scan.after) sql += std::string(" AND name ") + cmp + " ?2";
    sql += std::string(" ORDER BY name ") + dir;
  } else {
    if (scan.after) sql += " AND (" + key + ", arn) " + cmp + " (?1, ?3)";
    sql += " ORDER BY " + key + " " + dir + ", arn " + dir;
  }
  sql += " LIMIT ?4";
  return db_.Read([&](Connection& c) -> Result<std::vector<Secret>> {
    COFFER_ASSIGN_OR_RETURN(Statement st, c.Prepare(sql));
    if (scan.after) {
      if (by_name) {
        st.Bind(2, scan.after->name);
      } else {
        st.Bind(1, scan.after->time_ms).Bind(3, scan.after->arn);
      }
    }
    st.Bind(4, static_cast<int64_t>(scan.limit));
    std::vector<Secret> out;
    while (true) {
      COFFER_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      COFFER_ASSIGN_OR_RETURN(Secret s, ReadSecret(st));
      out.push_back(std::move(s));
    }
    return out;
  });
}

Result<void> SqliteSecretStore::Create(const Secret& secret,
                                       const std::optional<SecretVersion>& first_version) {
  return db_.Write(
      [secret, first_version](Connection& c) -> Result<void> {
        COFFER_ASSIGN_OR_RETURN(
            Statement st,
            c.Prepare("INSERT INTO secrets(description, kms_key_id, type, last_changed_ms, "
                      "deleted_ms, purge_after_ms, tags, stages, version_count, arn, name, "
                      "created_ms, last_accessed_ms, resource_policy, revision) "
                      "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, 1)"));
        BindSecret(st, secret);
        st.Bind(10, secret.arn)
            .Bind(11, secret.name)
            .Bind(12, ToUnixMillis(secret.created))
            .Bind(13, OptMs(secret.last_accessed));
        COFFER_RETURN_IF_ERROR(st.Run());
        if (first_version) COFFER_RETURN_IF_ERROR(InsertVersion(c, secret.arn, *first_version));
        return Ok();
      },
      InvalidateLater(secret.name));
}

Result<void> SqliteSecretStore::Update(const Secret& secret,
                                       const std::vector<SecretVersion>& new_versions,
                                       const std::vector<std::string>& deleted_versions) {
  return db_.Write(
      [secret, new_versions, deleted_versions](Connection& c) -> Result<void> {
        COFFER_ASSIGN_OR_RETURN(
            Statement st,
            c.Prepare(
                "UPDATE secrets SET description = ?1, kms_key_id = ?2, type = ?3, "
                "last_changed_ms = ?4, deleted_ms = ?5, purge_after_ms = ?6, tags = ?7, "
                "stages = ?8, version_count = ?9, resource_policy = ?14, revision = revision + 1 "
                "WHERE arn = ?10 AND revision = ?11"));
        BindSecret(st, secret);
        st.Bind(10, secret.arn).Bind(11, secret.revision);
        COFFER_RETURN_IF_ERROR(st.Run());
        if (c.Changes() != 1) {
          COFFER_ASSIGN_OR_RETURN(Statement exists,
                                  c.Prepare("SELECT 1 FROM secrets WHERE arn = ?1"));
          exists.Bind(1, secret.arn);
          COFFER_ASSIGN_OR_RETURN(bool row, exists.Step());
          return row ? AbortedError("secret changed concurrently")
                     : NotFoundError("secret not found");
        }
        for (const std::string& vid : deleted_versions) {
          COFFER_ASSIGN_OR_RETURN(
              Statement del,
              c.Prepare("DELETE FROM secret_versions WHERE version_id = ?2 AND secret_id = "
                        "(SELECT id FROM secrets WHERE arn = ?1)"));
          del.Bind(1, secret.arn).Bind(2, vid);
          COFFER_RETURN_IF_ERROR(del.Run());
        }
        for (const SecretVersion& v : new_versions) {
          COFFER_RETURN_IF_ERROR(InsertVersion(c, secret.arn, v));
        }
        return Ok();
      },
      InvalidateLater(secret.name));
}

Result<void> SqliteSecretStore::Purge(std::string_view arn) {
  auto name = std::make_shared<std::string>();
  return db_.Write(
      [arn = std::string(arn), name](Connection& c) -> Result<void> {
        COFFER_ASSIGN_OR_RETURN(Statement find,
                                c.Prepare("SELECT name FROM secrets WHERE arn = ?1"));
        find.Bind(1, arn);
        COFFER_ASSIGN_OR_RETURN(bool row, find.Step());
        if (!row) return Ok();
        *name = find.Text(0);
        COFFER_ASSIGN_OR_RETURN(Statement versions,
                                c.Prepare("DELETE FROM secret_versions WHERE secret_id = "
                                          "(SELECT id FROM secrets WHERE arn = ?1)"));
        versions.Bind(1, arn);
        COFFER_RETURN_IF_ERROR(versions.Run());
        COFFER_ASSIGN_OR_RETURN(Statement st, c.Prepare("DELETE FROM secrets WHERE arn = ?1"));
        st.Bind(1, arn);
        return st.Run();
      },
      [cache = cache_.get(), name] {
        if (cache != nullptr && !name->empty()) cache->Invalidate(*name);
      });
}

Result<std::vector<std::string>> SqliteSecretStore::DueForPurge(Timestamp now, size_t limit) {
  return db_.Read([&](Connection& c) -> Result<std::vector<std::string>> {
    COFFER_ASSIGN_OR_RETURN(
        Statement st, c.Prepare("SELECT arn FROM secrets WHERE purge_after_ms IS NOT NULL AND "
                                "purge_after_ms <= ?1 ORDER BY purge_after_ms LIMIT ?2"));
    st.Bind(1, ToUnixMillis(now)).Bind(2, static_cast<int64_t>(limit));
    std::vector<std::string> out;
    while (true) {
      COFFER_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      out.push_back(st.Text(0));
    }
    return out;
  });
}

void SqliteSecretStore::RecordAccess(std::string_view arn, std::string_view version_id,
                                     Timestamp day) {
  auto key = std::make_tuple(std::string(arn), std::string(version_id), ToUnixMillis(day));
  {
    std::lock_guard lock(pending_mu_);
    if (!pending_.insert(key).second) return;
  }
  auto name = std::make_shared<std::string>();
  db_.WriteAsync(
      [this, key, name](Connection& c) -> Result<void> {
        {
          std::lock_guard lock(pending_mu_);
          pending_.erase(key);
        }
        const auto& [arn_s, vid, ms] = key;
        COFFER_ASSIGN_OR_RETURN(Statement find,
                                c.Prepare("SELECT name FROM secrets WHERE arn = ?1"));
        find.Bind(1, arn_s);
        COFFER_ASSIGN_OR_RETURN(bool found, find.Step());
        if (found) *name = find.Text(0);
        COFFER_ASSIGN_OR_RETURN(
            Statement s, c.Prepare("UPDATE secrets SET last_accessed_ms = ?2 WHERE arn = ?1 AND "
                                   "coalesce(last_accessed_ms, 0) < ?2"));
        s.Bind(1, arn_s).Bind(2, ms);
        COFFER_RETURN_IF_ERROR(s.Run());
        COFFER_ASSIGN_OR_RETURN(
            Statement v,
            c.Prepare("UPDATE secret_versions SET last_accessed_ms = ?3 WHERE version_id = ?2 AND "
                      "coalesce(last_accessed_ms, 0) < ?3 AND secret_id = "
                      "(SELECT id FROM secrets WHERE arn = ?1)"));
        v.Bind(1, arn_s).Bind(2, vid).Bind(3, ms);
        return v.Run();
      },
      [cache = cache_.get(), name] {
        if (cache != nullptr && !name->empty()) cache->Invalidate(*name);
      });
}

}  // namespace coffer::storage::sqlite
