#include "http/client.h"

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/encoding.h"
#include "base/strings.h"

namespace coffer::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

// Starts one asynchronous operation and runs the io_context until its handler ran. The
// tcp_stream's deadline bounds every operation, so this always returns.
template <class Start>
beast::error_code Await(asio::io_context& ioc, Start start) {
  std::optional<beast::error_code> result;
  start([&result](beast::error_code ec, auto&&...) { result = ec; });
  ioc.restart();
  while (!result && ioc.run_one() > 0) {
  }
  return result.value_or(asio::error::operation_aborted);
}

Error Unreachable(const Url& url, std::string_view step, const beast::error_code& ec) {
  return UnavailableError("cannot " + std::string(step) + " " + (url.tls ? "https://" : "http://") +
                          url.HostHeader() + ": " + ec.message());
}

bhttp::request<bhttp::string_body> ToBeast(const Request& request, const Url& url) {
  bhttp::request<bhttp::string_body> req;
  req.method_string(request.method);
  req.target(url.path + request.target);
  req.version(11);
  bool has_host = false;
  for (const Header& h : request.headers) {
    if (h.name == "host") has_host = true;
    if (h.name == "content-length") continue;
    req.insert(h.name, h.value);
  }
  if (!has_host) req.set(bhttp::field::host, url.HostHeader());
  req.set(bhttp::field::connection, "close");
  req.body() = request.body;
  req.prepare_payload();
  return req;
}

template <class Stream>
Result<Response> Exchange(asio::io_context& ioc, Stream& stream, const Request& request,
                          const Url& url, size_t max_bytes) {
  auto req = ToBeast(request, url);
  beast::error_code ec =
      Await(ioc, [&](auto handler) { bhttp::async_write(stream, req, std::move(handler)); });
  if (ec) return Unreachable(url, "send to", ec);
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(max_bytes);
  // The header first: Boost 1.74's parser loses the body_limit error for a too-large
  // Content-Length when body bytes arrive in the same read as the header (eager parsing), and
  // would then accept the body whatever its size. Parsing the header alone reports it.
  ec = Await(ioc, [&](auto handler) {
    bhttp::async_read_header(stream, buffer, parser, std::move(handler));
  });
  if (ec) return Unreachable(url, "read the response from", ec);
  ec = Await(ioc,
             [&](auto handler) { bhttp::async_read(stream, buffer, parser, std::move(handler)); });
  if (ec) return Unreachable(url, "read the response from", ec);
  auto& res = parser.get();
  Response out;
  out.status = static_cast<int>(res.result_int());
  for (const auto& field : res) {
    out.headers.push_back(
        {AsciiLower(std::string_view(field.name_string().data(), field.name_string().size())),
         std::string(field.value())});
  }
  out.body = std::move(res.body());
  return out;
}

// Lower-case hex SHA-1 of a certificate's DER, or "" when it cannot be computed.
std::string Sha1Thumbprint(X509* cert) {
  unsigned char* der = nullptr;
  int len = i2d_X509(cert, &der);
  if (len <= 0) return {};
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  int ok = EVP_Digest(der, static_cast<size_t>(len), md, &md_len, EVP_sha1(), nullptr);
  OPENSSL_free(der);
  if (ok != 1) return {};
  return HexEncode(std::span<const uint8_t>(md, md_len));
}

// Peer verification: CA verification as usual, except that the errors which only say "this
// chain does not end at a trusted root" are forgiven when the chain OpenSSL built from the
// peer's certificates contains a pinned certificate (AWS's thumbprint trust). Building the
// chain links each certificate to its issuer, and the signatures along it are checked after
// these errors are reported, so a server cannot pass by merely sending the pinned certificate
// beside an unrelated leaf. The host name is checked in every case.
class ThumbprintVerification {
 public:
  ThumbprintVerification(const std::string& host, std::vector<std::string> thumbprints)
      : host_check_(host), thumbprints_(std::move(thumbprints)) {}

  bool operator()(bool preverified, asio::ssl::verify_context& ctx) const {
    X509_STORE_CTX* store = ctx.native_handle();
    if (!preverified && IsUntrustedRootError(X509_STORE_CTX_get_error(store)) &&
        ChainHasPinnedCertificate(store)) {
      preverified = true;
    }
    return host_check_(preverified, ctx);
  }

 private:
  static bool IsUntrustedRootError(int error) {
    switch (error) {
      case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
      case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
      case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
      case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
      case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
        return true;
      default:
        return false;
    }
  }

  bool ChainHasPinnedCertificate(X509_STORE_CTX* store) const {
    STACK_OF(X509)* chain = X509_STORE_CTX_get0_chain(store);
    if (chain == nullptr) return false;
    for (int i = 0; i < sk_X509_num(chain); ++i) {
      std::string thumbprint = Sha1Thumbprint(sk_X509_value(chain, i));
      if (thumbprint.empty()) continue;
      for (const std::string& pinned : thumbprints_) {
        if (thumbprint == pinned) return true;
      }
    }
    return false;
  }

