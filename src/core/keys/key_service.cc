#include "core/keys/key_service.h"

#include <chrono>

#include "base/metrics.h"
#include "base/uuid.h"
#include "core/keys/errors.h"

namespace coffer::keys {
namespace {

std::span<const uint8_t> AsSpan(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

bool LooksLikeUuid(std::string_view s) { return ParseUuid(s).has_value(); }

metrics::Histogram& CryptoSeconds(std::string_view op) {
  static auto& family = metrics::Registry::Default().NewHistogram(
      "coffer_kms_crypto_seconds", "Symmetric KMS operations (envelope wrap and unwrap).",
      {"operation"}, metrics::LatencyBuckets());
  return family.With({op});
}

// Times a scope into a histogram.
class ScopedTimer {
 public:
  explicit ScopedTimer(metrics::Histogram& h) : h_(h), start_(std::chrono::steady_clock::now()) {}
  ~ScopedTimer() {
    h_.Observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count());
  }

 private:
  metrics::Histogram& h_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace

KeyService::KeyService(KeyStore& store, KeyRing& ring, const crypto::Aead& aead,
                       crypto::Random& random, const Clock& clock, core::Account account,
                       Options options, crypto::Asymmetric* asymmetric)
    : store_(store),
      ring_(ring),
      aead_(aead),
      random_(random),
      clock_(clock),
      account_(std::move(account)),
      options_(options),
      asymmetric_(asymmetric) {}

crypto::Asymmetric& KeyService::asymmetric() {
  COFFER_CHECK(asymmetric_ != nullptr, "KeyService was built without asymmetric crypto");
  return *asymmetric_;
}

std::string KeyService::KeyArn(std::string_view key_id) const {
  return account_.Arn("kms", std::string("key/").append(key_id));
}

std::string KeyService::AliasArn(std::string_view alias_name) const {
  return account_.Arn("kms", alias_name);
}

std::string KeyService::DefaultPolicy() const {
  return R"({"Version":"2012-10-17","Id":"key-default-1","Statement":[{"Sid":"Enable IAM User )"
         R"(Permissions","Effect":"Allow","Principal":{"AWS":")" +
         account_.GlobalArn("iam", "root") + R"("},"Action":"kms:*","Resource":"*"}]})";
}

Error KeyService::KeyNotFound(std::string_view key_id) const {
  return NotFoundError("Key '" + KeyArn(key_id) + "' does not exist", reason::kKeyNotFound);
}

