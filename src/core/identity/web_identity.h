#ifndef COFFER_CORE_IDENTITY_WEB_IDENTITY_H_
#define COFFER_CORE_IDENTITY_WEB_IDENTITY_H_

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "core/common/tag.h"

namespace coffer::identity {

// An IAM OpenID Connect identity provider: an issuer whose ID tokens (Kubernetes service-account
// tokens, for IRSA) may be exchanged at STS AssumeRoleWithWebIdentity.
struct OidcProvider {
  std::string arn;  // arn:aws:iam::<account>:oidc-provider/<host/path of url>
  // The issuer URL as registered, "https://host[:port][/path]" (no trailing slash). Tokens must
  // carry exactly this `iss`.
  std::string url;
  std::vector<std::string> client_ids;   // accepted `aud` values
  std::vector<std::string> thumbprints;  // lower-case hex SHA-1 of trusted certificates
  // A JWKS document uploaded by an operator (`coffer iam set-jwks`) for an issuer Coffer cannot
  // reach; empty: keys are fetched from the issuer's discovery document.
  std::string jwks;
  core::Tags tags;
  Timestamp created;
};

// What a verified web identity token says.
struct WebIdentityClaims {
  std::string issuer;    // `iss`, equal to the provider's url
  std::string subject;   // `sub`
  std::string audience;  // the `aud` value that matched one of the provider's client ids
  std::vector<std::string> audiences;  // every `aud` value
  Timestamp expires;                   // `exp`
  std::optional<Timestamp> issued_at;  // `iat`
  std::string key_id;                  // `kid` of the key that verified the signature
  // Other top-level string claims (e.g. "azp", "email"); nested objects are not flattened.
  std::map<std::string, std::string> other;
};

// Verifies OIDC ID tokens (JWS compact serialization, RS256/RS384/RS512/ES256/ES384) against a
// provider's signing keys. Implementations fetch and cache keys as they need; thread-safe.
class WebIdentityVerifier {
 public:
  virtual ~WebIdentityVerifier() = default;

  // The `iss` claim of a token, without verifying anything: used only to find the provider.
  // kInvalidArgument (reason kInvalidIdentityToken) when the token is not a JWT.
  virtual Result<std::string> UnverifiedIssuer(std::string_view token) const = 0;

  // Verifies the signature (key chosen by `kid`; keys re-fetched once on an unknown `kid`), `iss`
  // == provider.url, `aud` ∩ provider.client_ids ≠ ∅, `exp`, `nbf` and `iat` with `skew`.
  // Errors (Error::reason):
  //   kInvalidIdentityToken  (kInvalidArgument)  malformed, bad signature, unknown kid, wrong iss,
  //                                              aud not among the client ids (as AWS STS)
  //   kExpiredToken          (kInvalidArgument)  exp passed (or nbf/iat in the future)
  //   kIdpRejectedClaim      (kPermissionDenied) missing sub
  //   kIdpCommunicationError (kUnavailable)      keys could not be fetched
  virtual Result<WebIdentityClaims> Verify(std::string_view token, const OidcProvider& provider,
                                           Timestamp now) = 0;
};

namespace reason {
inline constexpr std::string_view kInvalidIdentityToken = "INVALID_IDENTITY_TOKEN";
inline constexpr std::string_view kExpiredToken = "EXPIRED_TOKEN";
inline constexpr std::string_view kIdpRejectedClaim = "IDP_REJECTED_CLAIM";
inline constexpr std::string_view kIdpCommunicationError = "IDP_COMMUNICATION_ERROR";
}  // namespace reason

}  // namespace coffer::identity

#endif  // COFFER_CORE_IDENTITY_WEB_IDENTITY_H_
