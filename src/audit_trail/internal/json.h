#ifndef COFFER_AUDIT_TRAIL_INTERNAL_JSON_H_
#define COFFER_AUDIT_TRAIL_INTERNAL_JSON_H_

#include <rapidjson/reader.h>

#include <string>
#include <string_view>
#include <vector>

namespace coffer::audit_trail::internal {

// Appends `s` as a JSON string with its quotes. Escapes '"', '\\' and control characters, and
// replaces each byte that is not part of well-formed UTF-8 with U+FFFD, so the output is always
// valid JSON text.
void AppendJsonString(std::string& out, std::string_view s);

// Copies JSON object texts into a JSON line. Holds reusable parser state; not thread-safe.
class ObjectCopier {
 public:
  // When `json` is one well-formed UTF-8 JSON object, appends it as is, or compacted (no
  // insignificant whitespace; numbers as written, strings re-escaped) when it spans several
  // lines, and returns true. Otherwise appends nothing and returns false.
  bool Append(std::string& out, std::string_view json);

 private:
  rapidjson::Reader reader_;  // keeps its stack's capacity between calls
  std::vector<char> first_;   // per open container: no member written yet
};

}  // namespace coffer::audit_trail::internal

#endif  // COFFER_AUDIT_TRAIL_INTERNAL_JSON_H_
