#include "storage/sqlite/sqlite_iam_store.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "base/strings.h"

namespace coffer::storage::sqlite {
namespace {

using identity::ManagedPolicy;
using identity::OidcProvider;
using identity::PrincipalPolicies;
using identity::Role;
using identity::User;
using Writer = rapidjson::Writer<rapidjson::StringBuffer>;
using rapidjson::SizeType;
using rapidjson::Value;

constexpr std::string_view kUser = "user";
constexpr std::string_view kRole = "role";
constexpr std::string_view kPolicy = "policy";
constexpr std::string_view kProvider = "oidc-provider";

void Str(Writer& w, std::string_view key, std::string_view v) {
  w.Key(key.data(), static_cast<SizeType>(key.size()));
  w.String(v.data(), static_cast<SizeType>(v.size()));
}
void Int(Writer& w, std::string_view key, int64_t v) {
  w.Key(key.data(), static_cast<SizeType>(key.size()));
  w.Int64(v);
}
void Time(Writer& w, std::string_view key, Timestamp t) { Int(w, key, ToUnixMillis(t)); }
void StrList(Writer& w, std::string_view key, const std::vector<std::string>& v) {
  w.Key(key.data(), static_cast<SizeType>(key.size()));
  w.StartArray();
  for (const std::string& s : v) w.String(s.data(), static_cast<SizeType>(s.size()));
  w.EndArray();
}
void Tags(Writer& w, const core::Tags& tags) {
  w.Key("tags");
  w.StartArray();
  for (const core::Tag& t : tags) {
    w.StartArray();
    w.String(t.key.data(), static_cast<SizeType>(t.key.size()));
    w.String(t.value.data(), static_cast<SizeType>(t.value.size()));
    w.EndArray();
  }
  w.EndArray();
}
void Policies(Writer& w, const PrincipalPolicies& p) {
  w.Key("inline");
  w.StartObject();
  for (const auto& [name, doc] : p.inline_policies) {
    Str(w, name, doc);
  }
  w.EndObject();
  StrList(w, "attached", p.attached);
}

// Reading: a corrupt record is data loss, never a crash.
class Reader {
 public:
  explicit Reader(const Value& v) : v_(v) {}
  bool ok() const { return ok_; }
  std::string S(const char* k) {
    auto it = v_.FindMember(k);
    if (it == v_.MemberEnd() || !it->value.IsString()) return ok_ = false, std::string();
    return {it->value.GetString(), it->value.GetStringLength()};
  }
  int64_t I(const char* k) {
    auto it = v_.FindMember(k);
    if (it == v_.MemberEnd() || !it->value.IsInt64()) return ok_ = false, 0;
    return it->value.GetInt64();
  }
  Timestamp T(const char* k) { return FromUnixMillis(I(k)); }
  std::vector<std::string> L(const char* k) {
    std::vector<std::string> out;
    auto it = v_.FindMember(k);
    if (it == v_.MemberEnd() || !it->value.IsArray()) return ok_ = false, out;
    for (const Value& e : it->value.GetArray()) {
      if (!e.IsString()) return ok_ = false, out;
      out.emplace_back(e.GetString(), e.GetStringLength());
    }
    return out;
  }
  core::Tags Tags() {
    core::Tags out;
    auto it = v_.FindMember("tags");
    if (it == v_.MemberEnd() || !it->value.IsArray()) return ok_ = false, out;
    for (const Value& e : it->value.GetArray()) {
      if (!e.IsArray() || e.Size() != 2 || !e[0].IsString() || !e[1].IsString()) {
        return ok_ = false, out;
      }
      out.push_back({std::string(e[0].GetString(), e[0].GetStringLength()),
                     std::string(e[1].GetString(), e[1].GetStringLength())});
    }
    return out;
  }
  PrincipalPolicies Policies() {
    PrincipalPolicies p;
    auto it = v_.FindMember("inline");
    if (it == v_.MemberEnd() || !it->value.IsObject()) return ok_ = false, p;
    for (const auto& m : it->value.GetObject()) {
      if (!m.value.IsString()) return ok_ = false, p;
      p.inline_policies[std::string(m.name.GetString(), m.name.GetStringLength())] =
          std::string(m.value.GetString(), m.value.GetStringLength());
    }
    p.attached = L("attached");
    return p;
  }

