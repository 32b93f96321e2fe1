#include "cli/commands/kms_plugin.h"

#include <signal.h>

#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "base/clock.h"
#include "base/logging.h"
#include "crypto/openssl/openssl_hashes.h"
#include "grpc/kms_plugin/aws_kms_client.h"
#include "grpc/kms_plugin/credentials.h"
#include "grpc/kms_plugin/http_transport.h"
#include "grpc/kms_plugin/kms_plugin.h"
#include "grpc/kms_plugin/plugin_server.h"

namespace coffer::cli {
namespace {

constexpr char kDefaultEndpoint[] = "http://127.0.0.1:8700";

struct Options {
  std::string socket;
  std::string key;
  std::string endpoint;
  std::string sts_endpoint;
  std::string region;
  std::string ca_bundle;
  double timeout_seconds = 2.5;
  double probe_interval_seconds = 10;
  std::string log_level = "info";
};

std::optional<std::string> Env(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return std::nullopt;
  return std::string(v);
}

int Fail(const std::string& message) {
  std::cerr << "coffer kms-plugin: " << message << std::endl;
  return 1;
}

std::chrono::milliseconds Millis(double seconds) {
  return std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
}

int Run(Options o) {
  log::Level level;
  if (!log::ParseLevel(o.log_level, &level)) return Fail("--log-level: debug, info, warn or error");
  log::SetLevel(level);
  if (o.timeout_seconds <= 0 || o.timeout_seconds > 60) {
    return Fail("--timeout must be more than 0 and at most 60 seconds");
  }
  if (o.probe_interval_seconds < 1 || o.probe_interval_seconds > 3600) {
    return Fail("--probe-interval must be between 1 and 3600 seconds");
  }
  auto socket = kmsplugin::SocketAddress::Parse(o.socket);
  if (!socket.has_value()) return Fail(socket.error().message);
  if (o.endpoint.empty()) o.endpoint = Env("COFFER_ENDPOINT").value_or(kDefaultEndpoint);
  if (o.sts_endpoint.empty()) o.sts_endpoint = o.endpoint;
  if (o.region.empty()) {
    o.region = Env("AWS_REGION").value_or(Env("AWS_DEFAULT_REGION").value_or("us-east-1"));
  }
  if (o.ca_bundle.empty()) o.ca_bundle = Env("AWS_CA_BUNDLE").value_or("");

  // Stop signals are blocked in every thread (gRPC's included) and taken by sigwait below.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  signal(SIGPIPE, SIG_IGN);

  kmsplugin::Endpoint kms_endpoint;
  auto kms_transport = kmsplugin::MakeHttpTransport(o.endpoint, o.ca_bundle, &kms_endpoint);
  if (!kms_transport.has_value()) return Fail("--endpoint: " + kms_transport.error().message);
  auto sts_transport = kmsplugin::MakeHttpTransport(o.sts_endpoint, o.ca_bundle, nullptr);
  if (!sts_transport.has_value()) return Fail("--sts-endpoint: " + sts_transport.error().message);
  const Clock& clock = RealClock::Get();
  auto credentials = kmsplugin::CredentialsFromEnvironment(kmsplugin::ProcessEnvironment(),
                                                           std::move(*sts_transport), clock);
  if (!credentials.has_value()) return Fail(credentials.error().message);

  crypto::OpensslHashes hashes;
  kmsplugin::AwsKmsClient kms(kmsplugin::AwsKmsClient::Options{o.region, kms_endpoint.host_header},
                              std::move(*kms_transport), **credentials, hashes, clock);
  kmsplugin::KmsPlugin::Options popts;
  popts.key = o.key;
  popts.timeout = Millis(o.timeout_seconds);
  popts.healthy_ttl = Millis(o.probe_interval_seconds);
  kmsplugin::KmsPlugin plugin(kms, popts, clock);

  auto server = kmsplugin::PluginServer::Start(plugin, kmsplugin::PluginServer::Options{*socket});
  if (!server.has_value()) return Fail(server.error().message);
  log::Info("kms-plugin: serving", {{"socket", socket->ToString()},
                                    {"key", o.key},
                                    {"endpoint", o.endpoint},
                                    {"region", o.region},
                                    {"credentials", (*credentials)->Describe()}});
  std::cout << "coffer kms-plugin is listening on " << socket->ToString() << std::endl;
  // One probe now, so that the log says at once whether the key is usable.
  kmsplugin::StatusReply status = plugin.Status(popts.timeout);
  if (status.healthz != "ok") {
    log::Warn("kms-plugin: not healthy yet; kube-apiserver will see this in healthz",
              {{"healthz", status.healthz}});
  }

  int sig = 0;
  sigwait(&stop, &sig);
  log::Info("kms-plugin: stopping", {{"signal", sig}});
  (*server)->Shutdown(std::chrono::seconds(5));
  log::Flush();
  return 0;
}

}  // namespace

std::function<int()> AddKmsPluginCommand(CLI::App& app) {
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "kms-plugin",
      "Kubernetes KMS v2 plugin: serve kube-apiserver's envelope encryption on a unix socket, "
      "with a key in Coffer's KMS.");
  cmd->add_option("--socket", o->socket,
                  "unix:///path/kms.sock (or unix:///@name, an abstract socket) to listen on")
      ->required();
  cmd->add_option("--key", o->key, "KMS key: key id, key ARN, alias/<name> or alias ARN")
      ->required();
  cmd->add_option("--endpoint", o->endpoint,
                  "Coffer URL (default $COFFER_ENDPOINT or http://127.0.0.1:8700)");
  cmd->add_option("--sts-endpoint", o->sts_endpoint,
                  "STS URL for web identity credentials (default: --endpoint)");
  cmd->add_option("--region", o->region,
                  "Region to sign for (default $AWS_REGION, $AWS_DEFAULT_REGION or us-east-1)");
  cmd->add_option(
      "--ca-bundle", o->ca_bundle,
      "PEM CA certificates to trust for https (default $AWS_CA_BUNDLE or the system's)");
  cmd->add_option("--timeout", o->timeout_seconds,
                  "Seconds one Status, Encrypt or Decrypt may spend calling Coffer (keep it under "
                  "the apiserver's timeout, 3 s by default)")
      ->capture_default_str();
  cmd->add_option("--probe-interval", o->probe_interval_seconds,
                  "Seconds a healthy Status answer is reused before the key is probed again")
      ->capture_default_str();
  cmd->add_option("--log-level", o->log_level, "debug | info | warn | error")
      ->capture_default_str();
  return [=]() -> int {
    if (!cmd->parsed()) return -1;
    return Run(*o);
  };
}

}  // namespace coffer::cli
