#ifndef COFFER_AUDIT_TRAIL_FILE_AUDIT_READER_H_
#define COFFER_AUDIT_TRAIL_FILE_AUDIT_READER_H_

#include <filesystem>
#include <memory>

#include "base/result.h"
#include "core/audit/audit_reader.h"

namespace coffer::audit_trail {

// LookupEvents over the files FileAuditLog writes: scans files newest first (events newest
// first, as CloudTrail returns them), filters by time range and every attribute, skips digest
// lines and ignores a trailing partial line, so it is safe while the writer appends.
// ResourceName matches a resource's ARN or its name (the ARN's last part; for secrets also
// without the 6-character suffix). next_token is opaque: base64url of the sequence to resume at
// and a hash of the query; a token from another query or garbage is kInvalidArgument.
// Thread-safe (no state beyond the directory).
class FileAuditReader final : public audit::AuditReader {
 public:
  // kUnavailable when `dir` is not a readable directory.
  static Result<std::unique_ptr<FileAuditReader>> Open(std::filesystem::path dir);

  // max_results below 1 means 50; above 1000 means 1000. kUnavailable when a file cannot be
  // read. Lines that do not decode are skipped (the verifier reports them).
  Result<audit::LookupPage> Lookup(const audit::LookupQuery& query) const override;

 private:
  explicit FileAuditReader(std::filesystem::path dir) : dir_(std::move(dir)) {}
  std::filesystem::path dir_;
};

}  // namespace coffer::audit_trail

#endif  // COFFER_AUDIT_TRAIL_FILE_AUDIT_READER_H_
