#ifndef COFFER_API_COMMON_SIGV4_H_
#define COFFER_API_COMMON_SIGV4_H_

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>

#include "api/common/api_error.h"
#include "base/clock.h"
#include "base/result.h"
#include "base/thread_annotations.h"
#include "core/identity/principal.h"
#include "crypto/hashes.h"
#include "http/message.h"

namespace coffer::api {

// The parts of an Authorization header "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=...,
// Signature=...".
struct SigV4Authorization {
  std::string access_key_id, date, region, service, terminator;
  std::vector<std::string> signed_headers;  // as given (lower case, ';'-separated in the header)
  std::string signed_headers_raw;
  std::string signature;  // lower-case hex
};

// Parses an Authorization header value. On failure returns AWS's IncompleteSignatureException.
std::variant<SigV4Authorization, ApiError> ParseSigV4Authorization(std::string_view header);

// SigV4's canonical request for `request` over `signed_headers` (names in lower case).
std::string CanonicalRequest(const http::Request& request, const SigV4Authorization& auth,
                             std::string_view payload_hash);

// The result of authenticating a request.
struct Authenticated {
  std::shared_ptr<const identity::Credential> credential;
  std::string region;  // from the credential scope
};

// Verifies SigV4-signed requests exactly as AWS does for its JSON and query protocols: the
// canonical request over the client's SignedHeaders, the credential scope (date, any valid
// region, the service's signing name, terminator), the clock-skew window, session tokens, and a
// constant-time signature comparison. Errors are AWS's (MissingAuthenticationTokenException,
// IncompleteSignatureException, InvalidSignatureException, UnrecognizedClientException,
// ExpiredTokenException). Derived signing keys are cached per key and scope. Thread-safe.
class SigV4Verifier {
 public:
  // Finds the credential for an access key id and the request's X-Amz-Security-Token ("" when
  // absent); temporary credentials are opened from their token.
  using SessionCredentialLookup = std::function<Result<std::shared_ptr<const identity::Credential>>(
      std::string_view access_key_id, std::string_view session_token)>;
  // Long-term credentials only.
  using CredentialLookup =
      std::function<Result<std::shared_ptr<const identity::Credential>>(std::string_view)>;

  SigV4Verifier(const crypto::Hashes& hashes, const Clock& clock, SessionCredentialLookup lookup,
                std::chrono::seconds max_skew = std::chrono::minutes(15));
  SigV4Verifier(const crypto::Hashes& hashes, const Clock& clock, CredentialLookup lookup,
                std::chrono::seconds max_skew = std::chrono::minutes(15));

  std::variant<Authenticated, ApiError> Verify(const http::Request& request,
                                               std::string_view service) const;

 private:
  std::array<uint8_t, 32> SigningKey(const std::shared_ptr<const identity::Credential>& cred,
                                     const SigV4Authorization& auth) const;

  const crypto::Hashes& hashes_;
  const Clock& clock_;
  SessionCredentialLookup lookup_;
  std::chrono::seconds max_skew_;

  struct CachedKey {
    std::weak_ptr<const identity::Credential> keep;  // the credential the key came from
    std::array<uint8_t, 32> key;
  };
  mutable std::mutex cache_mu_;
  mutable std::unordered_map<std::string, CachedKey> cache_ COFFER_GUARDED_BY(cache_mu_);
};

}  // namespace coffer::api

#endif  // COFFER_API_COMMON_SIGV4_H_
