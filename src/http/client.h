#ifndef COFFER_HTTP_CLIENT_H_
#define COFFER_HTTP_CLIENT_H_

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "http/message.h"

namespace coffer::http {

// An http:// or https:// URL split into what a client needs. The path (with query) is kept as
// a prefix for request targets; it is "" for "http://host:port".
struct Url {
  bool tls = false;
  std::string host;  // without brackets for IPv6
  uint16_t port = 0;
  std::string path;
  // The Host header value ("host:port", IPv6 in brackets).
  std::string HostHeader() const;
};
// kInvalidArgument unless `url` is http(s)://HOST[:PORT][/PATH].
Result<Url> ParseUrl(std::string_view url);

struct ClientOptions {
  // PEM file of CA certificates to trust for https; empty: the system's trust store.
  std::string ca_bundle;
  // Bounds the whole exchange (connect, TLS handshake, write, read).
  std::chrono::milliseconds timeout{30000};
  size_t max_response_bytes = 8 << 20;
  // Hex SHA-1 fingerprints of certificates' DER (AWS's OIDC ThumbprintList; case and ':'
  // separators ignored). A peer whose chain fails CA verification only because it does not end
  // at a trusted root is still accepted when the chain built from the certificates it sent
  // contains one of these; signatures, validity dates and the host name are checked either way.
  std::vector<std::string> sha1_thumbprints = {};
};

// A small synchronous HTTP/1.1 client (Boost.Beast) with optional TLS (peer and host name
// verified): one request per connection. Used by the `coffer` CLI and by plugins that call a
// Coffer server. Thread-compatible: one Send at a time per object.
class Client {
 public:
  static Result<Client> Create(std::string_view base_url, ClientOptions options = {});

  const Url& url() const { return url_; }

  // Sends `request` (its target is appended to the base URL's path) and returns the response,
  // whatever its status. Adds a host header when absent and content-length. kUnavailable when
  // the server cannot be reached, the TLS handshake fails or the deadline passes.
  Result<Response> Send(const Request& request) const;

 private:
  Client(Url url, ClientOptions options) : url_(std::move(url)), options_(std::move(options)) {}
  Url url_;
  ClientOptions options_;
};

}  // namespace coffer::http

#endif  // COFFER_HTTP_CLIENT_H_
