#ifndef COFFER_GRPC_KMS_PLUGIN_PLUGIN_SERVER_H_
#define COFFER_GRPC_KMS_PLUGIN_PLUGIN_SERVER_H_

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"
#include "grpc/kms_plugin/kms_plugin.h"

namespace coffer::kmsplugin {

// Where to listen, from --socket: "unix:///path/kms.sock" (or a plain absolute path) is a socket
// file, "unix:///@name" a Linux abstract socket, as kube-apiserver's KMS endpoint reads them.
struct SocketAddress {
  std::string path;  // the file, or the abstract name (without '@')
  bool is_abstract = false;

  std::string GrpcTarget() const;  // "unix:/path" or "unix-abstract:name"
  std::string ToString() const;    // "unix:///path" or "unix:///@name"
  // kInvalidArgument for anything else (tcp addresses, relative paths, empty names).
  static Result<SocketAddress> Parse(std::string_view socket);
};

// The KMS v2 gRPC server on a unix socket, serving a KmsPlugin. Requests larger than
// `max_message_bytes` are refused by gRPC (RESOURCE_EXHAUSTED); at most `max_threads` handler
// threads run at once. Owns the socket file: a stale one is removed at start and the file is
// removed at Shutdown. Thread-safe.
class PluginServer {
 public:
  struct Options {
    SocketAddress socket;
    size_t max_message_bytes = size_t{64} * 1024;  // a DecryptRequest is at most ~34 KiB
    int max_threads = 256;
  };
  // Binds and starts serving. kFailedPrecondition when the socket cannot be created (missing
  // directory that cannot be made, a non-socket file in the way, address in use). `plugin` must
  // outlive the server.
  static Result<std::unique_ptr<PluginServer>> Start(KmsPlugin& plugin, const Options& options);
  ~PluginServer();
  PluginServer(const PluginServer&) = delete;
  PluginServer& operator=(const PluginServer&) = delete;

  // Stops accepting calls, lets running ones finish for up to `grace`, cancels the rest and
  // removes the socket file. Idempotent.
  void Shutdown(std::chrono::milliseconds grace);

 private:
  struct State;
  explicit PluginServer(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace coffer::kmsplugin

#endif  // COFFER_GRPC_KMS_PLUGIN_PLUGIN_SERVER_H_