Result<Key> KeyService::CreateKey(const CreateKeyRequest& request) {
  COFFER_RETURN_IF_ERROR(CheckTags(request.tags));
  // Key usage must fit the key spec, as AWS requires.
  const KeySpec spec = request.spec;
  const KeyUsage usage = request.usage;
  if (spec == KeySpec::kSymmetricDefault && usage != KeyUsage::kEncryptDecrypt) {
    return InvalidArgumentError("The KeyUsage of a SYMMETRIC_DEFAULT key must be ENCRYPT_DECRYPT.",
                                reason::kValidation);
  }
  if (IsHmac(spec) && usage != KeyUsage::kGenerateVerifyMac) {
    return InvalidArgumentError(
        "You must specify a KeyUsage value of GENERATE_VERIFY_MAC for an "
        "HMAC KMS key.",
        reason::kValidation);
  }
  if (IsEcc(spec) && usage != KeyUsage::kSignVerify) {
    return InvalidArgumentError("The KeyUsage of an elliptic-curve key must be SIGN_VERIFY.",
                                reason::kValidation);
  }
  if (IsRsa(spec) && usage == KeyUsage::kGenerateVerifyMac) {
    return InvalidArgumentError(
        "The KeyUsage of an RSA key must be ENCRYPT_DECRYPT or SIGN_VERIFY.", reason::kValidation);
  }
  if (spec != KeySpec::kSymmetricDefault && request.manager == KeyManager::kAws) {
    return InternalError("AWS managed keys are symmetric");
  }
  SecretBytes material;
  switch (spec) {
    case KeySpec::kSymmetricDefault:
      material = random_.Secret(32);
      break;
    case KeySpec::kHmac224:
      material = random_.Secret(28);
      break;
    case KeySpec::kHmac256:
      material = random_.Secret(32);
      break;
    case KeySpec::kHmac384:
      material = random_.Secret(48);
      break;
    case KeySpec::kHmac512:
      material = random_.Secret(64);
      break;
    default: {
      crypto::KeyPairSpec pair = crypto::KeyPairSpec::kRsa2048;
      switch (spec) {
        case KeySpec::kRsa2048:
          pair = crypto::KeyPairSpec::kRsa2048;
          break;
        case KeySpec::kRsa3072:
          pair = crypto::KeyPairSpec::kRsa3072;
          break;
        case KeySpec::kRsa4096:
          pair = crypto::KeyPairSpec::kRsa4096;
          break;
        case KeySpec::kEccNistP256:
          pair = crypto::KeyPairSpec::kEccNistP256;
          break;
        case KeySpec::kEccNistP384:
          pair = crypto::KeyPairSpec::kEccNistP384;
          break;
        case KeySpec::kEccNistP521:
          pair = crypto::KeyPairSpec::kEccNistP521;
          break;
        case KeySpec::kEccSecgP256k1:
          pair = crypto::KeyPairSpec::kEccSecgP256k1;
          break;
        default:
          return InternalError("unhandled key spec");
      }
      COFFER_ASSIGN_OR_RETURN(material, asymmetric().GenerateKeyPair(pair));
    }
  }
  Key key;
  key.key_id = random_.UuidV4();
  key.arn = KeyArn(key.key_id);
  key.description = request.description;
  key.spec = spec;
  key.usage = usage;
  key.manager = request.manager;
  key.created = clock_.Now();
  key.policy = request.policy.empty() ? DefaultPolicy() : request.policy;
  key.tags = request.tags;
  key.current_material = 1;
  if (request.manager == KeyManager::kAws) {
    // AWS managed keys rotate every year, and that cannot be changed.
    key.rotation_enabled = true;
    key.rotation_period_days = 365;
    key.next_rotation = key.created + std::chrono::hours(24 * 365);
  }
  KeyMaterial m{key.key_id, 1, key.created, false, {}};
  COFFER_ASSIGN_OR_RETURN(m.sealed, ring_.SealMaterial(key.key_id, 1, material.span()));
  COFFER_RETURN_IF_ERROR(store_.CreateKey(key, m));
  std::unique_lock lock(cache_mu_);
  materials_[{key.key_id, 1}] = std::make_shared<const SecretBytes>(std::move(material));
  return key;
}

Result<Key> KeyService::ManagedKey(std::string_view service) {
  std::string alias = std::string("alias/aws/").append(service);
  auto existing = ResolveKey(alias);
  if (existing.has_value() || existing.error().code != ErrorCode::kNotFound) return existing;

  std::lock_guard<std::mutex> guard(managed_mu_);
  existing = ResolveKey(alias);
  if (existing.has_value() || existing.error().code != ErrorCode::kNotFound) return existing;
  CreateKeyRequest req;
  req.manager = KeyManager::kAws;
  req.description =
      "Default key that protects my " + std::string(service) + " data when no other key is defined";
  COFFER_ASSIGN_OR_RETURN(Key key, CreateKey(req));
  Timestamp now = clock_.Now();
  auto created = store_.CreateAlias(Alias{alias, key.key_id, now, now});
  if (!created.has_value()) {
    // Another replica created it first: use theirs, drop ours.
    (void)store_.DeleteKey(key.key_id);
    if (created.error().code != ErrorCode::kAlreadyExists) return std::move(created).error();
    return ResolveKey(alias);
  }
  return key;
}

Result<std::shared_ptr<const Key>> KeyService::LoadKey(std::string_view key_id) {
  Timestamp now = clock_.Now();
  {
    std::shared_lock lock(cache_mu_);
    auto it = keys_.find(std::string(key_id));
    if (it != keys_.end() && now - it->second.loaded < options_.metadata_ttl) {
      return it->second.key;
    }
  }
  COFFER_ASSIGN_OR_RETURN(std::optional<Key> key, store_.GetKey(key_id));
  if (!key) return KeyNotFound(key_id);
  auto shared = std::make_shared<const Key>(std::move(*key));
  std::unique_lock lock(cache_mu_);
  keys_[std::string(key_id)] = CachedKey{shared, now};
  return shared;
}