 private:
  const Value& v_;
  bool ok_ = true;
};

std::string Done(rapidjson::StringBuffer& sb) { return {sb.GetString(), sb.GetSize()}; }

std::string EncodeUser(const User& u) {
  rapidjson::StringBuffer sb;
  Writer w(sb);
  w.StartObject();
  Str(w, "name", u.name);
  Str(w, "id", u.user_id);
  Str(w, "path", u.path);
  Str(w, "arn", u.arn);
  Time(w, "created", u.created);
  Tags(w, u.tags);
  Policies(w, u.policies);
  w.EndObject();
  return Done(sb);
}

std::string EncodeRole(const Role& r) {
  rapidjson::StringBuffer sb;
  Writer w(sb);
  w.StartObject();
  Str(w, "name", r.name);
  Str(w, "id", r.role_id);
  Str(w, "path", r.path);
  Str(w, "arn", r.arn);
  Str(w, "description", r.description);
  Str(w, "trust", r.assume_role_policy);
  Int(w, "max_session", r.max_session_duration_seconds);
  Time(w, "created", r.created);
  Tags(w, r.tags);
  Policies(w, r.policies);
  w.EndObject();
  return Done(sb);
}

std::string EncodePolicy(const ManagedPolicy& p) {
  rapidjson::StringBuffer sb;
  Writer w(sb);
  w.StartObject();
  Str(w, "name", p.name);
  Str(w, "id", p.policy_id);
  Str(w, "path", p.path);
  Str(w, "arn", p.arn);
  Str(w, "description", p.description);
  Str(w, "default", p.default_version_id);
  Int(w, "next", p.next_version);
  Time(w, "created", p.created);
  Time(w, "updated", p.updated);
  Tags(w, p.tags);
  w.Key("versions");
  w.StartArray();
  for (const identity::PolicyVersion& v : p.versions) {
    w.StartObject();
    Str(w, "id", v.version_id);
    Str(w, "document", v.document);
    Time(w, "created", v.created);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return Done(sb);
}

std::string EncodeProvider(const OidcProvider& p) {
  rapidjson::StringBuffer sb;
  Writer w(sb);
  w.StartObject();
  Str(w, "arn", p.arn);
  Str(w, "url", p.url);
  StrList(w, "client_ids", p.client_ids);
  StrList(w, "thumbprints", p.thumbprints);
  Str(w, "jwks", p.jwks);
  Time(w, "created", p.created);
  Tags(w, p.tags);
  w.EndObject();
  return Done(sb);
}

Result<void> Decode(std::string_view kind, const Value& v, identity::IamRecords& out) {
  Reader r(v);
  if (kind == kUser) {
    User u;
    u.name = r.S("name");
    u.user_id = r.S("id");
    u.path = r.S("path");
    u.arn = r.S("arn");
    u.created = r.T("created");
    u.tags = r.Tags();
    u.policies = r.Policies();
    if (r.ok()) out.users.push_back(std::move(u));
  } else if (kind == kRole) {
    Role x;
    x.name = r.S("name");
    x.role_id = r.S("id");
    x.path = r.S("path");
    x.arn = r.S("arn");
    x.description = r.S("description");
    x.assume_role_policy = r.S("trust");
    x.max_session_duration_seconds = r.I("max_session");
    x.created = r.T("created");
    x.tags = r.Tags();
    x.policies = r.Policies();
    if (r.ok()) out.roles.push_back(std::move(x));
  } else if (kind == kPolicy) {
    ManagedPolicy p;
    p.name = r.S("name");
    p.policy_id = r.S("id");
    p.path = r.S("path");
    p.arn = r.S("arn");
    p.description = r.S("description");
    p.default_version_id = r.S("default");
    p.next_version = r.I("next");
    p.created = r.T("created");
    p.updated = r.T("updated");
    p.tags = r.Tags();
    auto it = v.FindMember("versions");
    if (it == v.MemberEnd() || !it->value.IsArray()) {
      return DataLossError("a stored IAM policy is corrupt");
    }
    for (const Value& e : it->value.GetArray()) {
      if (!e.IsObject()) return DataLossError("a stored IAM policy is corrupt");
      Reader vr(e);
      identity::PolicyVersion pv{vr.S("id"), vr.S("document"), vr.T("created")};
      if (!vr.ok()) return DataLossError("a stored IAM policy is corrupt");
      p.versions.push_back(std::move(pv));
    }
    if (r.ok()) out.policies.push_back(std::move(p));
  } else if (kind == kProvider) {
    OidcProvider p;
    p.arn = r.S("arn");
    p.url = r.S("url");
    p.client_ids = r.L("client_ids");
    p.thumbprints = r.L("thumbprints");
    p.jwks = r.S("jwks");
    p.created = r.T("created");
    p.tags = r.Tags();
    if (r.ok()) out.providers.push_back(std::move(p));
  } else {
    return Ok();  // a kind from a newer version
  }
  if (!r.ok()) return DataLossError("a stored IAM " + std::string(kind) + " is corrupt");
  return Ok();
}

}  // namespace

Result<identity::IamRecords> SqliteIamStore::LoadAll() {
  return db_.Read([&](Connection& c) -> Result<identity::IamRecords> {
    COFFER_ASSIGN_OR_RETURN(Statement st,
                            c.Prepare("SELECT kind, body FROM iam_entities ORDER BY kind, key"));
    identity::IamRecords out;
    while (true) {
      COFFER_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      std::string kind = st.Text(0);
      std::string body = st.Text(1);
      rapidjson::Document d;
      d.Parse<rapidjson::kParseIterativeFlag>(body.data(), body.size());
      if (d.HasParseError() || !d.IsObject()) {
        return DataLossError("a stored IAM " + kind + " is corrupt");
      }
      COFFER_RETURN_IF_ERROR(Decode(kind, d, out));
    }
    return out;
  });
}

Result<void> SqliteIamStore::Put(std::string_view kind, std::string key, std::string body) {
  return db_.Write([kind = std::string(kind), key = std::move(key),
                    body = std::move(body)](Connection& c) -> Result<void> {
    COFFER_ASSIGN_OR_RETURN(
        Statement st,
        c.Prepare("INSERT OR REPLACE INTO iam_entities(kind, key, body) VALUES(?1, ?2, ?3)"));
    st.Bind(1, kind).Bind(2, key).Bind(3, body);
    return st.Run();
  });
}

Result<void> SqliteIamStore::Delete(std::string_view kind, std::string key) {
  return db_.Write([kind = std::string(kind), key = std::move(key)](Connection& c) -> Result<void> {
    COFFER_ASSIGN_OR_RETURN(Statement st,
                            c.Prepare("DELETE FROM iam_entities WHERE kind = ?1 AND key = ?2"));
    st.Bind(1, kind).Bind(2, key);
    return st.Run();
  });
}

// Users and roles are keyed by their lower-case name: IAM names are unique without case.
Result<void> SqliteIamStore::PutUser(const User& u) {
  return Put(kUser, AsciiLower(u.name), EncodeUser(u));
}
Result<void> SqliteIamStore::PutRole(const Role& r) {
  return Put(kRole, AsciiLower(r.name), EncodeRole(r));
}
Result<void> SqliteIamStore::PutPolicy(const ManagedPolicy& p) {
  return Put(kPolicy, p.arn, EncodePolicy(p));
}
Result<void> SqliteIamStore::PutProvider(const OidcProvider& p) {
  return Put(kProvider, p.arn, EncodeProvider(p));
}
Result<void> SqliteIamStore::DeleteUser(std::string_view name) {
  return Delete(kUser, AsciiLower(name));
}
Result<void> SqliteIamStore::DeleteRole(std::string_view name) {
  return Delete(kRole, AsciiLower(name));
}
Result<void> SqliteIamStore::DeletePolicy(std::string_view arn) {
  return Delete(kPolicy, std::string(arn));
}
Result<void> SqliteIamStore::DeleteProvider(std::string_view arn) {
  return Delete(kProvider, std::string(arn));
}

}  // namespace coffer::storage::sqlite
