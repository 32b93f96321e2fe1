#include "grpc/kms_plugin/http_transport.h"

#include <utility>

#include "http/client.h"

namespace coffer::kmsplugin {

Result<HttpTransport> MakeHttpTransport(std::string_view url, std::string ca_bundle,
                                        Endpoint* endpoint) {
  COFFER_ASSIGN_OR_RETURN(http::Url parsed, http::ParseUrl(url));
  if (endpoint != nullptr) *endpoint = Endpoint{std::string(url), parsed.HostHeader()};
  std::string base(url);
  return HttpTransport([base = std::move(base), ca_bundle = std::move(ca_bundle)](
                           const http::Request& request,
                           std::chrono::milliseconds timeout) -> Result<http::Response> {
    if (timeout.count() <= 0) return UnavailableError("no time left to call " + base);
    http::ClientOptions options;
    options.ca_bundle = ca_bundle;
    options.timeout = timeout;
    options.max_response_bytes = 1 << 20;
    COFFER_ASSIGN_OR_RETURN(http::Client client, http::Client::Create(base, options));
    return client.Send(request);
  });
}

}  // namespace coffer::kmsplugin
