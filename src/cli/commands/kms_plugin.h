#ifndef COFFER_CLI_COMMANDS_KMS_PLUGIN_H_
#define COFFER_CLI_COMMANDS_KMS_PLUGIN_H_

#include <CLI/CLI.hpp>
#include <functional>

namespace coffer::cli {

// Registers `coffer kms-plugin --socket unix:///path/kms.sock --key <key> --endpoint <url>` on
// `app`: the Kubernetes KMS v2 plugin, a gRPC server on a unix socket that wraps kube-apiserver's
// DEK seeds with Coffer's KMS. Credentials come from the environment (AWS_ACCESS_KEY_ID /
// AWS_SECRET_ACCESS_KEY, or AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE through STS). Returns a
// function to call after parsing: it serves until SIGTERM or SIGINT and returns the exit code, or
// -1 when `kms-plugin` was not on the command line.
std::function<int()> AddKmsPluginCommand(CLI::App& app);

}  // namespace coffer::cli

#endif  // COFFER_CLI_COMMANDS_KMS_PLUGIN_H_
