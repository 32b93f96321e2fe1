// KeyService: key management, aliases, tags, policies and rotation (the KMS API's control plane).
#include <algorithm>
#include <set>

#include "base/encoding.h"
#include "base/strings.h"
#include "core/keys/errors.h"
#include "core/keys/key_service.h"

namespace coffer::keys {
namespace {

constexpr int kMaxTags = 50;
constexpr int kMaxOnDemandRotations = 25;  // AWS: 25 on-demand rotations per key
constexpr int kMaxAttempts = 16;

Error InvalidState(const Key& k, std::string_view what) {
  return FailedPreconditionError(k.arn + " is " + std::string(what) + ".",
                                 reason::kKeyInvalidState);
}

std::string EncodeMarker(std::string_view last) { return Base64UrlEncode(last); }

Result<std::string> DecodeMarker(const std::optional<std::string>& marker) {
  if (!marker) return std::string();
  auto raw = Base64UrlDecode(*marker);
  if (!raw || raw->empty()) {
    return InvalidArgumentError("The marker is invalid.", reason::kInvalidMarker);
  }
  return *raw;
}

}  // namespace

Result<Key> KeyService::ResolveKeyIdOrArn(std::string_view key_ref) {
  if (key_ref.starts_with("alias/") || key_ref.find(":alias/") != std::string_view::npos) {
    return NotFoundError("Invalid keyId '" + std::string(key_ref) +
                             "': this operation takes a key id or key ARN, not an alias.",
                         reason::kKeyNotFound);
  }
  return ResolveKey(key_ref);
}

Result<Key> KeyService::ModifyKey(
    std::string_view key_ref, bool allow_alias,
    const std::function<Result<std::optional<KeyMaterial>>(Key&)>& change) {
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    Result<Key> resolved = allow_alias ? ResolveKey(key_ref) : ResolveKeyIdOrArn(key_ref);
    if (!resolved.has_value()) return resolved;
    // Read the stored copy (not the cache) so the compare-and-set sees the latest revision.
    COFFER_ASSIGN_OR_RETURN(std::optional<Key> stored, store_.GetKey(resolved->key_id));
    if (!stored) return KeyNotFound(resolved->key_id);
    Key key = std::move(*stored);
    COFFER_ASSIGN_OR_RETURN(std::optional<KeyMaterial> material, change(key));
    auto updated = store_.UpdateKey(key, material);
    Invalidate(key.key_id);
    if (updated.has_value()) {
      ++key.revision;
      return key;
    }
    if (updated.error().code != ErrorCode::kAborted) return std::move(updated).error();
  }
  return AbortedError("too many concurrent changes to this key; retry");
}

Result<Page<Key>> KeyService::ListKeys(const std::optional<std::string>& marker, size_t limit) {
  COFFER_ASSIGN_OR_RETURN(std::string after, DecodeMarker(marker));
  COFFER_ASSIGN_OR_RETURN(std::vector<Key> keys, store_.ListKeys(after, limit + 1));
  Page<Key> page;
  if (keys.size() > limit) {
    keys.resize(limit);
    page.next_marker = EncodeMarker(keys.back().key_id);
  }
  page.items = std::move(keys);
  return page;
}

Result<Key> KeyService::UpdateKeyDescription(std::string_view key_ref, std::string description) {
  return ModifyKey(key_ref, false, [&](Key& k) -> Result<std::optional<KeyMaterial>> {
    if (k.state == KeyState::kPendingDeletion) return InvalidState(k, "pending deletion");
    k.description = description;
    return std::optional<KeyMaterial>();
  });
}

Result<Key> KeyService::SetKeyState(std::string_view key_ref, KeyState state) {
  return ModifyKey(key_ref, false, [&](Key& k) -> Result<std::optional<KeyMaterial>> {
    if (k.state == KeyState::kPendingDeletion) return InvalidState(k, "pending deletion");
    if (k.manager == KeyManager::kAws) {
      return FailedPreconditionError("You cannot change the state of an AWS managed key.",
                                     reason::kUnsupported);
    }
    k.state = state;
    return std::optional<KeyMaterial>();
  });
}

