#include "core/identity/identity_service.h"

#include <mutex>

namespace coffer::identity {
namespace {

constexpr std::string_view kSealPurpose = "access-key";

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

void IdentityService::Invalidate(std::string_view access_key_id) {
  std::unique_lock lock(mu_);
  cache_.erase(std::string(access_key_id));
}

}  // namespace coffer::identity
