#ifndef COFFER_CLI_COMMANDS_OPERATOR_H_
#define COFFER_CLI_COMMANDS_OPERATOR_H_

#include <CLI/CLI.hpp>
#include <functional>

namespace coffer::cli {

// Registers `coffer operator init | unseal | seal | seal-status | rotate-root [--cancel|--status]
// | rotate-root-verify | rotate-keyring` on `app`. `init` works offline on a data directory; the
// others talk to a running server over HTTP(S) (--endpoint, default http://127.0.0.1:8700 or
// $COFFER_ENDPOINT), signing with SigV4 from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY where the
// server requires the account root. Returns a function to call after parsing: it runs the chosen
// subcommand and returns the exit code, or -1 when `operator` was not on the command line.
std::function<int()> AddOperatorCommand(CLI::App& app);

}  // namespace coffer::cli

#endif  // COFFER_CLI_COMMANDS_OPERATOR_H_