Result<std::string> KeyService::LoadAliasTarget(std::string_view alias_name) {
  Timestamp now = clock_.Now();
  {
    std::shared_lock lock(cache_mu_);
    auto it = aliases_.find(std::string(alias_name));
    if (it != aliases_.end() && now - it->second.loaded < options_.metadata_ttl) {
      return it->second.key_id;
    }
  }
  COFFER_ASSIGN_OR_RETURN(std::optional<Alias> alias, store_.GetAlias(alias_name));
  if (!alias) {
    return NotFoundError("Alias " + AliasArn(alias_name) + " is not found.", reason::kKeyNotFound);
  }
  std::unique_lock lock(cache_mu_);
  aliases_[std::string(alias_name)] = CachedAlias{alias->key_id, now};
  return alias->key_id;
}

Result<Key> KeyService::ResolveKey(std::string_view key_ref) {
  std::string key_id;
  if (key_ref.starts_with("arn:")) {
    core::ParsedArn arn;
    if (!core::ParseArn(key_ref, &arn) || arn.service != "kms") {
      return NotFoundError("Invalid arn " + std::string(key_ref), reason::kKeyNotFound);
    }
    if (arn.account != account_.account_id || arn.region != account_.region ||
        arn.partition != account_.partition) {
      return NotFoundError("Invalid arn " + std::string(key_ref), reason::kKeyNotFound);
    }
    if (arn.resource.starts_with("key/")) {
      key_id = arn.resource.substr(4);
    } else if (arn.resource.starts_with("alias/")) {
      COFFER_ASSIGN_OR_RETURN(key_id, LoadAliasTarget(arn.resource));
    } else {
      return NotFoundError("Invalid arn " + std::string(key_ref), reason::kKeyNotFound);
    }
  } else if (key_ref.starts_with("alias/")) {
    COFFER_ASSIGN_OR_RETURN(key_id, LoadAliasTarget(key_ref));
  } else {
    key_id = key_ref;
  }
  if (!LooksLikeUuid(key_id)) {
    return NotFoundError("Invalid keyId '" + std::string(key_ref) + "'", reason::kKeyNotFound);
  }
  COFFER_ASSIGN_OR_RETURN(std::shared_ptr<const Key> key, LoadKey(key_id));
  return *key;
}

Result<void> KeyService::CheckUsable(const Key& key, KeyUsage usage) const {
  switch (key.state) {
    case KeyState::kEnabled:
      break;
    case KeyState::kDisabled:
      return FailedPreconditionError(key.arn + " is disabled.", reason::kKeyDisabled);
    case KeyState::kPendingDeletion:
      return FailedPreconditionError(key.arn + " is pending deletion.", reason::kKeyInvalidState);
    case KeyState::kUnavailable:
      return FailedPreconditionError(key.arn + " is unavailable.", reason::kKeyInvalidState);
  }
  if (key.usage != usage) {
    return InvalidArgumentError("You cannot use the key " + key.arn +
                                    " for this operation: its KeyUsage is " +
                                    std::string(KeyUsageName(key.usage)) + ".",
                                reason::kInvalidKeyUsage);
  }
  return Ok();
}

Result<std::shared_ptr<const SecretBytes>> KeyService::Material(std::string_view key_id,
                                                                uint32_t version) {
  std::pair<std::string, uint32_t> cache_key{std::string(key_id), version};
  {
    std::shared_lock lock(cache_mu_);
    auto it = materials_.find(cache_key);
    if (it != materials_.end()) return it->second;
  }
  COFFER_ASSIGN_OR_RETURN(std::optional<KeyMaterial> m, store_.GetMaterial(key_id, version));
  if (!m) return InvalidArgumentError("The ciphertext is invalid.", reason::kInvalidCiphertext);
  COFFER_ASSIGN_OR_RETURN(SecretBytes opened, ring_.OpenMaterial(key_id, version, m->sealed));
  auto shared = std::make_shared<const SecretBytes>(std::move(opened));
  std::unique_lock lock(cache_mu_);
  materials_[cache_key] = shared;
  return shared;
}

