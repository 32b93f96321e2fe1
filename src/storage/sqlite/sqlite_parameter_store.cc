#include "storage/sqlite/sqlite_parameter_store.h"

#include "base/strings.h"
#include "core/parameters/parameter_name.h"
#include "storage/sqlite/internal/json_codec.h"

namespace coffer::storage::sqlite {
namespace {

using parameters::Parameter;
using parameters::ParameterRead;
using parameters::ParameterVersion;
using parameters::VersionAttributes;

// Parameter columns (0-7), then the version's (8-18).
#define COFFER_PARAMETER_COLUMNS \
  "p.path, p.name, p.arn, p.version, p.version_count, p.tags, p.labels, p.revision"
#define COFFER_VERSION_COLUMNS                                                          \
  "v.version, v.type, v.description, v.allowed_pattern, v.key_id, v.tier, v.policies, " \
  "v.data_type, v.modified_ms, v.modified_user"

Result<std::map<std::string, int64_t>> DecodeLabels(const std::string& json) {
  COFFER_ASSIGN_OR_RETURN(auto raw, internal::DecodeStringMap(json));
  std::map<std::string, int64_t> out;
  for (const auto& [label, version] : raw) {
    auto v = ParseInt64(version);
    if (!v) return DataLossError("stored parameter labels are corrupt");
    out[label] = *v;
  }
  return out;
}

std::string EncodeLabels(const std::map<std::string, int64_t>& labels) {
  std::map<std::string, std::string> raw;
  for (const auto& [label, version] : labels) raw[label] = std::to_string(version);
  return internal::EncodeStringMap(raw);
}

// Policies are stored as a list of [type, text] pairs (the tag encoding).
std::string EncodePolicies(const std::vector<parameters::ParameterPolicy>& policies) {
  core::Tags pairs;
  for (const auto& p : policies) pairs.push_back({p.type, p.text});
  return internal::EncodeTags(pairs);
}

Result<std::vector<parameters::ParameterPolicy>> DecodePolicies(const std::string& json) {
  COFFER_ASSIGN_OR_RETURN(core::Tags pairs, internal::DecodeTags(json));
  std::vector<parameters::ParameterPolicy> out;
  for (auto& t : pairs) out.push_back({std::move(t.key), std::move(t.value)});
  return out;
}

Result<Parameter> ReadParameterRow(const Statement& st) {
  Parameter p;
  p.path = st.Text(0);
  p.name = st.Text(1);
  p.arn = st.Text(2);
  p.version = st.Int(3);
  p.version_count = st.Int(4);
  COFFER_ASSIGN_OR_RETURN(p.tags, internal::DecodeTags(st.Text(5)));
  COFFER_ASSIGN_OR_RETURN(p.labels, DecodeLabels(st.Text(6)));
  p.revision = st.Int(7);
  return p;
}

// Reads version columns starting at `c` (the order of COFFER_VERSION_COLUMNS).
Result<ParameterVersion> ReadVersionRow(const Statement& st, int c) {
  ParameterVersion v;
  v.version = st.Int(c);
  VersionAttributes& a = v.attributes;
  auto type = parameters::ParseType(st.Text(c + 1));
  auto tier = parameters::ParseTier(st.Text(c + 5));
  if (!type || !tier) return DataLossError("stored parameter version is corrupt");
  a.type = *type;
  a.description = st.OptText(c + 2);
  a.allowed_pattern = st.OptText(c + 3);
  a.key_id = st.OptText(c + 4);
  a.tier = *tier;
  COFFER_ASSIGN_OR_RETURN(a.policies, DecodePolicies(st.Text(c + 6)));
  a.data_type = st.Text(c + 7);
  a.last_modified = FromUnixMillis(st.Int(c + 8));
  a.last_modified_user = st.Text(c + 9);
  return v;
}

Result<void> InsertVersion(Connection& c, const std::string& path, const ParameterVersion& v) {
  COFFER_ASSIGN_OR_RETURN(
      Statement st,
      c.Prepare("INSERT INTO ssm_parameter_versions(parameter_id, version, type, description, "
                "allowed_pattern, key_id, tier, policies, data_type, modified_ms, modified_user, "
                "value) SELECT id, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12 "
                "FROM ssm_parameters WHERE path = ?1"));
  const VersionAttributes& a = v.attributes;
  st.Bind(1, path)
      .Bind(2, v.version)
      .Bind(3, parameters::TypeName(a.type))
      .Bind(4, a.description)
      .Bind(5, a.allowed_pattern)
      .Bind(6, a.key_id)
      .Bind(7, parameters::TierName(a.tier))
      .Bind(8, EncodePolicies(a.policies))
      .Bind(9, a.data_type)
      .Bind(10, ToUnixMillis(a.last_modified))
      .Bind(11, a.last_modified_user)
      .BindBlob(12, v.value);
  COFFER_RETURN_IF_ERROR(st.Run());
  if (c.Changes() != 1) return NotFoundError("parameter not found");
  return Ok();
}

std::string SelectorKey(const parameters::Selector& s) {
  if (s.version) return "v" + std::to_string(*s.version);
  if (s.label) return "l" + *s.label;
  return "";
}

// The smallest string greater than every string starting with `prefix`.
std::string PrefixEnd(std::string prefix) {
  while (!prefix.empty() && static_cast<unsigned char>(prefix.back()) == 0xff) prefix.pop_back();
  if (!prefix.empty()) prefix.back() = static_cast<char>(prefix.back() + 1);
  return prefix;
}

}  // namespace

std::function<void()> SqliteParameterStore::InvalidateLater(std::string path) {
  if (!cache_) return nullptr;
  return [cache = cache_.get(), path = std::move(path)] { cache->Invalidate(path); };
}

Result<std::optional<ParameterRead>> SqliteParameterStore::Read(
    std::string_view path, const parameters::Selector& selector) {
  uint64_t generation = 0;
  std::string key;
  if (cache_) {
    key = SelectorKey(selector);
    if (auto hit = cache_->Find(path, key, ""))
      return std::optional<ParameterRead>(std::move(*hit));
    generation = cache_->Generation(path);  // before reading: see ReadCache
  }
  auto read = ReadUncached(path, selector);
  if (cache_ && read.has_value() && read->has_value()) {
    cache_->Insert(path, key, "", generation, **read);
  }
  return read;
}

Result<std::optional<ParameterRead>> SqliteParameterStore::ReadUncached(
    std::string_view path, const parameters::Selector& selector) {
  return db_.Read([&](Connection& c) -> Result<std::optional<ParameterRead>> {
    ReadTransaction txn(c);
    COFFER_RETURN_IF_ERROR(txn.Begin());
    COFFER_ASSIGN_OR_RETURN(
        Statement st,
        c.Prepare("SELECT " COFFER_PARAMETER_COLUMNS ", " COFFER_VERSION_COLUMNS
                  ", v.value, p.id FROM ssm_parameters p JOIN ssm_parameter_versions v ON "
                  "v.parameter_id = p.id AND v.version = p.version WHERE p.path = ?1"));
    st.Bind(1, path);
    COFFER_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) return std::optional<ParameterRead>();
    ParameterRead out;
    COFFER_ASSIGN_OR_RETURN(out.parameter, ReadParameterRow(st));
    COFFER_ASSIGN_OR_RETURN(ParameterVersion latest, ReadVersionRow(st, 8));
    latest.value = st.Blob(18);
    int64_t id = st.Int(19);
    out.parameter.latest = latest.attributes;
    int64_t wanted = out.parameter.version;
    if (selector.version) {
      wanted = *selector.version;
    } else if (selector.label) {
      auto it = out.parameter.labels.find(*selector.label);
      wanted = it == out.parameter.labels.end() ? 0 : it->second;
    }
    if (wanted == latest.version) {
      out.version = std::move(latest);
    } else if (wanted > 0) {
      COFFER_ASSIGN_OR_RETURN(Statement vs,
                              c.Prepare("SELECT " COFFER_VERSION_COLUMNS
                                        ", v.value FROM ssm_parameter_versions v WHERE "
                                        "v.parameter_id = ?1 AND v.version = ?2"));
      vs.Bind(1, id).Bind(2, wanted);
      COFFER_ASSIGN_OR_RETURN(bool vrow, vs.Step());
      if (vrow) {
        COFFER_ASSIGN_OR_RETURN(ParameterVersion v, ReadVersionRow(vs, 0));
        v.value = vs.Blob(10);
        out.version = std::move(v);
      }
    }
    return std::optional<ParameterRead>(std::move(out));
  });
}

