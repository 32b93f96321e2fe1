#ifndef COFFER_OIDC_OIDC_TOKEN_VERIFIER_H_
#define COFFER_OIDC_OIDC_TOKEN_VERIFIER_H_

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "base/thread_annotations.h"
#include "core/identity/web_identity.h"
#include "crypto/asymmetric.h"
#include "crypto/jose_codec.h"
#include "oidc/document_fetcher.h"
#include "oidc/jwt.h"

namespace coffer::oidc {

// Verifies OIDC ID tokens (Kubernetes service-account tokens) against an IAM OIDC provider, the
// way STS AssumeRoleWithWebIdentity does.
//
// Keys: the provider's uploaded JWKS when it has one; otherwise the issuer's, found through
// discovery: GET <url>/.well-known/openid-configuration (its "issuer" must equal the provider's
// url, its "jwks_uri" must be https), then GET jwks_uri. Both over HTTPS, the server trusted by the
// CA store or by the provider's thumbprints (DocumentFetcher), each fetch bounded by
// fetch_timeout. Fetched keys are cached per provider url for key_ttl. A token whose kid is not in
// the cache triggers one re-fetch, and fetches of one provider (re-fetches, refreshes, retries
// after a failure) start at most once per min_refetch_interval, so tokens with made-up kids
// cannot make Coffer hammer an issuer. When a refresh fails, the cached keys stay in use for up
// to max_stale past their TTL. Time for the cache is the `now` passed to Verify.
//
// Claims: exp is required, and exp, nbf and iat are compared with `now` allowing `skew` either
// way; iss must equal the provider's url; aud (a string or an array) must contain one of the
// provider's client ids; sub is required. See identity::WebIdentityVerifier for the errors.
// Tokens are never logged and never quoted in error messages.
//
// Thread-safe. Fetches for one provider are serialized (concurrent callers wait for the one in
// flight and share its result); fetches for different providers run in parallel.
class OidcTokenVerifier final : public identity::WebIdentityVerifier {
 public:
  struct Options {
    std::chrono::seconds skew{60};
    std::chrono::seconds key_ttl{3600};
    std::chrono::seconds min_refetch_interval{10};
    std::chrono::seconds max_stale{24 * 3600};
    // For the discovery document and the JWKS together.
    std::chrono::milliseconds fetch_timeout{5000};
  };

  // The references must outlive the verifier.
  OidcTokenVerifier(crypto::Asymmetric& asymmetric, const crypto::JoseCodec& jose,
                    const DocumentFetcher& fetcher, Options options);
  OidcTokenVerifier(crypto::Asymmetric& asymmetric, const crypto::JoseCodec& jose,
                    const DocumentFetcher& fetcher)
      : OidcTokenVerifier(asymmetric, jose, fetcher, Options()) {}
  ~OidcTokenVerifier() override;

  Result<std::string> UnverifiedIssuer(std::string_view token) const override;
  Result<identity::WebIdentityClaims> Verify(std::string_view token,
                                             const identity::OidcProvider& provider,
                                             Timestamp now) override;

 private:
  struct KeySet;
  struct ProviderKeys;

  // The provider's keys: cached, or fetched/parsed now. With `refetch`, the cached set came
  // from generation `seen_generation` and lacked the token's kid: fetch again unless someone
  // already did or the rate limit forbids it.
  Result<std::shared_ptr<const KeySet>> Keys(const identity::OidcProvider& provider, Timestamp now,
                                             bool refetch, uint64_t seen_generation);
  Result<std::shared_ptr<KeySet>> Fetch(const identity::OidcProvider& provider);
  std::shared_ptr<KeySet> BuildKeys(std::string_view jwks_json, std::string* error) const;
  Result<void> VerifySignature(const Jwt& jwt, const KeySet& keys, bool* kid_unknown,
                               std::string* key_id);

  crypto::Asymmetric& asymmetric_;
  const crypto::JoseCodec& jose_;
  const DocumentFetcher& fetcher_;
  const Options options_;

  std::mutex mu_;
  std::map<std::string, std::shared_ptr<ProviderKeys>> providers_ COFFER_GUARDED_BY(mu_);
};

}  // namespace coffer::oidc

#endif  // COFFER_OIDC_OIDC_TOKEN_VERIFIER_H_
