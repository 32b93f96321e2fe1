#include "storage/memory/memory_secret_store.h"

#include <algorithm>
#include <tuple>

namespace coffer::storage::memory {

using secrets::Secret;
using secrets::SecretVersion;

Result<std::optional<Secret>> MemorySecretStore::FindByName(std::string_view name) {
  std::lock_guard lock(mu_);
  auto it = name_to_arn_.find(name);
  if (it == name_to_arn_.end()) return std::optional<Secret>();
  return std::optional<Secret>(by_arn_.find(it->second)->second.secret);
}

Result<std::optional<Secret>> MemorySecretStore::FindByArn(std::string_view arn) {
  std::lock_guard lock(mu_);
  auto it = by_arn_.find(arn);
  if (it == by_arn_.end()) return std::optional<Secret>();
  return std::optional<Secret>(it->second.secret);
}

Result<std::optional<SecretVersion>> MemorySecretStore::GetVersion(std::string_view arn,
                                                                   std::string_view version_id) {
  std::lock_guard lock(mu_);
  auto it = by_arn_.find(arn);
  if (it == by_arn_.end()) return std::optional<SecretVersion>();
  auto v = it->second.versions.find(std::string(version_id));
  if (v == it->second.versions.end()) return std::optional<SecretVersion>();
  return std::optional<SecretVersion>(v->second);
}

Result<std::optional<secrets::SecretRead>> MemorySecretStore::ReadValue(std::string_view name,
                                                                        std::string_view version_id,
                                                                        std::string_view stage) {
  std::lock_guard lock(mu_);
  auto n = name_to_arn_.find(name);
  if (n == name_to_arn_.end()) return std::optional<secrets::SecretRead>();
  const Entry& e = by_arn_.find(n->second)->second;
  secrets::SecretRead out{e.secret, std::nullopt};
  std::string vid(version_id);
  if (vid.empty()) {
    auto st = e.secret.stages.find(std::string(stage));
    if (st != e.secret.stages.end()) vid = st->second;
  }
  auto v = e.versions.find(vid);
  if (v != e.versions.end()) out.version = v->second;
  return std::optional<secrets::SecretRead>(std::move(out));
}

std::vector<SecretVersion> MemorySecretStore::SortedVersions(const Entry& e) const {
  std::vector<SecretVersion> all;
  for (const auto& [id, v] : e.versions) all.push_back(v);
  std::sort(all.begin(), all.end(), [](const SecretVersion& a, const SecretVersion& b) {
    return std::tie(b.created, b.version_id) < std::tie(a.created, a.version_id);
  });
  return all;
}

Result<std::vector<SecretVersion>> MemorySecretStore::ListVersions(
    std::string_view arn, const std::optional<secrets::VersionCursor>& after, size_t limit) {
  std::lock_guard lock(mu_);
  std::vector<SecretVersion> out;
  auto it = by_arn_.find(arn);
  if (it == by_arn_.end()) return out;
  for (SecretVersion& v : SortedVersions(it->second)) {
    if (after) {
      auto key = std::make_tuple(ToUnixMillis(v.created), v.version_id);
      if (key >= std::make_tuple(after->created_ms, after->version_id)) continue;
    }
    v.ciphertext.clear();
    out.push_back(std::move(v));
    if (out.size() == limit) break;
  }
  return out;
}

Result<std::vector<std::string>> MemorySecretStore::OldVersions(std::string_view arn,
                                                                size_t keep_newest,
                                                                Timestamp created_before) {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  auto it = by_arn_.find(arn);
  if (it == by_arn_.end()) return out;
  auto all = SortedVersions(it->second);
  for (size_t i = keep_newest; i < all.size(); ++i) {
    if (all[i].created < created_before) out.push_back(all[i].version_id);
  }
  return out;
}

Result<std::vector<Secret>> MemorySecretStore::Scan(const secrets::SecretScan& scan) {
  std::lock_guard lock(mu_);
  using SortTuple = std::tuple<int64_t, std::string, std::string>;
  auto key_of = [&](const Secret& s) -> SortTuple {
    switch (scan.sort) {
      case secrets::SortKey::kName:
        return {0, s.name, s.arn};
      case secrets::SortKey::kCreated:
        return {ToUnixMillis(s.created), "", s.arn};
      case secrets::SortKey::kLastChanged:
        return {ToUnixMillis(s.last_changed), "", s.arn};
      case secrets::SortKey::kLastAccessed:
        return {s.last_accessed ? ToUnixMillis(*s.last_accessed) : 0, "", s.arn};
    }
    return {0, "", s.arn};
  };
  std::vector<std::pair<SortTuple, const Secret*>> rows;
  for (const auto& [arn, e] : by_arn_) {
    if (!scan.include_deleted && e.secret.is_deleted()) continue;
    rows.emplace_back(key_of(e.secret), &e.secret);
  }
  std::sort(rows.begin(), rows.end(), [&](const auto& a, const auto& b) {
    return scan.descending ? b.first < a.first : a.first < b.first;
  });
  std::optional<SortTuple> after;
  if (scan.after) {
    after = scan.sort == secrets::SortKey::kName
                ? SortTuple{0, scan.after->name, scan.after->arn}
                : SortTuple{scan.after->time_ms, "", scan.after->arn};
  }
  std::vector<Secret> out;
  for (const auto& [k, s] : rows) {
    if (after && (scan.descending ? !(k < *after) : !(*after < k))) continue;
    out.push_back(*s);
    if (out.size() == scan.limit) break;
  }
  return out;
}

Result<void> MemorySecretStore::Create(const Secret& secret,
                                       const std::optional<SecretVersion>& first_version) {
  std::lock_guard lock(mu_);
  if (name_to_arn_.count(secret.name) || by_arn_.count(secret.arn)) {
    return AlreadyExistsError("secret exists");
  }
  Entry e{secret, {}};
  e.secret.revision = 1;
  if (first_version) e.versions[first_version->version_id] = *first_version;
  name_to_arn_[secret.name] = secret.arn;
  by_arn_[secret.arn] = std::move(e);
  return Ok();
}

Result<void> MemorySecretStore::Update(const Secret& secret,
                                       const std::vector<SecretVersion>& new_versions,
                                       const std::vector<std::string>& deleted_versions) {
  std::lock_guard lock(mu_);
  auto it = by_arn_.find(secret.arn);
  if (it == by_arn_.end()) return NotFoundError("secret not found");
  if (it->second.secret.revision != secret.revision) return AbortedError("secret changed");
  for (const auto& v : new_versions) {
    bool replaced = std::find(deleted_versions.begin(), deleted_versions.end(), v.version_id) !=
                    deleted_versions.end();
    if (!replaced && it->second.versions.count(v.version_id)) {
      return AlreadyExistsError("version exists");
    }
  }
  for (const auto& id : deleted_versions) it->second.versions.erase(id);
  for (const auto& v : new_versions) it->second.versions[v.version_id] = v;
  // Keep access dates recorded since the caller read the secret.
  std::optional<Timestamp> accessed = it->second.secret.last_accessed;
  it->second.secret = secret;
  it->second.secret.revision = secret.revision + 1;
  if (accessed && (!secret.last_accessed || *secret.last_accessed < *accessed)) {
    it->second.secret.last_accessed = accessed;
  }
  return Ok();
}

Result<void> MemorySecretStore::Purge(std::string_view arn) {
  std::lock_guard lock(mu_);
  auto it = by_arn_.find(arn);
  if (it == by_arn_.end()) return Ok();
  name_to_arn_.erase(it->second.secret.name);
  by_arn_.erase(it);
  return Ok();
}

Result<std::vector<std::string>> MemorySecretStore::DueForPurge(Timestamp now, size_t limit) {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& [arn, e] : by_arn_) {
    if (e.secret.purge_after && *e.secret.purge_after <= now) out.push_back(arn);
    if (out.size() == limit) break;
  }
  return out;
}

void MemorySecretStore::RecordAccess(std::string_view arn, std::string_view version_id,
                                     Timestamp day) {
  std::lock_guard lock(mu_);
  auto it = by_arn_.find(arn);
  if (it == by_arn_.end()) return;
  it->second.secret.last_accessed = day;
  auto v = it->second.versions.find(std::string(version_id));
  if (v != it->second.versions.end()) v->second.last_accessed = day;
}

}  // namespace coffer::storage::memory
