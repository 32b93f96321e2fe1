#include "base/clock.h"

#include <charconv>
#include <cstdio>

namespace coffer {
namespace {

using std::chrono::days;
using std::chrono::duration_cast;
using std::chrono::floor;
using std::chrono::hh_mm_ss;
using std::chrono::milliseconds;
using std::chrono::sys_days;
using std::chrono::year_month_day;

struct Civil {
  int year;
  unsigned month, day, hour, minute, second, millis;
};

Civil ToCivil(Timestamp t) {
  auto day = floor<days>(t);
  year_month_day ymd{sys_days(day)};
  hh_mm_ss<milliseconds> hms{t - day};
  return {static_cast<int>(ymd.year()),
          static_cast<unsigned>(ymd.month()),
          static_cast<unsigned>(ymd.day()),
          static_cast<unsigned>(hms.hours().count()),
          static_cast<unsigned>(hms.minutes().count()),
          static_cast<unsigned>(hms.seconds().count()),
          static_cast<unsigned>(hms.subseconds().count())};
}

std::optional<Timestamp> FromCivil(int y, unsigned mo, unsigned d, unsigned h, unsigned mi,
                                   unsigned s, unsigned ms) {
  year_month_day ymd{std::chrono::year(y), std::chrono::month(mo), std::chrono::day(d)};
  if (!ymd.ok() || h > 23 || mi > 59 || s > 60 || ms > 999) return std::nullopt;
  auto tp = sys_days(ymd) + std::chrono::hours(h) + std::chrono::minutes(mi) +
            std::chrono::seconds(s) + milliseconds(ms);
  return Timestamp(duration_cast<milliseconds>(tp.time_since_epoch()));
}

// Parses exactly `n` decimal digits at s[pos].
bool Digits(std::string_view s, size_t pos, size_t n, unsigned& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + static_cast<unsigned>(s[i] - '0');
  }
  return true;
}

}  // namespace

Timestamp RealClock::Now() const {
  return std::chrono::time_point_cast<milliseconds>(std::chrono::system_clock::now());
}

const RealClock& RealClock::Get() {
  static const RealClock clock;
  return clock;
}

Timestamp StartOfDay(Timestamp t) { return Timestamp(floor<days>(t)); }

std::string FormatAmzDate(Timestamp t) {
  Civil c = ToCivil(t);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d%02u%02uT%02u%02u%02uZ", c.year, c.month, c.day, c.hour,
                c.minute, c.second);
  return buf;
}

std::string FormatAmzDay(Timestamp t) { return FormatAmzDate(t).substr(0, 8); }

std::optional<Timestamp> ParseAmzDate(std::string_view s) {
  unsigned y, mo, d, h, mi, sec;
  if (s.size() != 16 || s[8] != 'T' || s[15] != 'Z') return std::nullopt;
  if (!Digits(s, 0, 4, y) || !Digits(s, 4, 2, mo) || !Digits(s, 6, 2, d) || !Digits(s, 9, 2, h) ||
      !Digits(s, 11, 2, mi) || !Digits(s, 13, 2, sec)) {
    return std::nullopt;
  }
  return FromCivil(static_cast<int>(y), mo, d, h, mi, sec, 0);
}

std::string FormatHttpDate(Timestamp t) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  Civil c = ToCivil(t);
  std::chrono::weekday wd{floor<days>(t)};
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s, %02u %s %04d %02u:%02u:%02u GMT", kDays[wd.c_encoding()],
                c.day, kMonths[c.month - 1], c.year, c.hour, c.minute, c.second);
  return buf;
}

std::string FormatIso8601(Timestamp t, bool with_millis) {
  Civil c = ToCivil(t);
  char buf[40];
  if (with_millis) {
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02u:%02u:%02u.%03uZ", c.year, c.month, c.day,
                  c.hour, c.minute, c.second, c.millis);
  } else {
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02u:%02u:%02uZ", c.year, c.month, c.day, c.hour,
                  c.minute, c.second);
  }
  return buf;
}

std::optional<Timestamp> ParseIso8601(std::string_view s) {
  unsigned y, mo, d, h, mi, sec, ms = 0;
  if (s.size() < 19 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') ||
      s[13] != ':' || s[16] != ':') {
    return std::nullopt;
  }
  if (!Digits(s, 0, 4, y) || !Digits(s, 5, 2, mo) || !Digits(s, 8, 2, d) || !Digits(s, 11, 2, h) ||
      !Digits(s, 14, 2, mi) || !Digits(s, 17, 2, sec)) {
    return std::nullopt;
  }
  size_t pos = 19;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    size_t start = pos;
    unsigned scale = 100;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      ms += static_cast<unsigned>(s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start) return std::nullopt;
  }
  int offset_minutes = 0;
  if (pos == s.size()) {
    // No zone: UTC.
  } else if (s[pos] == 'Z' || s[pos] == 'z') {
    ++pos;
  } else if (s[pos] == '+' || s[pos] == '-') {
    unsigned oh, om;
    if (pos + 6 != s.size() || s[pos + 3] != ':' || !Digits(s, pos + 1, 2, oh) ||
        !Digits(s, pos + 4, 2, om)) {
      return std::nullopt;
    }
    offset_minutes = static_cast<int>(oh * 60 + om) * (s[pos] == '+' ? 1 : -1);
    pos += 6;
  }
  if (pos != s.size()) return std::nullopt;
  auto t = FromCivil(static_cast<int>(y), mo, d, h, mi, sec, ms);
  if (!t) return std::nullopt;
  return *t - std::chrono::minutes(offset_minutes);
}

}  // namespace coffer
