#ifndef COFFER_AUDIT_TRAIL_INTERNAL_TRAIL_FILES_H_
#define COFFER_AUDIT_TRAIL_INTERNAL_TRAIL_FILES_H_

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace coffer::audit_trail::internal {

struct TrailFile {
  uint64_t first_sequence = 0;  // from the name
  std::filesystem::path path;
  std::string name;
};

// "audit-00000000000000000001.jsonl".
std::string TrailFileName(uint64_t first_sequence);
std::optional<uint64_t> ParseTrailFileName(std::string_view name);

// The trail files in `dir`, in sequence order; other entries are ignored. kUnavailable when the
// directory cannot be listed.
Result<std::vector<TrailFile>> ListTrailFiles(const std::filesystem::path& dir);

// The file's bytes up to and including its last newline (a trailing partial line, still being
// written or torn by a crash, is left out). kUnavailable when it cannot be read.
Result<std::string> ReadCompleteLines(const std::filesystem::path& path);

// Reads `len` bytes at `offset` of an open file descriptor; kUnavailable on an error or EOF.
Result<void> ReadAt(int fd, uint64_t offset, size_t len, char* out);

// The errno text, for logs (never for callers).
std::string ErrnoText(int err);

}  // namespace coffer::audit_trail::internal

#endif  // COFFER_AUDIT_TRAIL_INTERNAL_TRAIL_FILES_H_
