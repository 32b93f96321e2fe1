#include "base/uuid.h"

namespace coffer {
namespace {
int Hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

std::string FormatUuid(const UuidBytes& b) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[b[i] >> 4]);
    out.push_back(kHex[b[i] & 15]);
  }
  return out;
}

std::string FormatUuidV4(UuidBytes b) {
  b[6] = static_cast<uint8_t>((b[6] & 0x0F) | 0x40);
  b[8] = static_cast<uint8_t>((b[8] & 0x3F) | 0x80);
  return FormatUuid(b);
}

std::optional<UuidBytes> ParseUuid(std::string_view s) {
  if (s.size() != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-') {
    return std::nullopt;
  }
  UuidBytes out{};
  size_t j = 0;
  for (size_t i = 0; i < 36;) {
    if (s[i] == '-') {
      ++i;
      continue;
    }
    int hi = Hex(s[i]), lo = Hex(s[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[j++] = static_cast<uint8_t>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

}  // namespace coffer