Result<std::optional<Parameter>> SqliteParameterStore::Find(std::string_view path) {
  return db_.Read([&](Connection& c) -> Result<std::optional<Parameter>> {
    COFFER_ASSIGN_OR_RETURN(
        Statement st,
        c.Prepare("SELECT " COFFER_PARAMETER_COLUMNS ", " COFFER_VERSION_COLUMNS
                  " FROM ssm_parameters p JOIN ssm_parameter_versions v ON "
                  "v.parameter_id = p.id AND v.version = p.version WHERE p.path = ?1"));
    st.Bind(1, path);
    COFFER_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) return std::optional<Parameter>();
    COFFER_ASSIGN_OR_RETURN(Parameter p, ReadParameterRow(st));
    COFFER_ASSIGN_OR_RETURN(ParameterVersion v, ReadVersionRow(st, 8));
    p.latest = std::move(v.attributes);
    return std::optional<Parameter>(std::move(p));
  });
}

Result<std::vector<ParameterVersion>> SqliteParameterStore::History(std::string_view path,
                                                                    int64_t after_version,
                                                                    size_t limit) {
  return db_.Read([&](Connection& c) -> Result<std::vector<ParameterVersion>> {
    COFFER_ASSIGN_OR_RETURN(
        Statement st,
        c.Prepare("SELECT " COFFER_VERSION_COLUMNS
                  ", v.value FROM ssm_parameter_versions v WHERE v.parameter_id = (SELECT id "
                  "FROM ssm_parameters WHERE path = ?1) AND v.version > ?2 ORDER BY v.version "
                  "LIMIT ?3"));
    st.Bind(1, path).Bind(2, after_version).Bind(3, static_cast<int64_t>(limit));
    std::vector<ParameterVersion> out;
    while (true) {
      COFFER_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      COFFER_ASSIGN_OR_RETURN(ParameterVersion v, ReadVersionRow(st, 0));
      v.value = st.Blob(10);
      out.push_back(std::move(v));
    }
    return out;
  });
}

