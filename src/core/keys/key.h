#ifndef COFFER_CORE_KEYS_KEY_H_
#define COFFER_CORE_KEYS_KEY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "core/common/tag.h"

namespace coffer::keys {

// AWS KMS's KeyState (the subset Coffer can be in).
enum class KeyState { kEnabled, kDisabled, kPendingDeletion, kUnavailable };
// AWS KMS's KeySpec.
enum class KeySpec {
  kSymmetricDefault,
  kRsa2048,
  kRsa3072,
  kRsa4096,
  kEccNistP256,
  kEccNistP384,
  kEccNistP521,
  kEccSecgP256k1,
  kHmac224,
  kHmac256,
  kHmac384,
  kHmac512,
};

bool IsRsa(KeySpec s);
bool IsEcc(KeySpec s);
bool IsHmac(KeySpec s);
inline bool IsAsymmetric(KeySpec s) { return IsRsa(s) || IsEcc(s); }
enum class KeyUsage { kEncryptDecrypt, kSignVerify, kGenerateVerifyMac };
enum class KeyManager { kAws, kCustomer };

std::string_view KeyStateName(KeyState s);
std::string_view KeySpecName(KeySpec s);
std::string_view KeyUsageName(KeyUsage u);
std::optional<KeyState> ParseKeyState(std::string_view s);
std::optional<KeySpec> ParseKeySpec(std::string_view s);
std::optional<KeyUsage> ParseKeyUsage(std::string_view s);

// A KMS key's metadata. Key material lives in KeyMaterial records, one per rotation.
struct Key {
  std::string key_id;  // UUID
  std::string arn;
  std::string description;
  KeyState state = KeyState::kEnabled;
  KeySpec spec = KeySpec::kSymmetricDefault;
  KeyUsage usage = KeyUsage::kEncryptDecrypt;
  KeyManager manager = KeyManager::kCustomer;
  Timestamp created;
  std::optional<Timestamp> deletion_date;  // set while PendingDeletion
  int32_t pending_window_days = 0;         // set while PendingDeletion
  bool rotation_enabled = false;
  int32_t rotation_period_days = 0;
  std::optional<Timestamp> next_rotation;
  uint32_t current_material = 1;  // the material version new encryptions use
  std::string policy;             // the "default" key policy document
  core::Tags tags;
  int64_t revision = 0;  // bumped by every update; compare-and-set for writers
};

// One version of a key's material, sealed under the keyring. Immutable once written.
struct KeyMaterial {
  std::string key_id;
  uint32_t version = 1;
  Timestamp created;
  bool on_demand = false;  // made by RotateKeyOnDemand
  std::string sealed;      // KeyRing::SealMaterial output
};

// An alias "alias/<name>" naming one key.
struct Alias {
  std::string name;  // including the "alias/" prefix
  std::string key_id;
  Timestamp created;
  Timestamp updated;
};

// One term of the keyring key, sealed under the root key (see KeyRing).
struct KeyringTerm {
  uint32_t term = 1;
  Timestamp created;
  std::string sealed;
};

// A root-key rotation waiting for verification (Shamir): every keyring term sealed under the new
// root key, stored beside the live terms until T of the new unseal keys have been entered. At
// most one is pending. It holds no key: only terms sealed under a root key stored nowhere.
struct PendingRootRotation {
  std::string nonce;  // names this rotation to the verify and cancel calls; not a secret
  Timestamp created;
  std::vector<KeyringTerm> terms;  // `created` is the live term's; `sealed` is under the new root
};

}  // namespace coffer::keys

#endif  // COFFER_CORE_KEYS_KEY_H_
