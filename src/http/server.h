#ifndef COFFER_HTTP_SERVER_H_
#define COFFER_HTTP_SERVER_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "base/result.h"
#include "http/message.h"

namespace coffer::http {

// The HTTP/1.1 server: keep-alive, optional TLS, request size limits and timeouts, one
// io_context per I/O thread plus a worker pool for handlers that may block. Thread-safe.
class Server {
 public:
  struct Options {
    std::string host = "127.0.0.1";
    uint16_t port = 0;   // 0: pick a free port (see port())
    int io_threads = 0;  // 0: one per core
    int worker_threads = 64;
    size_t max_body_bytes = 1 << 20;
    size_t max_header_bytes = 16 << 10;
    std::chrono::seconds header_timeout{15};  // to receive a complete request head
    std::chrono::seconds idle_timeout{60};    // keep-alive connections with nothing to do
    std::optional<std::string> tls_cert_file;
    std::optional<std::string> tls_key_file;
  };

  static Result<std::unique_ptr<Server>> Create(const Options& options, Handler& handler);
  virtual ~Server() = default;

  virtual uint16_t port() const = 0;
  // Starts the I/O and worker threads.
  virtual void Start() = 0;
  // Stops accepting, lets in-flight requests finish (up to `grace`), closes idle connections,
  // then stops every thread. Blocks until done.
  virtual void Drain(std::chrono::milliseconds grace) = 0;
  virtual size_t open_connections() const = 0;
};

}  // namespace coffer::http

#endif  // COFFER_HTTP_SERVER_H_