Result<std::vector<ParameterRead>> SqliteParameterStore::Scan(const parameters::PathScan& scan) {
  // Both shapes walk an index in path order from the cursor and stop after `limit` rows.
  std::string sql = "SELECT " COFFER_PARAMETER_COLUMNS ", " COFFER_VERSION_COLUMNS;
  sql += scan.with_values ? ", v.value" : ", NULL";
  sql +=
      " FROM ssm_parameters p JOIN ssm_parameter_versions v ON v.parameter_id = p.id AND "
      "v.version = p.version WHERE ";
  sql += scan.one_level ? "p.parent = ?1" : "p.path >= ?1 AND p.path < ?2";
  sql += " AND p.path > ?3 ORDER BY p.path LIMIT ?4";
  return db_.Read([&](Connection& c) -> Result<std::vector<ParameterRead>> {
    COFFER_ASSIGN_OR_RETURN(Statement st, c.Prepare(sql));
    st.Bind(1, scan.prefix);
    if (!scan.one_level) st.Bind(2, PrefixEnd(scan.prefix));
    st.Bind(3, scan.after.value_or("")).Bind(4, static_cast<int64_t>(scan.limit));
    std::vector<ParameterRead> out;
    while (true) {
      COFFER_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      ParameterRead r;
      COFFER_ASSIGN_OR_RETURN(r.parameter, ReadParameterRow(st));
      COFFER_ASSIGN_OR_RETURN(ParameterVersion v, ReadVersionRow(st, 8));
      r.parameter.latest = v.attributes;
      if (scan.with_values) {
        v.value = st.Blob(18);
        r.version = std::move(v);
      }
      out.push_back(std::move(r));
    }
    return out;
  });
}