Result<Key> KeyService::EnableKey(std::string_view key_ref) {
  return SetKeyState(key_ref, KeyState::kEnabled);
}

Result<Key> KeyService::DisableKey(std::string_view key_ref) {
  return SetKeyState(key_ref, KeyState::kDisabled);
}

Result<Key> KeyService::ScheduleKeyDeletion(std::string_view key_ref, int32_t window_days) {
  if (window_days < 7 || window_days > 30) {
    return InvalidArgumentError("PendingWindowInDays value must be between 7 and 30 days.",
                                reason::kValidation);
  }
  Timestamp now = clock_.Now();
  return ModifyKey(key_ref, false, [&](Key& k) -> Result<std::optional<KeyMaterial>> {
    if (k.manager == KeyManager::kAws) {
      return FailedPreconditionError("You cannot schedule the deletion of an AWS managed key.",
                                     reason::kUnsupported);
    }
    if (k.state == KeyState::kPendingDeletion) return InvalidState(k, "pending deletion");
    k.state = KeyState::kPendingDeletion;
    k.deletion_date = now + std::chrono::hours(24) * window_days;
    k.pending_window_days = window_days;
    return std::optional<KeyMaterial>();
  });
}

Result<Key> KeyService::CancelKeyDeletion(std::string_view key_ref) {
  return ModifyKey(key_ref, false, [&](Key& k) -> Result<std::optional<KeyMaterial>> {
    if (k.state != KeyState::kPendingDeletion) return InvalidState(k, "not pending deletion");
    k.state = KeyState::kDisabled;  // as AWS: a cancelled deletion leaves the key disabled
    k.deletion_date.reset();
    k.pending_window_days = 0;
    return std::optional<KeyMaterial>();
  });
}

Result<void> KeyService::CheckTags(const core::Tags& tags) {
  for (const auto& t : tags) {
    if (StartsWithIgnoreCase(t.key, "aws:")) {
      return InvalidArgumentError("Tag keys beginning with aws: are reserved.", reason::kTag);
    }
  }
  if (tags.size() > kMaxTags) {
    return InvalidArgumentError("A key can have at most 50 tags.", reason::kTag);
  }
  return Ok();
}

Result<void> KeyService::TagKey(std::string_view key_ref, const core::Tags& tags) {
  auto r = ModifyKey(key_ref, false, [&](Key& k) -> Result<std::optional<KeyMaterial>> {
    if (k.state == KeyState::kPendingDeletion) return InvalidState(k, "pending deletion");
    core::MergeTags(k.tags, tags);
    COFFER_RETURN_IF_ERROR(CheckTags(k.tags));
    return std::optional<KeyMaterial>();
  });
  if (!r.has_value()) return std::move(r).error();
  return Ok();
}

Result<void> KeyService::UntagKey(std::string_view key_ref,
                                  const std::vector<std::string>& tag_keys) {
  auto r = ModifyKey(key_ref, false, [&](Key& k) -> Result<std::optional<KeyMaterial>> {
    if (k.state == KeyState::kPendingDeletion) return InvalidState(k, "pending deletion");
    core::RemoveTags(k.tags, tag_keys);
    return std::optional<KeyMaterial>();
  });
  if (!r.has_value()) return std::move(r).error();
  return Ok();
}

Result<std::string> KeyService::GetKeyPolicy(std::string_view key_ref,
                                             std::string_view policy_name) {
  COFFER_ASSIGN_OR_RETURN(Key k, ResolveKey(key_ref));
  if (policy_name != "default") {
    return NotFoundError("No such policy exists: " + std::string(policy_name),
                         reason::kKeyNotFound);
  }
  return k.policy;
}

Result<void> KeyService::PutKeyPolicy(std::string_view key_ref, std::string_view policy_name,
                                      std::string policy) {
  if (policy_name != "default") {
    return NotFoundError("No such policy exists: " + std::string(policy_name),
                         reason::kKeyNotFound);
  }
  auto r = ModifyKey(key_ref, false, [&](Key& k) -> Result<std::optional<KeyMaterial>> {
    if (k.manager == KeyManager::kAws) {
      return FailedPreconditionError("You cannot change the key policy of an AWS managed key.",
                                     reason::kUnsupported);
    }
    if (k.state == KeyState::kPendingDeletion) return InvalidState(k, "pending deletion");
    k.policy = policy;
    return std::optional<KeyMaterial>();
  });
  if (!r.has_value()) return std::move(r).error();
  return Ok();
}

