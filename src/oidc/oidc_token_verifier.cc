#include "oidc/oidc_token_verifier.h"

#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include "base/logging.h"
#include "base/strings.h"
#include "oidc/internal/json.h"
#include "oidc/jwks.h"

namespace coffer::oidc {
namespace {

namespace reason = identity::reason;

Error InvalidToken(std::string why) {
  return InvalidArgumentError("invalid web identity token: " + std::move(why),
                              reason::kInvalidIdentityToken);
}
Error ExpiredToken(std::string why) {
  return InvalidArgumentError(std::move(why), reason::kExpiredToken);
}
Error RejectedClaim(std::string why) {
  return PermissionDeniedError(std::move(why), reason::kIdpRejectedClaim);
}
Error CommunicationError(std::string why) {
  return UnavailableError(std::move(why), reason::kIdpCommunicationError);
}

struct SigningParams {
  crypto::SigningAlgorithm algorithm;
  std::optional<crypto::KeyPairSpec> ec_curve;  // set for ECDSA: the signature is r || s
};

SigningParams ParamsOf(JwsAlgorithm alg) {
  switch (alg) {
    case JwsAlgorithm::kRs256:
      return {crypto::SigningAlgorithm::kRsassaPkcs1V15Sha256, std::nullopt};
    case JwsAlgorithm::kRs384:
      return {crypto::SigningAlgorithm::kRsassaPkcs1V15Sha384, std::nullopt};
    case JwsAlgorithm::kRs512:
      return {crypto::SigningAlgorithm::kRsassaPkcs1V15Sha512, std::nullopt};
    case JwsAlgorithm::kEs256:
      return {crypto::SigningAlgorithm::kEcdsaSha256, crypto::KeyPairSpec::kEccNistP256};
    case JwsAlgorithm::kEs384:
      return {crypto::SigningAlgorithm::kEcdsaSha384, crypto::KeyPairSpec::kEccNistP384};
  }
  return {crypto::SigningAlgorithm::kRsassaPkcs1V15Sha256, std::nullopt};
}

Timestamp FromUnixSeconds(int64_t s) { return FromUnixMillis(s * 1000); }

}  // namespace

struct OidcTokenVerifier::KeySet {
  // One usable key: the JWK (for kid, alg and type) and its SubjectPublicKeyInfo DER.
  struct Key {
    Jwk jwk;
    std::string spki;
  };
  std::vector<Key> keys;
  uint64_t generation = 0;  // which fetch of the provider produced the set
};

// The cache entry of one provider url.
struct OidcTokenVerifier::ProviderKeys {
  // Held while fetching, so that one provider has at most one fetch in flight.
  std::mutex fetch_mu;
  // The rest is guarded by the verifier's mu_.
  // What the keys were made from: the uploaded JWKS, or discovery with a set of thumbprints.
  // Another source (the operator changed the provider) invalidates the entry.
  std::string source;
  std::shared_ptr<const KeySet> keys;
  Timestamp fetched_at;
  std::optional<Timestamp> last_attempt;  // start of the last fetch, successful or not
  std::string last_error;
  uint64_t generation = 0;
};

OidcTokenVerifier::OidcTokenVerifier(crypto::Asymmetric& asymmetric, const crypto::JoseCodec& jose,
                                     const DocumentFetcher& fetcher, Options options)
    : asymmetric_(asymmetric), jose_(jose), fetcher_(fetcher), options_(options) {}

OidcTokenVerifier::~OidcTokenVerifier() = default;

Result<std::string> OidcTokenVerifier::UnverifiedIssuer(std::string_view token) const {
  COFFER_ASSIGN_OR_RETURN(Jwt jwt, ParseJwt(token));
  if (!jwt.claims.issuer) return InvalidToken("it has no iss claim");
  return std::move(*jwt.claims.issuer);
}

std::shared_ptr<OidcTokenVerifier::KeySet> OidcTokenVerifier::BuildKeys(std::string_view jwks_json,
                                                                        std::string* error) const {
  size_t skipped = 0;
  Result<std::vector<Jwk>> jwks = ParseJwks(jwks_json, &skipped);
  if (!jwks.has_value()) {
    *error = jwks.error().message;
    return nullptr;
  }
  auto set = std::make_shared<KeySet>();
  for (Jwk& jwk : *jwks) {
    Result<std::string> spki =
        jwk.type == JwkType::kRsa
            ? jose_.RsaPublicKeyDer(jwk.n, jwk.e)
            : jose_.EcPublicKeyDer(jwk.type == JwkType::kEcP256 ? crypto::KeyPairSpec::kEccNistP256
                                                                : crypto::KeyPairSpec::kEccNistP384,
                                   jwk.x, jwk.y);
    if (!spki.has_value()) {
      ++skipped;
      continue;
    }
    set->keys.push_back({std::move(jwk), std::move(*spki)});
  }
  if (skipped > 0) {
    log::Debug("oidc: JWKS keys skipped", {{"skipped", static_cast<uint64_t>(skipped)}});
  }
  if (set->keys.empty()) {
    *error = "the JWKS has no usable signing key";
    return nullptr;
  }
  return set;
}

Result<std::shared_ptr<OidcTokenVerifier::KeySet>> OidcTokenVerifier::Fetch(
    const identity::OidcProvider& provider) {
  const std::string& url = provider.url;
  if (!url.starts_with("https://")) {
    return CommunicationError("the OIDC provider's URL is not https; upload its JWKS instead");
  }
  auto deadline = std::chrono::steady_clock::now() + options_.fetch_timeout;
  Result<std::string> discovery = fetcher_.Get(url + "/.well-known/openid-configuration",
                                               provider.thumbprints, options_.fetch_timeout);
  if (!discovery.has_value()) {
    return CommunicationError("cannot fetch the OpenID configuration of " + url + ": " +
                              discovery.error().message);
  }
  rapidjson::Document doc;
  if (!internal::ParseJsonObject(*discovery, doc)) {
    return CommunicationError("the OpenID configuration of " + url + " is not a JSON object");
  }
  bool wrong_type = false;
  std::optional<std::string> issuer = internal::StringMember(doc, "issuer", &wrong_type);
  std::optional<std::string> jwks_uri = internal::StringMember(doc, "jwks_uri", &wrong_type);
  // OpenID Connect Discovery section 4.3: the issuer in the document must be the one asked for,
  // or a server could hand out another issuer's configuration.
  if (!issuer || *issuer != url) {
    return CommunicationError("the OpenID configuration of " + url + " names another issuer");
  }
  if (!jwks_uri || !jwks_uri->starts_with("https://")) {
    return CommunicationError("the OpenID configuration of " + url + " has no https jwks_uri");
  }
  auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  if (remaining <= std::chrono::milliseconds(0)) {
    return CommunicationError("fetching the keys of " + url + " timed out");
  }
  Result<std::string> jwks = fetcher_.Get(*jwks_uri, provider.thumbprints, remaining);
  if (!jwks.has_value()) {
    return CommunicationError("cannot fetch the JWKS of " + url + ": " + jwks.error().message);
  }
  std::string error;
  std::shared_ptr<KeySet> keys = BuildKeys(*jwks, &error);
  if (keys == nullptr) return CommunicationError("the JWKS of " + url + ": " + error);
  return keys;
}

Result<std::shared_ptr<const OidcTokenVerifier::KeySet>> OidcTokenVerifier::Keys(
    const identity::OidcProvider& provider, Timestamp now, bool refetch, uint64_t seen_generation) {
  std::shared_ptr<ProviderKeys> entry;
  {
    std::lock_guard lock(mu_);
    std::shared_ptr<ProviderKeys>& slot = providers_[provider.url];
    if (slot == nullptr) slot = std::make_shared<ProviderKeys>();
    entry = slot;
  }

  if (!provider.jwks.empty()) {
    // Uploaded keys: nothing to fetch, only to parse once per distinct document.
    std::string source = "jwks\n" + provider.jwks;
    {
      std::lock_guard lock(mu_);
      if (entry->source == source && entry->keys != nullptr) return entry->keys;
    }
    std::string error;
    std::shared_ptr<const KeySet> keys = BuildKeys(provider.jwks, &error);
    if (keys == nullptr) {
      return CommunicationError("the uploaded JWKS of " + provider.url + ": " + error);
    }
    std::lock_guard lock(mu_);
    entry->source = std::move(source);
    entry->keys = keys;
    entry->last_attempt.reset();
    return keys;
  }

  std::vector<std::string> thumbprints = provider.thumbprints;
  std::sort(thumbprints.begin(), thumbprints.end());
  const std::string source = "discovery\n" + Join(thumbprints, ",");
  // Cached keys serve a request when they are fresh, or (for a re-fetch) when another caller
  // re-fetched since this one looked. A clock that went backwards counts as fresh.
  auto usable = [&]() -> std::shared_ptr<const KeySet> {
    if (entry->source != source || entry->keys == nullptr) return nullptr;
    if (refetch) return entry->generation != seen_generation ? entry->keys : nullptr;
    return now - entry->fetched_at < options_.key_ttl ? entry->keys : nullptr;
  };
  {
    std::lock_guard lock(mu_);
    if (auto keys = usable()) return keys;
  }

  std::unique_lock fetch_lock(entry->fetch_mu);
  {
    std::lock_guard lock(mu_);
    if (auto keys = usable()) return keys;
    if (entry->source != source) {
      entry->source = source;
      entry->keys = nullptr;
      entry->last_attempt.reset();
      entry->last_error.clear();
    }
    bool rate_limited = entry->last_attempt.has_value() && now >= *entry->last_attempt &&
                        now - *entry->last_attempt < options_.min_refetch_interval;
    if (rate_limited) {
      if (refetch && entry->keys != nullptr) return entry->keys;  // the kid stays unknown
      if (entry->keys != nullptr &&
          now - entry->fetched_at < options_.key_ttl + options_.max_stale) {
        return entry->keys;
      }
      return CommunicationError(entry->last_error.empty()
                                    ? "the keys of " + provider.url + " are being fetched"
                                    : entry->last_error);
    }
    entry->last_attempt = now;
  }

  // Fetch without holding mu_: it may take up to fetch_timeout, and other providers' requests
  // must not wait for it.
  Result<std::shared_ptr<KeySet>> fetched = Fetch(provider);

  std::lock_guard lock(mu_);
  if (fetched.has_value()) {
    std::shared_ptr<KeySet> keys = std::move(*fetched);
    keys->generation = ++entry->generation;
    entry->keys = keys;
    entry->fetched_at = now;
    entry->last_error.clear();
    return std::shared_ptr<const KeySet>(keys);
  }
  entry->last_error = fetched.error().message;
  log::Warn("oidc: fetching an issuer's keys failed",
            {{"issuer", provider.url}, {"error", entry->last_error}});
  if (!refetch && entry->keys != nullptr &&
      now - entry->fetched_at < options_.key_ttl + options_.max_stale) {
    return entry->keys;
  }
  return std::move(fetched).error();
}

Result<void> OidcTokenVerifier::VerifySignature(const Jwt& jwt, const KeySet& keys,
                                                bool* kid_unknown, std::string* key_id) {
  std::vector<const KeySet::Key*> candidates;
  if (jwt.kid) {
    for (const KeySet::Key& k : keys.keys) {
      if (k.jwk.kid == *jwt.kid) candidates.push_back(&k);
    }
    if (candidates.empty()) {
      *kid_unknown = true;
      return InvalidToken("no key of the OIDC provider has the token's kid");
    }
  } else if (keys.keys.size() == 1) {
    candidates.push_back(&keys.keys.front());
  } else {
    return InvalidToken("the token has no kid and the OIDC provider has several keys");
  }

  const SigningParams params = ParamsOf(jwt.alg);
  std::string der_signature;
  if (params.ec_curve) {
    // A JWS ECDSA signature of the wrong length (or DER, as some broken signers send) is simply
    // one that does not verify.
    Result<std::string> der = jose_.EcdsaSignatureToDer(*params.ec_curve, jwt.signature);
    if (!der.has_value()) return InvalidToken("the signature does not verify");
    der_signature = std::move(*der);
  }
  const std::string& signature = params.ec_curve ? der_signature : jwt.signature;
  bool any_fits = false;
  for (const KeySet::Key* k : candidates) {
    if (!k->jwk.Fits(jwt.alg)) continue;
    any_fits = true;
    Result<bool> ok =
        asymmetric_.Verify(k->spki, params.algorithm, jwt.signing_input, false, signature);
    if (ok.has_value() && *ok) {
      *key_id = k->jwk.kid;
      return Ok();
    }
  }
  if (!any_fits) return InvalidToken("the token's alg does not fit the provider's key");
  return InvalidToken("the signature does not verify");
}

Result<identity::WebIdentityClaims> OidcTokenVerifier::Verify(
    std::string_view token, const identity::OidcProvider& provider, Timestamp now) {
  COFFER_ASSIGN_OR_RETURN(Jwt jwt, ParseJwt(token));
  const JwtClaims& c = jwt.claims;
  // Checked before any key is fetched: a token for another issuer must not cause a fetch.
  if (!c.issuer || *c.issuer != provider.url) {
    return InvalidToken("its iss is not the OIDC provider's URL");
  }

  COFFER_ASSIGN_OR_RETURN(std::shared_ptr<const KeySet> keys, Keys(provider, now, false, 0));
  bool kid_unknown = false;
  std::string key_id;
  Result<void> verified = VerifySignature(jwt, *keys, &kid_unknown, &key_id);
  if (!verified.has_value() && kid_unknown && provider.jwks.empty()) {
    // The issuer may have rotated its keys since they were cached.
    COFFER_ASSIGN_OR_RETURN(keys, Keys(provider, now, true, keys->generation));
    kid_unknown = false;
    verified = VerifySignature(jwt, *keys, &kid_unknown, &key_id);
  }
  COFFER_RETURN_IF_ERROR(verified);

  // Only a genuine token gets told that it expired.
  const auto skew = std::chrono::duration_cast<std::chrono::milliseconds>(options_.skew);
  if (!c.expires) return InvalidToken("it has no exp claim");
  if (now >= FromUnixSeconds(*c.expires) + skew) return ExpiredToken("the token has expired");
  if (c.not_before && now + skew < FromUnixSeconds(*c.not_before)) {
    return ExpiredToken("the token is not valid yet (nbf)");
  }
  if (c.issued_at && now + skew < FromUnixSeconds(*c.issued_at)) {
    return ExpiredToken("the token was issued in the future (iat)");
  }

  identity::WebIdentityClaims claims;
  auto match = std::find_if(c.audiences.begin(), c.audiences.end(), [&](const std::string& aud) {
    return std::find(provider.client_ids.begin(), provider.client_ids.end(), aud) !=
           provider.client_ids.end();
  });
  if (match == c.audiences.end()) {
    // AWS STS answers InvalidIdentityToken "Incorrect token audience" here.
    return InvalidToken("Incorrect token audience: it is not a client id of the OIDC provider");
  }
  if (!c.subject || c.subject->empty()) return RejectedClaim("the token has no sub claim");

  claims.audience = *match;
  claims.issuer = *c.issuer;
  claims.subject = *c.subject;
  claims.audiences = c.audiences;
  claims.expires = FromUnixSeconds(*c.expires);
  if (c.issued_at) claims.issued_at = FromUnixSeconds(*c.issued_at);
  claims.key_id = std::move(key_id);
  claims.other = c.other;
  return claims;
}

}  // namespace coffer::oidc
