#ifndef COFFER_OIDC_DOCUMENT_FETCHER_H_
#define COFFER_OIDC_DOCUMENT_FETCHER_H_

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace coffer::oidc {

// Fetches an OIDC issuer's documents (discovery document, JWKS). The verifier's port to the
// network; HttpsDocumentFetcher is the real implementation. Implementations are thread-safe.
class DocumentFetcher {
 public:
  virtual ~DocumentFetcher() = default;

  // GETs `url` and returns the body of a 200 response. The server is trusted when its chain
  // verifies against the CA store or contains a certificate whose hex SHA-1 is in `thumbprints`;
  // its host name is always checked. The whole exchange takes at most `timeout`.
  // Errors: kInvalidArgument when `url` is not https://HOST[:PORT][/PATH][?QUERY];
  // kUnavailable when no acceptable 200 response arrives (unreachable, untrusted, timed out, too
  // large, another status).
  virtual Result<std::string> Get(std::string_view url, const std::vector<std::string>& thumbprints,
                                  std::chrono::milliseconds timeout) const = 0;
};

// DocumentFetcher over http::Client (Boost.Beast, OpenSSL): HTTPS only, one connection per
// request, no redirects, no proxies.
class HttpsDocumentFetcher final : public DocumentFetcher {
 public:
  struct Options {
    // PEM file of CA certificates trusted instead of the system's store (tests, private PKIs).
    std::string ca_bundle;
    size_t max_response_bytes = 256 << 10;
  };

  HttpsDocumentFetcher() = default;
  explicit HttpsDocumentFetcher(Options options) : options_(std::move(options)) {}

  Result<std::string> Get(std::string_view url, const std::vector<std::string>& thumbprints,
                          std::chrono::milliseconds timeout) const override;

 private:
  Options options_;
};

}  // namespace coffer::oidc

#endif  // COFFER_OIDC_DOCUMENT_FETCHER_H_
