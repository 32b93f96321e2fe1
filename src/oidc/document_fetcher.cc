#include "oidc/document_fetcher.h"

#include "base/strings.h"
#include "http/client.h"

namespace coffer::oidc {

Result<std::string> HttpsDocumentFetcher::Get(std::string_view url,
                                              const std::vector<std::string>& thumbprints,
                                              std::chrono::milliseconds timeout) const {
  // The URL may come from an issuer's discovery document: refuse anything that could smuggle
  // bytes into the request line or a host name (spaces, control characters, user info).
  if (!url.starts_with("https://") || !IsPrintableAscii(url) ||
      url.find(' ') != std::string_view::npos) {
    return InvalidArgumentError("the URL must be https://HOST[:PORT][/PATH]");
  }
  std::string_view rest = url.substr(8);
  rest = rest.substr(0, rest.find('#'));
  size_t path_start = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, path_start);
  if (authority.empty() || authority.find('@') != std::string_view::npos) {
    return InvalidArgumentError("the URL must be https://HOST[:PORT][/PATH]");
  }
  std::string target =
      path_start == std::string_view::npos ? "/" : std::string(rest.substr(path_start));
  if (target.front() == '?') target.insert(0, "/");

  http::ClientOptions client_options;
  client_options.ca_bundle = options_.ca_bundle;
  client_options.timeout = timeout;
  client_options.max_response_bytes = options_.max_response_bytes;
  client_options.sha1_thumbprints = thumbprints;
  COFFER_ASSIGN_OR_RETURN(
      http::Client client,
      http::Client::Create("https://" + std::string(authority), std::move(client_options)));
  http::Request request;
  request.method = "GET";
  request.target = std::move(target);
  request.headers = {{"accept", "application/json"}};
  Result<http::Response> response = client.Send(request);
  if (!response.has_value()) {
    // A CA bundle that cannot be loaded is a configuration fault, but to the caller it is
    // still "the issuer could not be reached".
    return UnavailableError(response.error().message);
  }
  if (response->status != 200) {
    return UnavailableError("https://" + std::string(authority) + " answered HTTP " +
                            std::to_string(response->status));
  }
  return std::move(response->body);
}

}  // namespace coffer::oidc
