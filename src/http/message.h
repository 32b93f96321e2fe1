#ifndef COFFER_HTTP_MESSAGE_H_
#define COFFER_HTTP_MESSAGE_H_

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace coffer::http {

struct Header {
  std::string name;  // lower case
  std::string value;
};

// A parsed HTTP request as protocol adapters see it: no sockets, no Boost.
struct Request {
  std::string method;
  std::string target;           // the raw request-target: path and query, still percent-encoded
  std::vector<Header> headers;  // arrival order; names lower-cased
  std::string body;
  std::string remote_address;  // peer IP, for audit and aws:SourceIp
  bool secure = false;         // arrived over TLS
  // Set when the request is being handled again, on a worker thread, because its provisional
  // response could not be confirmed (see Response::await): handle it the blocking way.
  bool retry_blocking = false;

  // The first value of a header (name in lower case), or "" when absent.
  std::string_view HeaderValue(std::string_view lower_name) const {
    for (const Header& h : headers) {
      if (h.name == lower_name) return h.value;
    }
    return {};
  }
  bool HasHeader(std::string_view lower_name) const {
    for (const Header& h : headers) {
      if (h.name == lower_name) return true;
    }
    return false;
  }
  std::string_view Path() const {
    size_t q = target.find('?');
    return std::string_view(target).substr(0, q);
  }
  std::string_view Query() const {
    size_t q = target.find('?');
    return q == std::string::npos ? std::string_view() : std::string_view(target).substr(q + 1);
  }
};

struct Response {
  int status = 200;
  std::vector<Header> headers;
  std::string body;
  // When set, the response is provisional: the server calls `await` with a callback, which
  // the handler invokes exactly once, from any thread, with true when the response may be sent
  // or false when the request must be handled again (Handle with retry_blocking, on a worker).
  std::function<void(std::function<void(bool confirmed)>)> await;
  // Set together with `await`: when `await` confirms and *substitute has been given a status
  // (non-zero) by then, the server sends *substitute instead of this response (e.g. a 503 when
  // the request's audit event could not be made durable).
  std::shared_ptr<Response> substitute;

  void SetHeader(std::string name, std::string value) {
    headers.push_back({std::move(name), std::move(value)});
  }
};

// Why the HTTP layer refused a request before a handler saw it.
enum class Rejection { kBodyTooLarge, kHeadersTooLarge, kMalformed, kUnavailable };

// A request -> response function with two hints for the server. Implementations are
// thread-safe: Handle() runs concurrently on every I/O and worker thread.
class Handler {
 public:
  virtual ~Handler() = default;
  // True when Handle() may block (durable writes wait for a group commit): the server then runs
  // it on its worker pool instead of an I/O thread. Called on an I/O thread; must be cheap.
  virtual bool MayBlock(const Request& request) const = 0;
  virtual Response Handle(Request& request) = 0;
  // The response for a request the HTTP layer refused (protocol-specific error body).
  virtual Response Reject(Rejection why) = 0;
};

}  // namespace coffer::http

#endif  // COFFER_HTTP_MESSAGE_H_
