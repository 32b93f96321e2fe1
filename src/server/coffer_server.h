#ifndef COFFER_SERVER_COFFER_SERVER_H_
#define COFFER_SERVER_COFFER_SERVER_H_

#include <memory>
#include <ostream>

#include "base/result.h"
#include "server/config.h"

namespace coffer::server {

// The composition root: builds storage, the keyring, the domain services, the protocol adapters
// and the HTTP server from a ServerConfig, and tears them down in order.
class CofferServer {
 public:
  // Opens (initialising on first start) the data directory and starts serving. Messages for the
  // operator (the address, generated root credentials) go to `out`.
  static Result<std::unique_ptr<CofferServer>> Start(const ServerConfig& config, std::ostream& out);
  virtual ~CofferServer() = default;
  virtual uint16_t port() const = 0;
  // Drains in-flight requests, stops background work and closes storage.
  virtual void Shutdown() = 0;
};

// `coffer server`: starts, waits for SIGTERM or SIGINT, drains and exits. Returns the exit code.
int RunServer(const ServerConfig& config);

// True for 127.0.0.0/8, ::1 and "localhost".
bool IsLoopbackHost(std::string_view host);

}  // namespace coffer::server

#endif  // COFFER_SERVER_COFFER_SERVER_H_
