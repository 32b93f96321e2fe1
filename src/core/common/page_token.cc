#include "core/common/page_token.h"

#include "base/encoding.h"
#include "base/strings.h"

namespace coffer::core {

std::string EncodePageToken(std::initializer_list<std::string_view> fields) {
  std::string raw;
  bool first = true;
  for (auto f : fields) {
    if (!first) raw.push_back('\x1f');
    raw.append(f);
    first = false;
  }
  return Base64UrlEncode(raw);
}

std::optional<std::vector<std::string>> DecodePageToken(std::string_view token,
                                                        std::string_view kind, size_t fields) {
  auto raw = Base64UrlDecode(token);
  if (!raw) return std::nullopt;
  std::vector<std::string> out;
  for (auto p : Split(*raw, '\x1f')) out.emplace_back(p);
  if (out.size() != fields || out[0] != kind) return std::nullopt;
  return out;
}

}  // namespace coffer::core