Result<void> SqliteParameterStore::Create(const Parameter& parameter,
                                          const ParameterVersion& first) {
  return db_.Write(
      [parameter, first](Connection& c) -> Result<void> {
        COFFER_ASSIGN_OR_RETURN(
            Statement st, c.Prepare("INSERT INTO ssm_parameters(path, parent, name, arn, version, "
                                    "version_count, tags, labels, revision) "
                                    "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 1)"));
        st.Bind(1, parameter.path)
            .Bind(2, parameters::ParentOf(parameter.path))
            .Bind(3, parameter.name)
            .Bind(4, parameter.arn)
            .Bind(5, parameter.version)
            .Bind(6, parameter.version_count)
            .Bind(7, internal::EncodeTags(parameter.tags))
            .Bind(8, EncodeLabels(parameter.labels));
        COFFER_RETURN_IF_ERROR(st.Run());
        return InsertVersion(c, parameter.path, first);
      },
      InvalidateLater(parameter.path));
}

Result<void> SqliteParameterStore::Update(const Parameter& parameter,
                                          const std::vector<ParameterVersion>& new_versions,
                                          const std::vector<int64_t>& deleted_versions) {
  return db_.Write(
      [parameter, new_versions, deleted_versions](Connection& c) -> Result<void> {
        COFFER_ASSIGN_OR_RETURN(
            Statement st,
            c.Prepare("UPDATE ssm_parameters SET version = ?2, version_count = ?3, tags = ?4, "
                      "labels = ?5, revision = revision + 1 WHERE path = ?1 AND revision = ?6"));
        st.Bind(1, parameter.path)
            .Bind(2, parameter.version)
            .Bind(3, parameter.version_count)
            .Bind(4, internal::EncodeTags(parameter.tags))
            .Bind(5, EncodeLabels(parameter.labels))
            .Bind(6, parameter.revision);
        COFFER_RETURN_IF_ERROR(st.Run());
        if (c.Changes() != 1) {
          COFFER_ASSIGN_OR_RETURN(Statement exists,
                                  c.Prepare("SELECT 1 FROM ssm_parameters WHERE path = ?1"));
          exists.Bind(1, parameter.path);
          COFFER_ASSIGN_OR_RETURN(bool row, exists.Step());
          return row ? AbortedError("parameter changed concurrently")
                     : NotFoundError("parameter not found");
        }
        for (int64_t v : deleted_versions) {
          COFFER_ASSIGN_OR_RETURN(
              Statement del,
              c.Prepare("DELETE FROM ssm_parameter_versions WHERE version = ?2 AND parameter_id = "
                        "(SELECT id FROM ssm_parameters WHERE path = ?1)"));
          del.Bind(1, parameter.path).Bind(2, v);
          COFFER_RETURN_IF_ERROR(del.Run());
        }
        for (const ParameterVersion& v : new_versions) {
          COFFER_RETURN_IF_ERROR(InsertVersion(c, parameter.path, v));
        }
        return Ok();
      },
      InvalidateLater(parameter.path));
}

Result<void> SqliteParameterStore::Delete(std::string_view path) {
  return db_.Write(
      [path = std::string(path)](Connection& c) -> Result<void> {
        COFFER_ASSIGN_OR_RETURN(Statement versions,
                                c.Prepare("DELETE FROM ssm_parameter_versions WHERE parameter_id "
                                          "= (SELECT id FROM ssm_parameters WHERE path = ?1)"));
        versions.Bind(1, path);
        COFFER_RETURN_IF_ERROR(versions.Run());
        COFFER_ASSIGN_OR_RETURN(Statement st,
                                c.Prepare("DELETE FROM ssm_parameters WHERE path = ?1"));
        st.Bind(1, path);
        COFFER_RETURN_IF_ERROR(st.Run());
        if (c.Changes() != 1) return NotFoundError("parameter not found");
        return Ok();
      },
      InvalidateLater(std::string(path)));
}

}  // namespace coffer::storage::sqlite
