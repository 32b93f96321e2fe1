#ifndef COFFER_CLI_COMMANDS_AUDIT_H_
#define COFFER_CLI_COMMANDS_AUDIT_H_

#include <CLI/CLI.hpp>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>

#include "audit_trail/digest.h"
#include "base/result.h"
#include "core/audit/audit_reader.h"

namespace coffer::cli {

// Exit statuses of `coffer audit verify` (lookup uses kAuditOk, 1 for a read failure, and
// kAuditUsageError).
inline constexpr int kAuditOk = 0;
inline constexpr int kAuditProblemFound = 1;
inline constexpr int kAuditUsageError = 2;  // bad flags, or the trail or key cannot be read

// `coffer audit lookup`'s flags. Empty strings are filters not given.
struct AuditLookupOptions {
  std::string data_dir = "./coffer-data";
  std::string audit_dir;  // default <data_dir>/audit
  std::string event_name, username, resource_name, resource_type, access_key_id, event_source,
      event_id;
  std::string read_only;   // "true" | "false"
  std::string start_time;  // ISO 8601, or a date (midnight UTC)
  std::string end_time;
  int max_results = 50;          // page size
  bool all = false;              // page through every match
  std::string output = "table";  // "table" | "json"
};

// `coffer audit verify`'s flags.
struct AuditVerifyOptions {
  std::string data_dir = "./coffer-data";
  std::string audit_dir;
  std::string public_key;  // file: PEM, DER, or base64 DER / JSON from `aws kms get-public-key`
  std::optional<uint64_t> expect_last_sequence;
  std::string expect_last_hash;  // 64 hex digits
};

// The trail directory: `audit_dir` when given, else <data_dir>/audit (where the server writes).
std::filesystem::path AuditDir(const std::string& data_dir, const std::string& audit_dir);

// Registers the flags of `audit lookup` / `audit verify` on `cmd`, writing into `o`, which
// must outlive parsing.
void AddAuditLookupFlags(CLI::App& cmd, AuditLookupOptions& o);
void AddAuditVerifyFlags(CLI::App& cmd, AuditVerifyOptions& o);

// The reader's first-page query for `o`: every filter given (ANDed, unlike CloudTrail's one),
// the time range, the page size. kInvalidArgument for a --read-only other than true/false, an
// unparsable time, a start after the end or a --max-results outside 1..1000.
Result<audit::LookupQuery> LookupQueryFrom(const AuditLookupOptions& o);

// The head the trail must reach: --expect-last-sequence/--expect-last-hash when given (both
// or neither; kInvalidArgument otherwise, or for a hash that is not 64 hex digits), else the
// checkpoint stored in the data directory (StoredCheckpoint), else nullopt.
Result<std::optional<audit_trail::Checkpoint>> ExpectedHead(const AuditVerifyOptions& o);

// The latest audit_trail::Checkpoint the server keeps in `data_dir`, outside the trail.
// TODO(coffer-lead): read it here once the server stores it (#6); until then it is nullopt and
// --expect-last-sequence/--expect-last-hash give the head by hand.
Result<std::optional<audit_trail::Checkpoint>> StoredCheckpoint(
    const std::filesystem::path& data_dir);

// The public key bytes in a --public-key file: PEM as is; base64 text (aws kms get-public-key
// --query PublicKey --output text) and get-public-key's JSON output decoded to DER; anything
// else taken as DER.
std::string PublicKeyFromFile(std::string contents);

// Run the commands; results go to `out`, diagnostics to `err`. Return the exit status.
int RunAuditLookup(const AuditLookupOptions& o, std::ostream& out, std::ostream& err);
int RunAuditVerify(const AuditVerifyOptions& o, std::ostream& out, std::ostream& err);

// Registers `coffer audit lookup | verify` on `app`; both work offline on a data directory.
// Returns a function to call after parsing: it runs the chosen subcommand and returns its exit
// status, or -1 when `audit` was not on the command line. A command line CLI11 refuses after
// `audit` should exit with kAuditUsageError (app.got_subcommand("audit")).
std::function<int()> AddAuditCommand(CLI::App& app);

}  // namespace coffer::cli

#endif  // COFFER_CLI_COMMANDS_AUDIT_H_
