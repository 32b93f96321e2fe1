#include "core/secrets/secret_service.h"

#include <algorithm>
#include <set>

#include "base/encoding.h"
#include "base/strings.h"
#include "core/common/page_token.h"
#include "core/keys/errors.h"
#include "core/secrets/errors.h"
#include "core/secrets/secret_name.h"

namespace coffer::secrets {
namespace {

constexpr size_t kMaxValueBytes = 65536;
constexpr uint8_t kEnvelopeFormat = 1;
constexpr std::string_view kMarkedForDeletion =
    "You can't perform this operation on the secret because it was marked for deletion.";
constexpr std::string_view kDefaultKeyLabel = "DefaultEncryptionKey";

Error NotFound() {
  return NotFoundError("Secrets Manager can't find the specified secret.", reason::kNotFound);
}
Error InvalidRequest(std::string m) {
  return FailedPreconditionError(std::move(m), reason::kInvalidRequest);
}
Error InvalidParameter(std::string m) {
  return InvalidArgumentError(std::move(m), reason::kInvalidParameter);
}

std::span<const uint8_t> AsSpan(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

void PutLengthPrefixed(std::string& out, std::string_view s) {
  uint32_t n = static_cast<uint32_t>(s.size());
  out.push_back(static_cast<char>(n >> 24));
  out.push_back(static_cast<char>(n >> 16));
  out.push_back(static_cast<char>(n >> 8));
  out.push_back(static_cast<char>(n));
  out.append(s);
}

std::string ValueAad(const std::string& arn, const std::string& version_id, bool is_binary) {
  std::string aad = "coffer.secret.v1";
  PutLengthPrefixed(aad, arn);
  PutLengthPrefixed(aad, version_id);
  aad.push_back(is_binary ? 'b' : 's');
  return aad;
}

keys::EncryptionContext KmsContext(const std::string& arn, const std::string& version_id) {
  // The same context AWS Secrets Manager passes to KMS, so key policies written for AWS work.
  return {{"SecretARN", arn}, {"SecretVersionId", version_id}};
}

bool IsKeyProblem(const Error& e) {
  return e.reason == keys::reason::kKeyDisabled || e.reason == keys::reason::kKeyInvalidState ||
         e.reason == keys::reason::kKeyNotFound || e.reason == keys::reason::kInvalidKeyUsage ||
         e.reason == keys::reason::kInvalidCiphertext;
}

Error EncryptionFailure(const Error& cause) {
  return FailedPreconditionError(
      "Secrets Manager can't encrypt the protected secret text using the provided KMS key. "
      "Check that the KMS key is available, enabled, and not in an invalid state. (" +
          cause.message + ")",
      reason::kEncryptionFailure);
}

Error DecryptionFailure(const Error& cause) {
  return FailedPreconditionError(
      "Secrets Manager can't decrypt the protected secret text using the provided KMS key. (" +
          cause.message + ")",
      reason::kDecryptionFailure);
}

Result<std::vector<std::string>> DecodeToken(std::string_view token, std::string_view kind,
                                             size_t fields) {
  auto decoded = core::DecodePageToken(token, kind, fields);
  if (!decoded) {
    return InvalidArgumentError("The NextToken value is invalid.", reason::kInvalidNextToken);
  }
  return std::move(*decoded);
}

Result<size_t> PageSize(const std::optional<int64_t>& requested, size_t fallback, size_t max) {
  if (!requested) return fallback;
  if (*requested < 1 || static_cast<uint64_t>(*requested) > max) {
    return InvalidParameter("MaxResults must be between 1 and " + std::to_string(max) + ".");
  }
  return static_cast<size_t>(*requested);
}

std::string_view SortKeyName(SortKey k) {
  switch (k) {
    case SortKey::kCreated:
      return "c";
    case SortKey::kLastChanged:
      return "m";
    case SortKey::kLastAccessed:
      return "a";
    case SortKey::kName:
      return "n";
  }
  return "c";
}

int64_t SortTime(const Secret& s, SortKey k) {
  switch (k) {
    case SortKey::kCreated:
      return ToUnixMillis(s.created);
    case SortKey::kLastChanged:
      return ToUnixMillis(s.last_changed);
    case SortKey::kLastAccessed:
      return s.last_accessed ? ToUnixMillis(*s.last_accessed) : 0;
    case SortKey::kName:
      return 0;
  }
  return 0;
}

Result<void> CheckValue(const SecretValue& v) {
  if (v.bytes.size() > kMaxValueBytes) {
    return InvalidParameter("The secret value can't be larger than 65536 bytes.");
  }
  if (v.bytes.empty()) return InvalidParameter("The secret value can't be empty.");
  return Ok();
}

}  // namespace

SecretService::SecretService(SecretStore& store, keys::KeyService& keys, const crypto::Aead& aead,
                             crypto::Random& random, const Clock& clock, Options options)
    : store_(store), keys_(keys), aead_(aead), random_(random), clock_(clock), options_(options) {}

std::string SecretService::NewArn(std::string_view name) {
  return keys_.account().Arn("secretsmanager", "secret:" + std::string(name) + "-" +
                                                   random_.FromAlphabet(kArnSuffixAlphabet, 6));
}

Result<Secret> SecretService::Resolve(std::string_view secret_id) {
  if (secret_id.starts_with("arn:")) {
    core::ParsedArn arn;
    const core::Account& acct = keys_.account();
    if (!core::ParseArn(secret_id, &arn) || arn.service != "secretsmanager" ||
        !arn.resource.starts_with("secret:") || arn.account != acct.account_id ||
        arn.region != acct.region || arn.partition != acct.partition) {
      return NotFound();
    }
    COFFER_ASSIGN_OR_RETURN(std::optional<Secret> exact, store_.FindByArn(secret_id));
    if (exact) return *std::move(exact);
    // A partial ARN: everything after "secret:" is the name.
    std::string_view name = arn.resource.substr(7);
    if (!IsValidSecretName(name)) return NotFound();
    COFFER_ASSIGN_OR_RETURN(std::optional<Secret> by_name, store_.FindByName(name));
    if (by_name && by_name->arn.size() == secret_id.size() + 7 &&
        by_name->arn.starts_with(secret_id) && by_name->arn[secret_id.size()] == '-') {
      return *std::move(by_name);
    }
    return NotFound();
  }
  if (!IsValidSecretName(secret_id)) {
    return InvalidArgumentError(std::string(kInvalidNameMessage), reason::kValidation);
  }
  COFFER_ASSIGN_OR_RETURN(std::optional<Secret> s, store_.FindByName(secret_id));
  if (!s) return NotFound();
  return *std::move(s);
}

Result<Secret> SecretService::ResolveLive(std::string_view secret_id) {
  COFFER_ASSIGN_OR_RETURN(Secret s, Resolve(secret_id));
  if (s.is_deleted()) return InvalidRequest(std::string(kMarkedForDeletion));
  return s;
}

Result<SecretService::Locked> SecretService::Lock(std::string_view secret_id, bool live) {
  if (!secret_id.starts_with("arn:")) {
    // By name (the common case): lock first, then one read under the lock.
    COFFER_ASSIGN_OR_RETURN(WriteLocks::Held held, write_locks_.Acquire(secret_id));
    COFFER_ASSIGN_OR_RETURN(Secret s, live ? ResolveLive(secret_id) : Resolve(secret_id));
    return Locked{std::move(s), std::move(held)};
  }
  COFFER_ASSIGN_OR_RETURN(Secret first, Resolve(secret_id));
  COFFER_ASSIGN_OR_RETURN(WriteLocks::Held held, write_locks_.Acquire(first.name));
  COFFER_ASSIGN_OR_RETURN(std::optional<Secret> fresh, store_.FindByArn(first.arn));
  if (!fresh) return NotFound();
  if (live && fresh->is_deleted()) return InvalidRequest(std::string(kMarkedForDeletion));
  return Locked{std::move(*fresh), std::move(held)};
}

Result<keys::Key> SecretService::KeyFor(const std::optional<std::string>& kms_key_id) {
  // The AWS managed key is created on first use, also when it is named explicitly.
  bool managed = !kms_key_id || kms_key_id->empty() || *kms_key_id == "alias/aws/secretsmanager" ||
                 *kms_key_id == keys_.AliasArn("alias/aws/secretsmanager");
  auto key = managed ? keys_.ManagedKey("secretsmanager") : keys_.ResolveKey(*kms_key_id);
  if (!key.has_value() && IsKeyProblem(key.error())) return EncryptionFailure(key.error());
  return key;
}

bool SecretService::IsDefaultKey(const keys::Key& key) {
  if (key.manager != keys::KeyManager::kAws) return false;
  auto managed = keys_.ResolveKey("alias/aws/secretsmanager");
  return managed.has_value() && managed->key_id == key.key_id;
}

std::string SecretService::ResolvedKeyId(const Secret& s) const {
  return s.kms_key_id.value_or("");
}

Result<std::string> SecretService::Seal(const keys::Key& key, const std::string& arn,
                                        const std::string& version_id, const SecretValue& value) {
  auto dek = keys_.GenerateDataKey(key, KmsContext(arn, version_id), crypto::Aead::kKeySize);
  if (!dek.has_value()) {
    if (IsKeyProblem(dek.error())) return EncryptionFailure(dek.error());
    return std::move(dek).error();
  }
  std::string nonce = random_.Bytes(crypto::Aead::kNonceSize);
  COFFER_ASSIGN_OR_RETURN(std::string ct,
                          aead_.Seal(dek->plaintext.span(), AsSpan(nonce), value.bytes.view(),
                                     ValueAad(arn, version_id, value.is_binary)));
  // [format][u16 blob length][KMS blob][nonce][ciphertext || tag]
  const std::string& blob = dek->ciphertext_blob;
  std::string out;
  out.reserve(3 + blob.size() + nonce.size() + ct.size());
  out.push_back(static_cast<char>(kEnvelopeFormat));
  out.push_back(static_cast<char>(blob.size() >> 8));
  out.push_back(static_cast<char>(blob.size() & 0xff));
  out.append(blob).append(nonce).append(ct);
  return out;
}

Result<SecretValue> SecretService::Open(const std::string& arn, const SecretVersion& version) {
  std::string_view s = version.ciphertext;
  Error corrupt = DataLossError("stored secret value is corrupt");
  if (s.size() < 3 || static_cast<uint8_t>(s[0]) != kEnvelopeFormat) return corrupt;
  size_t blob_len =
      (static_cast<size_t>(static_cast<uint8_t>(s[1])) << 8) | static_cast<uint8_t>(s[2]);
  if (s.size() < 3 + blob_len + crypto::Aead::kNonceSize + crypto::Aead::kTagSize) return corrupt;
  std::string_view blob = s.substr(3, blob_len);
  std::string_view nonce = s.substr(3 + blob_len, crypto::Aead::kNonceSize);
  std::string_view ct = s.substr(3 + blob_len + crypto::Aead::kNonceSize);
  auto dek = keys_.Decrypt(blob, KmsContext(arn, version.version_id));
  if (!dek.has_value()) {
    if (IsKeyProblem(dek.error())) return DecryptionFailure(dek.error());
    return std::move(dek).error();
  }
  auto plain = aead_.Open(dek->plaintext.span(), AsSpan(nonce), ct,
                          ValueAad(arn, version.version_id, version.is_binary));
  if (!plain.has_value()) {
    return FailedPreconditionError(
        "Secrets Manager can't decrypt the protected secret text using the provided KMS key.",
        reason::kDecryptionFailure);
  }
  return SecretValue{version.is_binary, std::move(plain).value()};
}

Result<SecretVersion> SecretService::NewVersion(const Secret& secret, const keys::Key& key,
                                                const std::string& version_id,
                                                const SecretValue& value) {
  SecretVersion v;
  v.version_id = version_id;
  v.created = clock_.Now();
  v.kms_key_arn = key.arn;
  v.is_binary = value.is_binary;
  COFFER_ASSIGN_OR_RETURN(v.ciphertext, Seal(key, secret.arn, version_id, value));
  return v;
}

Result<std::vector<std::string>> SecretService::VersionsToPrune(const Secret& secret,
                                                                size_t adding) {
  std::vector<std::string> out;
  if (static_cast<size_t>(secret.version_count) + adding <= options_.keep_versions) return out;
  size_t keep_existing = options_.keep_versions > adding ? options_.keep_versions - adding : 0;
  COFFER_ASSIGN_OR_RETURN(
      std::vector<std::string> old,
      store_.OldVersions(secret.arn, keep_existing, clock_.Now() - options_.keep_recent));
  std::set<std::string> staged;
  for (const auto& [stage, vid] : secret.stages) staged.insert(vid);
  for (auto& vid : old) {
    if (!staged.count(vid)) out.push_back(std::move(vid));
  }
  return out;
}

Result<std::optional<PutSecretValueResult>> SecretService::IdempotentReplay(
    const Secret& secret, const std::string& token, const SecretValue& value) {
  COFFER_ASSIGN_OR_RETURN(std::optional<SecretVersion> existing,
                          store_.GetVersion(secret.arn, token));
  if (!existing) return std::optional<PutSecretValueResult>();
  COFFER_ASSIGN_OR_RETURN(SecretValue stored, Open(secret.arn, *existing));
  if (stored.is_binary != value.is_binary || !stored.bytes.Equals(value.bytes.span())) {
    return AlreadyExistsError("You can't use ClientRequestToken " + token +
                                  " because that value is already in use for a version of secret " +
                                  secret.arn + ".",
                              reason::kExists);
  }
  return std::optional<PutSecretValueResult>(
      PutSecretValueResult{{secret.arn, secret.name}, token, secret.StagesOf(token)});
}

Result<void> SecretService::CheckTags(const core::Tags& tags) const {
  if (tags.size() > options_.max_tags) {
    return InvalidParameter("The request failed because it would exceed the maximum of " +
                            std::to_string(options_.max_tags) + " tags on a secret.");
  }
  std::set<std::string_view> keys;
  for (const core::Tag& t : tags) {
    if (StartsWithIgnoreCase(t.key, "aws:")) {
      return InvalidParameter("Tag keys can't start with the reserved prefix aws:.");
    }
    if (!IsValidUtf8(t.key) || !IsValidUtf8(t.value)) {
      return InvalidParameter("Tag keys and values must be valid UTF-8.");
    }
    if (!keys.insert(t.key).second) {
      return InvalidParameter("Duplicate tag key: " + t.key);
    }
  }
  return Ok();
}

Result<CreateSecretResult> SecretService::CreateSecret(CreateSecretRequest req) {
  if (!IsValidSecretName(req.name)) {
    return InvalidArgumentError(std::string(kInvalidNameMessage), reason::kValidation);
  }
  if (req.value) {
    if (!req.client_request_token) {
      return InvalidRequest(
          "You must provide a ClientRequestToken value. We recommend a "
          "UUID-type value.");
    }
    COFFER_RETURN_IF_ERROR(CheckValue(*req.value));
  }
  if (req.tags) COFFER_RETURN_IF_ERROR(CheckTags(*req.tags));

  std::optional<keys::Key> key;
  if (req.value || (req.kms_key_id && !req.kms_key_id->empty())) {
    COFFER_ASSIGN_OR_RETURN(key, KeyFor(req.kms_key_id));
  }

  for (int attempt = 0; attempt < options_.max_write_attempts; ++attempt) {
    COFFER_ASSIGN_OR_RETURN(WriteLocks::Held held, write_locks_.Acquire(req.name));
    COFFER_ASSIGN_OR_RETURN(std::optional<Secret> existing, store_.FindByName(req.name));
    if (existing) {
      if (existing->is_deleted()) {
        return InvalidRequest(
            "You can't create this secret because a secret with this name is "
            "already scheduled for deletion.");
      }
      if (req.value && req.client_request_token) {
        // A retry of the same CreateSecret (same token, same value) succeeds.
        auto replay = IdempotentReplay(*existing, *req.client_request_token, *req.value);
        if (replay.has_value() && replay->has_value()) {
          return CreateSecretResult{{existing->arn, existing->name}, *req.client_request_token};
        }
      }
      return AlreadyExistsError(
          "The operation failed because the secret " + req.name + " already exists.",
          reason::kExists);
    }
    Timestamp now = clock_.Now();
    Secret s;
    s.arn = NewArn(req.name);
    s.name = req.name;
    s.description = req.description;
    if (req.kms_key_id && !req.kms_key_id->empty() && !IsDefaultKey(*key)) {
      s.kms_key_id = key->arn;
    }
    s.type = req.type;
    s.created = now;
    s.last_changed = now;
    s.tags = req.tags;
    std::optional<SecretVersion> version;
    if (req.value) {
      COFFER_ASSIGN_OR_RETURN(version, NewVersion(s, *key, *req.client_request_token, *req.value));
      s.stages[std::string(kCurrentStage)] = version->version_id;
      s.version_count = 1;
    }
    s.revision = 1;
    auto created = store_.Create(s, version);
    if (created.has_value()) {
      held.ReleaseWhenSettled();
      return CreateSecretResult{{s.arn, s.name},
                                version ? std::optional(version->version_id) : std::nullopt};
    }
    if (created.error().code != ErrorCode::kAlreadyExists) return std::move(created).error();
    // Lost a race with another creator of this name: re-evaluate against what now exists.
  }
  return ResourceExhaustedError("Rate exceeded: too many concurrent writes to this secret.",
                                reason::kThrottled);
}

void SecretService::RecordAccess(const Secret& secret, const SecretVersion& version) {
  Timestamp today = StartOfDay(clock_.Now());
  if (secret.last_accessed != today || version.last_accessed != today) {
    store_.RecordAccess(secret.arn, version.version_id, today);
  }
}

Result<SecretValueResult> SecretService::ReadValue(const Secret& s,
                                                   const GetSecretValueRequest& req,
                                                   std::optional<SecretVersion> prefetched) {
  std::string vid;
  if (req.version_id) {
    vid = *req.version_id;
  } else {
    std::string stage = req.version_stage.value_or(std::string(kCurrentStage));
    auto it = s.stages.find(stage);
    if (it == s.stages.end()) {
      return NotFoundError(
          "Secrets Manager can't find the specified secret value for staging label: " + stage,
          reason::kNotFound);
    }
    vid = it->second;
  }
  std::optional<SecretVersion> v;
  if (prefetched && prefetched->version_id == vid) {
    v = std::move(prefetched);
  } else {
    COFFER_ASSIGN_OR_RETURN(v, store_.GetVersion(s.arn, vid));
  }
  if (!v) {
    return NotFoundError(
        "Secrets Manager can't find the specified secret value for VersionId: " + vid,
        reason::kNotFound);
  }
  if (req.version_id && req.version_stage) {
    auto it = s.stages.find(*req.version_stage);
    if (it == s.stages.end() || it->second != vid) {
      return InvalidRequest(
          "You provided a VersionStage that is not associated to the provided VersionId.");
    }
  }
  COFFER_ASSIGN_OR_RETURN(SecretValue value, Open(s.arn, *v));
  RecordAccess(s, *v);
  return SecretValueResult{{s.arn, s.name}, vid, std::move(value), s.StagesOf(vid), v->created};
}

Result<SecretValueResult> SecretService::GetSecretValue(const GetSecretValueRequest& req) {
  if (req.secret_id.starts_with("arn:")) {
    if (req.authorize) {
      COFFER_ASSIGN_OR_RETURN(Secret any, Resolve(req.secret_id));
      COFFER_RETURN_IF_ERROR(req.authorize(any));
    }
    COFFER_ASSIGN_OR_RETURN(Secret s, ResolveLive(req.secret_id));
    return ReadValue(s, req);
  }
  // By name (the common case): the secret and the version come from one snapshot.
  if (!IsValidSecretName(req.secret_id)) {
    return InvalidArgumentError(std::string(kInvalidNameMessage), reason::kValidation);
  }
  COFFER_ASSIGN_OR_RETURN(std::optional<SecretRead> read,
                          store_.ReadValue(req.secret_id, req.version_id.value_or(""),
                                           req.version_stage.value_or(std::string(kCurrentStage))));
  if (!read) return NotFound();
  if (req.authorize) COFFER_RETURN_IF_ERROR(req.authorize(read->secret));
  if (read->secret.is_deleted()) return InvalidRequest(std::string(kMarkedForDeletion));
  return ReadValue(read->secret, req, std::move(read->version));
}

Result<BatchGetResult> SecretService::BatchGetSecretValue(const BatchGetRequest& req) {
  if (req.secret_ids.has_value() == req.filters.has_value()) {
    return InvalidParameter("You must provide either SecretIdList or Filters, but not both.");
  }
  BatchGetResult out;
  auto soft = [](const Error& e) {
    return e.code != ErrorCode::kUnavailable && e.code != ErrorCode::kInternal &&
           e.code != ErrorCode::kDataLoss;
  };
  if (req.secret_ids) {
    if (req.max_results || req.next_token) {
      return InvalidParameter("MaxResults and NextToken can only be used with Filters.");
    }
    for (const std::string& id : *req.secret_ids) {
      auto v = GetSecretValue(GetSecretValueRequest{id, std::nullopt, std::nullopt, req.authorize});
      if (v.has_value()) {
        out.values.push_back(std::move(v).value());
      } else if (soft(v.error())) {
        out.errors.push_back({id, std::move(v).error()});
      } else {
        return std::move(v).error();
      }
    }
    return out;
  }
  ListSecretsRequest list;
  list.filters = *req.filters;
  COFFER_ASSIGN_OR_RETURN(size_t n, PageSize(req.max_results, 20, 20));
  list.max_results = static_cast<int64_t>(n);
  list.next_token = req.next_token;
  COFFER_ASSIGN_OR_RETURN(ListSecretsResult page, ListSecrets(list));
  for (const SecretDescription& d : page.secrets) {
    if (req.authorize) {
      if (auto denied = req.authorize(d.secret); !denied.has_value()) {
        out.errors.push_back({d.secret.name, std::move(denied).error()});
        continue;
      }
    }
    auto v = ReadValue(d.secret,
                       GetSecretValueRequest{d.secret.arn, std::nullopt, std::nullopt, nullptr});
    if (v.has_value()) {
      out.values.push_back(std::move(v).value());
    } else if (soft(v.error())) {
      out.errors.push_back({d.secret.name, std::move(v).error()});
    } else {
      return std::move(v).error();
    }
  }
  out.next_token = page.next_token;
  return out;
}

Result<SecretDescription> SecretService::DescribeSecret(std::string_view secret_id) {
  COFFER_ASSIGN_OR_RETURN(Secret s, Resolve(secret_id));
  std::string key = ResolvedKeyId(s);
  return SecretDescription{std::move(s), std::move(key)};
}

Result<ListSecretsResult> SecretService::ListSecrets(const ListSecretsRequest& req) {
  COFFER_ASSIGN_OR_RETURN(size_t page_size, PageSize(req.max_results, 100, 100));
  SecretScan scan;
  scan.sort = req.sort;
  scan.descending = req.descending;
  scan.include_deleted = req.include_planned_deletion;
  std::string order = req.descending ? "d" : "a";
  std::string deleted = req.include_planned_deletion ? "1" : "0";
  if (req.next_token) {
    COFFER_ASSIGN_OR_RETURN(auto f, DecodeToken(*req.next_token, "ls1", 7));
    auto t = ParseInt64(f[4]);
    if (f[1] != SortKeyName(req.sort) || f[2] != order || f[3] != deleted || !t) {
      return InvalidArgumentError("The NextToken value is invalid.", reason::kInvalidNextToken);
    }
    scan.after = ScanCursor{*t, f[5], f[6]};
  }
  // Scan in sort order and filter here; the scan budget bounds the work of one call whatever
  // the total count, at the price of pages that can be short (AWS's pages can be too).
  const size_t budget = std::max<size_t>(1000, page_size * 10);
  size_t scanned = 0;
  ListSecretsResult out;
  bool exhausted = false;
  std::optional<ScanCursor> last;
  while (out.secrets.size() < page_size && scanned < budget) {
    scan.limit = std::min<size_t>(page_size * 2 + 16, budget - scanned);
    COFFER_ASSIGN_OR_RETURN(std::vector<Secret> rows, store_.Scan(scan));
    for (Secret& s : rows) {
      ++scanned;
      last = ScanCursor{SortTime(s, req.sort), s.name, s.arn};
      if (MatchesFilters(s, req.filters)) {
        std::string key = ResolvedKeyId(s);
        out.secrets.push_back(SecretDescription{std::move(s), std::move(key)});
        if (out.secrets.size() == page_size) break;
      }
    }
    if (rows.size() < scan.limit && out.secrets.size() < page_size) {
      exhausted = true;
      break;
    }
    scan.after = last;
  }
  if (!exhausted && last) {
    // Only hand out a token if something may follow.
    SecretScan probe = scan;
    probe.after = last;
    probe.limit = 1;
    COFFER_ASSIGN_OR_RETURN(std::vector<Secret> more, store_.Scan(probe));
    if (!more.empty()) {
      out.next_token =
          core::EncodePageToken({"ls1", SortKeyName(req.sort), order, deleted,
                                 std::to_string(last->time_ms), last->name, last->arn});
    }
  }
  return out;
}

Result<PutSecretValueResult> SecretService::PutSecretValue(PutSecretValueRequest req) {
  if (!req.client_request_token) {
    return InvalidRequest(
        "You must provide a ClientRequestToken value. We recommend a UUID-type value.");
  }
  if (!req.value) return InvalidRequest("You must provide either SecretString or SecretBinary.");
  COFFER_RETURN_IF_ERROR(CheckValue(*req.value));
  const std::string& token = *req.client_request_token;
  for (int attempt = 0; attempt < options_.max_write_attempts; ++attempt) {
    COFFER_ASSIGN_OR_RETURN(Locked locked, Lock(req.secret_id, /*live=*/true));
    Secret& s = locked.secret;
    COFFER_ASSIGN_OR_RETURN(auto replay, IdempotentReplay(s, token, *req.value));
    if (replay) return *std::move(replay);
    COFFER_ASSIGN_OR_RETURN(keys::Key key, KeyFor(s.kms_key_id));
    COFFER_ASSIGN_OR_RETURN(SecretVersion v, NewVersion(s, key, token, *req.value));

    std::vector<std::string> labels;
    if (req.version_stages) {
      labels = *req.version_stages;
      if (s.version_count == 0 &&
          std::find(labels.begin(), labels.end(), kCurrentStage) == labels.end()) {
        labels.emplace_back(kCurrentStage);  // the first version is always AWSCURRENT
      }
    } else {
      labels.emplace_back(kCurrentStage);
    }
    std::stable_partition(labels.begin(), labels.end(),
                          [](const std::string& l) { return l == kCurrentStage; });
    for (const std::string& label : labels) {
      auto it = s.stages.find(label);
      std::optional<std::string> old;
      if (it != s.stages.end()) old = it->second;
      s.stages[label] = token;
      if (label == kCurrentStage && old && *old != token) {
        s.stages[std::string(kPreviousStage)] = *old;
      }
    }
    COFFER_RETURN_IF_ERROR(CheckVersionQuota(s));
    s.version_count += 1;
    s.last_changed = clock_.Now();
    auto updated = store_.Update(s, {v}, {});
    if (updated.has_value()) {
      locked.held.ReleaseWhenSettled();
      NotePrunable(s);
      return PutSecretValueResult{{s.arn, s.name}, token, s.StagesOf(token)};
    }
    if (updated.error().code != ErrorCode::kAborted &&
        updated.error().code != ErrorCode::kAlreadyExists) {
      return std::move(updated).error();
    }
  }
  return ResourceExhaustedError("Rate exceeded: too many concurrent writes to this secret.",
                                reason::kThrottled);
}

Result<UpdateSecretResult> SecretService::UpdateSecret(UpdateSecretRequest req) {
  if (req.value) {
    if (!req.client_request_token) {
      return InvalidRequest(
          "You must provide a ClientRequestToken value. We recommend a UUID-type value.");
    }
    COFFER_RETURN_IF_ERROR(CheckValue(*req.value));
  }
  for (int attempt = 0; attempt < options_.max_write_attempts; ++attempt) {
    COFFER_ASSIGN_OR_RETURN(Locked locked, Lock(req.secret_id, /*live=*/true));
    Secret& s = locked.secret;
    bool changed = false;
    std::vector<SecretVersion> new_versions;
    std::vector<std::string> removed;
    if (req.description) {
      s.description = req.description;
      changed = true;
    }
    if (req.type) {
      s.type = req.type;
      changed = true;
    }
    std::optional<keys::Key> key;
    if (req.kms_key_id) {
      COFFER_ASSIGN_OR_RETURN(key, KeyFor(req.kms_key_id));
      std::optional<std::string> new_key_id;
      if (!req.kms_key_id->empty() && !IsDefaultKey(*key)) new_key_id = key->arn;
      if (new_key_id != s.kms_key_id) {
        // Re-encrypt the versions that carry AWS's labels under the new key.
        std::set<std::string> labelled;
        for (std::string_view st : {kCurrentStage, kPendingStage, kPreviousStage}) {
          auto it = s.stages.find(std::string(st));
          if (it != s.stages.end()) labelled.insert(it->second);
        }
        for (const std::string& vid : labelled) {
          COFFER_ASSIGN_OR_RETURN(std::optional<SecretVersion> old, store_.GetVersion(s.arn, vid));
          if (!old) continue;
          COFFER_ASSIGN_OR_RETURN(SecretValue plain, Open(s.arn, *old));
          SecretVersion re = *old;
          COFFER_ASSIGN_OR_RETURN(re.ciphertext, Seal(*key, s.arn, vid, plain));
          re.kms_key_arn = key->arn;
          removed.push_back(vid);
          new_versions.push_back(std::move(re));
        }
        s.kms_key_id = new_key_id;
      }
      changed = true;
    }
    std::optional<std::string> new_vid;
    if (req.value) {
      const std::string& token = *req.client_request_token;
      COFFER_ASSIGN_OR_RETURN(auto replay, IdempotentReplay(s, token, *req.value));
      if (replay) return UpdateSecretResult{{s.arn, s.name}, token};
      if (!key) {
        COFFER_ASSIGN_OR_RETURN(key, KeyFor(s.kms_key_id));
      }
      COFFER_ASSIGN_OR_RETURN(SecretVersion v, NewVersion(s, *key, token, *req.value));
      auto it = s.stages.find(std::string(kCurrentStage));
      if (it != s.stages.end()) s.stages[std::string(kPreviousStage)] = it->second;
      s.stages[std::string(kCurrentStage)] = token;
      new_versions.push_back(std::move(v));
      new_vid = token;
      COFFER_RETURN_IF_ERROR(CheckVersionQuota(s));
      s.version_count += 1;
      changed = true;
    }
    if (!changed) return UpdateSecretResult{{s.arn, s.name}, std::nullopt};
    s.last_changed = clock_.Now();
    auto updated = store_.Update(s, new_versions, removed);
    if (updated.has_value()) {
      locked.held.ReleaseWhenSettled();
      NotePrunable(s);
      return UpdateSecretResult{{s.arn, s.name}, new_vid};
    }
    if (updated.error().code != ErrorCode::kAborted &&
        updated.error().code != ErrorCode::kAlreadyExists) {
      return std::move(updated).error();
    }
  }
  return ResourceExhaustedError("Rate exceeded: too many concurrent writes to this secret.",
                                reason::kThrottled);
}

Result<SecretRef> SecretService::UpdateSecretVersionStage(const UpdateVersionStageRequest& req) {
  const std::string& label = req.version_stage;
  for (int attempt = 0; attempt < options_.max_write_attempts; ++attempt) {
    COFFER_ASSIGN_OR_RETURN(Locked locked, Lock(req.secret_id, /*live=*/true));
    Secret& s = locked.secret;
    auto cur_it = s.stages.find(label);
    std::optional<std::string> current;
    if (cur_it != s.stages.end()) current = cur_it->second;

    if (req.move_to_version_id) {
      const std::string& target = *req.move_to_version_id;
      COFFER_ASSIGN_OR_RETURN(std::optional<SecretVersion> v, store_.GetVersion(s.arn, target));
      if (!v) {
        return InvalidParameter("The version " + target + " doesn't exist for this secret.");
      }
      if (current && *current != target) {
        if (!req.remove_from_version_id) {
          return InvalidParameter(
              "The parameter RemoveFromVersionId can't be empty. Staging "
              "label " +
              label + " is currently attached to version " + *current +
              ", so you must explicitly reference that version "
              "in RemoveFromVersionId.");
        }
        if (*req.remove_from_version_id != *current) {
          std::string m = "When you move staging label " + label;
          m += ", if you specify RemoveFromVersionId, it must be set to the version that "
               "currently has the staging label ";
          m += label + ".";
          return InvalidParameter(std::move(m));
        }
      } else if (!current && req.remove_from_version_id) {
        return InvalidParameter("The staging label " + label + " isn't attached to version " +
                                *req.remove_from_version_id + ".");
      }
      if (current && *current == target) return SecretRef{s.arn, s.name};
      s.stages[label] = target;
      if (label == kCurrentStage && current) s.stages[std::string(kPreviousStage)] = *current;
      if (s.StagesOf(target).size() > 20) {
        return ResourceExhaustedError("A version can have at most 20 staging labels.",
                                      reason::kLimitExceeded);
      }
    } else {
      if (!req.remove_from_version_id) {
        return InvalidParameter("You must specify MoveToVersionId, RemoveFromVersionId, or both.");
      }
      if (!current || *current != *req.remove_from_version_id) {
        return InvalidParameter("The staging label " + label + " isn't attached to version " +
                                *req.remove_from_version_id + ".");
      }
      if (label == kCurrentStage) {
        return InvalidParameter(
            "You can't remove the staging label AWSCURRENT from a version "
            "without moving it to another version with MoveToVersionId.");
      }
      s.stages.erase(label);
    }
    s.last_changed = clock_.Now();
    auto updated = store_.Update(s, {}, {});
    if (updated.has_value()) {
      locked.held.ReleaseWhenSettled();
      NotePrunable(s);
      return SecretRef{s.arn, s.name};
    }
    if (updated.error().code != ErrorCode::kAborted) return std::move(updated).error();
  }
  return ResourceExhaustedError("Rate exceeded: too many concurrent writes to this secret.",
                                reason::kThrottled);
}

Result<ListVersionsResult> SecretService::ListSecretVersionIds(const ListVersionsRequest& req) {
  COFFER_ASSIGN_OR_RETURN(size_t page_size, PageSize(req.max_results, 100, 100));
  COFFER_ASSIGN_OR_RETURN(Secret s, Resolve(req.secret_id));
  std::optional<VersionCursor> cursor;
  if (req.next_token) {
    COFFER_ASSIGN_OR_RETURN(auto f, DecodeToken(*req.next_token, "lv1", 4));
    auto t = ParseInt64(f[2]);
    if (!t || f[1] != (req.include_deprecated ? "1" : "0")) {
      return InvalidArgumentError("The NextToken value is invalid.", reason::kInvalidNextToken);
    }
    cursor = VersionCursor{*t, f[3]};
  }
  std::string default_key_arn;
  if (auto managed = keys_.ResolveKey("alias/aws/secretsmanager"); managed.has_value()) {
    default_key_arn = managed->arn;
  }
  std::set<std::string> staged;
  for (const auto& [stage, vid] : s.stages) staged.insert(vid);

  ListVersionsResult out;
  out.ref = {s.arn, s.name};
  const size_t budget = std::max<size_t>(1000, page_size * 10);
  size_t scanned = 0;
  bool exhausted = false;
  while (out.versions.size() < page_size && scanned < budget) {
    size_t chunk = std::min<size_t>(page_size * 2 + 16, budget - scanned);
    COFFER_ASSIGN_OR_RETURN(std::vector<SecretVersion> rows,
                            store_.ListVersions(s.arn, cursor, chunk));
    for (SecretVersion& v : rows) {
      ++scanned;
      cursor = VersionCursor{ToUnixMillis(v.created), v.version_id};
      if (!req.include_deprecated && !staged.count(v.version_id)) continue;
      VersionEntry e;
      e.version_id = v.version_id;
      e.stages = s.StagesOf(v.version_id);
      e.created = v.created;
      e.last_accessed = v.last_accessed;
      e.kms_key_id =
          (v.kms_key_arn == default_key_arn) ? std::string(kDefaultKeyLabel) : v.kms_key_arn;
      out.versions.push_back(std::move(e));
      if (out.versions.size() == page_size) break;
    }
    if (rows.size() < chunk && out.versions.size() < page_size) {
      exhausted = true;
      break;
    }
  }
  if (!exhausted && cursor) {
    COFFER_ASSIGN_OR_RETURN(std::vector<SecretVersion> more, store_.ListVersions(s.arn, cursor, 1));
    if (!more.empty()) {
      out.next_token =
          core::EncodePageToken({"lv1", req.include_deprecated ? "1" : "0",
                                 std::to_string(cursor->created_ms), cursor->version_id});
    }
  }
  return out;
}

Result<DeleteSecretResult> SecretService::DeleteSecret(const DeleteSecretRequest& req) {
  if (req.recovery_window_days &&
      (*req.recovery_window_days < 7 || *req.recovery_window_days > 30)) {
    return InvalidParameter(
        "The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).");
  }
  bool force = req.force_delete_without_recovery.value_or(false);
  if (force && req.recovery_window_days) {
    return InvalidParameter(
        "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.");
  }
  Timestamp now = clock_.Now();
  for (int attempt = 0; attempt < options_.max_write_attempts; ++attempt) {
    auto found = Lock(req.secret_id, /*live=*/false);
    if (!found.has_value()) {
      if (force && found.error().code == ErrorCode::kNotFound) {
        // AWS answers a forced delete of a missing secret as if it had existed.
        std::string name = req.secret_id;
        std::string arn = req.secret_id;
        core::ParsedArn parsed;
        if (core::ParseArn(req.secret_id, &parsed) && parsed.resource.starts_with("secret:")) {
          name = std::string(parsed.resource.substr(7));
        } else {
          arn = NewArn(req.secret_id);
        }
        return DeleteSecretResult{{arn, name}, now};
      }
      return std::move(found).error();
    }
    Locked locked = std::move(found).value();
    Secret& s = locked.secret;
    if (force) {
      COFFER_RETURN_IF_ERROR(store_.Purge(s.arn));
      locked.held.ReleaseWhenSettled();
      return DeleteSecretResult{{s.arn, s.name}, now};
    }
    if (s.is_deleted()) {
      return InvalidRequest(
          "You can't perform this operation on the secret because it was "
          "already scheduled for deletion.");
    }
    s.deleted = now;
    s.purge_after = now + std::chrono::hours(24) * req.recovery_window_days.value_or(30);
    s.last_changed = now;
    auto updated = store_.Update(s, {}, {});
    if (updated.has_value()) {
      locked.held.ReleaseWhenSettled();
      return DeleteSecretResult{{s.arn, s.name}, *s.purge_after};
    }
    if (updated.error().code != ErrorCode::kAborted) return std::move(updated).error();
  }
  return ResourceExhaustedError("Rate exceeded: too many concurrent writes to this secret.",
                                reason::kThrottled);
}

Result<SecretRef> SecretService::RestoreSecret(std::string_view secret_id) {
  for (int attempt = 0; attempt < options_.max_write_attempts; ++attempt) {
    COFFER_ASSIGN_OR_RETURN(Locked locked, Lock(secret_id, /*live=*/false));
    Secret& s = locked.secret;
    if (!s.is_deleted()) return SecretRef{s.arn, s.name};
    s.deleted.reset();
    s.purge_after.reset();
    s.last_changed = clock_.Now();
    auto updated = store_.Update(s, {}, {});
    if (updated.has_value()) {
      locked.held.ReleaseWhenSettled();
      return SecretRef{s.arn, s.name};
    }
    if (updated.error().code != ErrorCode::kAborted) return std::move(updated).error();
  }
  return ResourceExhaustedError("Rate exceeded: too many concurrent writes to this secret.",
                                reason::kThrottled);
}

Result<SecretRef> SecretService::EditMetadata(std::string_view secret_id,
                                              const std::function<Result<void>(Secret&)>& edit) {
  // Optimistic: a concurrent writer makes Update fail with kAborted, and the edit is applied
  // again to the fresh secret.
  for (int attempt = 0; attempt < options_.max_write_attempts; ++attempt) {
    COFFER_ASSIGN_OR_RETURN(Locked locked, Lock(secret_id, /*live=*/true));
    Secret& s = locked.secret;
    COFFER_RETURN_IF_ERROR(edit(s));
    auto updated = store_.Update(s, {}, {});
    if (updated.has_value()) {
      locked.held.ReleaseWhenSettled();
      return SecretRef{s.arn, s.name};
    }
    if (updated.error().code != ErrorCode::kAborted) return std::move(updated).error();
  }
  return ResourceExhaustedError("Rate exceeded: too many concurrent writes to this secret.",
                                reason::kThrottled);
}

Result<SecretRef> SecretService::PutResourcePolicy(std::string_view secret_id, std::string policy) {
  return EditMetadata(secret_id, [&](Secret& s) -> Result<void> {
    s.resource_policy = policy;
    return Ok();
  });
}

Result<SecretRef> SecretService::DeleteResourcePolicy(std::string_view secret_id) {
  return EditMetadata(secret_id, [](Secret& s) -> Result<void> {
    s.resource_policy.reset();
    return Ok();
  });
}

Result<void> SecretService::TagResource(std::string_view secret_id, const core::Tags& tags) {
  auto edited = EditMetadata(secret_id, [&](Secret& s) -> Result<void> {
    core::Tags merged = s.tags.value_or(core::Tags{});
    core::MergeTags(merged, tags);
    COFFER_RETURN_IF_ERROR(CheckTags(merged));
    s.tags = std::move(merged);
    s.last_changed = clock_.Now();
    return Ok();
  });
  if (!edited.has_value()) return std::move(edited).error();
  return Ok();
}

Result<void> SecretService::UntagResource(std::string_view secret_id,
                                          const std::vector<std::string>& keys) {
  auto edited = EditMetadata(secret_id, [&](Secret& s) -> Result<void> {
    core::Tags tags = s.tags.value_or(core::Tags{});
    core::RemoveTags(tags, keys);
    s.tags = std::move(tags);
    s.last_changed = clock_.Now();
    return Ok();
  });
  if (!edited.has_value()) return std::move(edited).error();
  return Ok();
}

Result<SecretBytes> SecretService::GetRandomPassword(const PasswordOptions& options) {
  return GeneratePassword(options, random_);
}

Result<void> SecretService::CheckVersionQuota(const Secret& s) const {
  if (static_cast<size_t>(s.version_count) + 1 > options_.max_versions) {
    return ResourceExhaustedError("You have exceeded the maximum number of versions (" +
                                      std::to_string(options_.max_versions) + ") for this secret.",
                                  reason::kLimitExceeded);
  }
  return Ok();
}

void SecretService::NotePrunable(const Secret& s) {
  if (static_cast<size_t>(s.version_count) <= options_.keep_versions) return;
  std::lock_guard lock(prune_mu_);
  if (prune_queue_.size() < 100000) prune_queue_.insert(s.arn);
}

Result<size_t> SecretService::PruneVersions() {
  std::set<std::string> arns;
  {
    std::lock_guard lock(prune_mu_);
    arns.swap(prune_queue_);
  }
  size_t pruned_total = 0;
  for (const std::string& arn : arns) {
    for (int attempt = 0; attempt < options_.max_write_attempts; ++attempt) {
      auto locked = Lock(arn, /*live=*/false);
      if (!locked.has_value()) {
        if (locked.error().code == ErrorCode::kNotFound) break;
        return std::move(locked).error();
      }
      Secret& s = locked->secret;
      COFFER_ASSIGN_OR_RETURN(std::vector<std::string> pruned, VersionsToPrune(s, 0));
      if (pruned.empty()) {
        // Versions younger than a day are kept; look again at a later sweep.
        NotePrunable(s);
        break;
      }
      s.version_count -= static_cast<int64_t>(pruned.size());
      auto updated = store_.Update(s, {}, pruned);
      if (updated.has_value()) {
        pruned_total += pruned.size();
        break;
      }
      if (updated.error().code != ErrorCode::kAborted) return std::move(updated).error();
    }
  }
  return pruned_total;
}

Result<size_t> SecretService::PurgeDue(
    size_t limit, const std::function<void(const std::string& arn)>& on_purged) {
  COFFER_ASSIGN_OR_RETURN(std::vector<std::string> due, store_.DueForPurge(clock_.Now(), limit));
  for (const std::string& arn : due) {
    COFFER_RETURN_IF_ERROR(store_.Purge(arn));
    if (on_purged) on_purged(arn);
  }
  return due.size();
}

std::vector<std::string> Secret::StagesOf(const std::string& version_id) const {
  std::vector<std::string> out;
  for (const auto& [stage, vid] : stages) {
    if (vid == version_id) out.push_back(stage);
  }
  return out;
}

}  // namespace coffer::secrets