Result<void> KeyService::CheckAliasName(std::string_view name, bool creating) const {
  if (!name.starts_with("alias/") || name.size() <= 6 || name.size() > 256) {
    return InvalidArgumentError("Alias must start with the prefix \"alias/\".",
                                reason::kInvalidAliasName);
  }
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == ':' || c == '/' || c == '_' || c == '-';
    if (!ok) {
      return InvalidArgumentError("Alias name contains characters other than a-zA-Z0-9:/_-.",
                                  reason::kInvalidAliasName);
    }
  }
  if (creating && name.starts_with("alias/aws/")) {
    return InvalidArgumentError("Alias names beginning with alias/aws/ are reserved.",
                                reason::kInvalidAliasName);
  }
  return Ok();
}

Result<void> KeyService::CreateAlias(std::string_view alias_name, std::string_view target_key_ref) {
  COFFER_RETURN_IF_ERROR(CheckAliasName(alias_name, true));
  COFFER_ASSIGN_OR_RETURN(Key target, ResolveKeyIdOrArn(target_key_ref));
  if (target.manager == KeyManager::kAws) {
    return FailedPreconditionError("You cannot point an alias at an AWS managed key.",
                                   reason::kUnsupported);
  }
  if (target.state == KeyState::kPendingDeletion) return InvalidState(target, "pending deletion");
  Timestamp now = clock_.Now();
  auto created = store_.CreateAlias(Alias{std::string(alias_name), target.key_id, now, now});
  if (!created.has_value() && created.error().code == ErrorCode::kAlreadyExists) {
    return AlreadyExistsError("An alias with the name " + AliasArn(alias_name) + " already exists",
                              reason::kAliasExists);
  }
  return created;
}

Result<void> KeyService::UpdateAlias(std::string_view alias_name, std::string_view target_key_ref) {
  COFFER_RETURN_IF_ERROR(CheckAliasName(alias_name, true));
  COFFER_ASSIGN_OR_RETURN(std::optional<Alias> alias, store_.GetAlias(alias_name));
  if (!alias) {
    return NotFoundError("Alias " + AliasArn(alias_name) + " is not found.", reason::kKeyNotFound);
  }
  COFFER_ASSIGN_OR_RETURN(Key current, ResolveKey(alias->key_id));
  COFFER_ASSIGN_OR_RETURN(Key target, ResolveKeyIdOrArn(target_key_ref));
  if (target.manager == KeyManager::kAws) {
    return FailedPreconditionError("You cannot point an alias at an AWS managed key.",
                                   reason::kUnsupported);
  }
  if (target.state == KeyState::kPendingDeletion) return InvalidState(target, "pending deletion");
  if (target.usage != current.usage || IsAsymmetric(target.spec) != IsAsymmetric(current.spec) ||
      IsHmac(target.spec) != IsHmac(current.spec)) {
    return InvalidArgumentError(
        "The alias's new target key must have the same key type and key usage as its current "
        "target.",
        reason::kValidation);
  }
  alias->key_id = target.key_id;
  alias->updated = clock_.Now();
  COFFER_RETURN_IF_ERROR(store_.UpdateAlias(*alias));
  std::unique_lock lock(cache_mu_);
  aliases_.erase(std::string(alias_name));
  return Ok();
}

Result<void> KeyService::DeleteAlias(std::string_view alias_name) {
  COFFER_RETURN_IF_ERROR(CheckAliasName(alias_name, true));
  COFFER_ASSIGN_OR_RETURN(std::optional<Alias> alias, store_.GetAlias(alias_name));
  if (!alias) {
    return NotFoundError("Alias " + AliasArn(alias_name) + " is not found.", reason::kKeyNotFound);
  }
  COFFER_RETURN_IF_ERROR(store_.DeleteAlias(alias_name));
  std::unique_lock lock(cache_mu_);
  aliases_.erase(std::string(alias_name));
  return Ok();
}

