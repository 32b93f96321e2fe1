#ifndef COFFER_GRPC_KMS_PLUGIN_HTTP_TRANSPORT_H_
#define COFFER_GRPC_KMS_PLUGIN_HTTP_TRANSPORT_H_

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "http/message.h"

namespace coffer::kmsplugin {

// Sends one request to a fixed endpoint (its target is appended to the endpoint's path) and
// returns the response, whatever its status; kUnavailable when the endpoint cannot be reached or
// `timeout` passes. The request carries a host header for the endpoint. Must be thread-safe.
using HttpTransport =
    std::function<Result<http::Response>(const http::Request&, std::chrono::milliseconds timeout)>;

// The Host header value a transport's requests carry (SigV4 signs it).
struct Endpoint {
  std::string url;          // as given, e.g. "https://coffer.example:8700"
  std::string host_header;  // "coffer.example:8700"
};

// A transport over http::Client (one connection per request; https verified against
// `ca_bundle`, or the system's trust store when empty). kInvalidArgument for a malformed URL.
Result<HttpTransport> MakeHttpTransport(std::string_view url, std::string ca_bundle,
                                        Endpoint* endpoint);

}  // namespace coffer::kmsplugin

#endif  // COFFER_GRPC_KMS_PLUGIN_HTTP_TRANSPORT_H_
