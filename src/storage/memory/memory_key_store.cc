#include "storage/memory/memory_key_store.h"

#include <set>

namespace coffer::storage::memory {

using keys::Alias;
using keys::Key;
using keys::KeyMaterial;
using keys::KeyringTerm;
using keys::PendingRootRotation;

namespace {

// True when `pending` rewraps exactly the stored terms.
bool SameTerms(const std::map<uint32_t, KeyringTerm>& stored,
               const std::vector<KeyringTerm>& pending) {
  std::set<uint32_t> seen;
  for (const KeyringTerm& t : pending) {
    if (!stored.count(t.term) || !seen.insert(t.term).second) return false;
  }
  return seen.size() == stored.size();
}

}  // namespace

Result<void> MemoryKeyStore::CreateKey(const Key& key, const KeyMaterial& first_material) {
  std::lock_guard lock(mu_);
  if (keys_.count(key.key_id)) return AlreadyExistsError("key exists");
  Key stored = key;
  stored.revision = 1;
  keys_[key.key_id] = stored;
  materials_[{key.key_id, first_material.version}] = first_material;
  return Ok();
}

Result<std::optional<Key>> MemoryKeyStore::GetKey(std::string_view key_id) {
  std::lock_guard lock(mu_);
  auto it = keys_.find(key_id);
  if (it == keys_.end()) return std::optional<Key>();
  return std::optional<Key>(it->second);
}

Result<std::vector<Key>> MemoryKeyStore::ListKeys(std::string_view after_key_id, size_t limit) {
  std::lock_guard lock(mu_);
  std::vector<Key> out;
  for (auto it = keys_.upper_bound(after_key_id); it != keys_.end() && out.size() < limit; ++it) {
    out.push_back(it->second);
  }
  return out;
}

Result<void> MemoryKeyStore::UpdateKey(const Key& key,
                                       const std::optional<KeyMaterial>& new_material) {
  std::lock_guard lock(mu_);
  auto it = keys_.find(key.key_id);
  if (it == keys_.end()) return NotFoundError("key not found");
  if (it->second.revision != key.revision) return AbortedError("key changed concurrently");
  if (new_material && materials_.count({key.key_id, new_material->version})) {
    return AlreadyExistsError("material version exists");
  }
  it->second = key;
  it->second.revision = key.revision + 1;
  if (new_material) materials_[{key.key_id, new_material->version}] = *new_material;
  return Ok();
}

Result<void> MemoryKeyStore::DeleteKey(std::string_view key_id) {
  std::lock_guard lock(mu_);
  std::string id(key_id);
  keys_.erase(id);
  std::erase_if(materials_, [&](const auto& kv) { return kv.first.first == id; });
  std::erase_if(aliases_, [&](const auto& kv) { return kv.second.key_id == id; });
  return Ok();
}

Result<std::optional<KeyMaterial>> MemoryKeyStore::GetMaterial(std::string_view key_id,
                                                               uint32_t version) {
  std::lock_guard lock(mu_);
  auto it = materials_.find({std::string(key_id), version});
  if (it == materials_.end()) return std::optional<KeyMaterial>();
  return std::optional<KeyMaterial>(it->second);
}

Result<std::vector<KeyMaterial>> MemoryKeyStore::ListMaterials(std::string_view key_id) {
  std::lock_guard lock(mu_);
  std::vector<KeyMaterial> out;
  for (const auto& [k, m] : materials_) {
    if (k.first == key_id) out.push_back(m);
  }
  return out;
}

Result<void> MemoryKeyStore::CreateAlias(const Alias& alias) {
  std::lock_guard lock(mu_);
  if (aliases_.count(alias.name)) return AlreadyExistsError("alias exists");
  aliases_[alias.name] = alias;
  return Ok();
}

Result<std::optional<Alias>> MemoryKeyStore::GetAlias(std::string_view name) {
  std::lock_guard lock(mu_);
  auto it = aliases_.find(name);
  if (it == aliases_.end()) return std::optional<Alias>();
  return std::optional<Alias>(it->second);
}

Result<void> MemoryKeyStore::UpdateAlias(const Alias& alias) {
  std::lock_guard lock(mu_);
  auto it = aliases_.find(alias.name);
  if (it == aliases_.end()) return NotFoundError("alias not found");
  it->second = alias;
  return Ok();
}

Result<void> MemoryKeyStore::DeleteAlias(std::string_view name) {
  std::lock_guard lock(mu_);
  auto it = aliases_.find(name);
  if (it != aliases_.end()) aliases_.erase(it);
  return Ok();
}

Result<std::vector<Alias>> MemoryKeyStore::ListAliases(std::string_view key_id,
                                                       std::string_view after_name, size_t limit) {
  std::lock_guard lock(mu_);
  std::vector<Alias> out;
  for (auto it = aliases_.upper_bound(after_name); it != aliases_.end() && out.size() < limit;
       ++it) {
    if (key_id.empty() || it->second.key_id == key_id) out.push_back(it->second);
  }
  return out;
}

Result<std::vector<KeyringTerm>> MemoryKeyStore::ListKeyringTerms() {
  std::lock_guard lock(mu_);
  std::vector<KeyringTerm> out;
  for (const auto& [t, term] : terms_) out.push_back(term);
  return out;
}

Result<void> MemoryKeyStore::AddKeyringTerm(const KeyringTerm& term) {
  std::lock_guard lock(mu_);
  if (terms_.count(term.term)) return AlreadyExistsError("term exists");
  if (pending_root_) {
    return FailedPreconditionError("a root key rotation is pending", "ROOT_ROTATION_PENDING");
  }
  terms_[term.term] = term;
  return Ok();
}

Result<void> MemoryKeyStore::ReplaceKeyringTerms(const std::vector<KeyringTerm>& terms) {
  std::lock_guard lock(mu_);
  terms_.clear();
  for (const auto& t : terms) terms_[t.term] = t;
  return Ok();
}

Result<std::optional<PendingRootRotation>> MemoryKeyStore::GetPendingRootRotation() {
  std::lock_guard lock(mu_);
  return pending_root_;
}

Result<void> MemoryKeyStore::PutPendingRootRotation(const PendingRootRotation& pending) {
  std::lock_guard lock(mu_);
  if (pending_root_) return AlreadyExistsError("a root key rotation is already pending");
  if (!SameTerms(terms_, pending.terms)) {
    return FailedPreconditionError("the pending rewrap does not cover the stored keyring terms");
  }
  pending_root_ = pending;
  return Ok();
}

Result<void> MemoryKeyStore::CommitPendingRootRotation(std::string_view nonce) {
  std::lock_guard lock(mu_);
  if (!pending_root_ || pending_root_->nonce != nonce) {
    return NotFoundError("no such root key rotation is pending");
  }
  if (!SameTerms(terms_, pending_root_->terms)) {
    return FailedPreconditionError("the pending rewrap does not cover the stored keyring terms");
  }
  for (const KeyringTerm& t : pending_root_->terms) terms_[t.term].sealed = t.sealed;
  pending_root_.reset();
  return Ok();
}

Result<void> MemoryKeyStore::DeletePendingRootRotation() {
  std::lock_guard lock(mu_);
  if (!pending_root_) return NotFoundError("no root key rotation is pending");
  pending_root_.reset();
  return Ok();
}

}  // namespace coffer::storage::memory