Result<Page<Alias>> KeyService::ListAliases(std::string_view key_ref,
                                            const std::optional<std::string>& marker,
                                            size_t limit) {
  std::string key_id;
  if (!key_ref.empty()) {
    COFFER_ASSIGN_OR_RETURN(Key k, ResolveKeyIdOrArn(key_ref));
    key_id = k.key_id;
  }
  COFFER_ASSIGN_OR_RETURN(std::string after, DecodeMarker(marker));
  COFFER_ASSIGN_OR_RETURN(std::vector<Alias> aliases, store_.ListAliases(key_id, after, limit + 1));
  Page<Alias> page;
  if (aliases.size() > limit) {
    aliases.resize(limit);
    page.next_marker = EncodeMarker(aliases.back().name);
  }
  page.items = std::move(aliases);
  return page;
}

Result<void> KeyService::EnableKeyRotation(std::string_view key_ref, int32_t period_days) {
  if (period_days < 90 || period_days > 2560) {
    return InvalidArgumentError("RotationPeriodInDays must be between 90 and 2560.",
                                reason::kValidation);
  }
  Timestamp now = clock_.Now();
  auto r = ModifyKey(key_ref, false, [&](Key& k) -> Result<std::optional<KeyMaterial>> {
    if (k.spec != KeySpec::kSymmetricDefault) {
      return FailedPreconditionError(
          k.arn + " does not support automatic key rotation: only symmetric encryption keys do.",
          reason::kUnsupported);
    }
    if (k.manager == KeyManager::kAws) {
      return FailedPreconditionError(
          "AWS managed keys rotate every year; their rotation cannot "
          "be changed.",
          reason::kUnsupported);
    }
    COFFER_RETURN_IF_ERROR(CheckUsable(k, KeyUsage::kEncryptDecrypt));
    if (!k.rotation_enabled || k.rotation_period_days != period_days) {
      k.next_rotation = now + std::chrono::hours(24) * period_days;
    }
    k.rotation_enabled = true;
    k.rotation_period_days = period_days;
    return std::optional<KeyMaterial>();
  });
  if (!r.has_value()) return std::move(r).error();
  return Ok();
}

Result<void> KeyService::DisableKeyRotation(std::string_view key_ref) {
  auto r = ModifyKey(key_ref, false, [&](Key& k) -> Result<std::optional<KeyMaterial>> {
    if (k.spec != KeySpec::kSymmetricDefault) {
      return FailedPreconditionError(
          k.arn + " does not support automatic key rotation: only symmetric encryption keys do.",
          reason::kUnsupported);
    }
    if (k.manager == KeyManager::kAws) {
      return FailedPreconditionError(
          "AWS managed keys rotate every year; their rotation cannot "
          "be changed.",
          reason::kUnsupported);
    }
    COFFER_RETURN_IF_ERROR(CheckUsable(k, KeyUsage::kEncryptDecrypt));
    k.rotation_enabled = false;
    k.next_rotation.reset();
    return std::optional<KeyMaterial>();
  });
  if (!r.has_value()) return std::move(r).error();
  return Ok();
}

Result<RotationStatus> KeyService::GetKeyRotationStatus(std::string_view key_ref) {
  COFFER_ASSIGN_OR_RETURN(Key k, ResolveKeyIdOrArn(key_ref));
  if (k.state == KeyState::kPendingDeletion) return InvalidState(k, "pending deletion");
  RotationStatus s;
  s.enabled = k.rotation_enabled;
  s.period_days = k.rotation_period_days;
  s.next_rotation = k.next_rotation;
  return s;
}

