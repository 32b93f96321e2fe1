#include "grpc/kms_plugin/plugin_server.h"

#include <grpcpp/grpcpp.h>
#include <grpcpp/resource_quota.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <system_error>

#include "grpc/kms_plugin/kms_v2_service.h"

namespace coffer::kmsplugin {

std::string SocketAddress::GrpcTarget() const {
  return is_abstract ? "unix-abstract:" + path : "unix:" + path;
}

std::string SocketAddress::ToString() const {
  return is_abstract ? "unix:///@" + path : "unix://" + path;
}

Result<SocketAddress> SocketAddress::Parse(std::string_view socket) {
  std::string_view rest = socket;
  if (rest.starts_with("unix://")) {
    rest.remove_prefix(7);
  } else if (!rest.starts_with("/")) {
    return InvalidArgumentError("--socket must be unix:///<absolute path> or unix:///@<name>");
  }
  SocketAddress out;
  if (rest.starts_with("/@")) {
    out.is_abstract = true;
    out.path = std::string(rest.substr(2));
    if (out.path.empty() || out.path.size() > 100) {
      return InvalidArgumentError("the abstract socket name must be 1 to 100 bytes");
    }
    return out;
  }
  if (!rest.starts_with("/") || rest.size() < 2 || rest.back() == '/') {
    return InvalidArgumentError("--socket must be unix:///<absolute path> or unix:///@<name>");
  }
  // sockaddr_un.sun_path holds 108 bytes with the terminating NUL.
  if (rest.size() > 107) return InvalidArgumentError("the socket path is longer than 107 bytes");
  out.path = std::string(rest);
  return out;
}

struct PluginServer::State {
  KmsV2Service service;
  std::unique_ptr<::grpc::Server> server;
  SocketAddress socket;
  std::mutex mu;
  bool stopped = false;

  explicit State(KmsPlugin& plugin) : service(plugin) {}
};

PluginServer::PluginServer(std::unique_ptr<State> state) : state_(std::move(state)) {}

PluginServer::~PluginServer() { Shutdown(std::chrono::milliseconds(0)); }

namespace {

// Makes way for the socket file: creates its directory (0700) when missing and removes a stale
// socket; refuses to remove anything that is not a socket.
Result<void> PrepareSocketPath(const std::string& path) {
  std::error_code ec;
  std::filesystem::path dir = std::filesystem::path(path).parent_path();
  if (!std::filesystem::exists(dir, ec)) {
    std::filesystem::create_directories(dir, ec);
    if (ec) {
      return FailedPreconditionError("cannot create the socket directory " + dir.string() + ": " +
                                     ec.message());
    }
    ::chmod(dir.c_str(), 0700);
  }
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      return FailedPreconditionError(path + " exists and is not a socket; not removing it");
    }
    if (::unlink(path.c_str()) != 0) {
      return FailedPreconditionError("cannot remove the stale socket " + path + ": " +
                                     std::strerror(errno));
    }
  }
  return Ok();
}

}  // namespace

Result<std::unique_ptr<PluginServer>> PluginServer::Start(KmsPlugin& plugin,
                                                          const Options& options) {
  if (!options.socket.is_abstract) COFFER_RETURN_IF_ERROR(PrepareSocketPath(options.socket.path));
  auto state = std::make_unique<State>(plugin);
  state->socket = options.socket;
  ::grpc::ServerBuilder builder;
  int selected_port = 0;
  builder.AddListeningPort(options.socket.GrpcTarget(), ::grpc::InsecureServerCredentials(),
                           &selected_port);
  builder.RegisterService(&state->service);
  builder.SetMaxReceiveMessageSize(static_cast<int>(options.max_message_bytes));
  builder.SetMaxSendMessageSize(static_cast<int>(options.max_message_bytes));
  ::grpc::ResourceQuota quota("coffer-kms-plugin");
  quota.SetMaxThreads(options.max_threads);
  builder.SetResourceQuota(quota);
  // bind() creates the socket file with 0777 & ~umask: 0600, only its owner (and root) may call.
  mode_t old_umask = ::umask(0177);
  state->server = builder.BuildAndStart();
  ::umask(old_umask);
  if (state->server == nullptr || selected_port == 0) {
    return FailedPreconditionError("cannot listen on " + options.socket.ToString() +
                                   " (see the gRPC log above)");
  }
  return std::unique_ptr<PluginServer>(new PluginServer(std::move(state)));
}

void PluginServer::Shutdown(std::chrono::milliseconds grace) {
  if (!state_) return;
  std::lock_guard<std::mutex> lock(state_->mu);
  if (state_->stopped) return;
  state_->stopped = true;
  state_->server->Shutdown(std::chrono::system_clock::now() + grace);
  state_->server->Wait();
  if (!state_->socket.is_abstract) ::unlink(state_->socket.path.c_str());
}

}  // namespace coffer::kmsplugin
