#ifndef COFFER_AUDIT_TRAIL_TRAIL_VERIFIER_H_
#define COFFER_AUDIT_TRAIL_TRAIL_VERIFIER_H_

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "audit_trail/digest.h"
#include "base/result.h"
#include "crypto/hashes.h"

namespace coffer::audit_trail {

struct VerifyOptions {
  std::filesystem::path dir;
  // Checks digest signatures when given (signatures_checked in the report).
  const DigestVerifier* verifier = nullptr;
  // The last checkpoint the server stored outside the log: detects truncation after the last
  // digest and a rewritten tail.
  std::optional<Checkpoint> expected_head;
};

struct Problem {
  enum class Kind {
    kModified,      // an event (or digest) differs from what the chain or a digest recorded
    kDeleted,       // a sequence (or digest) is missing
    kInserted,      // a duplicate sequence, or an extra line that breaks the chain
    kReordered,     // a sequence appears after a later one
    kTruncated,     // the trail ends before expected_head, or before what its last digest covers
    kBadSignature,  // a digest's signature does not verify
    kMalformed,     // a line that is neither an event nor a digest, or a misnamed file
  } kind;
  std::string file;       // file name (no directory)
  uint64_t line = 0;      // 1-based line in `file`
  uint64_t sequence = 0;  // the event concerned (0 when none)
  std::string message;
};

struct VerifyReport {
  bool ok = false;
  uint64_t events = 0;
  uint64_t digests = 0;
  uint64_t last_sequence = 0;
  std::optional<Problem> first_problem;
  bool signatures_checked = false;
  // Events after the last digest (sealed by nothing but expected_head, if given).
  uint64_t unsealed_events = 0;
  uint64_t files = 0;
};

// Walks every trail file in sequence order and reports the first problem (see Problem::Kind).
// A trailing partial line (a write in progress or a crash; never acknowledged) is ignored.
// Cannot detect, without expected_head: the loss of the whole tail after the last digest, or of
// every file. kUnavailable when the directory or a file cannot be read; tampering is reported in
// the VerifyReport, not as an error.
Result<VerifyReport> VerifyTrail(const VerifyOptions& options, const crypto::Hashes& hashes);

}  // namespace coffer::audit_trail

#endif  // COFFER_AUDIT_TRAIL_TRAIL_VERIFIER_H_