Result<Key> KeyService::NewMaterialVersion(std::string_view key_ref, bool on_demand) {
  size_t on_demand_count = 0;
  if (on_demand) {
    COFFER_ASSIGN_OR_RETURN(Key k, ResolveKeyIdOrArn(key_ref));
    COFFER_ASSIGN_OR_RETURN(std::vector<KeyMaterial> materials, store_.ListMaterials(k.key_id));
    on_demand_count = static_cast<size_t>(std::count_if(materials.begin(), materials.end(),
                                                        [](const auto& m) { return m.on_demand; }));
  }
  Timestamp now = clock_.Now();
  SecretBytes fresh = random_.Secret(32);
  auto key = ModifyKey(key_ref, false, [&](Key& k) -> Result<std::optional<KeyMaterial>> {
    if (k.spec != KeySpec::kSymmetricDefault) {
      return FailedPreconditionError(
          k.arn + " does not support key rotation: only symmetric encryption keys do.",
          reason::kUnsupported);
    }
    if (on_demand) {
      if (k.manager == KeyManager::kAws) {
        return FailedPreconditionError("AWS managed keys cannot be rotated on demand.",
                                       reason::kUnsupported);
      }
      COFFER_RETURN_IF_ERROR(CheckUsable(k, KeyUsage::kEncryptDecrypt));
      if (on_demand_count >= kMaxOnDemandRotations) {
        return ResourceExhaustedError("This key has reached its limit of on-demand rotations.",
                                      reason::kLimitExceeded);
      }
    }
    uint32_t version = k.current_material + 1;
    KeyMaterial m{k.key_id, version, now, on_demand, {}};
    COFFER_ASSIGN_OR_RETURN(m.sealed, ring_.SealMaterial(k.key_id, version, fresh.span()));
    k.current_material = version;
    if (!on_demand && k.rotation_enabled) {
      k.next_rotation = now + std::chrono::hours(24) * k.rotation_period_days;
    }
    return std::optional<KeyMaterial>(std::move(m));
  });
  if (key.has_value()) {
    std::unique_lock lock(cache_mu_);
    materials_[{key->key_id, key->current_material}] =
        std::make_shared<const SecretBytes>(std::move(fresh));
  }
  return key;
}

Result<Key> KeyService::RotateKeyOnDemand(std::string_view key_ref) {
  return NewMaterialVersion(key_ref, /*on_demand=*/true);
}

Result<std::vector<Rotation>> KeyService::ListKeyRotations(std::string_view key_ref) {
  COFFER_ASSIGN_OR_RETURN(Key k, ResolveKeyIdOrArn(key_ref));
  if (k.spec != KeySpec::kSymmetricDefault) {
    return FailedPreconditionError(
        k.arn + " does not support key rotation: only symmetric encryption keys do.",
        reason::kUnsupported);
  }
  COFFER_ASSIGN_OR_RETURN(std::vector<KeyMaterial> materials, store_.ListMaterials(k.key_id));
  std::vector<Rotation> out;
  for (const KeyMaterial& m : materials) {
    if (m.version > 1) out.push_back(Rotation{m.version, m.created, m.on_demand});
  }
  return out;
}

Result<std::pair<size_t, size_t>> KeyService::RunScheduledWork(
    const std::function<void(const Key& key, std::string_view action)>& on_done) {
  Timestamp now = clock_.Now();
  size_t deleted = 0, rotated = 0;
  std::string after;
  while (true) {
    COFFER_ASSIGN_OR_RETURN(std::vector<Key> keys, store_.ListKeys(after, 500));
    if (keys.empty()) break;
    after = keys.back().key_id;
    for (const Key& k : keys) {
      if (k.state == KeyState::kPendingDeletion && k.deletion_date && *k.deletion_date <= now) {
        COFFER_RETURN_IF_ERROR(store_.DeleteKey(k.key_id));
        Invalidate(k.key_id);
        std::unique_lock lock(cache_mu_);
        std::erase_if(materials_, [&](const auto& kv) { return kv.first.first == k.key_id; });
        lock.unlock();
        ++deleted;
        if (on_done) on_done(k, "DeleteKey");
      } else if (k.rotation_enabled && k.next_rotation && *k.next_rotation <= now &&
                 k.state == KeyState::kEnabled) {
        COFFER_RETURN_IF_ERROR(NewMaterialVersion(k.key_id, /*on_demand=*/false));
        ++rotated;
        if (on_done) on_done(k, "RotateKey");
      }
    }
    if (keys.size() < 500) break;
  }
  return std::make_pair(deleted, rotated);
}

}  // namespace coffer::keys