  asio::ssl::host_name_verification host_check_;
  std::vector<std::string> thumbprints_;  // lower-case hex, no separators
};

// "AB:cd:…" -> "abcd…".
std::vector<std::string> NormalizeThumbprints(const std::vector<std::string>& in) {
  std::vector<std::string> out;
  for (const std::string& t : in) {
    std::string hex;
    for (char c : t) {
      if (c != ':') hex.push_back(c);
    }
    if (!hex.empty()) out.push_back(AsciiLower(hex));
  }
  return out;
}

}  // namespace

std::string Url::HostHeader() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return h + ":" + std::to_string(port);
}

Result<Url> ParseUrl(std::string_view s) {
  Url url;
  std::string_view rest;
  if (s.starts_with("http://")) {
    rest = s.substr(7);
  } else if (s.starts_with("https://")) {
    url.tls = true;
    rest = s.substr(8);
  } else {
    return InvalidArgumentError("the URL must start with http:// or https://");
  }
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) url.path = std::string(rest.substr(slash));
  while (url.path.size() > 0 && url.path.back() == '/') url.path.pop_back();
  std::string_view port;
  if (authority.starts_with("[")) {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return InvalidArgumentError("bad IPv6 address in URL");
    url.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return InvalidArgumentError("bad port in URL");
      port = after.substr(1);
    }
  } else {
    size_t colon = authority.rfind(':');
    url.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (url.host.empty()) return InvalidArgumentError("the URL has no host");
  if (port.empty()) {
    url.port = url.tls ? 443 : 80;
  } else {
    auto p = ParseInt64(port);
    if (!p || *p <= 0 || *p > 65535) return InvalidArgumentError("bad port in URL");
    url.port = static_cast<uint16_t>(*p);
  }
  return url;
}

Result<Client> Client::Create(std::string_view base_url, ClientOptions options) {
  COFFER_ASSIGN_OR_RETURN(Url url, ParseUrl(base_url));
  return Client(std::move(url), std::move(options));
}

Result<Response> Client::Send(const Request& request) const {
  try {
    asio::io_context ioc;
    tcp::resolver resolver(ioc);
    beast::error_code ec;
    auto endpoints = resolver.resolve(url_.host, std::to_string(url_.port), ec);
    if (ec) return Unreachable(url_, "resolve", ec);
    auto deadline = std::chrono::steady_clock::now() + options_.timeout;

    if (!url_.tls) {
      beast::tcp_stream stream(ioc);
      stream.expires_at(deadline);
      ec = Await(ioc, [&](auto handler) { stream.async_connect(endpoints, std::move(handler)); });
      if (ec) return Unreachable(url_, "connect to", ec);
      auto res = Exchange(ioc, stream, request, url_, options_.max_response_bytes);
      stream.socket().shutdown(tcp::socket::shutdown_both, ec);
      return res;
    }

    asio::ssl::context ctx(asio::ssl::context::tls_client);
    ctx.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                    asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                    asio::ssl::context::no_tlsv1_1);
    if (options_.ca_bundle.empty()) {
      ctx.set_default_verify_paths(ec);
    } else {
      ctx.load_verify_file(options_.ca_bundle, ec);
    }
    if (ec) return FailedPreconditionError("cannot load the CA bundle: " + ec.message());
    ctx.set_verify_mode(asio::ssl::verify_peer);
    beast::ssl_stream<beast::tcp_stream> stream(ioc, ctx);
    if (options_.sha1_thumbprints.empty()) {
      stream.set_verify_callback(asio::ssl::host_name_verification(url_.host));
    } else {
      stream.set_verify_callback(
          ThumbprintVerification(url_.host, NormalizeThumbprints(options_.sha1_thumbprints)));
    }
    // SNI, except for IP literals (RFC 6066 forbids them there).
    beast::error_code addr_ec;
    asio::ip::make_address(url_.host, addr_ec);
    if (addr_ec && !SSL_set_tlsext_host_name(stream.native_handle(), url_.host.c_str())) {
      return InternalError("cannot set the TLS server name");
    }
    beast::get_lowest_layer(stream).expires_at(deadline);
    ec = Await(ioc, [&](auto handler) {
      beast::get_lowest_layer(stream).async_connect(endpoints, std::move(handler));
    });
    if (ec) return Unreachable(url_, "connect to", ec);
    ec = Await(ioc, [&](auto handler) {
      stream.async_handshake(asio::ssl::stream_base::client, std::move(handler));
    });
    if (ec) return Unreachable(url_, "complete a TLS handshake with", ec);
    auto res = Exchange(ioc, stream, request, url_, options_.max_response_bytes);
    beast::get_lowest_layer(stream).socket().shutdown(tcp::socket::shutdown_both, ec);
    return res;
  } catch (const std::exception& e) {
    // Beast and Asio throw only on allocation failure or misuse; report it, never propagate.
    return InternalError(std::string("HTTP client error: ") + e.what());
  }
}

}  // namespace coffer::http
