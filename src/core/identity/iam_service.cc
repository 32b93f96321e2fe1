#include "core/identity/iam_service.h"

#include <algorithm>
#include <map>

#include "base/strings.h"

namespace coffer::identity {

// IAM quotas (IAM User Guide, "IAM and AWS STS quotas"), in characters without whitespace.
namespace {
constexpr size_t kUserInlineChars = 2048;
constexpr size_t kRoleInlineChars = 10240;
constexpr size_t kManagedPolicyChars = 6144;
constexpr size_t kTrustPolicyChars = 4096;
constexpr size_t kMaxAttached = 20;
constexpr size_t kMaxVersions = 5;
constexpr size_t kMaxAccessKeys = 2;
constexpr size_t kMaxTags = 50;
constexpr size_t kMaxClientIds = 100;
constexpr size_t kMaxThumbprints = 5;

size_t NonSpaceChars(std::string_view s) {
  size_t n = 0;
  for (char c : s) {
    if (c != ' ' && c != '\n' && c != '\r' && c != '\t') ++n;
  }
  return n;
}

std::string Key(std::string_view name) { return AsciiLower(name); }

Error NoSuch(std::string_view what, std::string_view name) {
  return NotFoundError("The " + std::string(what) + " with name " + std::string(name) +
                       " cannot be found.");
}

Result<void> CheckPath(std::string_view path) {
  if (path.empty() || path.size() > 512 || path.front() != '/' || path.back() != '/') {
    return InvalidArgumentError(
        "The specified value for path is invalid. It must begin and end "
        "with / and contain only alphanumeric characters and/or / "
        "characters.");
  }
  return Ok();
}

Result<void> CheckTagCount(const core::Tags& tags) {
  if (tags.size() > kMaxTags) {
    return ResourceExhaustedError("Cannot exceed quota for TagsPerUser: 50.");
  }
  for (const core::Tag& t : tags) {
    if (StartsWithIgnoreCase(t.key, "aws:")) {
      return InvalidArgumentError("Tag keys beginning with 'aws:' are reserved.");
    }
  }
  return Ok();
}

bool PathMatches(std::string_view path, std::string_view prefix) {
  return prefix.empty() || path.starts_with(prefix);
}

// "https://host/path" → "host/path", the resource part of an OIDC provider's ARN.
std::string ProviderResource(std::string_view url) {
  std::string_view u = url;
  if (u.starts_with("https://")) u.remove_prefix(8);
  while (!u.empty() && u.back() == '/') u.remove_suffix(1);
  return std::string(u);
}

}  // namespace

struct IamService::State {
  std::map<std::string, std::shared_ptr<const User>> users;              // by lower-case name
  std::map<std::string, std::shared_ptr<const Role>> roles;              // by lower-case name
  std::map<std::string, std::shared_ptr<const ManagedPolicy>> policies;  // by ARN
  std::map<std::string, std::shared_ptr<const OidcProvider>> providers;  // by ARN
  // Compiled state, rebuilt on every change.
  std::unordered_map<std::string, std::shared_ptr<const PrincipalAuthz>> user_authz, role_authz;
  std::unordered_map<std::string, policy::PolicyPtr> trust;     // by lower-case role name
  std::unordered_map<std::string, policy::PolicyPtr> compiled;  // identity document → policy
};

IamService::IamService(IamStore& store, IdentityService& identity,
                       const policy::PolicyParser& parser, crypto::Random& random,
                       const Clock& clock, core::Account account)
    : store_(store),
      identity_(identity),
      parser_(parser),
      random_(random),
      clock_(clock),
      account_(std::move(account)),
      state_(std::make_shared<State>()) {}

std::shared_ptr<const IamService::State> IamService::Snapshot() const {
  std::shared_lock lock(state_mu_);
  return state_;
}

std::string IamService::NewId(std::string_view prefix) {
  return std::string(prefix) + random_.FromAlphabet("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 17);
}

Result<void> IamService::Validate(std::string_view document, policy::PolicyKind kind,
                                  size_t max_chars) const {
  if (NonSpaceChars(document) > max_chars) {
    return ResourceExhaustedError(
        "Cannot exceed quota for PolicySize: " + std::to_string(max_chars) + ".");
  }
  auto parsed = parser_.Parse(document, kind);
  if (!parsed.has_value()) return std::move(parsed).error();
  return Ok();
}

template <class F>
Result<void> IamService::Mutate(F&& mutate) {
  std::lock_guard write(write_mu_);
  auto next = std::make_shared<State>(*Snapshot());
  COFFER_RETURN_IF_ERROR(mutate(*next));
  // Rebuild the compiled views of every user and role: IAM changes are rare and small, and
  // parsed documents are reused by text, so only new documents are parsed. (identity policies by
  // principal, trust policies).
  std::unordered_map<std::string, policy::PolicyPtr> compiled;
  auto compile = [&](const std::string& doc) -> policy::PolicyPtr {
    auto it = compiled.find(doc);
    if (it != compiled.end()) return it->second;
    policy::PolicyPtr p;
    auto old = next->compiled.find(doc);
    if (old != next->compiled.end()) {
      p = old->second;
    } else {
      auto parsed = parser_.Parse(doc, policy::PolicyKind::kIdentity);
      // Every stored document was validated before it was stored; one that no longer parses
      // (a newer, stricter parser) grants nothing rather than failing every request.
      if (parsed.has_value()) p = *parsed;
    }
    compiled.emplace(doc, p);
    return p;
  };
  auto build = [&](const PrincipalPolicies& pp, const core::Tags& tags, const std::string& id) {
    auto a = std::make_shared<PrincipalAuthz>();
    for (const auto& [name, doc] : pp.inline_policies) {
      if (auto p = compile(doc)) a->policies.push_back(std::move(p));
    }
    for (const std::string& arn : pp.attached) {
      auto it = next->policies.find(arn);
      if (it == next->policies.end()) continue;
      if (const PolicyVersion* v = it->second->DefaultVersion()) {
        if (auto p = compile(v->document)) a->policies.push_back(std::move(p));
      }
    }
    a->tags = tags;
    a->unique_id = id;
    return std::shared_ptr<const PrincipalAuthz>(std::move(a));
  };
  next->user_authz.clear();
  for (const auto& [key, u] : next->users) {
    next->user_authz.emplace(key, build(u->policies, u->tags, u->user_id));
  }
  next->role_authz.clear();
  std::unordered_map<std::string, policy::PolicyPtr> trust;
  for (const auto& [key, r] : next->roles) {
    next->role_authz.emplace(key, build(r->policies, r->tags, r->role_id));
    auto old = next->trust.find(key);
    auto parsed = parser_.Parse(r->assume_role_policy, policy::PolicyKind::kTrust);
    if (parsed.has_value()) {
      trust.emplace(key, *parsed);
    } else if (old != next->trust.end()) {
      trust.emplace(key, old->second);
    }
  }
  next->trust = std::move(trust);
  next->compiled = std::move(compiled);
  std::unique_lock lock(state_mu_);
  state_ = std::move(next);
  return Ok();
}

Result<void> IamService::Load() {
  COFFER_ASSIGN_OR_RETURN(IamRecords records, store_.LoadAll());
  return Mutate([&](State& s) -> Result<void> {
    for (User& u : records.users) {
      std::string k = Key(u.name);
      s.users[k] = std::make_shared<const User>(std::move(u));
    }
    for (Role& r : records.roles) {
      std::string k = Key(r.name);
      s.roles[k] = std::make_shared<const Role>(std::move(r));
    }
    for (ManagedPolicy& p : records.policies) {
      std::string k = p.arn;
      s.policies[k] = std::make_shared<const ManagedPolicy>(std::move(p));
    }
    for (OidcProvider& p : records.providers) {
      std::string k = p.arn;
      s.providers[k] = std::make_shared<const OidcProvider>(std::move(p));
    }
    return Ok();
  });
}

// ---------------------------------------------------------------------------------------------
// Users

Result<User> IamService::CreateUser(std::string_view name, std::string_view path, core::Tags tags) {
  std::string p = path.empty() ? "/" : std::string(path);
  COFFER_RETURN_IF_ERROR(CheckPath(p));
  COFFER_RETURN_IF_ERROR(CheckTagCount(tags));
  User out;
  Result<void> mutated = Mutate([&](State& s) -> Result<void> {
    if (s.users.contains(Key(name))) {
      return AlreadyExistsError("User with name " + std::string(name) + " already exists.");
    }
    User u;
    u.name = std::string(name);
    u.user_id = NewId("AIDA");
    u.path = p;
    u.arn = account_.GlobalArn("iam", "user" + p + u.name);
    u.created = clock_.Now();
    u.tags = std::move(tags);
    COFFER_RETURN_IF_ERROR(store_.PutUser(u));
    out = u;
    s.users[Key(name)] = std::make_shared<const User>(std::move(u));
    return Ok();
  });
  COFFER_RETURN_IF_ERROR(mutated);
  return out;
}

Result<User> IamService::GetUser(std::string_view name) const {
  auto s = Snapshot();
  auto it = s->users.find(Key(name));
  if (it == s->users.end()) return NoSuch("user", name);
  return *it->second;
}

Result<std::vector<User>> IamService::ListUsers(std::string_view path_prefix) const {
  auto s = Snapshot();
  std::vector<User> out;
  for (const auto& [k, u] : s->users) {
    if (PathMatches(u->path, path_prefix)) out.push_back(*u);
  }
  return out;
}

Result<void> IamService::DeleteUser(std::string_view name) {
  COFFER_ASSIGN_OR_RETURN(User u, GetUser(name));
  COFFER_ASSIGN_OR_RETURN(std::vector<AccessKeyRecord> keys, identity_.ListAccessKeys(u.arn));
  if (!keys.empty()) {
    return FailedPreconditionError("Cannot delete entity, must delete access keys first.",
                                   reason::kDeleteConflict);
  }
  return Mutate([&](State& s) -> Result<void> {
    auto it = s.users.find(Key(name));
    if (it == s.users.end()) return NoSuch("user", name);
    if (!it->second->policies.inline_policies.empty()) {
      return FailedPreconditionError("Cannot delete entity, must delete policies first.",
                                     reason::kDeleteConflict);
    }
    if (!it->second->policies.attached.empty()) {
      return FailedPreconditionError("Cannot delete entity, must detach all policies first.",
                                     reason::kDeleteConflict);
    }
    COFFER_RETURN_IF_ERROR(store_.DeleteUser(it->second->name));
    s.users.erase(it);
    return Ok();
  });
}

namespace {

template <class T, class Put, class Edit>
Result<void> EditEntity(std::map<std::string, std::shared_ptr<const T>>& map,
                        const std::string& key, std::string_view what, std::string_view name,
                        Put&& put, Edit&& edit) {
  auto it = map.find(key);
  if (it == map.end()) return NoSuch(what, name);
  T copy = *it->second;
  COFFER_RETURN_IF_ERROR(edit(copy));
  COFFER_RETURN_IF_ERROR(put(copy));
  it->second = std::make_shared<const T>(std::move(copy));
  return Ok();
}

Result<void> AddTags(core::Tags& tags, const core::Tags& added) {
  COFFER_RETURN_IF_ERROR(CheckTagCount(added));
  core::Tags merged = tags;
  core::MergeTags(merged, added);
  if (merged.size() > kMaxTags) {
    return ResourceExhaustedError("The number of tags has reached the maximum limit.");
  }
  tags = std::move(merged);
  return Ok();
}

Result<void> DropTags(core::Tags& tags, const std::vector<std::string>& keys) {
  core::RemoveTags(tags, keys);
  return Ok();
}

}  // namespace

Result<void> IamService::TagUser(std::string_view name, const core::Tags& tags) {
  return Mutate([&](State& s) -> Result<void> {
    return EditEntity(
        s.users, Key(name), "user", name, [&](const User& u) { return store_.PutUser(u); },
        [&](User& u) { return AddTags(u.tags, tags); });
  });
}

Result<void> IamService::UntagUser(std::string_view name, const std::vector<std::string>& keys) {
  return Mutate([&](State& s) -> Result<void> {
    return EditEntity(
        s.users, Key(name), "user", name, [&](const User& u) { return store_.PutUser(u); },
        [&](User& u) { return DropTags(u.tags, keys); });
  });
}

// ---------------------------------------------------------------------------------------------
// Access keys

Result<NewAccessKey> IamService::CreateAccessKey(std::string_view user_name) {
  std::lock_guard write(write_mu_);  // two concurrent creations must not both pass the limit
  COFFER_ASSIGN_OR_RETURN(User u, GetUser(user_name));
  COFFER_ASSIGN_OR_RETURN(std::vector<AccessKeyRecord> keys, identity_.ListAccessKeys(u.arn));
  if (keys.size() >= kMaxAccessKeys) {
    return ResourceExhaustedError("Cannot exceed quota for AccessKeysPerUser: 2");
  }
  Principal p;
  p.type = PrincipalType::kUser;
  p.arn = u.arn;
  p.principal_id = u.user_id;
  p.account_id = account_.account_id;
  p.name = u.name;
  NewAccessKey out;
  COFFER_ASSIGN_OR_RETURN(out.record, identity_.CreateAccessKey(p, &out.secret));
  return out;
}

Result<std::vector<AccessKeyRecord>> IamService::ListAccessKeys(std::string_view user_name) const {
  COFFER_ASSIGN_OR_RETURN(User u, GetUser(user_name));
  return identity_.ListAccessKeys(u.arn);
}

namespace {
Error NoSuchKey(std::string_view id) {
  return NotFoundError("The Access Key with id " + std::string(id) + " cannot be found.");
}
}  // namespace

Result<void> IamService::UpdateAccessKey(std::string_view user_name, std::string_view access_key_id,
                                         bool active) {
  COFFER_ASSIGN_OR_RETURN(std::vector<AccessKeyRecord> keys, ListAccessKeys(user_name));
  for (const AccessKeyRecord& k : keys) {
    if (k.access_key_id == access_key_id) return identity_.SetAccessKeyActive(k, active);
  }
  return NoSuchKey(access_key_id);
}

Result<void> IamService::DeleteAccessKey(std::string_view user_name,
                                         std::string_view access_key_id) {
  COFFER_ASSIGN_OR_RETURN(std::vector<AccessKeyRecord> keys, ListAccessKeys(user_name));
  for (const AccessKeyRecord& k : keys) {
    if (k.access_key_id == access_key_id) return identity_.DeleteAccessKey(k.access_key_id);
  }
  return NoSuchKey(access_key_id);
}

// ---------------------------------------------------------------------------------------------
// Roles

Result<Role> IamService::CreateRole(RoleSpec spec) {
  if (spec.path.empty()) spec.path = "/";
  COFFER_RETURN_IF_ERROR(CheckPath(spec.path));
  COFFER_RETURN_IF_ERROR(CheckTagCount(spec.tags));
  if (spec.max_session_duration_seconds < 3600 || spec.max_session_duration_seconds > 43200) {
    return InvalidArgumentError(
        "The requested MaxSessionDuration is invalid: it must be from 3600 to 43200 seconds.");
  }
  COFFER_RETURN_IF_ERROR(
      Validate(spec.assume_role_policy, policy::PolicyKind::kTrust, kTrustPolicyChars));
  Role out;
  Result<void> mutated = Mutate([&](State& s) -> Result<void> {
    if (s.roles.contains(Key(spec.name))) {
      return AlreadyExistsError("Role with name " + spec.name + " already exists.");
    }
    Role r;
    r.name = spec.name;
    r.role_id = NewId("AROA");
    r.path = spec.path;
    r.arn = account_.GlobalArn("iam", "role" + spec.path + spec.name);
    r.description = spec.description;
    r.assume_role_policy = spec.assume_role_policy;
    r.max_session_duration_seconds = spec.max_session_duration_seconds;
    r.created = clock_.Now();
    r.tags = std::move(spec.tags);
    COFFER_RETURN_IF_ERROR(store_.PutRole(r));
    out = r;
    std::string key = Key(r.name);  // before the move below
    s.roles[key] = std::make_shared<const Role>(std::move(r));
    return Ok();
  });
  COFFER_RETURN_IF_ERROR(mutated);
  return out;
}

Result<Role> IamService::GetRole(std::string_view name) const {
  auto s = Snapshot();
  auto it = s->roles.find(Key(name));
  if (it == s->roles.end()) return NoSuch("role", name);
  return *it->second;
}

Result<Role> IamService::GetRoleByArn(std::string_view arn) const {
  core::ParsedArn p;
  if (!core::ParseArn(arn, &p) || p.service != "iam" || p.account != account_.account_id ||
      !p.resource.starts_with("role/")) {
    return NotFoundError("Role " + std::string(arn) + " does not exist.");
  }
  std::string_view name = p.resource.substr(p.resource.rfind('/') + 1);
  auto s = Snapshot();
  auto it = s->roles.find(Key(name));
  if (it == s->roles.end() || it->second->arn != arn) {
    return NotFoundError("Role " + std::string(arn) + " does not exist.");
  }
  return *it->second;
}

Result<std::vector<Role>> IamService::ListRoles(std::string_view path_prefix) const {
  auto s = Snapshot();
  std::vector<Role> out;
  for (const auto& [k, r] : s->roles) {
    if (PathMatches(r->path, path_prefix)) out.push_back(*r);
  }
  return out;
}

Result<void> IamService::DeleteRole(std::string_view name) {
  return Mutate([&](State& s) -> Result<void> {
    auto it = s.roles.find(Key(name));
    if (it == s.roles.end()) return NoSuch("role", name);
    if (!it->second->policies.inline_policies.empty()) {
      return FailedPreconditionError("Cannot delete entity, must delete policies first.",
                                     reason::kDeleteConflict);
    }
    if (!it->second->policies.attached.empty()) {
      return FailedPreconditionError("Cannot delete entity, must detach all policies first.",
                                     reason::kDeleteConflict);
    }
    COFFER_RETURN_IF_ERROR(store_.DeleteRole(it->second->name));
    s.roles.erase(it);
    return Ok();
  });
}

Result<void> IamService::UpdateAssumeRolePolicy(std::string_view name, std::string_view document) {
  COFFER_RETURN_IF_ERROR(Validate(document, policy::PolicyKind::kTrust, kTrustPolicyChars));
  return Mutate([&](State& s) -> Result<void> {
    return EditEntity(
        s.roles, Key(name), "role", name, [&](const Role& r) { return store_.PutRole(r); },
        [&](Role& r) -> Result<void> {
          r.assume_role_policy = std::string(document);
          return Ok();
        });
  });
}

Result<void> IamService::UpdateRole(std::string_view name, std::optional<std::string> description,
                                    std::optional<int64_t> max_session) {
  if (max_session && (*max_session < 3600 || *max_session > 43200)) {
    return InvalidArgumentError(
        "The requested MaxSessionDuration is invalid: it must be from 3600 to 43200 seconds.");
  }
  return Mutate([&](State& s) -> Result<void> {
    return EditEntity(
        s.roles, Key(name), "role", name, [&](const Role& r) { return store_.PutRole(r); },
        [&](Role& r) -> Result<void> {
          if (description) r.description = *description;
          if (max_session) r.max_session_duration_seconds = *max_session;
          return Ok();
        });
  });
}

Result<void> IamService::TagRole(std::string_view name, const core::Tags& tags) {
  return Mutate([&](State& s) -> Result<void> {
    return EditEntity(
        s.roles, Key(name), "role", name, [&](const Role& r) { return store_.PutRole(r); },
        [&](Role& r) { return AddTags(r.tags, tags); });
  });
}

Result<void> IamService::UntagRole(std::string_view name, const std::vector<std::string>& keys) {
  return Mutate([&](State& s) -> Result<void> {
    return EditEntity(
        s.roles, Key(name), "role", name, [&](const Role& r) { return store_.PutRole(r); },
        [&](Role& r) { return DropTags(r.tags, keys); });
  });
}

Result<policy::PolicyPtr> IamService::TrustPolicy(std::string_view role_name) const {
  auto s = Snapshot();
  auto it = s->trust.find(Key(role_name));
  if (it == s->trust.end()) return NoSuch("role", role_name);
  return it->second;
}

// ---------------------------------------------------------------------------------------------
// Inline policies

namespace {

template <class F>
Result<void> EditHolder(IamService::State& s, IamStore& store, IamService::Holder kind,
                        std::string_view holder, F&& edit) {
  if (kind == IamService::Holder::kUser) {
    return EditEntity(
        s.users, Key(holder), "user", holder, [&](const User& u) { return store.PutUser(u); },
        [&](User& u) { return edit(u.policies, kUserInlineChars); });
  }
  return EditEntity(
      s.roles, Key(holder), "role", holder, [&](const Role& r) { return store.PutRole(r); },
      [&](Role& r) { return edit(r.policies, kRoleInlineChars); });
}

const PrincipalPolicies* FindHolder(const IamService::State& s, IamService::Holder kind,
                                    std::string_view holder) {
  if (kind == IamService::Holder::kUser) {
    auto it = s.users.find(Key(holder));
    return it == s.users.end() ? nullptr : &it->second->policies;
  }
  auto it = s.roles.find(Key(holder));
  return it == s.roles.end() ? nullptr : &it->second->policies;
}

std::string_view HolderWord(IamService::Holder kind) {
  return kind == IamService::Holder::kUser ? "user" : "role";
}

}  // namespace

Result<void> IamService::PutInlinePolicy(Holder kind, std::string_view holder,
                                         std::string_view name, std::string_view document) {
  COFFER_RETURN_IF_ERROR(Validate(document, policy::PolicyKind::kIdentity, kRoleInlineChars));
  return Mutate([&](State& s) -> Result<void> {
    return EditHolder(
        s, store_, kind, holder, [&](PrincipalPolicies& pp, size_t limit) -> Result<void> {
          // Names compare without case; replacing keeps the stored spelling.
          std::string existing(name);
          for (const auto& [n, d] : pp.inline_policies) {
            if (Key(n) == Key(name)) existing = n;
          }
          pp.inline_policies[existing] = std::string(document);
          size_t total = 0;
          for (const auto& [n, d] : pp.inline_policies) total += NonSpaceChars(d);
          if (total > limit) {
            return ResourceExhaustedError("Maximum policy size of " + std::to_string(limit) +
                                          " bytes exceeded for " + std::string(HolderWord(kind)) +
                                          " " + std::string(holder));
          }
          return Ok();
        });
  });
}

Result<std::string> IamService::GetInlinePolicy(Holder kind, std::string_view holder,
                                                std::string_view name) const {
  auto s = Snapshot();
  const PrincipalPolicies* pp = FindHolder(*s, kind, holder);
  if (pp == nullptr) return NoSuch(HolderWord(kind), holder);
  for (const auto& [n, d] : pp->inline_policies) {
    if (Key(n) == Key(name)) return d;
  }
  return NotFoundError("The " + std::string(HolderWord(kind)) + " policy with name " +
                       std::string(name) + " cannot be found.");
}

Result<void> IamService::DeleteInlinePolicy(Holder kind, std::string_view holder,
                                            std::string_view name) {
  return Mutate([&](State& s) -> Result<void> {
    return EditHolder(s, store_, kind, holder, [&](PrincipalPolicies& pp, size_t) -> Result<void> {
      for (auto it = pp.inline_policies.begin(); it != pp.inline_policies.end(); ++it) {
        if (Key(it->first) == Key(name)) {
          pp.inline_policies.erase(it);
          return Ok();
        }
      }
      return NotFoundError("The " + std::string(HolderWord(kind)) + " policy with name " +
                           std::string(name) + " cannot be found.");
    });
  });
}

Result<std::vector<std::string>> IamService::ListInlinePolicies(Holder kind,
                                                                std::string_view holder) const {
  auto s = Snapshot();
  const PrincipalPolicies* pp = FindHolder(*s, kind, holder);
  if (pp == nullptr) return NoSuch(HolderWord(kind), holder);
  std::vector<std::string> out;
  for (const auto& [n, d] : pp->inline_policies) out.push_back(n);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Managed policies

namespace {
Error NoSuchPolicy(std::string_view arn) {
  return NotFoundError("Policy " + std::string(arn) + " does not exist or is not attachable.");
}
}  // namespace

Result<ManagedPolicy> IamService::CreatePolicy(std::string_view name, std::string_view path,
                                               std::string_view document,
                                               std::string_view description, core::Tags tags) {
  std::string p = path.empty() ? "/" : std::string(path);
  COFFER_RETURN_IF_ERROR(CheckPath(p));
  COFFER_RETURN_IF_ERROR(CheckTagCount(tags));
  COFFER_RETURN_IF_ERROR(Validate(document, policy::PolicyKind::kIdentity, kManagedPolicyChars));
  ManagedPolicy out;
  Result<void> mutated = Mutate([&](State& s) -> Result<void> {
    for (const auto& [arn, mp] : s.policies) {
      if (Key(mp->name) == Key(name)) {
        return AlreadyExistsError("A policy called " + std::string(name) +
                                  " already exists. Duplicate names are not allowed.");
      }
    }
    ManagedPolicy mp;
    mp.name = std::string(name);
    mp.policy_id = NewId("ANPA");
    mp.path = p;
    mp.arn = account_.GlobalArn("iam", "policy" + p + mp.name);
    mp.description = std::string(description);
    mp.created = mp.updated = clock_.Now();
    mp.default_version_id = "v1";
    mp.versions.push_back(PolicyVersion{"v1", std::string(document), mp.created});
    mp.tags = std::move(tags);
    COFFER_RETURN_IF_ERROR(store_.PutPolicy(mp));
    out = mp;
    std::string key = mp.arn;  // before the move below
    s.policies[key] = std::make_shared<const ManagedPolicy>(std::move(mp));
    return Ok();
  });
  COFFER_RETURN_IF_ERROR(mutated);
  return out;
}

Result<ManagedPolicy> IamService::GetPolicy(std::string_view arn) const {
  auto s = Snapshot();
  auto it = s->policies.find(std::string(arn));
  if (it == s->policies.end()) return NoSuchPolicy(arn);
  return *it->second;
}

Result<PolicyVersion> IamService::GetPolicyVersion(std::string_view arn,
                                                   std::string_view version_id) const {
  COFFER_ASSIGN_OR_RETURN(ManagedPolicy mp, GetPolicy(arn));
  for (const PolicyVersion& v : mp.versions) {
    if (v.version_id == version_id) return v;
  }
  return NotFoundError("Policy " + std::string(arn) + " version " + std::string(version_id) +
                       " does not exist or is not attachable.");
}

Result<PolicyVersion> IamService::CreatePolicyVersion(std::string_view arn,
                                                      std::string_view document,
                                                      bool set_as_default) {
  COFFER_RETURN_IF_ERROR(Validate(document, policy::PolicyKind::kIdentity, kManagedPolicyChars));
  PolicyVersion out;
  Result<void> mutated = Mutate([&](State& s) -> Result<void> {
    auto it = s.policies.find(std::string(arn));
    if (it == s.policies.end()) return NoSuchPolicy(arn);
    ManagedPolicy mp = *it->second;
    if (mp.versions.size() >= kMaxVersions) {
      return ResourceExhaustedError(
          "A managed policy can have up to 5 versions. Before you create a new version, you must "
          "delete an existing version.");
    }
    out = PolicyVersion{"v" + std::to_string(mp.next_version), std::string(document), clock_.Now()};
    ++mp.next_version;
    mp.versions.push_back(out);
    if (set_as_default) mp.default_version_id = out.version_id;
    mp.updated = out.created;
    COFFER_RETURN_IF_ERROR(store_.PutPolicy(mp));
    it->second = std::make_shared<const ManagedPolicy>(std::move(mp));
    return Ok();
  });
  COFFER_RETURN_IF_ERROR(mutated);
  return out;
}

Result<void> IamService::DeletePolicyVersion(std::string_view arn, std::string_view version_id) {
  return Mutate([&](State& s) -> Result<void> {
    auto it = s.policies.find(std::string(arn));
    if (it == s.policies.end()) return NoSuchPolicy(arn);
    ManagedPolicy mp = *it->second;
    if (mp.default_version_id == version_id) {
      return FailedPreconditionError("Cannot delete the default version of a policy.",
                                     reason::kDeleteConflict);
    }
    auto n = std::erase_if(mp.versions,
                           [&](const PolicyVersion& v) { return v.version_id == version_id; });
    if (n == 0) {
      return NotFoundError("Policy " + std::string(arn) + " version " + std::string(version_id) +
                           " does not exist.");
    }
    COFFER_RETURN_IF_ERROR(store_.PutPolicy(mp));
    it->second = std::make_shared<const ManagedPolicy>(std::move(mp));
    return Ok();
  });
}

Result<void> IamService::SetDefaultPolicyVersion(std::string_view arn,
                                                 std::string_view version_id) {
  return Mutate([&](State& s) -> Result<void> {
    auto it = s.policies.find(std::string(arn));
    if (it == s.policies.end()) return NoSuchPolicy(arn);
    ManagedPolicy mp = *it->second;
    bool found = std::any_of(mp.versions.begin(), mp.versions.end(),
                             [&](const PolicyVersion& v) { return v.version_id == version_id; });
    if (!found) {
      return NotFoundError("Policy " + std::string(arn) + " version " + std::string(version_id) +
                           " does not exist.");
    }
    mp.default_version_id = std::string(version_id);
    mp.updated = clock_.Now();
    COFFER_RETURN_IF_ERROR(store_.PutPolicy(mp));
    it->second = std::make_shared<const ManagedPolicy>(std::move(mp));
    return Ok();
  });
}

int64_t IamService::AttachmentCount(std::string_view policy_arn) const {
  auto s = Snapshot();
  int64_t n = 0;
  for (const auto& [k, u] : s->users) {
    n += std::count(u->policies.attached.begin(), u->policies.attached.end(), policy_arn);
  }
  for (const auto& [k, r] : s->roles) {
    n += std::count(r->policies.attached.begin(), r->policies.attached.end(), policy_arn);
  }
  return n;
}

Result<std::vector<ManagedPolicy>> IamService::ListPolicies(std::string_view path_prefix,
                                                            bool only_attached) const {
  auto s = Snapshot();
  std::vector<ManagedPolicy> out;
  for (const auto& [arn, mp] : s->policies) {
    if (!PathMatches(mp->path, path_prefix)) continue;
    if (only_attached && AttachmentCount(arn) == 0) continue;
    out.push_back(*mp);
  }
  std::sort(out.begin(), out.end(),
            [](const ManagedPolicy& a, const ManagedPolicy& b) { return a.name < b.name; });
  return out;
}

Result<void> IamService::DeletePolicy(std::string_view arn) {
  if (AttachmentCount(arn) > 0) {
    return FailedPreconditionError("Cannot delete a policy attached to entities.",
                                   reason::kDeleteConflict);
  }
  return Mutate([&](State& s) -> Result<void> {
    auto it = s.policies.find(std::string(arn));
    if (it == s.policies.end()) return NoSuchPolicy(arn);
    if (it->second->versions.size() > 1) {
      return FailedPreconditionError(
          "This policy has more than one version. Before you delete a policy, you must delete "
          "the policy's versions. The default version is deleted with the policy.",
          reason::kDeleteConflict);
    }
    COFFER_RETURN_IF_ERROR(store_.DeletePolicy(arn));
    s.policies.erase(it);
    return Ok();
  });
}

Result<void> IamService::AttachPolicy(Holder kind, std::string_view holder,
                                      std::string_view policy_arn) {
  return Mutate([&](State& s) -> Result<void> {
    if (!s.policies.contains(std::string(policy_arn))) return NoSuchPolicy(policy_arn);
    return EditHolder(s, store_, kind, holder, [&](PrincipalPolicies& pp, size_t) -> Result<void> {
      if (std::find(pp.attached.begin(), pp.attached.end(), policy_arn) != pp.attached.end()) {
        return Ok();  // IAM: attaching twice is not an error
      }
      if (pp.attached.size() >= kMaxAttached) {
        return ResourceExhaustedError("Cannot exceed quota for PoliciesPerUser: 20");
      }
      pp.attached.emplace_back(policy_arn);
      return Ok();
    });
  });
}

Result<void> IamService::DetachPolicy(Holder kind, std::string_view holder,
                                      std::string_view policy_arn) {
  return Mutate([&](State& s) -> Result<void> {
    return EditHolder(s, store_, kind, holder, [&](PrincipalPolicies& pp, size_t) -> Result<void> {
      if (std::erase(pp.attached, std::string(policy_arn)) == 0) {
        return NotFoundError("Policy " + std::string(policy_arn) + " was not found.");
      }
      return Ok();
    });
  });
}

Result<std::vector<std::pair<std::string, std::string>>> IamService::ListAttachedPolicies(
    Holder kind, std::string_view holder) const {
  auto s = Snapshot();
  const PrincipalPolicies* pp = FindHolder(*s, kind, holder);
  if (pp == nullptr) return NoSuch(HolderWord(kind), holder);
  std::vector<std::pair<std::string, std::string>> out;
  for (const std::string& arn : pp->attached) {
    auto it = s->policies.find(arn);
    out.emplace_back(it == s->policies.end() ? arn.substr(arn.rfind('/') + 1) : it->second->name,
                     arn);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// OIDC providers

namespace {

Result<void> CheckThumbprints(const std::vector<std::string>& thumbprints) {
  if (thumbprints.size() > kMaxThumbprints) {
    return ResourceExhaustedError("Cannot exceed quota for ThumbprintsPerOpenIdConnectProvider: 5");
  }
  for (const std::string& t : thumbprints) {
    bool hex = t.size() == 40 && std::all_of(t.begin(), t.end(), [](char c) {
                 return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
               });
    if (!hex) {
      return InvalidArgumentError(
          "Thumbprint must be the 40-character hex SHA-1 of a certificate.");
    }
  }
  return Ok();
}

std::vector<std::string> LowerAll(std::vector<std::string> v) {
  for (std::string& s : v) s = AsciiLower(s);
  return v;
}

}  // namespace

Result<OidcProvider> IamService::CreateOidcProvider(std::string_view url,
                                                    std::vector<std::string> client_ids,
                                                    std::vector<std::string> thumbprints,
                                                    core::Tags tags) {
  std::string u(url);
  while (u.size() > 8 && u.back() == '/') u.pop_back();
  if (!u.starts_with("https://") || u.size() <= 8 || u.find('?') != std::string::npos ||
      u.find('#') != std::string::npos) {
    return InvalidArgumentError(
        "The URL of an OpenID Connect provider must begin with https:// "
        "and have no query or fragment.");
  }
  if (client_ids.size() > kMaxClientIds) {
    return ResourceExhaustedError("Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: 100");
  }
  COFFER_RETURN_IF_ERROR(CheckThumbprints(thumbprints));
  COFFER_RETURN_IF_ERROR(CheckTagCount(tags));
  OidcProvider out;
  Result<void> mutated = Mutate([&](State& s) -> Result<void> {
    std::string arn = account_.GlobalArn("iam", "oidc-provider/" + ProviderResource(u));
    if (s.providers.contains(arn)) {
      return AlreadyExistsError("Provider with url " + u + " already exists.");
    }
    OidcProvider p;
    p.arn = arn;
    p.url = u;
    for (std::string& c : client_ids) {
      if (std::find(p.client_ids.begin(), p.client_ids.end(), c) == p.client_ids.end()) {
        p.client_ids.push_back(std::move(c));
      }
    }
    p.thumbprints = LowerAll(std::move(thumbprints));
    p.tags = std::move(tags);
    p.created = clock_.Now();
    COFFER_RETURN_IF_ERROR(store_.PutProvider(p));
    out = p;
    s.providers[arn] = std::make_shared<const OidcProvider>(std::move(p));
    return Ok();
  });
  COFFER_RETURN_IF_ERROR(mutated);
  return out;
}

namespace {
Error NoSuchProvider(std::string_view arn) {
  return NotFoundError("OpenIDConnect Provider not found for arn " + std::string(arn));
}
}  // namespace

Result<OidcProvider> IamService::GetOidcProvider(std::string_view arn) const {
  auto s = Snapshot();
  auto it = s->providers.find(std::string(arn));
  if (it == s->providers.end()) return NoSuchProvider(arn);
  return *it->second;
}

Result<OidcProvider> IamService::FindOidcProviderByIssuer(std::string_view issuer) const {
  auto s = Snapshot();
  std::string_view want = issuer;
  while (want.size() > 8 && want.back() == '/') want.remove_suffix(1);
  for (const auto& [arn, p] : s->providers) {
    if (p->url == want) return *p;
  }
  return NotFoundError("No OpenIDConnect provider found in your account for " +
                       std::string(issuer));
}

Result<std::vector<OidcProvider>> IamService::ListOidcProviders() const {
  auto s = Snapshot();
  std::vector<OidcProvider> out;
  for (const auto& [arn, p] : s->providers) out.push_back(*p);
  return out;
}

Result<void> IamService::DeleteOidcProvider(std::string_view arn) {
  return Mutate([&](State& s) -> Result<void> {
    auto it = s.providers.find(std::string(arn));
    if (it == s.providers.end()) return NoSuchProvider(arn);
    COFFER_RETURN_IF_ERROR(store_.DeleteProvider(arn));
    s.providers.erase(it);
    return Ok();
  });
}

namespace {
template <class F>
Result<void> EditProvider(IamService::State& s, IamStore& store, std::string_view arn, F&& edit) {
  auto it = s.providers.find(std::string(arn));
  if (it == s.providers.end()) return NoSuchProvider(arn);
  OidcProvider p = *it->second;
  COFFER_RETURN_IF_ERROR(edit(p));
  COFFER_RETURN_IF_ERROR(store.PutProvider(p));
  it->second = std::make_shared<const OidcProvider>(std::move(p));
  return Ok();
}
}  // namespace

Result<void> IamService::AddClientId(std::string_view arn, std::string_view client_id) {
  return Mutate([&](State& s) -> Result<void> {
    return EditProvider(s, store_, arn, [&](OidcProvider& p) -> Result<void> {
      if (std::find(p.client_ids.begin(), p.client_ids.end(), client_id) != p.client_ids.end()) {
        return Ok();
      }
      if (p.client_ids.size() >= kMaxClientIds) {
        return ResourceExhaustedError(
            "Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: 100");
      }
      p.client_ids.emplace_back(client_id);
      return Ok();
    });
  });
}

Result<void> IamService::RemoveClientId(std::string_view arn, std::string_view client_id) {
  return Mutate([&](State& s) -> Result<void> {
    return EditProvider(s, store_, arn, [&](OidcProvider& p) -> Result<void> {
      std::erase(p.client_ids, std::string(client_id));
      return Ok();
    });
  });
}

Result<void> IamService::UpdateThumbprints(std::string_view arn,
                                           std::vector<std::string> thumbprints) {
  COFFER_RETURN_IF_ERROR(CheckThumbprints(thumbprints));
  return Mutate([&](State& s) -> Result<void> {
    return EditProvider(s, store_, arn, [&](OidcProvider& p) -> Result<void> {
      p.thumbprints = LowerAll(thumbprints);
      return Ok();
    });
  });
}

Result<void> IamService::TagOidcProvider(std::string_view arn, const core::Tags& tags) {
  return Mutate([&](State& s) -> Result<void> {
    return EditProvider(s, store_, arn, [&](OidcProvider& p) { return AddTags(p.tags, tags); });
  });
}

Result<void> IamService::UntagOidcProvider(std::string_view arn,
                                           const std::vector<std::string>& keys) {
  return Mutate([&](State& s) -> Result<void> {
    return EditProvider(s, store_, arn, [&](OidcProvider& p) { return DropTags(p.tags, keys); });
  });
}

Result<void> IamService::SetOidcProviderJwks(std::string_view arn, std::string jwks) {
  if (jwks.size() > size_t{64} * 1024) {
    return InvalidArgumentError("A JWKS document must be at most 64 KiB.");
  }
  return Mutate([&](State& s) -> Result<void> {
    return EditProvider(s, store_, arn, [&](OidcProvider& p) -> Result<void> {
      p.jwks = jwks;
      return Ok();
    });
  });
}

std::shared_ptr<const PrincipalAuthz> IamService::Authz(Holder kind, std::string_view name) const {
  auto s = Snapshot();
  const auto& map = kind == Holder::kUser ? s->user_authz : s->role_authz;
  auto it = map.find(Key(name));
  return it == map.end() ? nullptr : it->second;
}

}  // namespace coffer::identity
