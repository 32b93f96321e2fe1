#ifndef COFFER_BASE_STRINGS_H_
#define COFFER_BASE_STRINGS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace coffer {

std::string AsciiLower(std::string_view s);
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix);
std::string_view TrimWhitespace(std::string_view s);
// Splits on every occurrence of `sep`; empty pieces are kept.
std::vector<std::string_view> Split(std::string_view s, char sep);
std::string Join(const std::vector<std::string>& parts, std::string_view sep);
// Base-10 integer; the whole string must be the number.
std::optional<int64_t> ParseInt64(std::string_view s);
// True when every byte is printable ASCII (0x20-0x7e).
bool IsPrintableAscii(std::string_view s);
// True when `s` is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF).
bool IsValidUtf8(std::string_view s);

}  // namespace coffer

#endif  // COFFER_BASE_STRINGS_H_
