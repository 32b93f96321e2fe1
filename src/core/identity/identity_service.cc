#include "core/identity/identity_service.h"

#include <cstring>
#include <mutex>

#include "base/encoding.h"
#include "base/strings.h"

namespace coffer::identity {
namespace {

constexpr std::string_view kSealPurpose = "access-key";
constexpr std::string_view kSessionPurpose = "sts-session";
// Session policies travel inside the token; AWS's packed-policy limit is of the same order.
constexpr size_t kMaxPackedPolicies = size_t{16} * 1024;

// The fields of a session token's sealed payload: tag, 4-byte little-endian length, bytes.
enum SessionField : uint8_t {
  kVersion = 1,
  kSecret,
  kExpires,
  kType,
  kArn,
  kPrincipalId,
  kAccount,
  kName,
  kRoleArn,
  kRoleName,
  kIssued,
  kProvider,
  kSubject,
  kAudience,
  kHasSessionPolicies,
  kSessionPolicy,  // repeated
};

void PutField(std::string& out, SessionField tag, std::string_view value) {
  out.push_back(static_cast<char>(tag));
  auto n = static_cast<uint32_t>(value.size());
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
  out.append(value);
}

// Reads the next field; false at the end or on a malformed payload (*ok = false).
bool NextField(std::string_view& in, uint8_t* tag, std::string_view* value, bool* ok) {
  if (in.empty()) return false;
  if (in.size() < 5) return *ok = false;
  *tag = static_cast<uint8_t>(in[0]);
  uint32_t n = 0;
  for (int i = 0; i < 4; ++i)
    n |= static_cast<uint32_t>(static_cast<uint8_t>(in[1 + i])) << (8 * i);
  if (in.size() - 5 < n) return *ok = false;
  *value = in.substr(5, n);
  in.remove_prefix(5 + n);
  return true;
}

std::string_view TypeWord(PrincipalType t) {
  switch (t) {
    case PrincipalType::kRoot:
      return "root";
    case PrincipalType::kUser:
      return "user";
    case PrincipalType::kAssumedRole:
      return "assumed-role";
  }
  return "root";
}

bool ValidAccessKeyId(std::string_view id) {
  if (id.size() < 16 || id.size() > 128) return false;
  for (char c : id) {
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return false;
  }
  return true;
}

bool ValidSecret(std::string_view s) {
  if (s.size() < 16 || s.size() > 128) return false;
  for (char c : s) {
    if (c <= 0x20 || c > 0x7e) return false;
  }
  return true;
}

}  // namespace

IdentityService::IdentityService(AccessKeyStore& store, keys::KeyRing& ring, crypto::Random& random,
                                 const Clock& clock, core::Account account,
                                 std::chrono::milliseconds cache_ttl)
    : store_(store),
      ring_(ring),
      random_(random),
      clock_(clock),
      account_(std::move(account)),
      cache_ttl_(cache_ttl) {}

Principal IdentityService::RootPrincipal() const {
  Principal p;
  p.type = PrincipalType::kRoot;
  p.arn = account_.GlobalArn("iam", "root");
  p.principal_id = account_.account_id;
  p.account_id = account_.account_id;
  p.name = "root";
  return p;
}

std::string IdentityService::NewAccessKeyId(std::string_view prefix) {
  // AWS key ids are base32 (A-Z, 2-7) after a four-letter prefix.
  return std::string(prefix) + random_.FromAlphabet("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16);
}

SecretBytes IdentityService::NewSecretAccessKey() {
  std::string s =
      random_.FromAlphabet("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", 40);
  return SecretBytes::TakeFrom(s);
}

Result<RootCredentials> IdentityService::EnsureRootCredentials(
    std::optional<std::string> access_key_id, std::optional<std::string> secret_access_key) {
  Principal root = RootPrincipal();
  COFFER_ASSIGN_OR_RETURN(std::vector<AccessKeyRecord> existing, store_.ListFor(root.arn));
  RootCredentials out;
  if (access_key_id || secret_access_key) {
    if (!access_key_id || !secret_access_key) {
      return InvalidArgumentError(
          "set both COFFER_ROOT_ACCESS_KEY_ID and COFFER_ROOT_SECRET_ACCESS_KEY, or neither");
    }
    if (!ValidAccessKeyId(*access_key_id)) {
      return InvalidArgumentError(
          "COFFER_ROOT_ACCESS_KEY_ID must be 16-128 upper-case letters and digits");
    }
    if (!ValidSecret(*secret_access_key)) {
      return InvalidArgumentError(
          "COFFER_ROOT_SECRET_ACCESS_KEY must be 16-128 printable characters without spaces");
    }
    out.access_key_id = *access_key_id;
    out.secret_access_key = SecretBytes::TakeFrom(*secret_access_key);
  } else if (!existing.empty()) {
    const AccessKeyRecord& r = existing.front();
    COFFER_ASSIGN_OR_RETURN(out.secret_access_key,
                            ring_.OpenInternal(kSealPurpose, r.access_key_id, r.sealed_secret));
    out.access_key_id = r.access_key_id;
    return out;
  } else {
    out.access_key_id = NewAccessKeyId("AKIA");
    out.secret_access_key = NewSecretAccessKey();
    out.generated = true;
  }
  AccessKeyRecord rec;
  rec.access_key_id = out.access_key_id;
  rec.principal = root;
  rec.created = clock_.Now();
  COFFER_ASSIGN_OR_RETURN(rec.sealed_secret, ring_.SealInternal(kSealPurpose, rec.access_key_id,
                                                                out.secret_access_key.view()));
  COFFER_RETURN_IF_ERROR(store_.Put(rec));
  for (const AccessKeyRecord& old : existing) {
    if (old.access_key_id != rec.access_key_id) {
      COFFER_RETURN_IF_ERROR(store_.Delete(old.access_key_id));
      Invalidate(old.access_key_id);
    }
  }
  Invalidate(rec.access_key_id);
  return out;
}

Result<std::shared_ptr<const Credential>> IdentityService::FindCredential(
    std::string_view access_key_id) {
  Timestamp now = clock_.Now();
  std::shared_ptr<const Credential> cred;
  {
    std::shared_lock lock(mu_);
    auto it = cache_.find(std::string(access_key_id));
    if (it != cache_.end() && now - it->second.loaded < cache_ttl_) cred = it->second.credential;
  }
  if (!cred) {
    COFFER_ASSIGN_OR_RETURN(std::optional<AccessKeyRecord> rec, store_.Get(access_key_id));
    if (!rec) {
      return NotFoundError("The security token included in the request is invalid.",
                           reason::kUnknownAccessKey);
    }
    auto c = std::make_shared<Credential>();
    c->access_key_id = rec->access_key_id;
    COFFER_ASSIGN_OR_RETURN(
        c->secret, ring_.OpenInternal(kSealPurpose, rec->access_key_id, rec->sealed_secret));
    c->principal = rec->principal;
    c->active = rec->active;
    c->expires = rec->expires;
    cred = c;
    std::unique_lock lock(mu_);
    if (cache_.size() > 100000) cache_.clear();
    cache_[std::string(access_key_id)] = Cached{cred, now};
  }
  if (!cred->active) {
    return NotFoundError("The security token included in the request is invalid.",
                         reason::kUnknownAccessKey);
  }
  if (cred->expires && *cred->expires <= now) {
    return UnauthenticatedError("The security token included in the request is expired",
                                reason::kExpiredCredentials);
  }
  return cred;
}

Result<IdentityService::SessionCredentials> IdentityService::IssueSession(
    const Principal& principal, std::chrono::seconds duration) {
  size_t packed = 0;
  for (const std::string& p : principal.session_policies) {
    packed += p.size();
    if (parser_ == nullptr) return InternalError("no policy parser for session policies");
    auto parsed = parser_->Parse(p, policy::PolicyKind::kIdentity);
    if (!parsed.has_value()) return std::move(parsed).error();
  }
  if (packed > kMaxPackedPolicies) {
    return ResourceExhaustedError("Packed size of the session policies exceeds the limit of " +
                                      std::to_string(kMaxPackedPolicies) + " characters.",
                                  reason::kPackedPolicyTooLarge);
  }
  SessionCredentials out;
  out.access_key_id = NewAccessKeyId("ASIA");
  out.secret_access_key = NewSecretAccessKey();
  out.expiration = clock_.Now() + std::chrono::duration_cast<std::chrono::milliseconds>(duration);
  std::string payload;
  payload.reserve(256 + packed);
  PutField(payload, kVersion, "1");
  PutField(payload, kSecret, out.secret_access_key.view());
  PutField(payload, kExpires, std::to_string(ToUnixMillis(out.expiration)));
  PutField(payload, kType, TypeWord(principal.type));
  PutField(payload, kArn, principal.arn);
  PutField(payload, kPrincipalId, principal.principal_id);
  PutField(payload, kAccount, principal.account_id);
  PutField(payload, kName, principal.name);
  PutField(payload, kRoleArn, principal.role_arn);
  PutField(payload, kRoleName, principal.role_name);
  PutField(payload, kIssued, std::to_string(ToUnixMillis(clock_.Now())));
  PutField(payload, kProvider, principal.federated_provider);
  PutField(payload, kSubject, principal.web_identity_subject);
  PutField(payload, kAudience, principal.web_identity_audience);
  PutField(payload, kHasSessionPolicies, principal.has_session_policies ? "1" : "0");
  for (const std::string& p : principal.session_policies) PutField(payload, kSessionPolicy, p);
  auto sealed = ring_.SealInternal(kSessionPurpose, out.access_key_id, payload);
  SecureWipe(payload.data(), payload.size());
  if (!sealed.has_value()) return std::move(sealed).error();
  out.session_token = Base64Encode(*sealed);
  return out;
}

Result<std::shared_ptr<const Credential>> IdentityService::OpenSession(
    std::string_view access_key_id, std::string_view token) {
  auto invalid = [] {
    return NotFoundError("The security token included in the request is invalid.",
                         reason::kUnknownAccessKey);
  };
  if (!access_key_id.starts_with("ASIA") || token.size() > size_t{64} * 1024) return invalid();
  std::optional<std::string> sealed = Base64Decode(token);
  if (!sealed) return invalid();
  auto opened = ring_.OpenInternal(kSessionPurpose, access_key_id, *sealed);
  if (!opened.has_value()) {
    if (opened.error().code == ErrorCode::kUnavailable) return std::move(opened).error();
    return invalid();
  }
  auto c = std::make_shared<Credential>();
  c->access_key_id = std::string(access_key_id);
  c->session_token = std::string(token);
  Principal& p = c->principal;
  std::string_view in = opened->view();
  uint8_t tag = 0;
  std::string_view v;
  bool ok = true;
  bool has_expiry = false;
  while (NextField(in, &tag, &v, &ok)) {
    switch (tag) {
      case kSecret:
        c->secret = SecretBytes::CopyFrom(v);
        break;
      case kExpires:
        if (auto ms = ParseInt64(v)) {
          c->expires = FromUnixMillis(*ms);
          has_expiry = true;
        }
        break;
      case kType:
        p.type = v == "user"           ? PrincipalType::kUser
                 : v == "assumed-role" ? PrincipalType::kAssumedRole
                                       : PrincipalType::kRoot;
        break;
      case kArn:
        p.arn = std::string(v);
        break;
      case kPrincipalId:
        p.principal_id = std::string(v);
        break;
      case kAccount:
        p.account_id = std::string(v);
        break;
      case kName:
        p.name = std::string(v);
        break;
      case kRoleArn:
        p.role_arn = std::string(v);
        break;
      case kRoleName:
        p.role_name = std::string(v);
        break;
      case kIssued:
        if (auto ms = ParseInt64(v)) p.issued = FromUnixMillis(*ms);
        break;
      case kProvider:
        p.federated_provider = std::string(v);
        break;
      case kSubject:
        p.web_identity_subject = std::string(v);
        break;
      case kAudience:
        p.web_identity_audience = std::string(v);
        break;
      case kHasSessionPolicies:
        p.has_session_policies = v == "1";
        break;
      case kSessionPolicy:
        p.session_policies.emplace_back(v);
        break;
      default:
        break;  // fields of a newer version are ignored
    }
  }
  if (!ok || !has_expiry || c->secret.empty() || p.account_id != account_.account_id) {
    return invalid();
  }
  for (const std::string& doc : p.session_policies) {
    if (parser_ == nullptr) return invalid();
    auto parsed = parser_->Parse(doc, policy::PolicyKind::kIdentity);
    if (!parsed.has_value()) return invalid();
    c->session_policies.push_back(*parsed);
  }
  return std::shared_ptr<const Credential>(std::move(c));
}

Result<std::shared_ptr<const Credential>> IdentityService::FindCredential(
    std::string_view access_key_id, std::string_view session_token) {
  if (session_token.empty()) return FindCredential(access_key_id);
  Timestamp now = clock_.Now();
  std::shared_ptr<const Credential> cred;
  {
    std::shared_lock lock(mu_);
    auto it = cache_.find(std::string(access_key_id));
    if (it != cache_.end() &&
        ConstantTimeEquals(it->second.credential->session_token, session_token)) {
      cred = it->second.credential;
    }
  }
  if (!cred) {
    COFFER_ASSIGN_OR_RETURN(cred, OpenSession(access_key_id, session_token));
    std::unique_lock lock(mu_);
    if (cache_.size() > 100000) cache_.clear();
    // Sessions live until they expire: no TTL re-check needed, the token is the record.
    cache_[std::string(access_key_id)] = Cached{cred, now};
  }
  if (cred->expires && *cred->expires <= now) {
    return UnauthenticatedError("The security token included in the request is expired",
                                reason::kExpiredCredentials);
  }
  return cred;
}

Result<AccessKeyRecord> IdentityService::CreateAccessKey(const Principal& owner,
                                                         SecretBytes* secret) {
  AccessKeyRecord rec;
  rec.access_key_id = NewAccessKeyId("AKIA");
  rec.principal = owner;
  rec.created = clock_.Now();
  *secret = NewSecretAccessKey();
  COFFER_ASSIGN_OR_RETURN(rec.sealed_secret,
                          ring_.SealInternal(kSealPurpose, rec.access_key_id, secret->view()));
  COFFER_RETURN_IF_ERROR(store_.Put(rec));
  Invalidate(rec.access_key_id);
  return rec;
}

Result<std::vector<AccessKeyRecord>> IdentityService::ListAccessKeys(
    std::string_view principal_arn) {
  return store_.ListFor(principal_arn);
}

Result<void> IdentityService::SetAccessKeyActive(const AccessKeyRecord& record, bool active) {
  AccessKeyRecord r = record;
  r.active = active;
  COFFER_RETURN_IF_ERROR(store_.Put(r));
  Invalidate(r.access_key_id);
  return Ok();
}

Result<void> IdentityService::DeleteAccessKey(std::string_view access_key_id) {
  COFFER_RETURN_IF_ERROR(store_.Delete(access_key_id));
  Invalidate(access_key_id);
  return Ok();
}

void IdentityService::Invalidate(std::string_view access_key_id) {
  std::unique_lock lock(mu_);
  cache_.erase(std::string(access_key_id));
}

}  // namespace coffer::identity