Result<std::string> KeyService::Encrypt(const Key& key, std::string_view plaintext,
                                        const EncryptionContext& context) {
  static metrics::Histogram& timing = CryptoSeconds("encrypt");
  ScopedTimer timer(timing);
  // Checked before the state, so data-key requests on any asymmetric key are a usage error.
  if (key.spec != KeySpec::kSymmetricDefault) {
    return InvalidArgumentError(key.arn + " is not a symmetric encryption key.",
                                reason::kInvalidKeyUsage);
  }
  COFFER_RETURN_IF_ERROR(CheckUsable(key, KeyUsage::kEncryptDecrypt));
  COFFER_ASSIGN_OR_RETURN(auto material, Material(key.key_id, key.current_material));
  CiphertextBlob blob;
  blob.key_id = *ParseUuid(key.key_id);
  blob.material_version = key.current_material;
  blob.nonce = random_.Bytes(crypto::Aead::kNonceSize);
  std::string header = blob.Header();
  COFFER_ASSIGN_OR_RETURN(
      blob.ciphertext_and_tag,
      aead_.Seal(material->span(), AsSpan(blob.nonce), plaintext, ContextAad(header, context)));
  return header + blob.ciphertext_and_tag;
}

Result<DataKey> KeyService::GenerateDataKey(const Key& key, const EncryptionContext& context,
                                            size_t bytes) {
  DataKey out;
  out.plaintext = random_.Secret(bytes);
  COFFER_ASSIGN_OR_RETURN(out.ciphertext_blob, Encrypt(key, out.plaintext.view(), context));
  out.key_arn = key.arn;
  return out;
}

Result<Decrypted> KeyService::Decrypt(std::string_view blob_bytes, const EncryptionContext& context,
                                      std::optional<std::string_view> expected_key_ref) {
  static metrics::Histogram& timing = CryptoSeconds("decrypt");
  ScopedTimer timer(timing);
  COFFER_ASSIGN_OR_RETURN(CiphertextBlob blob, CiphertextBlob::Parse(blob_bytes));
  std::string key_id = FormatUuid(blob.key_id);
  if (expected_key_ref) {
    COFFER_ASSIGN_OR_RETURN(Key expected, ResolveKey(*expected_key_ref));
    if (expected.key_id != key_id) {
      return InvalidArgumentError(
          "The key ID in the request does not identify a CMK that can perform this operation.",
          reason::kIncorrectKey);
    }
  }
  auto key = LoadKey(key_id);
  if (!key.has_value()) {
    if (key.error().code == ErrorCode::kNotFound) {
      return InvalidArgumentError("The ciphertext is invalid.", reason::kInvalidCiphertext);
    }
    return std::move(key).error();
  }
  COFFER_RETURN_IF_ERROR(CheckUsable(**key, KeyUsage::kEncryptDecrypt));
  if ((*key)->spec != KeySpec::kSymmetricDefault ||
      blob.material_version > (*key)->current_material) {
    return InvalidArgumentError("The ciphertext is invalid.", reason::kInvalidCiphertext);
  }
  COFFER_ASSIGN_OR_RETURN(auto material, Material(key_id, blob.material_version));
  auto plain = aead_.Open(material->span(), AsSpan(blob.nonce), blob.ciphertext_and_tag,
                          ContextAad(blob_bytes.substr(0, CiphertextBlob::kHeaderSize), context));
  if (!plain.has_value()) {
    return InvalidArgumentError("The ciphertext is invalid.", reason::kInvalidCiphertext);
  }
  return Decrypted{std::move(plain).value(), (*key)->arn};
}

void KeyService::Invalidate(std::string_view key_id) {
  std::unique_lock lock(cache_mu_);
  keys_.erase(std::string(key_id));
  aliases_.clear();
}

}  // namespace coffer::keys
