#include "core/policy/internal/values.h"

#include <charconv>
#include <cmath>
#include <system_error>

#include "base/strings.h"

namespace coffer::policy::internal {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Parses exactly `digits` decimal digits at `s[*pos]`.
bool ReadFixed(std::string_view s, size_t* pos, int digits, int* out) {
  if (*pos + static_cast<size_t>(digits) > s.size()) return false;
  int v = 0;
  for (int i = 0; i < digits; ++i) {
    char c = s[*pos + static_cast<size_t>(i)];
    if (!IsDigit(c)) return false;
    v = v * 10 + (c - '0');
  }
  *pos += static_cast<size_t>(digits);
  *out = v;
  return true;
}

bool ParseIpv4(std::string_view s, uint8_t* out) {
  int octets = 0;
  size_t i = 0;
  while (octets < 4) {
    int v = 0;
    size_t start = i;
    while (i < s.size() && IsDigit(s[i]) && i - start < 3) v = v * 10 + (s[i++] - '0');
    if (i == start || v > 255) return false;
    out[octets++] = static_cast<uint8_t>(v);
    if (octets < 4) {
      if (i >= s.size() || s[i] != '.') return false;
      ++i;
    }
  }
  return i == s.size();
}

// RFC 4291 text forms, including "::" compression and a trailing dotted IPv4 part. No zone ids.
bool ParseIpv6(std::string_view s, uint8_t* out) {
  uint16_t groups[8] = {};
  int count = 0;
  int gap = -1;  // index in groups where "::" was
  size_t i = 0;
  if (s.size() >= 2 && s[0] == ':' && s[1] == ':') {
    gap = 0;
    i = 2;
  } else if (!s.empty() && s[0] == ':') {
    return false;
  }
  while (i < s.size()) {
    if (count == 8) return false;
    // A trailing IPv4 part takes two groups.
    size_t end = s.find(':', i);
    std::string_view piece = s.substr(i, end == std::string_view::npos ? s.npos : end - i);
    if (end == std::string_view::npos && piece.find('.') != std::string_view::npos) {
      uint8_t v4[4];
      if (count > 6 || !ParseIpv4(piece, v4)) return false;
      groups[count++] = static_cast<uint16_t>(v4[0] << 8 | v4[1]);
      groups[count++] = static_cast<uint16_t>(v4[2] << 8 | v4[3]);
      break;
    }
    if (piece.empty() || piece.size() > 4) return false;
    int v = 0;
    for (char c : piece) {
      int h = HexValue(c);
      if (h < 0) return false;
      v = v * 16 + h;
    }
    groups[count++] = static_cast<uint16_t>(v);
    if (end == std::string_view::npos) break;
    i = end + 1;
    if (i < s.size() && s[i] == ':') {
      if (gap >= 0) return false;
      gap = count;
      ++i;
    } else if (i == s.size()) {
      return false;  // a single trailing ':'
    }
  }
  if (gap < 0 && count != 8) return false;
  if (gap >= 0 && count > 7) return false;
  uint16_t full[8] = {};
  if (gap >= 0) {
    int tail = count - gap;
    for (int k = 0; k < gap; ++k) full[k] = groups[k];
    for (int k = 0; k < tail; ++k) full[8 - tail + k] = groups[gap + k];
  } else {
    for (int k = 0; k < 8; ++k) full[k] = groups[k];
  }
  for (size_t k = 0; k < 8; ++k) {
    out[2 * k] = static_cast<uint8_t>(full[k] >> 8);
    out[2 * k + 1] = static_cast<uint8_t>(full[k] & 0xff);
  }
  return true;
}

bool IsV4Mapped(const uint8_t* b) {
  for (int k = 0; k < 10; ++k) {
    if (b[k] != 0) return false;
  }
  return b[10] == 0xff && b[11] == 0xff;
}

std::optional<IpNetwork> ParseAddressPart(std::string_view s) {
  IpNetwork n;
  if (s.find(':') == std::string_view::npos) {
    if (!ParseIpv4(s, n.bytes.data())) return std::nullopt;
    n.v4 = true;
    n.prefix = 32;
    return n;
  }
  if (!ParseIpv6(s, n.bytes.data())) return std::nullopt;
  n.v4 = false;
  n.prefix = 128;
  return n;
}

void NormalizeMapped(IpNetwork* n) {
  if (n->v4 || !IsV4Mapped(n->bytes.data()) || n->prefix < 96) return;
  for (int k = 0; k < 4; ++k) n->bytes[static_cast<size_t>(k)] = n->bytes[12 + k];
  for (size_t k = 4; k < 16; ++k) n->bytes[k] = 0;
  n->v4 = true;
  n->prefix -= 96;
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
int64_t DaysFromCivil(int64_t y, int m, int d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

int DaysInMonth(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

// Reads ".fff..." at s[*pos] (any number of digits, milliseconds kept).
bool ReadFraction(std::string_view s, size_t* pos, int* millis) {
  *millis = 0;
  if (*pos >= s.size() || s[*pos] != '.') return true;
  ++*pos;
  size_t start = *pos;
  int scale = 100;
  while (*pos < s.size() && IsDigit(s[*pos])) {
    *millis += (s[*pos] - '0') * scale;
    scale /= 10;
    ++*pos;
  }
  return *pos > start;
}

}  // namespace

std::optional<IpNetwork> ParseIpAddress(std::string_view s) {
  auto n = ParseAddressPart(s);
  if (n) NormalizeMapped(&*n);
  return n;
}

std::optional<IpNetwork> ParseIpNetwork(std::string_view s) {
  size_t slash = s.find('/');
  auto n = ParseAddressPart(s.substr(0, slash));
  if (!n) return std::nullopt;
  if (slash != std::string_view::npos) {
    std::string_view bits = s.substr(slash + 1);
    if (bits.empty() || bits.size() > 3) return std::nullopt;
    int v = 0;
    for (char c : bits) {
      if (!IsDigit(c)) return std::nullopt;
      v = v * 10 + (c - '0');
    }
    if (v > (n->v4 ? 32 : 128)) return std::nullopt;
    n->prefix = v;
  }
  NormalizeMapped(&*n);
  return n;
}

bool NetworkContains(const IpNetwork& network, const IpNetwork& address) {
  if (network.v4 != address.v4) return false;
  int bits = network.prefix;
  size_t k = 0;
  for (; bits >= 8; bits -= 8, ++k) {
    if (network.bytes[k] != address.bytes[k]) return false;
  }
  if (bits == 0) return true;
  auto mask = static_cast<uint8_t>(0xff << (8 - bits));
  return (network.bytes[k] & mask) == (address.bytes[k] & mask);
}

std::optional<int64_t> ParseDateMillis(std::string_view s) {
  if (s.empty()) return std::nullopt;
  // Epoch seconds: digits only (an optional sign and fraction).
  {
    size_t i = s[0] == '-' ? 1 : 0;
    size_t digits_start = i;
    while (i < s.size() && IsDigit(s[i])) ++i;
    if (i > digits_start && i - digits_start <= 12 && (i == s.size() || s[i] == '.')) {
      int64_t secs = 0;
      for (size_t k = digits_start; k < i; ++k) secs = secs * 10 + (s[k] - '0');
      int millis = 0;
      if (!ReadFraction(s, &i, &millis) || i != s.size()) return std::nullopt;
      int64_t v = secs * 1000 + millis;
      return s[0] == '-' ? -v : v;
    }
  }
  size_t pos = 0;
  int year = 0;
  int month = 1;
  int day = 1;
  if (!ReadFixed(s, &pos, 4, &year)) return std::nullopt;
  if (pos == s.size() || s[pos] != '-') return std::nullopt;
  ++pos;
  if (!ReadFixed(s, &pos, 2, &month) || month < 1 || month > 12) return std::nullopt;
  if (pos < s.size() && s[pos] == '-') {
    ++pos;
    if (!ReadFixed(s, &pos, 2, &day) || day < 1 || day > DaysInMonth(year, month)) {
      return std::nullopt;
    }
  }
  int hour = 0;
  int minute = 0;
  int second = 0;
  int millis = 0;
  int64_t offset_minutes = 0;
  if (pos < s.size()) {
    if (s[pos] != 'T' && s[pos] != 't') return std::nullopt;
    ++pos;
    if (!ReadFixed(s, &pos, 2, &hour) || hour > 23) return std::nullopt;
    if (pos >= s.size() || s[pos] != ':') return std::nullopt;
    ++pos;
    if (!ReadFixed(s, &pos, 2, &minute) || minute > 59) return std::nullopt;
    if (pos < s.size() && s[pos] == ':') {
      ++pos;
      if (!ReadFixed(s, &pos, 2, &second) || second > 60) return std::nullopt;
      if (!ReadFraction(s, &pos, &millis)) return std::nullopt;
    }
    if (pos < s.size()) {
      char z = s[pos];
      if (z == 'Z' || z == 'z') {
        ++pos;
      } else if (z == '+' || z == '-') {
        ++pos;
        int oh = 0;
        int om = 0;
        if (!ReadFixed(s, &pos, 2, &oh) || oh > 23) return std::nullopt;
        if (pos < s.size() && s[pos] == ':') ++pos;
        if (!ReadFixed(s, &pos, 2, &om) || om > 59) return std::nullopt;
        offset_minutes = (z == '+' ? 1 : -1) * (int64_t{oh} * 60 + om);
      } else {
        return std::nullopt;
      }
    }
    if (pos != s.size()) return std::nullopt;
  }
  int64_t days = DaysFromCivil(year, month, day);
  int64_t secs =
      days * 86400 + int64_t{hour} * 3600 + int64_t{minute} * 60 + second - offset_minutes * 60;
  return secs * 1000 + millis;
}

std::optional<double> ParseNumber(std::string_view s) {
  if (s.empty()) return std::nullopt;
  double v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::optional<bool> ParseBool(std::string_view s) {
  if (EqualsIgnoreCase(s, "true")) return true;
  if (EqualsIgnoreCase(s, "false")) return false;
  return std::nullopt;
}

}  // namespace coffer::policy::internal
